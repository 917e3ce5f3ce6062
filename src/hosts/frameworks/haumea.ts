import * as path from 'path';
import { placeOf, treePath } from '../../nix/builtins/io';
import { builtin, record } from '../../nix/builtins/registry';
import { applyValue, Attr, AttrsValue, Thunk, unknown, Value } from '../../nix/value';
import { inputSet } from '../stand-in-set';
import { FlakeEnv, optionalMember } from '../flake-env';

/**
 * haumea (nix-community/haumea `src/load.nix`, `src/__parsePath.nix`):
 * `lib.load { src; inputs; }` turns a directory into a set, one attribute per
 * `.nix` file (the name without its extension) or directory; names starting
 * with `_` are hidden. The default loader calls a file's function with
 * `inputs // { self; super; root; }`.
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
    let root: AttrsValue;
    // eslint-disable-next-line prefer-const
    root = loadTree(env, place.absolute, inputs?.kind === 'attrs' ? inputs : undefined, () => root, undefined, 0);
    return root;
  });
  const lib = record({ load }, 'this haumea function is not evaluated');
  return inputSet(name, { lib, outPath: { kind: 'path', value: '/', input: name } });
}

function loadTree(env: FlakeEnv, dir: string, inputs: AttrsValue | undefined, root: () => AttrsValue, parent: (() => AttrsValue) | undefined, depth: number): AttrsValue {
  const entries = env.session.io.readDir(dir);
  if ('error' in entries || depth > 16) return { kind: 'attrs', attrs: new Map(), open: 'error' in entries ? entries.error : 'nested too deeply' };
  const attrs = new Map<string, Attr>();
  let self: AttrsValue;
  for (const [entry, type] of entries) {
    if (entry.startsWith('_')) continue;
    const absolute = path.join(dir, entry);
    if (type === 'directory') {
      attrs.set(entry, { value: Thunk.lazy(() => loadTree(env, absolute, inputs, root, () => self, depth + 1)) });
    } else if (entry.endsWith('.nix')) {
      const stem = entry.slice(0, -'.nix'.length);
      attrs.set(stem, { value: Thunk.lazy(() => loadFile(env, absolute, inputs, root, () => self, parent)) });
    }
  }
  self = { kind: 'attrs', attrs, via: `haumea load ${env.session.io.reportPath(dir)}` };
  return self;
}

function loadFile(env: FlakeEnv, file: string, inputs: AttrsValue | undefined, root: () => AttrsValue, self: () => AttrsValue, parent: (() => AttrsValue) | undefined): Value {
  const value = env.session.importFile(file);
  if (value.kind !== 'lambda') return value;
  const args = new Map<string, Attr>(inputs?.attrs ?? []);
  args.set('self', { value: Thunk.lazy(self) });
  args.set('super', { value: Thunk.lazy(() => (parent ? parent() : unknown('super of the top directory'))) });
  args.set('root', { value: Thunk.lazy(root) });
  const result = applyValue(value, Thunk.of({ kind: 'attrs', attrs: args, ...(inputs?.open ? { open: inputs.open } : {}) }));
  void treePath;
  return result;
}
