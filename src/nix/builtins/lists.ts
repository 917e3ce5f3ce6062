import { listElements, Thunk, unknown, Value, valuesEqual } from '../value';
import { Builtins, builtin, call, callLazy, elements, int, isUnknownValue, list, listResult, made, need, bool, tooLarge, truth } from './registry';
import { limitReached, MAX_COMPARISONS, MAX_LIST_LENGTH } from '../limits';

/**
 * List functions of `builtins` and nixpkgs `lib.lists`. A list some of whose
 * elements are not known (a partial list) stays partial through `map`,
 * `filter`, `concatMap`, `flatten` and `++`, so a module list keeps the
 * modules it can read; everything that needs the whole list (its length, a
 * fold) is unknown.
 */

/** `map f list`: lazily, element by element. */
const map = builtin('map', 2, ([fn, xs]) => {
  const found = elements(xs.force(), 'map');
  if (isUnknownValue(found)) return found;
  return made(listResult(found.items.map((item) => callLazy(fn, item)), found.missing), 'map', xs.force());
});

const filter = builtin('filter', 2, ([pred, xs]) => {
  const found = elements(xs.force(), 'filter');
  if (isUnknownValue(found)) return found;
  const kept: Thunk[] = [];
  let missing = found.missing;
  for (const item of found.items) {
    const keep = truth(call(pred.force(), item));
    if (keep === true) kept.push(item);
    else if (keep !== false) missing ??= `filter: ${keep.why}`;
  }
  return made(listResult(kept, missing), 'filter', xs.force());
});

/** `concatLists [ a b ]`, and the list part of `concatMap` and `flatten`: partial lists stay partial. */
function concatenate(lists: Value[], fn: string, missingAlready?: string): Value {
  const items: Thunk[] = [];
  let missing = missingAlready;
  for (const sub of lists) {
    const found = listElements(sub);
    if (found) {
      if (items.length + found.items.length > MAX_LIST_LENGTH) return tooLarge(fn, 'list');
      items.push(...found.items);
      if (found.missing !== undefined) missing ??= found.missing;
    } else if (sub.kind === 'unknown') missing ??= `${fn}: ${sub.why}`;
    else return unknown(`${fn} of a ${sub.kind}, not a list`);
  }
  return listResult(items, missing);
}

const concatLists = builtin('concatLists', 1, ([xss]) => {
  const found = elements(xss.force(), 'concatLists');
  if (isUnknownValue(found)) return found;
  return concatenate(found.items.map((t) => t.force()), 'concatLists', found.missing);
});

const concatMap = builtin('concatMap', 2, ([fn, xs]) => {
  const found = elements(xs.force(), 'concatMap');
  if (isUnknownValue(found)) return found;
  return concatenate(found.items.map((item) => call(fn.force(), item)), 'concatMap', found.missing);
});

/** `lib.flatten`: nested lists made flat; an element not known to be a list or not leaves the result partial. */
const flatten = builtin('flatten', 1, ([x]) => {
  const items: Thunk[] = [];
  let missing: string | undefined;
  let visited = 0;
  const walk = (value: Value, thunk: Thunk, depth: number): void => {
    if (depth > 64) {
      missing ??= 'flatten: nested too deeply';
      return;
    }
    // A list that holds the same list twice at every level is small in memory and huge flattened.
    if (++visited > MAX_LIST_LENGTH) return;
    const found = listElements(value);
    if (found) {
      if (found.missing !== undefined) missing ??= found.missing;
      for (const item of found.items) walk(item.force(), item, depth + 1);
    } else if (value.kind === 'unknown') missing ??= `flatten: ${value.why}`;
    else items.push(thunk);
  };
  walk(x.force(), x, 0);
  if (visited > MAX_LIST_LENGTH) return tooLarge('flatten', 'list');
  // `flatten 1` is `[ 1 ]`: the top value is wrapped when it is no list.
  return listResult(items, missing);
});

/** A builtin on a whole known list: unknown when the list is partial. */
function whole(name: string, arity: number, impl: (items: Thunk[], args: Thunk[]) => Value) {
  return builtin(name, arity, (args) => {
    const xs = need(args[arity - 1].force(), 'list', name);
    if (xs.kind === 'unknown') return xs;
    return impl(xs.items, args.slice(0, arity - 1));
  });
}

