import type { Finding } from '../findings/finding';
import type { LineIndex } from '../source/position';
import { TalosFile, valuesAt } from '../talos/documents';
import { PredicateContext, testPredicate } from './predicates';
import type { Rule } from './rule';
import { firstExplicitViolation, renderMessage, violationFinding } from './violation';

/**
 * A Talos rule on one file:
 * - explicit values: the rule's YAML path (with `*` for any key or list item)
 *   in every document of its kind, patches included;
 * - absence: only in a complete machine config (a patch leaves everything it
 *   does not mention to the base), judged against the rule's default and
 *   reported at the start of the document.
 */
export function checkTalosFile(file: string, talos: TalosFile, lines: LineIndex, rule: Rule, ctx: PredicateContext): Finding[] {
  if (!('document' in rule.subject)) return [];
  const { document: kind, path } = rule.subject;
  const segments = path.split('.');
  const out: Finding[] = [];
  for (const doc of talos.documents) {
    if (doc.kind !== kind || doc.role === 'json6902-patch') continue;
    const found = valuesAt(doc.document, segments, lines).filter((l) => l.value !== null && l.value !== undefined);
    for (const located of found) {
      const violation = firstExplicitViolation(rule, located.value, ctx);
      if (!violation) continue;
      const concrete = located.path.join('.');
      out.push(violationFinding(rule, violation, located.value, { path: concrete }, { file, range: located.range, subject: `${concrete}=${JSON.stringify(located.value)}` }));
    }
    if (found.length === 0 && doc.role === 'machine-config' && rule.default !== undefined && !segments.includes('*')) {
      const violation = rule.violations.find((v) => v.mode === 'default' && testPredicate(v.test, rule.default, ctx) === true);
      if (!violation) continue;
      const message = renderMessage(violation.message, { path, value: JSON.stringify(rule.default) }).replace(/\.$/, '');
      out.push({
        ruleId: rule.id,
        severity: violation.severity,
        message: `${message} (${path} is not set).`,
        location: { file, range: { start: doc.range.start, end: doc.range.start } },
        related: [],
        subject: `${rule.id}@default`,
      });
    }
  }
  return out;
}
