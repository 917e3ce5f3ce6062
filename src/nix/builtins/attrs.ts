import { Attr, AttrsValue, Thunk, unknown, UnknownValue, Value } from '../value';
import { attrs, Builtins, builtin, call, callLazy, elements, isUnknownValue, list, listResult, made, need, bool, sortedNames, str, text, tooLarge, truth } from './registry';
import { MAX_ATTRS } from '../limits';

/**
 * Attribute-set functions of `builtins` and nixpkgs `lib.attrsets`. A set
 * whose names are not all known (`open`) stays open through them: a name it
 * may hold reads as unknown, never as absent, and its known names are kept.
 */

const attrNames = builtin('attrNames', 1, ([set]) => {
  const s = need(set.force(), 'attrs', 'attrNames');
  if (s.kind === 'unknown') return s;
  return made(listResult(sortedNames(s).map((n) => Thunk.of(str(n))), s.open), 'attrNames', s);
});

const attrValues = builtin('attrValues', 1, ([set]) => {
  const s = need(set.force(), 'attrs', 'attrValues');
  if (s.kind === 'unknown') return s;
  return made(listResult(sortedNames(s).map((n) => s.attrs.get(n)!.value), s.open), 'attrValues', s);
});

const hasAttr = builtin('hasAttr', 2, ([name, set]) => {
  const n = need(name.force(), 'string', 'hasAttr');
  const s = need(set.force(), 'attrs', 'hasAttr');
  if (n.kind === 'unknown') return n;
  if (s.kind === 'unknown') return s;
  if (s.attrs.has(n.value)) return bool(true);
  return s.open ? unknown(`hasAttr ${n.value}: ${s.open}`) : bool(false);
});

const getAttr = builtin('getAttr', 2, ([name, set]) => {
  const n = need(name.force(), 'string', 'getAttr');
  const s = need(set.force(), 'attrs', 'getAttr');
  if (n.kind === 'unknown') return n;
  if (s.kind === 'unknown') return s;
  const found = s.attrs.get(n.value);
  if (found) return found.value.force();
  return unknown(s.open ? `getAttr ${n.value}: ${s.open}` : `attribute ${n.value} missing`);
});

const removeAttrs = builtin('removeAttrs', 2, ([set, names]) => {
  const s = need(set.force(), 'attrs', 'removeAttrs');
  if (s.kind === 'unknown') return s;
  const found = elements(names.force(), 'removeAttrs');
  if (isUnknownValue(found)) return found;
  const removed = new Set<string>();
  for (const item of found.items) {
    const n = text(item.force());
    if (n === undefined) return unknown('removeAttrs: a name is not known');
    removed.add(n);
  }
  const out = new Map([...s.attrs].filter(([k]) => !removed.has(k)));
  const open = s.open ?? found.missing;
  return open ? { kind: 'attrs', attrs: out, open } : { kind: 'attrs', attrs: out };
});

/** `listToAttrs [ { name; value; } … ]`: the first of equal names wins, as in Nix. */
const listToAttrs = builtin('listToAttrs', 1, ([xs]) => {
  const found = elements(xs.force(), 'listToAttrs');
  if (isUnknownValue(found)) return found;
  const out = new Map<string, Attr>();
  let open = found.missing;
  for (const item of found.items) {
    const pair = item.force();
    if (pair.kind !== 'attrs') {
      open ??= pair.kind === 'unknown' ? `listToAttrs: ${pair.why}` : 'listToAttrs of a list of non-sets';
      continue;
    }
    const nameAttr = pair.attrs.get('name');
    const valueAttr = pair.attrs.get('value');
    const name = nameAttr ? text(nameAttr.value.force()) : undefined;
    if (name === undefined || !valueAttr) {
      open ??= 'listToAttrs: a name is not known';
      continue;
    }
    if (!out.has(name)) out.set(name, { value: valueAttr.value });
  }
  const result: AttrsValue = open ? { kind: 'attrs', attrs: out, open } : { kind: 'attrs', attrs: out };
  return made(result, 'listToAttrs', xs.force());
});

const nameValuePair = builtin('nameValuePair', 2, ([name, value]) => attrs([['name', name], ['value', value]]));

