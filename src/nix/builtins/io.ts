import * as path from 'path';
import type { EvalContext } from '../eval-context';
import { Thunk, unknown, Value } from '../value';
import { attrs, Builtins, builtin, list, need, bool, str } from './registry';
import { limitReached, MAX_LIST_LENGTH } from '../limits';

/**
 * Builtins that read the tree: `import`, `readDir`, `readFile`,
 * `pathExists`, `fromJSON`, and the nixpkgs lib functions built on them.
 * They see only the scanned tree (`EvalIO`); a path inside a flake input is
 * not fetched, and what it holds stays unknown, except for the few nixpkgs
 * files whose meaning declint models (`importInput`).
 */

/** Where a value points: a file of the scanned tree, a path inside a flake input, or neither. */
export type Place = { kind: 'tree'; absolute: string } | { kind: 'input'; input: string; subpath: string } | { kind: 'none'; why: string };

export function placeOf(value: Value, depth = 0): Place {
  switch (value.kind) {
    case 'path':
      if (value.input !== undefined) return { kind: 'input', input: value.input, subpath: inputSubpath(value.value) };
      return value.absolute ? { kind: 'tree', absolute: value.absolute } : { kind: 'none', why: `the path ${value.value} is not resolved` };
    case 'string':
      if (value.input !== undefined) return { kind: 'input', input: value.input, subpath: inputSubpath(value.value) };
      if (value.value.startsWith('/')) return { kind: 'tree', absolute: value.value };
      return { kind: 'none', why: `"${value.value}" is not an absolute path` };
    case 'attrs': {
      const outPath = value.attrs.get('outPath');
      if (outPath && depth < 8) return placeOf(outPath.value.force(), depth + 1);
      return { kind: 'none', why: value.open ?? 'a set without outPath is not a path' };
    }
    case 'unknown':
      return { kind: 'none', why: value.why };
    default:
      return { kind: 'none', why: `a ${value.kind} is not a path` };
  }
}

/** A path inside an input as `/a/b`: `"${input}/a"` is written on top of the input's root `/`. */
function inputSubpath(subpath: string): string {
  const normal = path.posix.normalize(`/${subpath}`);
  return normal.length > 1 ? normal.replace(/\/$/, '') : normal;
}

/** A path value for a file of the tree, shown as its report path. */
export function treePath(absolute: string, ctx: EvalContext): Value {
  return { kind: 'path', value: ctx.io.reportPath(absolute), absolute };
}

export interface InputImports {
  /** The value of `import` of a path inside a flake input (`"${nixpkgs}/nixos/lib/eval-config.nix"`), when declint models that file. */
  importInput(input: string, subpath: string): Value | undefined;
}

