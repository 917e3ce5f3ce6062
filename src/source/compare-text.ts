/**
 * The order of names, paths and messages in every report: English
 * collation (what `localeCompare` gives under an English locale), whatever
 * the locale of the machine that runs declint. `localeCompare` without a
 * locale follows `LANG`: under a Turkish locale `i` and `I` are different
 * letters, and the same scan listed its findings in another order.
 *
 * Strings of printable ASCII (and tab, line feed, vertical tab, form feed,
 * carriage return) are compared here, as the collator compares them:
 * first by each character's primary weight (`COLLATION_ORDER`, where a
 * letter's two cases weigh the same), a string that is a prefix of the
 * other first; then, where those are equal, by case, lower before upper.
 * Other strings go to ICU's collator. Most runs compare only ASCII (rule
 * IDs, paths, option names) and so never pay for the collator's start
 * (about 6 ms, a fiftieth of a pre-commit hook run).
 * test/compare-text.test.ts checks the two agree.
 */

/** The characters of the fast path in the English collator's order; the letters' two cases are adjacent and weigh the same. */
export const COLLATION_ORDER = `\t\n\v\f\r _-,;:!?.'"()[]{}@*/\\&#%\`^+<=>|~$0123456789${[...'abcdefghijklmnopqrstuvwxyz'].map((l) => l + l.toUpperCase()).join('')}`;

/** Primary weight by character code (0: not on the fast path), and whether the character is an upper-case letter. */
const PRIMARY = new Uint8Array(128);
const UPPER = new Uint8Array(128);
{
  let weight = 0;
  for (const ch of COLLATION_ORDER) {
    const code = ch.charCodeAt(0);
    const isUpper = ch !== ch.toLowerCase();
    if (!isUpper) weight++;
    PRIMARY[code] = weight;
    UPPER[code] = isUpper ? 1 : 0;
  }
}

let collator: Intl.Collator | undefined;

export function compareText(a: string, b: string): number {
  if (!onFastPath(a) || !onFastPath(b)) return (collator ??= new Intl.Collator('en')).compare(a, b);
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const pa = PRIMARY[a.charCodeAt(i)];
    const pb = PRIMARY[b.charCodeAt(i)];
    if (pa !== pb) return pa < pb ? -1 : 1;
  }
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  for (let i = 0; i < n; i++) {
    const ua = UPPER[a.charCodeAt(i)];
    const ub = UPPER[b.charCodeAt(i)];
    if (ua !== ub) return ua < ub ? -1 : 1;
  }
  return 0;
}

function onFastPath(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code >= 128 || PRIMARY[code] === 0) return false;
  }
  return true;
}
