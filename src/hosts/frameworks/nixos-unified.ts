import { inputSet } from '../stand-in-set';
import * as path from 'path';
import { placeOf } from '../../nix/builtins/io';
import { builtin, call, record } from '../../nix/builtins/registry';
import { Attr, Thunk, unknown, Value } from '../../nix/value';
import { attrSet, FlakeEnv, optionalMember } from '../flake-env';
import { frameworkSystem, unreadModule } from '../systems';
import { evalFlakeParts } from './flake-parts';

/**
 * nixos-unified (srid/nixos-unified `nix/modules/flake-parts/lib.nix`,
 * `autowire.nix`): the flake module gives `mkLinuxSystem { home-manager } mod`
 * (nixpkgs' `nixosSystem` with nixos-unified's own modules and the
 * specialArgs `flake = { self, inputs, config }`); `autoWire` makes
 * `nixosConfigurations.<n>` of each `configurations/nixos/<n>.nix` or
 * `<n>/default.nix`. `lib.mkFlake { inputs; root; }` is flake-parts with
 * every file of the first of `nix/modules/flake`, `modules/flake`,
 * `nix/modules/flake-parts`, `modules/flake-parts` as a flake module.
 */
export function nixosUnifiedStandIn(env: FlakeEnv, name: string): Value {
  const defaultModule = builtin('nixos-unified.flakeModules.default', 1, ([args]) => {
    const libSet = record({ mkLinuxSystem: mkLinuxSystem(env, args) }, 'this nixos-unified function is not evaluated');
    const flake = attrSet([['nixos-unified', Thunk.of(record({ lib: libSet }))], ['nixos-flake', Thunk.of(record({ lib: libSet }))]]);
    return attrSet([['flake', Thunk.of(flake)]]);
  });
  const autoWire = builtin('nixos-unified.flakeModules.autoWire', 1, ([args]) => {
    const systems = Thunk.lazy(() => {
      const dir = selfDir(env, 'configurations/nixos');
      const make = call(mkLinuxSystem(env, args), Thunk.of(record({ 'home-manager': { kind: 'bool', value: true } })));
      return forAllNixFiles(env, dir, (file) => call(make, Thunk.of(file)), 'nixos-unified autoWire');
    });
    const modules = Thunk.lazy(() => forAllNixFiles(env, selfDir(env, 'modules/nixos'), (file) => file, 'nixos-unified autoWire'));
    return attrSet([['flake', Thunk.of(attrSet([['nixosConfigurations', systems], ['nixosModules', modules]]))]]);
  });
  const mkFlake = builtin('mkFlake', 1, ([args]) => unifiedFlake(env, args));
  return inputSet(name, { flakeModules: record({ default: defaultModule, autoWire }), flakeModule: defaultModule, lib: record({ mkFlake }), outPath: { kind: 'path', value: '/', input: name } });
}

function selfDir(env: FlakeEnv, sub: string): string {
  const self = env.self.force();
  const place = placeOf(self);
  return path.join(place.kind === 'tree' ? place.absolute : env.dir, sub);
}

function mkLinuxSystem(env: FlakeEnv, moduleArgs: Thunk): Value {
  return builtin('mkLinuxSystem', 2, ([options, mod]) => {
    const o = options.force();
    const hm = o.kind === 'attrs' ? optionalMember(o, 'home-manager') : undefined;
    const modules = [
      unreadModule('nixos-unified configurations module: nixos-unified is another flake, which declint does not fetch', 'nixos-unified'),
      unreadModule('nixos-unified common module (nix settings): nixos-unified is another flake', 'nixos-unified'),
      mod,
      ...(hm?.kind === 'bool' && hm.value ? [unreadModule('home-manager.nixosModules.home-manager: inputs.home-manager is another flake, which declint does not fetch', 'home-manager')] : []),
    ];
    const args = moduleArgs.force();
    const flake = record({ self: env.self.force(), inputs: env.inputs.force(), config: (args.kind === 'attrs' ? optionalMember(args, 'config') : undefined) ?? unknown('config') });
    return frameworkSystem('nixos-unified mkLinuxSystem', modules, new Map([['flake', Thunk.of(flake)]]));
  });
}

/** `<dir>/<n>.nix` and `<dir>/<n>/default.nix`, each given to `fn` as a path. */
function forAllNixFiles(env: FlakeEnv, dir: string, fn: (file: Value) => Value, via: string): Value {
  const entries = env.session.io.readDir(dir);
  if ('error' in entries) return { kind: 'attrs', attrs: new Map() };
  const attrs = new Map<string, Attr>();
  for (const [entry, type] of entries) {
    const absolute = path.join(dir, entry);
    if (type === 'regular' && entry.endsWith('.nix')) {
      attrs.set(entry.slice(0, -4), { value: Thunk.lazy(() => fn({ kind: 'path', value: env.session.io.reportPath(absolute), absolute })) });
    } else if (type === 'directory' && env.session.io.exists(path.join(absolute, 'default.nix')) === true) {
      attrs.set(entry, { value: Thunk.lazy(() => fn({ kind: 'path', value: env.session.io.reportPath(absolute), absolute })) });
    }
  }
  return { kind: 'attrs', attrs, via: `${via} of ${env.session.io.reportPath(dir)}` };
}

function unifiedFlake(env: FlakeEnv, args: Thunk): Value {
  const a = args.force();
  const rootValue = a.kind === 'attrs' ? optionalMember(a, 'root') : undefined;
  const place = rootValue ? placeOf(rootValue) : { kind: 'tree' as const, absolute: env.dir };
  if (place.kind !== 'tree') return unknown('nixos-unified mkFlake: root is not known');
  for (const candidate of ['nix/modules/flake', 'modules/flake', 'nix/modules/flake-parts', 'modules/flake-parts']) {
    const dir = path.join(place.absolute, candidate);
    const entries = env.session.io.readDir(dir);
    if ('error' in entries) continue;
    const imports = entries.map(([entry]) => Thunk.of({ kind: 'path', value: `./${candidate}/${entry}`, absolute: path.join(dir, entry) }));
    const module = attrSet([
      ['imports', Thunk.of({ kind: 'list', items: imports })],
      ['_module', Thunk.of(record({ args: record({ root: { kind: 'path', value: '.', absolute: place.absolute } }) }))],
    ]);
    return evalFlakeParts(env, args, Thunk.of(module)).outputs;
  }
  return evalFlakeParts(env, args, Thunk.of(attrSet([]))).outputs;
}