export function ioBuiltins(ctx: EvalContext, inputs: InputImports): Builtins {
  const importFn = builtin('import', 1, ([p]) => {
    const place = placeOf(p.force());
    switch (place.kind) {
      case 'tree':
        return ctx.importFile(place.absolute);
      case 'input':
        return inputs.importInput(place.input, place.subpath) ?? unknown(`import of ${place.subpath} from ${place.input}, a flake input declint does not fetch`);
      default:
        return unknown(`import: ${place.why}`);
    }
  });

  const readDir = builtin('readDir', 1, ([p]) => {
    const place = placeOf(p.force());
    if (place.kind !== 'tree') return unknown(`readDir: ${place.kind === 'input' ? `${place.subpath} is inside ${place.input}, which declint does not fetch` : place.why}`);
    const entries = ctx.io.readDir(place.absolute);
    if ('error' in entries) return unknown(`readDir: ${entries.error}`);
    return { ...attrs(entries.map(([name, type]) => [name, Thunk.of(str(type))])), via: `readDir ${ctx.io.reportPath(place.absolute)}` };
  });

  const readText = (p: Value, fn: string): string | Value => {
    const place = placeOf(p);
    if (place.kind !== 'tree') return unknown(`${fn}: ${place.kind === 'input' ? `${place.subpath} is inside ${place.input}, which declint does not fetch` : place.why}`);
    const read = ctx.io.readFile(place.absolute);
    return typeof read === 'string' ? read : unknown(`${fn}: ${read.error}`);
  };

  const readFile = builtin('readFile', 1, ([p]) => {
    const t = readText(p.force(), 'readFile');
    return typeof t === 'string' ? str(t) : t;
  });

  const pathExists = builtin('pathExists', 1, ([p]) => {
    const place = placeOf(p.force());
    if (place.kind !== 'tree') return unknown(`pathExists: ${place.kind === 'input' ? `${place.subpath} is inside ${place.input}` : place.why}`);
    const exists = ctx.io.exists(place.absolute);
    return typeof exists === 'boolean' ? bool(exists) : unknown(`pathExists: ${exists.error}`);
  });

  const fromJSON = builtin('fromJSON', 1, ([s]) => {
    const t = need(s.force(), 'string', 'fromJSON');
    if (t.kind === 'unknown' || t.input !== undefined) return unknown('fromJSON of a string that is not known');
    return jsonValue(t.value);
  });

  const importJSON = builtin('importJSON', 1, ([p]) => {
    const t = readText(p.force(), 'importJSON');
    return typeof t === 'string' ? jsonValue(t) : t;
  });

  const fileContents = builtin('fileContents', 1, ([p]) => {
    const t = readText(p.force(), 'fileContents');
    return typeof t === 'string' ? str(t.replace(/\n$/, '')) : t;
  });

  /** `lib.filesystem.listFilesRecursive dir`: every file below it, as paths, in readDir order. */
  const listFilesRecursive = builtin('listFilesRecursive', 1, ([p]) => {
    const place = placeOf(p.force());
    if (place.kind !== 'tree') return unknown(`listFilesRecursive: ${place.kind === 'input' ? `${place.subpath} is inside ${place.input}` : place.why}`);
    const files: Thunk[] = [];
    const walk = (dir: string, depth: number): string | undefined => {
      if (depth > 32) return 'nested too deeply';
      const entries = ctx.io.readDir(dir);
      if ('error' in entries) return entries.error;
      for (const [name, type] of entries) {
        const child = path.join(dir, name);
        if (type === 'directory') {
          const failed = walk(child, depth + 1);
          if (failed) return failed;
        } else files.push(Thunk.of(treePath(child, ctx)));
        if (files.length > MAX_LIST_LENGTH) return limitReached(`listFilesRecursive finds more than ${MAX_LIST_LENGTH.toLocaleString('en')} files below ${ctx.io.reportPath(place.absolute)}`);
      }
      return undefined;
    };
    const failed = walk(place.absolute, 0);
    return failed ? unknown(`listFilesRecursive: ${failed}`) : { ...list(files), via: `listFilesRecursive ${ctx.io.reportPath(place.absolute)}` };
  });

  /** `builtins.path { path; … }`, `filterSource f p`, `lib.cleanSource p`: the same files, for declint. */
  const pathBuiltin = builtin('path', 1, ([args]) => {
    const a = need(args.force(), 'attrs', 'builtins.path');
    if (a.kind === 'unknown') return a;
    return a.attrs.get('path')?.value.force() ?? unknown('builtins.path without path');
  });
  const filterSource = builtin('filterSource', 2, ([, p]) => p.force());
  const cleanSource = builtin('cleanSource', 1, ([p]) => p.force());

  return {
    import: importFn, readDir, readFile, pathExists, fromJSON, path: pathBuiltin, filterSource,
    getEnv: builtin('getEnv', 1, () => unknown('builtins.getEnv: the environment is not read')),
    // Present in flake evaluation (`builtins ? getFlake` is how flake-compat code tells); what it fetches is not known.
    getFlake: builtin('getFlake', 1, () => unknown('builtins.getFlake fetches a flake, which declint does not do')),
    currentSystem: unknown('builtins.currentSystem is not known statically'),
    // Used by the lib namespaces below.
    importJSON, fileContents, listFilesRecursive, cleanSource,
  };
}

/** A JSON document as a Nix value: numbers without a fraction are integers, as `builtins.fromJSON` reads them. */
export function jsonValue(textValue: string): Value {
  let parsed: unknown;
  try {
    parsed = JSON.parse(textValue);
  } catch (error) {
    return unknown(`fromJSON: ${(error as Error).message}`);
  }
  const convert = (x: unknown, depth: number): Value => {
    if (depth > 256) return unknown('fromJSON: nested too deeply');
    if (x === null) return { kind: 'null' };
    if (typeof x === 'boolean') return { kind: 'bool', value: x };
    if (typeof x === 'number') return Number.isInteger(x) ? { kind: 'int', value: x } : { kind: 'float', value: x };
    if (typeof x === 'string') return { kind: 'string', value: x };
    if (Array.isArray(x)) return list(x.map((item) => Thunk.lazy(() => convert(item, depth + 1))));
    return attrs(Object.entries(x as Record<string, unknown>).map(([k, v]) => [k, Thunk.lazy(() => convert(v, depth + 1))]));
  };
  return convert(parsed, 0);
}