/** `mapAttrs f set`: lazily per name; an open set gives an open set. */
const mapAttrs = builtin('mapAttrs', 2, ([fn, set]) => {
  const s = need(set.force(), 'attrs', 'mapAttrs');
  if (s.kind === 'unknown') return s;
  const out = new Map<string, Attr>();
  for (const [name, attr] of s.attrs) out.set(name, { value: callLazy(fn, Thunk.of(str(name)), attr.value), ...(attr.binding ? { binding: attr.binding, file: attr.file } : {}) });
  const result: AttrsValue = s.open ? { kind: 'attrs', attrs: out, open: s.open } : { kind: 'attrs', attrs: out };
  return made(result, 'mapAttrs', s);
});

/** `mapAttrs' f set`: each name's pair gives the new name and value. */
const mapAttrsPrime = builtin("mapAttrs'", 2, ([fn, set]) => {
  const s = need(set.force(), 'attrs', "mapAttrs'");
  if (s.kind === 'unknown') return s;
  const pairs = sortedNames(s).map((name) => Thunk.lazy(() => call(fn.force(), Thunk.of(str(name)), s.attrs.get(name)!.value)));
  return made(call(listToAttrs, Thunk.of(listResult(pairs, s.open))), "mapAttrs'", s);
});

const mapAttrsToList = builtin('mapAttrsToList', 2, ([fn, set]) => {
  const s = need(set.force(), 'attrs', 'mapAttrsToList');
  if (s.kind === 'unknown') return s;
  return listResult(sortedNames(s).map((name) => callLazy(fn, Thunk.of(str(name)), s.attrs.get(name)!.value)), s.open);
});

/** `filterAttrs pred set`: a name whose predicate is not known may or may not be there, so the result is open. */
const filterAttrs = builtin('filterAttrs', 2, ([pred, set]) => {
  const s = need(set.force(), 'attrs', 'filterAttrs');
  if (s.kind === 'unknown') return s;
  const out = new Map<string, Attr>();
  let open = s.open;
  for (const [name, attr] of s.attrs) {
    const keep = truth(call(pred.force(), Thunk.of(str(name)), attr.value));
    if (keep === true) out.set(name, attr);
    else if (keep !== false) open ??= `filterAttrs: ${keep.why}`;
  }
  const result: AttrsValue = open ? { kind: 'attrs', attrs: out, open } : { kind: 'attrs', attrs: out };
  return made(result, 'filterAttrs', s);
});

/** `genAttrs names f`. */
const genAttrs = builtin('genAttrs', 2, ([names, fn]) => {
  const found = elements(names.force(), 'genAttrs');
  if (isUnknownValue(found)) return found;
  const out = new Map<string, Attr>();
  let open = found.missing;
  for (const item of found.items) {
    const name = text(item.force());
    if (name === undefined) {
      open ??= 'genAttrs: a name is not known';
      continue;
    }
    if (!out.has(name)) out.set(name, { value: callLazy(fn, Thunk.of(str(name))) });
  }
  const result: AttrsValue = open ? { kind: 'attrs', attrs: out, open } : { kind: 'attrs', attrs: out };
  return made(result, 'genAttrs', names.force());
});

/** `a // b` for the functions built on it: names of `b` win. */
export function update(a: AttrsValue, b: AttrsValue): AttrsValue | UnknownValue {
  if (a.attrs.size + b.attrs.size > MAX_ATTRS) return tooLarge('//', 'set');
  const out = new Map(a.attrs);
  for (const [k, v] of b.attrs) out.set(k, v);
  const open = a.open ?? b.open;
  return open ? { kind: 'attrs', attrs: out, open } : { kind: 'attrs', attrs: out };
}

/** `lib.recursiveUpdate a b`: sets merged name by name, all the way down; anything else from `b` wins. */
function recursiveMerge(a: Value, b: Value, depth: number): Value {
  if (a.kind !== 'attrs' || b.kind !== 'attrs' || depth > 64) return b;
  const out = new Map(a.attrs);
  for (const [k, bAttr] of b.attrs) {
    const aAttr = a.attrs.get(k);
    if (!aAttr) out.set(k, bAttr);
    else out.set(k, { value: Thunk.lazy(() => recursiveMergeForced(aAttr.value, bAttr.value, depth + 1)), ...(bAttr.binding ? { binding: bAttr.binding } : {}) });
  }
  const open = a.open ?? b.open;
  return open ? { kind: 'attrs', attrs: out, open } : { kind: 'attrs', attrs: out };
}