const length = whole('length', 1, (items) => int(items.length));
const head = whole('head', 1, (items) => (items.length > 0 ? items[0].force() : unknown('head of an empty list')));
const tail = whole('tail', 1, (items) => (items.length > 0 ? list(items.slice(1)) : unknown('tail of an empty list')));
const last = whole('last', 1, (items) => (items.length > 0 ? items[items.length - 1].force() : unknown('last of an empty list')));
const init = whole('init', 1, (items) => (items.length > 0 ? list(items.slice(0, -1)) : unknown('init of an empty list')));
const reverseList = whole('reverseList', 1, (items) => list([...items].reverse()));

const elemAt = builtin('elemAt', 2, ([xs, n]) => {
  const l = need(xs.force(), 'list', 'elemAt');
  const i = need(n.force(), 'int', 'elemAt');
  if (l.kind === 'unknown') return l;
  if (i.kind === 'unknown') return i;
  return i.value >= 0 && i.value < l.items.length ? l.items[i.value].force() : unknown(`elemAt: index ${i.value} out of range`);
});

/** `elem x list`: true when found among the known elements, false only when the whole list is known. */
const elem = builtin('elem', 2, ([x, xs]) => {
  const found = elements(xs.force(), 'elem');
  if (isUnknownValue(found)) return found;
  const needle = x.force();
  let undecided = found.missing;
  for (const item of found.items) {
    const eq = valuesEqual(needle, item.force());
    if (eq === true) return bool(true);
    if (eq === undefined) undecided ??= 'elem: an element is not known';
  }
  return undecided === undefined ? bool(false) : unknown(undecided);
});

/** `any`/`all`: decided by one element where that suffices, else by all of them. */
function quantifier(name: 'any' | 'all') {
  const decisive = name === 'any';
  return builtin(name, 2, ([pred, xs]) => {
    const found = elements(xs.force(), name);
    if (isUnknownValue(found)) return found;
    let undecided = found.missing;
    for (const item of found.items) {
      const t = truth(call(pred.force(), item));
      if (t === decisive) return bool(decisive);
      if (typeof t !== 'boolean') undecided ??= `${name}: ${t.why}`;
    }
    return undecided === undefined ? bool(!decisive) : unknown(undecided);
  });
}

/** `foldl' op nul list` (also `foldl`): strict in the list, lazy in nothing else Nix is strict in. */
const foldlStrict = (name: string) =>
  whole(name, 3, (items, [op, nul]) => {
    let acc: Thunk = nul;
    for (const item of items) acc = Thunk.of(call(op.force(), acc, item));
    return acc.force();
  });

const foldr = whole('foldr', 3, (items, [op, nul]) => {
  let acc: Thunk = nul;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    const rest = acc;
    acc = Thunk.lazy(() => call(op.force(), item, rest));
  }
  return acc.force();
});

const genList = builtin('genList', 2, ([fn, n]) => {
  const count = need(n.force(), 'int', 'genList');
  if (count.kind === 'unknown') return count;
  if (count.value > MAX_LIST_LENGTH) return tooLarge('genList', 'list');
  return list(Array.from({ length: Math.max(0, count.value) }, (_, i) => callLazy(fn, Thunk.of(int(i)))));
});

const range = builtin('range', 2, ([from, to]) => {
  const a = need(from.force(), 'int', 'range');
  const b = need(to.force(), 'int', 'range');
  if (a.kind === 'unknown') return a;
  if (b.kind === 'unknown') return b;
  // Beyond 2^53 `i++` no longer moves: such a range is no list of distinct numbers.
  if (!Number.isSafeInteger(a.value) || !Number.isSafeInteger(b.value)) return unknown('range of numbers beyond 2^53');
  if (b.value - a.value >= MAX_LIST_LENGTH) return tooLarge('range', 'list');
  const items: Thunk[] = [];
  for (let i = a.value; i <= b.value; i++) items.push(Thunk.of(int(i)));
  return list(items);
});

/** `lib.unique`: the first of equal elements kept; unknown when two cannot be compared. */
const unique = whole('unique', 1, (items) => {
  if (items.length * items.length > 2 * MAX_COMPARISONS) return unknown(limitReached(`unique compares each of ${items.length.toLocaleString('en')} elements with the others, more than ${MAX_COMPARISONS.toLocaleString('en')} comparisons`));
  const kept: Thunk[] = [];
  for (const item of items) {
    let seen = false;
    for (const k of kept) {
      const eq = valuesEqual(k.force(), item.force());
      if (eq === undefined) return unknown('unique: an element is not known');
      if (eq) seen = true;
    }
    if (!seen) kept.push(item);
  }
  return list(kept);
});

