import * as path from 'path';
import { StringValue, Thunk, unknown, Value } from '../value';
import { Builtins, builtin, call, elements, int, isUnknownValue, list, need, bool, str, text, tooLarge } from './registry';
import { limitReached, MAX_MATCH_LENGTH, MAX_STRING_LENGTH } from '../limits';
import { catastrophicBacktracking } from '../../source/regex-safety';

/**
 * String functions of `builtins` and nixpkgs `lib.strings`, and the
 * coercion to a string that `toString` and `"${…}"` make.
 */

/**
 * What `"${value}"` (or `toString` where `list` is set) gives: a path of the
 * scanned tree is its absolute path (Nix would copy it to the store; the
 * files are the same), a set with `outPath` its `outPath`.
 */
export function coerceToString(value: Value, forToString: boolean, depth = 0): Value {
  if (depth > 16) return unknown('string coercion nested too deeply');
  switch (value.kind) {
    case 'string':
      return value;
    case 'path':
      if (value.input !== undefined) return { kind: 'string', value: value.value, input: value.input };
      return value.absolute ? str(value.absolute) : unknown(`the path ${value.value} is not resolved`);
    case 'int':
    case 'float':
      return forToString ? str(String(value.value)) : unknown(`cannot interpolate a ${value.kind}`);
    case 'bool':
      return forToString ? str(value.value ? '1' : '') : unknown('cannot interpolate a bool');
    case 'null':
      return forToString ? str('') : unknown('cannot interpolate null');
    case 'list': {
      if (!forToString) return unknown('cannot interpolate a list');
      const parts: string[] = [];
      let length = 0;
      for (const item of value.items) {
        const s = coerceToString(item.force(), true, depth + 1);
        if (s.kind !== 'string' || s.input !== undefined) return s.kind === 'unknown' ? s : unknown('toString of a list with a path of an input');
        parts.push(s.value);
        length += s.value.length + 1;
        if (length > MAX_STRING_LENGTH) return tooLarge('toString', 'string');
      }
      return str(parts.join(' '));
    }
    case 'attrs': {
      const toStringFn = value.attrs.get('__toString');
      if (toStringFn) return coerceToString(call(toStringFn.value.force(), Thunk.of(value)), forToString, depth + 1);
      const outPath = value.attrs.get('outPath');
      if (outPath) return coerceToString(outPath.value.force(), forToString, depth + 1);
      return value.open ? unknown(`string of a set: ${value.open}`) : unknown('cannot coerce a set to a string');
    }
    case 'unknown':
      return value;
    default:
      return unknown(`cannot coerce a ${value.kind} to a string`);
  }
}

/** Concatenation of two coerced strings: a string inside an input stays one. */
export function appendStrings(a: StringValue, b: StringValue): Value {
  if (b.input !== undefined) return unknown('a path of a flake input in the middle of a string');
  if (a.value.length + b.value.length > MAX_STRING_LENGTH) return tooLarge('+', 'string');
  return a.input !== undefined ? { kind: 'string', value: a.value + b.value, input: a.input } : str(a.value + b.value);
}

const toStringFn = builtin('toString', 1, ([x]) => coerceToString(x.force(), true));

/** A builtin over the known text of its string arguments (the last `arity` ones). */
function onText(name: string, arity: number, impl: (...texts: string[]) => Value) {
  return builtin(name, arity, (args) => {
    const texts: string[] = [];
    for (const arg of args) {
      const v = arg.force();
      const t = v.kind === 'string' || v.kind === 'path' ? text(v) : undefined;
      if (t === undefined) return v.kind === 'unknown' ? unknown(`${name}: ${v.why}`) : unknown(`${name} of a ${v.kind === 'string' ? 'path inside a flake input' : v.kind}`);
      texts.push(t);
    }
    return impl(...texts);
  });
}

/** `concatStringsSep sep list` (and `concatStrings`): every element a known string. */
function joinList(sep: string, value: Value, fn: string, each?: (item: Thunk) => Value): Value {
  const found = elements(value, fn);
  if (isUnknownValue(found)) return found;
  if (found.missing !== undefined) return unknown(`${fn}: ${found.missing}`);
  const parts: string[] = [];
  let length = 0;
  for (const item of found.items) {
    const v = coerceToString(each ? each(item) : item.force(), false);
    if (v.kind !== 'string' || v.input !== undefined) return unknown(`${fn} of a list with an element that is not known`);
    parts.push(v.value);
    length += v.value.length + sep.length;
    if (length > MAX_STRING_LENGTH) return tooLarge(fn, 'string');
  }
  return str(parts.join(sep));
}