function recursiveMergeForced(a: Thunk, b: Thunk, depth: number): Value {
  const bv = b.force();
  if (bv.kind !== 'attrs') return bv;
  const av = a.force();
  if (av.kind === 'unknown') return unknown(`recursiveUpdate: ${av.why}`);
  return recursiveMerge(av, bv, depth);
}

const recursiveUpdate = builtin('recursiveUpdate', 2, ([a, b]) => {
  const av = need(a.force(), 'attrs', 'recursiveUpdate');
  const bv = b.force();
  if (av.kind === 'unknown') return bv.kind === 'attrs' ? { ...bv, open: bv.open ?? av.why } : av;
  if (bv.kind === 'unknown') return unknown(`recursiveUpdate: ${bv.why}`);
  return recursiveMerge(av, bv, 0);
});

/** `lib.attrsets.mergeAttrsList [ a b … ]`: `a // b // …`. */
const mergeAttrsList = builtin('mergeAttrsList', 1, ([xs]) => {
  const found = elements(xs.force(), 'mergeAttrsList');
  if (isUnknownValue(found)) return found;
  let acc: AttrsValue = { kind: 'attrs', attrs: new Map(), ...(found.missing ? { open: found.missing } : {}) };
  for (const item of found.items) {
    const v = item.force();
    if (v.kind === 'attrs') {
      const merged = update(acc, v);
      if (merged.kind === 'unknown') return merged;
      acc = merged;
    } else if (v.kind === 'unknown') acc = { ...acc, open: acc.open ?? `mergeAttrsList: ${v.why}` };
    else return unknown(`mergeAttrsList of a ${v.kind}`);
  }
  return acc;
});

/** `lib.concatMapAttrs f set`: the sets `f name value` gives, merged. */
const concatMapAttrs = builtin('concatMapAttrs', 2, ([fn, set]) => {
  const s = need(set.force(), 'attrs', 'concatMapAttrs');
  if (s.kind === 'unknown') return s;
  const parts = sortedNames(s).map((name) => callLazy(fn, Thunk.of(str(name)), s.attrs.get(name)!.value));
  return call(mergeAttrsList, Thunk.of(listResult(parts, s.open)));
});

/** A path of names given as a list of strings. */
function namesOf(value: Value, fn: string): string[] | Value {
  const l = need(value, 'list', fn);
  if (l.kind === 'unknown') return l;
  const names: string[] = [];
  for (const item of l.items) {
    const n = text(item.force());
    if (n === undefined) return unknown(`${fn}: a name is not known`);
    names.push(n);
  }
  return names;
}

/** `lib.attrByPath path default set`. */
const attrByPath = builtin('attrByPath', 3, ([pathList, fallback, set]) => {
  const names = namesOf(pathList.force(), 'attrByPath');
  if (!Array.isArray(names)) return names;
  let current = set.force();
  for (const name of names) {
    if (current.kind === 'unknown') return unknown(`attrByPath: ${current.why}`);
    if (current.kind !== 'attrs') return fallback.force();
    const found = current.attrs.get(name);
    if (!found) return current.open ? unknown(`attrByPath: ${current.open}`) : fallback.force();
    current = found.value.force();
  }
  return current;
});

const getAttrFromPath = builtin('getAttrFromPath', 2, ([pathList, set]) => call(attrByPath, pathList, Thunk.of(unknown('getAttrFromPath: attribute missing')), set));

const setAttrByPath = builtin('setAttrByPath', 2, ([pathList, value]) => {
  const names = namesOf(pathList.force(), 'setAttrByPath');
  if (!Array.isArray(names)) return names;
  let acc: Thunk = value;
  for (let i = names.length - 1; i >= 0; i--) acc = Thunk.of(attrs([[names[i], acc]]));
  return acc.force();
});

const hasAttrByPath = builtin('hasAttrByPath', 2, ([pathList, set]) => {
  const names = namesOf(pathList.force(), 'hasAttrByPath');
  if (!Array.isArray(names)) return names;
  let current = set.force();
  for (const name of names) {
    if (current.kind === 'unknown') return unknown(`hasAttrByPath: ${current.why}`);
    if (current.kind !== 'attrs') return bool(false);
    const found = current.attrs.get(name);
    if (!found) return current.open ? unknown(`hasAttrByPath: ${current.open}`) : bool(false);
    current = found.value.force();
  }
  return bool(true);
});

