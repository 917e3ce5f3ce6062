import { inputSet } from '../stand-in-set';
import { builtin, call, list, record, str } from '../../nix/builtins/registry';
import { Attr, Thunk, unknown, Value } from '../../nix/value';
import { stringOf } from '../flake-env';

/**
 * flake-utils (numtide/flake-utils `lib.nix`): `eachSystem systems f` turns
 * each attribute `a` of `f system` into `a.<system>`; `eachDefaultSystem`
 * does it for the four default systems. Hosts returned through it end up
 * under `nixosConfigurations.<system>`; hosts joined with `//` stay as they are.
 */
const DEFAULT_SYSTEMS = ['x86_64-linux', 'aarch64-linux', 'x86_64-darwin', 'aarch64-darwin'];

function eachSystem(systems: string[], fn: Thunk): Value {
  if (systems.length === 0) return { kind: 'attrs', attrs: new Map() };
  const bySystem = new Map(systems.map((s) => [s, Thunk.lazy(() => call(fn.force(), Thunk.of(str(s))))]));
  // The names come from one system's result: flake outputs do not depend on the system.
  const first = bySystem.get(systems[0])!.force();
  if (first.kind !== 'attrs') return first.kind === 'unknown' ? unknown(`eachSystem: ${first.why}`) : unknown(`eachSystem of a function returning a ${first.kind}`);
  const attrs = new Map<string, Attr>();
  for (const name of first.attrs.keys()) {
    const perSystem = new Map<string, Attr>(systems.map((s) => [s, { value: Thunk.lazy(() => {
      const result = bySystem.get(s)!.force();
      return result.kind === 'attrs' ? result.attrs.get(name)?.value.force() ?? unknown(`${name} is not defined for ${s}`) : unknown(`eachSystem for ${s} is not known`);
    }) }]));
    attrs.set(name, { value: Thunk.of({ kind: 'attrs', attrs: perSystem, via: 'flake-utils eachSystem' }) });
  }
  return first.open ? { kind: 'attrs', attrs, open: first.open } : { kind: 'attrs', attrs };
}

function systemList(value: Value): string[] | Value {
  if (value.kind !== 'list') return value.kind === 'unknown' ? value : unknown('eachSystem of systems that are not a list');
  const out: string[] = [];
  for (const item of value.items) {
    const s = stringOf(item.force());
    if (s === undefined) return unknown('eachSystem of a system that is not known');
    out.push(s);
  }
  return out;
}

export function flakeUtilsStandIn(name: string): Value {
  const systems = record(Object.fromEntries(DEFAULT_SYSTEMS.map((s) => [s, str(s)])));
  const lib = record(
    {
      eachSystem: builtin('eachSystem', 2, ([ss, fn]) => {
        const list = systemList(ss.force());
        return Array.isArray(list) ? eachSystem(list, fn) : list;
      }),
      eachDefaultSystem: builtin('eachDefaultSystem', 1, ([fn]) => eachSystem(DEFAULT_SYSTEMS, fn)),
      eachSystemPassThrough: builtin('eachSystemPassThrough', 2, () => unknown('eachSystemPassThrough is not evaluated')),
      defaultSystems: list(DEFAULT_SYSTEMS.map((s) => Thunk.of(str(s)))),
      system: systems,
    },
    'this flake-utils function is not evaluated',
  );
  return inputSet(name, { lib, outPath: { kind: 'path', value: '/', input: name } });
}
