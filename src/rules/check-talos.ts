import type { Finding } from '../findings/finding';
import type { LineIndex } from '../source/position';
import { TalosFile, valueAt } from '../talos/documents';
import type { PredicateContext } from './predicates';
import type { Rule } from './rule';
import { firstExplicitViolation, violationFinding } from './violation';

/** Explicit values in a Talos file: the rule's YAML path in every document of its kind. */
export function checkTalosFile(file: string, talos: TalosFile, lines: LineIndex, rule: Rule, ctx: PredicateContext): Finding[] {
  if (!('document' in rule.subject)) return [];
  const { document: kind, path } = rule.subject;
  const segments = path.split('.');
  const out: Finding[] = [];
  for (const doc of talos.documents) {
    if (doc.kind !== kind || doc.role === 'json6902-patch') continue;
    const located = valueAt(doc.document, segments, lines);
    if (!located || located.value === null || located.value === undefined) continue;
    const violation = firstExplicitViolation(rule, located.value, ctx);
    if (!violation) continue;
    out.push(
      violationFinding(rule, violation, located.value, { path }, { file, range: located.range, subject: `${path}=${JSON.stringify(located.value)}` }),
    );
  }
  return out;
}
