import { applyValue, Attr, AttrsValue, BuiltinValue, listElements, partialList, Thunk, unknown, UnknownValue, Value } from '../value';
import { limitReached, MAX_ATTRS, MAX_LIST_LENGTH, MAX_STRING_LENGTH } from '../limits';

/**
 * The pieces every builtin is made of. A builtin is strict only where Nix is:
 * what it does not need stays a thunk, and an argument it cannot read makes
 * its result unknown with a reason that names the function.
 */

export type Builtins = Record<string, Value>;

export function builtin(name: string, arity: number, impl: (args: Thunk[]) => Value): BuiltinValue {
  return { kind: 'builtin', name, arity, args: [], impl };
}

export const str = (value: string): Value => ({ kind: 'string', value });
export const bool = (value: boolean): Value => ({ kind: 'bool', value });
export const int = (value: number): Value => ({ kind: 'int', value });
export const list = (items: Thunk[]): Value => ({ kind: 'list', items });
export const NULL: Value = { kind: 'null' };

export function attrs(entries: Iterable<[string, Thunk]>, open?: string): AttrsValue {
  const map = new Map<string, Attr>();
  for (const [name, value] of entries) map.set(name, { value });
  return open ? { kind: 'attrs', attrs: map, open } : { kind: 'attrs', attrs: map };
}

/** An attribute set of known values, open (a missing name reads as unknown) when `open` is given. */
export function record(entries: Record<string, Value>, open?: string): AttrsValue {
  return attrs(Object.entries(entries).map(([k, v]) => [k, Thunk.of(v)]), open);
}

/** Calls a function on each argument in turn (`f a b`). */
export function call(fn: Value, ...args: Thunk[]): Value {
  let result = fn;
  for (const arg of args) result = applyValue(result, arg);
  return result;
}

export function callLazy(fn: Thunk, ...args: Thunk[]): Thunk {
  return Thunk.lazy(() => call(fn.force(), ...args));
}

type Kind = Value['kind'];
type Of<K extends Kind> = Value & { kind: K };

/**
 * The value when it is of the kind a builtin needs; otherwise an unknown
 * saying which function could not read what.
 */
export function need<K extends Kind>(value: Value, kind: K, fn: string): Of<K> | UnknownValue {
  if (value.kind === kind) return value as Of<K>;
  if (value.kind === 'unknown') return { kind: 'unknown', why: `${fn}: ${value.why}` };
  return unknown(`${fn} expects a ${kind}, not a ${value.kind}`);
}

/** Attribute names in the order Nix lists them (sorted). */
export function sortedNames(set: AttrsValue): string[] {
  return [...set.attrs.keys()].sort(compareNames);
}

export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A list result of which some elements may not be known: a list when
 * nothing is missing, else a partial list (module lists keep what they can
 * read).
 */
export function listResult(items: Thunk[], missing: string | undefined): Value {
  return missing === undefined ? list(items) : partialList(missing, items);
}

/** The elements of a list argument, or an unknown where it is no list at all. */
export function elements(value: Value, fn: string): { items: Thunk[]; missing?: string } | UnknownValue {
  const found = listElements(value);
  if (found) return found;
  return value.kind === 'unknown' ? { kind: 'unknown', why: `${fn}: ${value.why}` } : unknown(`${fn} expects a list, not a ${value.kind}`);
}

/**
 * What a builtin gives where the value it would build is larger than
 * declint builds (a list, a string or a set that doubles at every step):
 * unknown, noted at the value being read.
 */
export function tooLarge(fn: string, what: 'list' | 'string' | 'set'): UnknownValue {
  const [max, unit] = what === 'list' ? [MAX_LIST_LENGTH, 'elements'] : what === 'string' ? [MAX_STRING_LENGTH, 'characters'] : [MAX_ATTRS, 'attributes'];
  return unknown(limitReached(`${fn} builds a ${what} of more than ${max.toLocaleString('en')} ${unit}`));
}

export function isUnknownValue(value: unknown): value is UnknownValue {
  return typeof value === 'object' && value !== null && (value as Value).kind === 'unknown';
}

/** A boolean a builtin decides on; undefined (with the reason) where it is not known. */
export function truth(value: Value): boolean | UnknownValue {
  if (value.kind === 'bool') return value.value;
  if (value.kind === 'unknown') return value;
  return unknown(`expected a bool, not a ${value.kind}`);
}

/** The text of a string-like value for builtins that compare or cut text; undefined when not known. */
export function text(value: Value): string | undefined {
  if (value.kind === 'string' && value.input === undefined) return value.value;
  if (value.kind === 'path') return value.absolute ?? value.value;
  return undefined;
}

/** The `via` of a value made by `fn` from `source` (`mapAttrs over readDir hosts`), kept short. */
export function via(fn: string, source: Value): string {
  const from = source.via;
  const text = from ? `${fn} over ${from}` : fn;
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** A value with a `via`. */
export function made<T extends Value>(value: T, fn: string, source: Value): T {
  // Object.assign: an object literal that spreads and then adds properties is slow on Node 20 (evaluate.ts, evalBounded).
  return Object.assign({}, value, { via: via(fn, source) });
}