const concatStringsSep = builtin('concatStringsSep', 2, ([sep, xs]) => {
  const s = need(sep.force(), 'string', 'concatStringsSep');
  return s.kind === 'unknown' ? s : joinList(s.value, xs.force(), 'concatStringsSep');
});
const concatStrings = builtin('concatStrings', 1, ([xs]) => joinList('', xs.force(), 'concatStrings'));
const concatMapStrings = builtin('concatMapStrings', 2, ([fn, xs]) => joinList('', xs.force(), 'concatMapStrings', (item) => call(fn.force(), item)));
const concatMapStringsSep = builtin('concatMapStringsSep', 3, ([sep, fn, xs]) => {
  const s = need(sep.force(), 'string', 'concatMapStringsSep');
  return s.kind === 'unknown' ? s : joinList(s.value, xs.force(), 'concatMapStringsSep', (item) => call(fn.force(), item));
});

const hasPrefix = onText('hasPrefix', 2, (prefix, s) => bool(s.startsWith(prefix)));
const hasSuffix = onText('hasSuffix', 2, (suffix, s) => bool(s.endsWith(suffix)));
const hasInfix = onText('hasInfix', 2, (infix, s) => bool(s.includes(infix)));
const removePrefix = onText('removePrefix', 2, (prefix, s) => str(s.startsWith(prefix) ? s.slice(prefix.length) : s));
const removeSuffix = onText('removeSuffix', 2, (suffix, s) => str(suffix && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s));
const toLower = onText('toLower', 1, (s) => str(s.toLowerCase()));
const toUpper = onText('toUpper', 1, (s) => str(s.toUpperCase()));
const stringLength = onText('stringLength', 1, (s) => int(Buffer.byteLength(s)));
const trim = onText('trim', 1, (s) => str(s.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, '')));
const splitString = onText('splitString', 2, (sep, s) => list(s.split(sep).map((part) => Thunk.of(str(part)))));

const substring = builtin('substring', 3, ([start, len, s]) => {
  const a = need(start.force(), 'int', 'substring');
  const n = need(len.force(), 'int', 'substring');
  const t = need(s.force(), 'string', 'substring');
  if (a.kind === 'unknown') return a;
  if (n.kind === 'unknown') return n;
  if (t.kind === 'unknown' || t.input !== undefined) return unknown('substring of a string that is not known');
  return str(n.value < 0 ? t.value.slice(a.value) : t.value.substr(a.value, n.value));
});

const replaceStrings = builtin('replaceStrings', 3, ([from, to, s]) => {
  const f = need(from.force(), 'list', 'replaceStrings');
  const t = need(to.force(), 'list', 'replaceStrings');
  const subject = need(s.force(), 'string', 'replaceStrings');
  if (f.kind === 'unknown') return f;
  if (t.kind === 'unknown') return t;
  if (subject.kind === 'unknown' || subject.input !== undefined) return unknown('replaceStrings of a string that is not known');
  const froms = f.items.map((i) => text(i.force()));
  const tos = t.items.map((i) => text(i.force()));
  if (froms.some((x) => x === undefined) || tos.some((x) => x === undefined) || froms.length !== tos.length) return unknown('replaceStrings with patterns that are not known');
  let out = '';
  let i = 0;
  const input = subject.value;
  while (i <= input.length) {
    if (out.length > MAX_STRING_LENGTH) return tooLarge('replaceStrings', 'string');
    const k = froms.findIndex((pattern) => input.startsWith(pattern!, i));
    if (k >= 0) {
      out += tos[k];
      if (froms[k] === '') {
        if (i < input.length) out += input[i];
        i++;
      } else i += froms[k]!.length;
    } else {
      if (i < input.length) out += input[i];
      i++;
    }
  }
  return str(out);
});

/**
 * `builtins.match regex s`: Nix uses POSIX extended regular expressions,
 * matched against the whole string. The common subset (classes, groups,
 * alternation, quantifiers) reads the same in JavaScript; a pattern with
 * POSIX bracket classes is translated, anything else exotic is unknown.
 */
const match = builtin('match', 2, ([regex, s]) => {
  const r = need(regex.force(), 'string', 'match');
  const t = need(s.force(), 'string', 'match');
  if (r.kind === 'unknown') return r;
  if (t.kind === 'unknown' || t.input !== undefined) return unknown('match of a string that is not known');
  // The pattern comes from the scanned file: one that can backtrack exponentially is not run, nor any on a long string.
  const unsafe = catastrophicBacktracking(r.value);
  if (unsafe) return unknown(limitReached(`builtins.match: the pattern ${JSON.stringify(r.value.length > 60 ? `${r.value.slice(0, 57)}...` : r.value)} is not run (${unsafe})`));
  if (t.value.length > MAX_MATCH_LENGTH) return unknown(limitReached(`builtins.match is not run on a string of more than ${MAX_MATCH_LENGTH.toLocaleString('en')} characters`));
  let compiled: RegExp;
  try {
    compiled = new RegExp(`^(?:${posixToJs(r.value)})$`, 'su');
  } catch {
    return unknown(`match: the pattern ${r.value} is not read`);
  }
  const m = compiled.exec(t.value);
  if (!m) return { kind: 'null' };
  return list(m.slice(1).map((g) => Thunk.of(g === undefined ? { kind: 'null' } : str(g))));
});

