import type { FlakeLock } from '../flake/lock';
import type { LineIndex } from '../source/position';
import type { Finding } from '../findings/finding';
import type { PredicateContext } from './predicates';
import type { Rule } from './rule';
import { firstExplicitViolation, violationFinding } from './violation';

/** Every non-root node of a lock file, judged as a whole (`locked`, `original`, `flake`). */
export function checkFlakeLock(file: string, lock: FlakeLock, rule: Rule, ctx: PredicateContext, lines: LineIndex): Finding[] {
  if ('lockField' in rule.subject) {
    const value = lock.version ?? null;
    const violation = firstExplicitViolation(rule, value, ctx);
    if (!violation) return [];
    const range = lock.versionRange ?? lines.range(0, 1);
    return [violationFinding(rule, violation, value, { path: rule.subject.lockField }, { file, range, subject: `lock:${rule.subject.lockField}` })];
  }
  if (!('node' in rule.subject)) return [];
  const out: Finding[] = [];
  for (const node of lock.nodes) {
    if (node.key === lock.root) continue;
    const violation = firstExplicitViolation(rule, node.data, ctx);
    if (!violation) continue;
    const locked = (node.data.locked ?? {}) as Record<string, unknown>;
    const vars = { node: node.key, type: typeof locked.type === 'string' ? locked.type : 'unknown' };
    const range = rule.subject.at === 'locked' && node.lockedRange ? node.lockedRange : node.keyRange;
    out.push(violationFinding(rule, violation, node.key, vars, { file, range, subject: `node:${node.key}` }));
  }
  return out;
}
