/**
 * The order of names, paths and messages in every report: English
 * collation (what `localeCompare` gives under an English locale), whatever
 * the locale of the machine that runs declint. `localeCompare` without a
 * locale follows `LANG`: under a Turkish locale `i` and `I` are different
 * letters, and the same scan listed its findings in another order.
 */
let collator: Intl.Collator | undefined;

export function compareText(a: string, b: string): number {
  return (collator ??= new Intl.Collator('en')).compare(a, b);
}
