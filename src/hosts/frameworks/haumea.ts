import * as path from 'path';
import { placeOf } from '../../nix/builtins/io';
import { builtin, record } from '../../nix/builtins/registry';
import { applyValue, Attr, AttrsValue, Thunk, unknown, Value } from '../../nix/value';
import { inputSet } from '../stand-in-set';
import { FlakeEnv, optionalMember } from '../flake-env';

/**
 * haumea (nix-community/haumea `src/load.nix`, `src/__parsePath.nix`):
 * `lib.load { src; inputs; }` turns a directory into a set, one attribute per
 * `.nix` file (the name cut at its last dot) or directory. A name starting
 * with `_` is seen without it, and only from inside `src` (`root`); with `__`,
 * only from inside its own directory (`super`); neither is in the result.
 * The default loader calls a file's function with `inputs // { self; super;
 * root; }`, where `self` is the file's own value.
 */
export function haumeaStandIn(env: FlakeEnv, name: string): Value {
  const load = builtin('load', 1, ([args]) => {
    const a = args.force();
    if (a.kind !== 'attrs') return unknown('haumea.lib.load of arguments that are not known');
    const src = optionalMember(a, 'src');
    const place = src ? placeOf(src) : { kind: 'none' as const, why: 'no src' };
    if (place.kind !== 'tree') return unknown(`haumea.lib.load: ${place.kind === 'none' ? place.why : `${place.subpath} is inside ${place.input}`}`);
    if (a.attrs.has('loader') || a.attrs.has('transformer')) return unknown('haumea.lib.load with a custom loader or transformer is not evaluated');
    const inputs = optionalMember(a, 'inputs');
    const tree: Tree = { env, inputs: inputs?.kind === 'attrs' ? inputs : undefined, src: place.absolute, top: new Map() };
    tree.top = scan(tree, place.absolute, [], 0);
    return view(tree, tree.top, [], undefined, place.absolute);
  });
  const lib = record({ load }, 'this haumea function is not evaluated');
  return inputSet(name, { lib, outPath: { kind: 'path', value: '/', input: name } });
}

interface Tree {
  env: FlakeEnv;
  inputs: AttrsValue | undefined;
  src: string;
  top: Map<string, Entry>;
}

/** One file or directory of the loaded tree, by the name haumea gives it. */
interface Entry {
  visibility: 'public' | 'root' | 'super';
  absolute: string;
  /** A directory's entries. */
  children?: () => Map<string, Entry>;
  /** A file's value, computed once whoever reads it. */
  content?: Thunk;
}

function scan(tree: Tree, dir: string, cursor: string[], depth: number): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const entries = depth > 16 ? { error: 'nested too deeply' } : tree.env.session.io.readDir(dir);
  if ('error' in entries) return out;
  for (const [entry, type] of entries) {
    const stripped = entry.replace(/^_{1,2}/, '');
    if (stripped === '') continue;
    const visibility = entry.startsWith('__') ? 'super' : entry.startsWith('_') ? 'root' : 'public';
    const absolute = path.join(dir, entry);
    // Two entries with one name are an error in haumea; the first is kept.
    if (type === 'directory') {
      if (out.has(stripped)) continue;
      let children: Map<string, Entry> | undefined;
      out.set(stripped, { visibility, absolute, children: () => (children ??= scan(tree, absolute, [...cursor, stripped], depth + 1)) });
    } else if (type === 'regular' && stripped.endsWith('.nix') && stripped.length > '.nix'.length) {
      const name = stripped.slice(0, stripped.lastIndexOf('.'));
      if (out.has(name)) continue;
      const file: Entry = { visibility, absolute };
      file.content = Thunk.lazy(() => loadFile(tree, absolute, cursor, file.content!, () => out));
      out.set(name, file);
    }
  }
  return out;
}

/** The set a directory is, as seen from a file in directory `pov` (undefined: from outside `src`). */
function view(tree: Tree, entries: Map<string, Entry>, cursor: string[], pov: string[] | undefined, dir: string): AttrsValue {
  const attrs = new Map<string, Attr>();
  for (const [name, entry] of entries) {
    const visible = entry.visibility === 'public' || (pov !== undefined && (entry.visibility === 'root' || cursor.every((part, i) => pov[i] === part)));
    if (!visible) continue;
    if (entry.children) {
      const children = entry.children;
      attrs.set(name, { value: Thunk.lazy(() => view(tree, children(), [...cursor, name], pov, entry.absolute)) });
    } else if (entry.content) attrs.set(name, { value: entry.content });
  }
  return { kind: 'attrs', attrs, via: `haumea load ${tree.env.session.io.reportPath(dir)}` };
}

function loadFile(tree: Tree, file: string, cursor: string[], self: Thunk, siblings: () => Map<string, Entry>): Value {
  const value = tree.env.session.importFile(file);
  if (value.kind !== 'lambda') return value;
  const args = new Map<string, Attr>(tree.inputs?.attrs ?? []);
  args.set('self', { value: self });
  args.set('super', { value: Thunk.lazy(() => view(tree, siblings(), cursor, cursor, path.dirname(file))) });
  args.set('root', { value: Thunk.lazy(() => view(tree, tree.top, [], cursor, tree.src)) });
  return applyValue(value, Thunk.of({ kind: 'attrs', attrs: args, ...(tree.inputs?.open ? { open: tree.inputs.open } : {}) }));
}