function posixToJs(pattern: string): string {
  return pattern
    .replace(/\[:alpha:\]/g, 'A-Za-z')
    .replace(/\[:digit:\]/g, '0-9')
    .replace(/\[:alnum:\]/g, 'A-Za-z0-9')
    .replace(/\[:space:\]/g, ' \\t\\n\\r\\f\\v')
    .replace(/\[:upper:\]/g, 'A-Z')
    .replace(/\[:lower:\]/g, 'a-z')
    .replace(/\[:punct:\]/g, '!-\\/:-@\\[-`{-~')
    .replace(/\[:xdigit:\]/g, '0-9A-Fa-f');
}

const baseNameOf = builtin('baseNameOf', 1, ([x]) => {
  const v = x.force();
  if (v.kind === 'path') return str(path.posix.basename(v.value));
  const t = text(v);
  if (t === undefined) return v.kind === 'unknown' ? unknown(`baseNameOf: ${v.why}`) : unknown(`baseNameOf of a ${v.kind}`);
  return str(path.posix.basename(t));
});

const dirOf = builtin('dirOf', 1, ([x]) => {
  const v = x.force();
  if (v.kind === 'path') {
    if (v.input !== undefined) return { kind: 'path', value: path.posix.dirname(v.value), input: v.input };
    return { kind: 'path', value: path.posix.dirname(v.value), ...(v.absolute ? { absolute: path.dirname(v.absolute) } : {}) };
  }
  if (v.kind === 'string' && v.input !== undefined) return { kind: 'string', value: path.posix.dirname(v.value), input: v.input };
  const t = text(v);
  if (t === undefined) return v.kind === 'unknown' ? unknown(`dirOf: ${v.why}`) : unknown(`dirOf of a ${v.kind}`);
  return str(path.posix.dirname(t));
});

/** Nix's version comparison (`builtins.compareVersions`): components split at dots and dashes, numbers compared as numbers. */
export function compareVersionStrings(a: string, b: string): number {
  const parts = (v: string) => v.split(/[.-]/).filter((p) => p !== '');
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    if (x === y) continue;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) return Number(x) < Number(y) ? -1 : 1;
    if (x === '') return -1;
    if (y === '') return 1;
    if (x === 'pre') return -1;
    if (y === 'pre') return 1;
    if (nx) return 1;
    if (ny) return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

const compareVersions = onText('compareVersions', 2, (a, b) => int(compareVersionStrings(a, b)));
const versionAtLeast = onText('versionAtLeast', 2, (a, b) => bool(compareVersionStrings(a, b) >= 0));
const versionOlder = onText('versionOlder', 2, (a, b) => bool(compareVersionStrings(a, b) < 0));

export function stringBuiltins(): Builtins {
  return { toString: toStringFn, concatStringsSep, substring, stringLength, replaceStrings, match, baseNameOf, dirOf, compareVersions };
}

/** `lib.path.append base "sub/path"`: the path below `base`. */
const pathAppend = builtin('append', 2, ([base, sub]) => {
  const b = base.force();
  const s = sub.force();
  if (b.kind !== 'path') return b.kind === 'unknown' ? unknown(`lib.path.append: ${b.why}`) : unknown('lib.path.append of something that is not a path');
  if (s.kind !== 'string' || s.input !== undefined) return s.kind === 'unknown' ? unknown(`lib.path.append: ${s.why}`) : unknown('lib.path.append of a subpath that is not known');
  const joined = path.posix.join(b.value, s.value);
  if (b.input !== undefined) return { kind: 'path', value: joined, input: b.input };
  return { kind: 'path', value: joined, ...(b.absolute ? { absolute: path.join(b.absolute, s.value) } : {}) };
});

export function libPath(): Builtins {
  return { append: pathAppend };
}

export function libStrings(): Builtins {
  return {
    ...stringBuiltins(), concatStrings, concatMapStrings, concatMapStringsSep, hasPrefix, hasSuffix, hasInfix, removePrefix, removeSuffix,
    toLower, toUpper, trim, splitString, versionAtLeast, versionOlder,
  };
}