const imap = (name: string, base: number) => builtin(name, 2, ([fn, xs]) => {
  const l = need(xs.force(), 'list', name);
  if (l.kind === 'unknown') return l;
  return list(l.items.map((item, i) => callLazy(fn, Thunk.of(int(i + base)), item)));
});

const partition = whole('partition', 2, (items, [pred]) => {
  const right: Thunk[] = [];
  const wrong: Thunk[] = [];
  for (const item of items) {
    const t = truth(call(pred.force(), item));
    if (typeof t !== 'boolean') return unknown(`partition: ${t.why}`);
    (t ? right : wrong).push(item);
  }
  return { kind: 'attrs', attrs: new Map([['right', { value: Thunk.of(list(right)) }], ['wrong', { value: Thunk.of(list(wrong)) }]]) };
});

const sort = whole('sort', 2, (items, [cmp]) => {
  let failed: string | undefined;
  const sorted = [...items].sort((a, b) => {
    if (failed) return 0;
    const t = truth(call(cmp.force(), a, b));
    if (typeof t !== 'boolean') {
      failed = t.why;
      return 0;
    }
    if (t) return -1;
    const back = truth(call(cmp.force(), b, a));
    return back === true ? 1 : 0;
  });
  return failed ? unknown(`sort: ${failed}`) : list(sorted);
});

const toList = builtin('toList', 1, ([x]) => {
  const v = x.force();
  if (v.kind === 'list' || (v.kind === 'unknown' && v.knownItems)) return v;
  if (v.kind === 'unknown') return unknown(`toList: ${v.why}`);
  return list([x]);
});

const singleton = builtin('singleton', 1, ([x]) => list([x]));

const subtractLists = whole('subtractLists', 2, (items, [remove]) => {
  const r = need(remove.force(), 'list', 'subtractLists');
  if (r.kind === 'unknown') return r;
  if (items.length * r.items.length > MAX_COMPARISONS) return unknown(limitReached(`subtractLists compares ${items.length.toLocaleString('en')} elements with ${r.items.length.toLocaleString('en')}, more than ${MAX_COMPARISONS.toLocaleString('en')} comparisons`));
  const kept: Thunk[] = [];
  for (const item of items) {
    let drop = false;
    for (const x of r.items) {
      const eq = valuesEqual(x.force(), item.force());
      if (eq === undefined) return unknown('subtractLists: an element is not known');
      if (eq) drop = true;
    }
    if (!drop) kept.push(item);
  }
  return list(kept);
});

const take = whole('take', 2, (items, [n]) => {
  const c = need(n.force(), 'int', 'take');
  return c.kind === 'unknown' ? c : list(items.slice(0, Math.max(0, c.value)));
});

const drop = whole('drop', 2, (items, [n]) => {
  const c = need(n.force(), 'int', 'drop');
  return c.kind === 'unknown' ? c : list(items.slice(Math.max(0, c.value)));
});

const findFirst = whole('findFirst', 3, (items, [pred, fallback]) => {
  for (const item of items) {
    const t = truth(call(pred.force(), item));
    if (t === true) return item.force();
    if (t !== false) return unknown(`findFirst: ${t.why}`);
  }
  return fallback.force();
});

const count = whole('count', 2, (items, [pred]) => {
  let n = 0;
  for (const item of items) {
    const t = truth(call(pred.force(), item));
    if (typeof t !== 'boolean') return unknown(`count: ${t.why}`);
    if (t) n++;
  }
  return int(n);
});

const zipListsWith = builtin('zipListsWith', 3, ([fn, xs, ys]) => {
  const a = need(xs.force(), 'list', 'zipListsWith');
  const b = need(ys.force(), 'list', 'zipListsWith');
  if (a.kind === 'unknown') return a;
  if (b.kind === 'unknown') return b;
  const n = Math.min(a.items.length, b.items.length);
  return list(Array.from({ length: n }, (_, i) => callLazy(fn, a.items[i], b.items[i])));
});

export function listBuiltins(): Builtins {
  return {
    map, filter, concatLists, concatMap, length, head, tail, elemAt, elem, any: quantifier('any'), all: quantifier('all'),
    "foldl'": foldlStrict("foldl'"), genList, sort, partition,
  };
}

export function libLists(): Builtins {
  return {
    ...listBuiltins(),
    foldl: foldlStrict('foldl'), foldr, fold: foldr, flatten, last, init, reverseList, range, unique, imap0: imap('imap0', 0), imap1: imap('imap1', 1),
    toList, singleton, subtractLists, take, drop, findFirst, count, zipListsWith,
  };
}
