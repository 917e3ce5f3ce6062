import type { Finding, RelatedLocation } from '../findings/finding';
import { shownValue } from '../redaction/secrets';
import type { Range } from '../source/position';
import { PredicateContext, testPredicate } from './predicates';
import type { Rule, Violation } from './rule';

/** The first explicit violation whose test holds for the value (a known value only). */
export function firstExplicitViolation(rule: Rule, value: unknown, ctx: PredicateContext): Violation | undefined {
  return rule.violations.find((v) => v.mode === 'explicit' && testPredicate(v.test, value, ctx) === true);
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
    message: renderMessage(violation.message, { value: shownValue(value, site.valuePath ?? [], rule.target), ...vars }),
    location: { file: site.file, range: site.range },
    related: site.related ?? [],
    subject: site.subject,
  };
}

/** Replaces `{name}` placeholders; unknown placeholders stay as written. */
export function renderMessage(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? vars[name] : whole));
}
