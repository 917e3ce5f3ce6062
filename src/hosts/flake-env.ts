import type { EvalSession } from '../nix/evaluate';
import { Attr, AttrsValue, Thunk, unknown, Value } from '../nix/value';
import type { InputKind } from './input-kinds';

/**
 * One flake being evaluated: where it is, its `self` (the fixed point of its
 * outputs) and its inputs' stand-ins. Framework models read it to find the
 * flake's own files (clan's `machines/`, snowfall's `systems/`).
 */
export interface FlakeEnv {
  session: EvalSession;
  /** The flake's directory (absolute). */
  dir: string;
  /** Report path of its `flake.nix`. */
  file: string;
  /** `self`: the flake's outputs with `outPath`, `inputs` and `sourceInfo`. */
  self: Thunk;
  /** Every input's stand-in by name, `self` included. */
  inputs: Thunk;
  kinds: Map<string, InputKind>;
}

/** An attribute set of thunks. */
export function attrSet(entries: Iterable<[string, Thunk]>, open?: string, via?: string): AttrsValue {
  const attrs = new Map<string, Attr>();
  for (const [name, value] of entries) attrs.set(name, { value });
  const set: AttrsValue = open ? { kind: 'attrs', attrs, open } : { kind: 'attrs', attrs };
  return via ? { ...set, via } : set;
}

/** A member of a set, forced; unknown (saying what is missing) where there is none. */
export function member(set: Value, name: string): Value {
  if (set.kind !== 'attrs') return set.kind === 'unknown' ? set : unknown(`${name} of a ${set.kind}`);
  const found = set.attrs.get(name);
  if (found) return found.value.force();
  return unknown(set.open ? `${name}: ${set.open}` : `${name} is not set`);
}

/** A member that may be absent: undefined when the set surely has no such name. */
export function optionalMember(set: Value, name: string): Value | undefined {
  if (set.kind !== 'attrs') return set.kind === 'unknown' ? set : undefined;
  const found = set.attrs.get(name);
  if (found) return found.value.force();
  return set.open ? unknown(`${name}: ${set.open}`) : undefined;
}

/** The known text of a string value. */
export function stringOf(value: Value | undefined): string | undefined {
  return value?.kind === 'string' && value.input === undefined ? value.value : undefined;
}
