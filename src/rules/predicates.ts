import type { Predicate } from './rule';
import type { FlakePolicy } from '../flake/policy';
import { NAMED_PREDICATES } from './named-predicates';
import { after } from '../source/watched-date';

/** Three-valued: `undefined` when the predicate cannot decide on this value. */
export type Verdict = boolean | undefined;

export interface PredicateContext {
  /** "Today" for age predicates, injectable so results are reproducible. */
  now: Date;
  /** The flake policy of `.declint.yaml` (stale age, approved sources); defaults apply without it. */
  flakePolicy?: FlakePolicy;
}

/** Evaluates a rule predicate on a known (plain JSON) value. */
export function testPredicate(predicate: Predicate, value: unknown, ctx: PredicateContext): Verdict {
  if ('equals' in predicate) return deepEqual(value, predicate.equals);
  if ('notEquals' in predicate) return !deepEqual(value, predicate.notEquals);
  if ('oneOf' in predicate) return predicate.oneOf.some((candidate) => deepEqual(value, candidate));
  if ('noneOf' in predicate) return !predicate.noneOf.some((candidate) => deepEqual(value, candidate));
  if ('matches' in predicate) return typeof value === 'string' ? compiled(predicate.matches).test(value) : undefined;
  if ('notMatches' in predicate) return typeof value === 'string' ? !compiled(predicate.notMatches).test(value) : undefined;
  if ('contains' in predicate) return Array.isArray(value) ? value.some((item) => deepEqual(item, predicate.contains)) : undefined;
  if ('notContains' in predicate) return Array.isArray(value) ? !value.some((item) => deepEqual(item, predicate.notContains)) : undefined;
  if ('containsAny' in predicate) {
    return Array.isArray(value) ? value.some((item) => predicate.containsAny.some((c) => deepEqual(item, c))) : undefined;
  }
  if ('lessThan' in predicate) {
    const n = numberOf(value);
    return n === undefined ? undefined : n < predicate.lessThan;
  }
  if ('greaterThan' in predicate) {
    const n = numberOf(value);
    return n === undefined ? undefined : n > predicate.greaterThan;
  }
  if ('olderThanDays' in predicate) {
    const time = timestamp(value);
    return time === undefined ? undefined : after(ctx.now, time + predicate.olderThanDays * 86_400_000);
  }
  if ('exists' in predicate) return value !== undefined && value !== null;
  if ('absent' in predicate) return value === undefined || value === null;
  if ('all' in predicate) return combine(predicate.all.map((p) => testPredicate(p, value, ctx)), 'all');
  if ('any' in predicate) return combine(predicate.any.map((p) => testPredicate(p, value, ctx)), 'any');
  if ('not' in predicate) {
    const inner = testPredicate(predicate.not, value, ctx);
    return inner === undefined ? undefined : !inner;
  }
  const named = NAMED_PREDICATES[predicate.named];
  if (!named) throw new Error(`unknown named predicate ${predicate.named}`);
  return named.test(value, ctx);
}

/** Rule patterns, compiled once (loading refused those that backtrack catastrophically: regex-safety.ts). */
const patterns = new Map<string, RegExp>();

function compiled(pattern: string): RegExp {
  let regex = patterns.get(pattern);
  if (!regex) patterns.set(pattern, (regex = new RegExp(pattern)));
  return regex;
}

function combine(verdicts: Verdict[], mode: 'all' | 'any'): Verdict {
  if (mode === 'all') {
    if (verdicts.includes(false)) return false;
    return verdicts.includes(undefined) ? undefined : true;
  }
  if (verdicts.includes(true)) return true;
  return verdicts.includes(undefined) ? undefined : false;
}

/** A number, or a string that is one (`"5"`: sysctls and sshd settings are often written as strings). */
function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/** Unix seconds (flake.lock `lastModified`) or an ISO date string, in milliseconds. */
function timestamp(value: unknown): number | undefined {
  if (typeof value === 'number') return value * 1000;
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => deepEqual(item, other[i]));
  }
  const ak = Object.keys(a as object);
  const bk = Object.keys(b as object);
  return ak.length === bk.length && ak.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
