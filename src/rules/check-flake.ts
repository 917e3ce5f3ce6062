import type { FlakeNix } from '../flake/flake-nix';
import type { FlakeLock } from '../flake/lock';
import type { Finding } from '../findings/finding';
import type { LineIndex, Range } from '../source/position';
import type { PredicateContext } from './predicates';
import type { Rule } from './rule';
import { firstExplicitViolation, violationFinding } from './violation';

export interface FlakeToCheck {
  file: string;
  flake: FlakeNix;
  lines: LineIndex;
  /** The `flake.lock` beside it, when there is one. */
  lock?: { file: string; lock: FlakeLock };
}

/** A lock-sync entry: an input declared but not locked, or locked but no longer declared. */
export interface LockSyncEntry {
  input: string;
  declared: boolean;
  locked: boolean;
}

/**
 * A `flake` rule on one flake.nix: each input (`{ name, url, flake, follows,
 * …attrs }`), each `nixConfig` setting (`{ name, value }`), or each input on
 * which flake.nix and flake.lock disagree.
 */
export function checkFlakeNix(target: FlakeToCheck, rule: Rule, ctx: PredicateContext): Finding[] {
  if (!('flake' in rule.subject)) return [];
  const { file, flake, lines } = target;
  const out: Finding[] = [];
  const report = (value: unknown, shown: unknown, vars: Record<string, string>, at: { file: string; range: Range }, subject: string) => {
    const violation = firstExplicitViolation(rule, value, ctx);
    if (violation) out.push(violationFinding(rule, violation, shown, vars, { file: at.file, range: at.range, subject }));
  };
  switch (rule.subject.flake) {
    case 'inputs':
      for (const input of flake.inputs) {
        const value = { ...input.attrs, name: input.name, ...(input.url !== undefined ? { url: input.url } : {}), ...(input.flake !== undefined ? { flake: input.flake } : {}) };
        report(value, input.url ?? input.name, { input: input.name, url: input.url ?? '' }, { file, range: lines.rangeOf(input.span) }, `input:${input.name}`);
      }
      break;
    case 'nixConfig':
      for (const setting of flake.nixConfig) {
        if (setting.value === undefined) continue;
        report({ name: setting.name, value: setting.value }, setting.value, { setting: setting.name }, { file, range: lines.rangeOf(setting.span) }, `nixConfig:${setting.name}`);
      }
      break;
    case 'lockSync': {
      if (!target.lock || !flake.inputsKnown) break;
      const lockFile = target.lock.file;
      const lock = target.lock.lock;
      const locked = new Set(Object.keys(lock.rootInputs));
      const declared = new Map(flake.inputs.map((i) => [i.name, i]));
      for (const name of flake.outputsArgs) if (!declared.has(name)) declared.set(name, { name, attrs: {}, span: flake.span });
      for (const [name, input] of declared) {
        const entry: LockSyncEntry = { input: name, declared: true, locked: locked.has(name) };
        report(entry, name, { input: name }, { file, range: lines.rangeOf(input.span) }, `lock-sync:${name}`);
      }
      const root = lock.nodes.find((n) => n.key === lock.root);
      for (const name of locked) {
        if (declared.has(name)) continue;
        const entry: LockSyncEntry = { input: name, declared: false, locked: true };
        const range = root?.inputRanges[name] ?? root?.keyRange ?? lock.rootRange;
        if (range) report(entry, name, { input: name }, { file: lockFile, range }, `lock-sync:${name}`);
      }
      break;
    }
  }
  return out;
}
