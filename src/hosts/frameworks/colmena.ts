import { builtin, record } from '../../nix/builtins/registry';
import { Attr, AttrsValue, listElements, Thunk, unknown, Value } from '../../nix/value';
import { inputSet } from '../stand-in-set';
import { FlakeEnv, optionalMember } from '../flake-env';
import { frameworkSystem } from '../systems';

/**
 * colmena (zhaofengli/colmena `src/nix/hive/eval.nix`): every attribute of
 * a hive is a node except `meta`, `network` and `defaults`; a node is a
 * module or a list of modules, evaluated with `defaults` and the
 * specialArgs `{ name, nodes } // meta.specialArgs // meta.nodeSpecialArgs.<n>`.
 * `lib.makeHive hive` exposes the nodes as `nodes.<n>`.
 */
const RESERVED = new Set(['meta', 'network', 'defaults']);

export function colmenaStandIn(env: FlakeEnv, name: string): Value {
  const lib = record({ makeHive: builtin('makeHive', 1, ([hive]) => madeHive(hive.force())) }, 'this colmena function is not evaluated');
  return inputSet(name, { lib, outPath: { kind: 'path', value: '/', input: name } });
}

function madeHive(hive: Value): Value {
  const nodes = hiveNodes(hive);
  if (nodes.kind !== 'attrs') return nodes;
  return record({ nodes, __schema: { kind: 'string', value: 'v0.5' } }, 'this part of a colmena hive is not evaluated');
}

/** The nodes of a hive (the `colmena` output or `makeHive`'s argument) as NixOS systems. */
export function hiveNodes(hive: Value): Value {
  if (hive.kind !== 'attrs') return hive.kind === 'unknown' ? unknown(`colmena hive: ${hive.why}`) : unknown(`a colmena hive that is a ${hive.kind}`);
  const meta = optionalMember(hive, 'meta') ?? optionalMember(hive, 'network');
  const defaults = hive.attrs.get('defaults')?.value;
  const nodes = new Map<string, Attr>();
  let nodesSet: AttrsValue;
  for (const [nodeName, attr] of hive.attrs) {
    if (RESERVED.has(nodeName)) continue;
    nodes.set(nodeName, { value: Thunk.lazy(() => nodeSystem(nodeName, attr.value, defaults, meta, () => nodesSet)), ...(attr.binding ? { binding: attr.binding, file: attr.file } : {}) });
  }
  nodesSet = { kind: 'attrs', attrs: nodes, via: hive.via ? `colmena hive of ${hive.via}` : 'colmena hive' };
  if (hive.open) nodesSet.open = hive.open;
  return nodesSet;
}

function nodeSystem(name: string, node: Thunk, defaults: Thunk | undefined, meta: Value | undefined, nodes: () => AttrsValue): Value {
  const value = node.force();
  const found = listElements(value);
  const modules = [...(defaults ? [defaults] : []), ...(found ? found.items : [node])];
  const specialArgs = new Map<string, Thunk>([
    ['name', Thunk.of({ kind: 'string', value: name })],
    ['nodes', Thunk.lazy(() => nodes())],
  ]);
  const add = (set: Value | undefined) => {
    if (set?.kind === 'attrs') for (const [k, v] of set.attrs) specialArgs.set(k, v.value);
  };
  if (meta?.kind === 'attrs') {
    add(optionalMember(meta, 'specialArgs'));
    const perNode = optionalMember(meta, 'nodeSpecialArgs');
    if (perNode?.kind === 'attrs') add(optionalMember(perNode, name));
  }
  return frameworkSystem('colmena', modules, specialArgs, found?.missing);
}
