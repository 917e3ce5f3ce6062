import type { OptionExplanation } from '../../src/report/explain-option';
import type { OracleResult } from './module-oracle';

/** The security options the agreement with the module system is measured on. */
export const AGREEMENT_OPTIONS = [
  'services.openssh.enable',
  'services.openssh.settings.PermitRootLogin',
  'services.openssh.settings.PasswordAuthentication',
  'networking.firewall.enable',
  'networking.firewall.allowedTCPPorts',
  'nix.settings.trusted-users',
  'nix.settings.allowed-users',
  'boot.kernel.sysctl',
  'boot.kernelParams',
  'security.sudo.wheelNeedsPassword',
  'users.mutableUsers',
  'security.auditd.enable',
  'services.udev.extraRules',
  'networking.extraHosts',
];

/**
 * One (root, option) pair:
 * - `agree` / `wrong`: both say what the value is (or that nothing sets it), the same or not;
 * - `uncovered`: the module system resolves it, declint says unknown;
 * - `unresolved`: the module system fails on it with what declint reads too (a stand-in is used,
 *   or two values conflict), so there is nothing to agree with; `unresolved-known` when declint
 *   still claims a value there.
 */
export type Outcome = 'agree' | 'wrong' | 'uncovered' | 'unresolved' | 'unresolved-known';

/** declint's answer as the module system would print it: the value, absent, or undecided. */
export function declintAnswer(e: OptionExplanation): { kind: 'value'; value: unknown } | { kind: 'absent' } | { kind: 'unknown'; why: string } {
  if (e.status === 'known') return { kind: 'value', value: e.value };
  if (e.status === 'absent') return { kind: 'absent' };
  return { kind: 'unknown', why: e.why ?? '' };
}

export function outcome(e: OptionExplanation, o: OracleResult): Outcome {
  const d = declintAnswer(e);
  if (o.kind === 'error') return d.kind === 'value' ? 'unresolved-known' : 'unresolved';
  if (d.kind === 'unknown') return 'uncovered';
  if (o.kind === 'absent') return d.kind === 'absent' ? 'agree' : 'wrong';
  return d.kind === 'value' && sameValue(d.value, o.value) ? 'agree' : 'wrong';
}

/** Equal as JSON, where a path declint keeps as written (`./x`) and Nix resolves (`/abs/x`) compare by their end. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string' && a.startsWith('./') && b.startsWith('/')) return b.endsWith(a.slice(1));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

export interface Figures {
  pairs: number;
  resolved: number;
  agree: number;
  wrong: number;
  uncovered: number;
  unresolved: number;
  unresolvedKnown: number;
  /** agree / (agree + wrong): where both decide, how often declint says what the module system says. */
  agreement: number;
  /** wrong / resolved. */
  wrongRate: number;
  /** (agree + wrong) / resolved: where the module system resolves, how often declint decides. */
  coverage: number;
  /** Pairs where both give a value (not absence): agreeing / all. */
  valuePairs: { agree: number; all: number };
}

export function figures(rows: { outcome: Outcome; declint: OptionExplanation; oracle: OracleResult }[]): Figures {
  const count = (o: Outcome) => rows.filter((r) => r.outcome === o).length;
  const agree = count('agree');
  const wrong = count('wrong');
  const uncovered = count('uncovered');
  const resolved = agree + wrong + uncovered;
  const values = rows.filter((r) => r.oracle.kind === 'value' && r.declint.status === 'known');
  return {
    pairs: rows.length,
    resolved,
    agree,
    wrong,
    uncovered,
    unresolved: count('unresolved'),
    unresolvedKnown: count('unresolved-known'),
    agreement: agree + wrong ? agree / (agree + wrong) : 1,
    wrongRate: resolved ? wrong / resolved : 0,
    coverage: resolved ? (agree + wrong) / resolved : 1,
    valuePairs: { agree: values.filter((r) => r.outcome === 'agree').length, all: values.length },
  };
}
