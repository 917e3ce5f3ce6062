import type { Finding, RelatedLocation } from '../findings/finding';
import { shownValue } from '../redaction/secrets';
import type { Range } from '../source/position';
import { NAMED_PREDICATES, NamedPredicate } from './named-predicates';
import { PredicateContext, testPredicate } from './predicates';
import type { Predicate, Rule, Violation } from './rule';

/** The first explicit violation (of the given ones) whose test holds for the value (a known value only). */
export function firstExplicitViolation(violations: Rule | Violation[], value: unknown, ctx: PredicateContext): Violation | undefined {
  const list = Array.isArray(violations) ? violations : violations.violations;
  return list.find((v) => v.mode === 'explicit' && testPredicate(v.test, value, ctx) === true);
}

/** Whether the rule judges the known parts of a value whose other parts are unknown (`subject.partial`). */
export function judgesPartially(rule: Rule): boolean {
  return 'option' in rule.subject && rule.subject.partial === true;
}

/**
 * What made a test hold, in words, where a named predicate can say
 * (`kernel.kptr_restrict = 0` of a sysctl map): the `{culprit}` of messages.
 * A predicate's `culprit` names only a part that makes it hold.
 */
export function culpritOf(test: Predicate, value: unknown): string | undefined {
  return fromNamed(test, (named) => named.culprit?.(value));
}

/** The path inside the value of what made a test hold, where a named predicate says (the line to report). */
export function culpritPathOf(test: Predicate, value: unknown): string[] | undefined {
  return fromNamed(test, (named) => named.culpritPath?.(value));
}

function fromNamed<T>(test: Predicate, read: (named: NamedPredicate) => T | undefined): T | undefined {
  if ('named' in test) {
    const named = NAMED_PREDICATES[test.named];
    return named ? read(named) : undefined;
  }
  const parts = 'any' in test ? test.any : 'all' in test ? test.all : [];
  for (const p of parts) {
    const found = fromNamed(p, read);
    if (found !== undefined) return found;
  }
  return undefined;
}

export interface FindingSite {
  file: string;
  range: Range;
  related?: RelatedLocation[];
  /** A line-independent identity: rule subject and value. */
  subject: string;
  /** Where the value is written (an option path, a YAML path): secrets there are never shown. */
  valuePath?: readonly string[];
}

/** A finding from a rule's violation; `{value}` and the given variables fill the message. */
export function violationFinding(rule: Rule, violation: Violation, value: unknown, vars: Record<string, string>, site: FindingSite): Finding {
  return {
    ruleId: rule.id,
    severity: violation.severity,
    message: renderMessage(violation.message, { value: shownValue(value, site.valuePath ?? [], rule.target), culprit: culpritOf(violation.test, value) ?? '', ...vars }),
    location: { file: site.file, range: site.range },
    related: site.related ?? [],
    subject: site.subject,
  };
}

/** Replaces `{name}` placeholders; unknown placeholders stay as written. */
export function renderMessage(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? vars[name] : whole));
}