const catAttrs = builtin('catAttrs', 2, ([name, xs]) => {
  const n = text(name.force());
  if (n === undefined) return unknown('catAttrs: the name is not known');
  const found = elements(xs.force(), 'catAttrs');
  if (isUnknownValue(found)) return found;
  const items: Thunk[] = [];
  let missing = found.missing;
  for (const item of found.items) {
    const v = item.force();
    if (v.kind === 'attrs') {
      const a = v.attrs.get(n);
      if (a) items.push(a.value);
      else if (v.open) missing ??= v.open;
    } else missing ??= `catAttrs of a ${v.kind}`;
  }
  return listResult(items, missing);
});

const intersectAttrs = builtin('intersectAttrs', 2, ([a, b]) => {
  const av = need(a.force(), 'attrs', 'intersectAttrs');
  const bv = need(b.force(), 'attrs', 'intersectAttrs');
  if (av.kind === 'unknown') return av;
  if (bv.kind === 'unknown') return bv;
  if (av.open) return unknown(`intersectAttrs: ${av.open}`);
  const out = new Map([...bv.attrs].filter(([k]) => av.attrs.has(k)));
  return bv.open ? { kind: 'attrs', attrs: out, open: bv.open } : { kind: 'attrs', attrs: out };
});

/** `lib.foldlAttrs f init set`. */
const foldlAttrs = builtin('foldlAttrs', 3, ([fn, init, set]) => {
  const s = need(set.force(), 'attrs', 'foldlAttrs');
  if (s.kind === 'unknown') return s;
  if (s.open) return unknown(`foldlAttrs: ${s.open}`);
  let acc: Thunk = init;
  for (const name of sortedNames(s)) acc = Thunk.of(call(fn.force(), acc, Thunk.of(str(name)), s.attrs.get(name)!.value));
  return acc.force();
});

const attrsToList = builtin('attrsToList', 1, ([set]) => {
  const s = need(set.force(), 'attrs', 'attrsToList');
  if (s.kind === 'unknown') return s;
  return listResult(sortedNames(s).map((name) => Thunk.of(attrs([['name', Thunk.of(str(name))], ['value', s.attrs.get(name)!.value]]))), s.open);
});

/** `zipAttrsWith f [ sets ]`: per name, `f name [ values ]`. */
const zipAttrsWith = builtin('zipAttrsWith', 2, ([fn, xs]) => {
  const l = need(xs.force(), 'list', 'zipAttrsWith');
  if (l.kind === 'unknown') return l;
  const byName = new Map<string, Thunk[]>();
  let open: string | undefined;
  for (const item of l.items) {
    const v = item.force();
    if (v.kind !== 'attrs') return unknown(`zipAttrsWith over a ${v.kind}`);
    open ??= v.open;
    for (const [k, a] of v.attrs) byName.set(k, [...(byName.get(k) ?? []), a.value]);
  }
  const out = new Map<string, Attr>();
  for (const [k, values] of byName) out.set(k, { value: callLazy(fn, Thunk.of(str(k)), Thunk.of(list(values))) });
  return open ? { kind: 'attrs', attrs: out, open } : { kind: 'attrs', attrs: out };
});

const zipAttrs = builtin('zipAttrs', 1, ([xs]) => call(zipAttrsWith, Thunk.of(builtin('zipAttrs', 2, ([, values]) => values.force())), xs));

export function attrBuiltins(): Builtins {
  return { attrNames, attrValues, hasAttr, getAttr, removeAttrs, listToAttrs, mapAttrs, catAttrs, intersectAttrs, zipAttrsWith };
}

export function libAttrsets(): Builtins {
  return {
    ...attrBuiltins(),
    nameValuePair, "mapAttrs'": mapAttrsPrime, mapAttrsToList, filterAttrs, genAttrs, recursiveUpdate, mergeAttrsList,
    concatMapAttrs, attrByPath, getAttrFromPath, setAttrByPath, hasAttrByPath, foldlAttrs, attrsToList, zipAttrs,
  };
}
