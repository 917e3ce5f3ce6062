import { inputSet } from '../stand-in-set';
import { builtin, call, record } from '../../nix/builtins/registry';
import { packageSet } from '../../nix/builtins/nixpkgs';
import { createLib } from '../../nix/lib';
import { Attr, AttrsValue, Thunk, unknown, Value } from '../../nix/value';
import { attrSet, FlakeEnv, member, optionalMember, stringOf } from '../flake-env';
import { collectModules, option } from '../flake-modules';
import { mergeDefinitions } from '../module-merge';

/**
 * flake-parts (hercules-ci/flake-parts `lib.nix`, `modules/*.nix`):
 * `mkFlake { inputs; specialArgs?; } module` evaluates flake modules with
 * `self`, `inputs`, `lib`, `withSystem`, `flake-parts-lib`; the flake's
 * outputs are the merged `flake` option, plus each `perSystem` output
 * (`packages`, `checks`, …) transposed to `<output>.<system>`.
 */
export function flakePartsStandIn(env: FlakeEnv, name: string): Value {
  const lib = record(
    {
      mkFlake: builtin('mkFlake', 2, ([args, module]) => evalFlakeParts(env, args, module).outputs),
      evalFlakeModule: builtin('evalFlakeModule', 2, ([args, module]) => {
        const result = evalFlakeParts(env, args, module);
        return record({ config: record({ flake: result.outputs }) });
      }),
      importApply: importApply(env),
      mkPerSystemOption: builtin('mkPerSystemOption', 1, () => ({ kind: 'option' })),
      mkTransposedPerSystemModule: builtin('mkTransposedPerSystemModule', 1, () => ({ kind: 'attrs', attrs: new Map() })),
    },
    'this flake-parts function is not evaluated',
  );
  return inputSet(name, { lib, outPath: { kind: 'path', value: '/', input: name } });
}

/** `importApply ./module.nix { … }`: the file's function called with the static arguments. */
function importApply(env: FlakeEnv): Value {
  return builtin('importApply', 2, ([file, staticArgs]) => {
    const imported = call(env.session.globals.lookup('import'), file);
    return call(imported, staticArgs);
  });
}

/** The systems `perSystem` outputs are built for, when the flake lists them. */
function systemsOf(value: Value | undefined): string[] {
  if (value?.kind !== 'list') return [];
  return value.items.map((i) => stringOf(i.force())).filter((s): s is string => s !== undefined);
}

/** perSystem outputs that can hold NixOS systems (an ISO or VM image package, an eval check). */
const TRANSPOSED = ['packages', 'checks', 'legacyPackages'];

export function evalFlakeParts(env: FlakeEnv, argsThunk: Thunk, module: Thunk): { outputs: Value; unread: string[] } {
  const args = argsThunk.force();
  const inputs = (args.kind === 'attrs' ? optionalMember(args, 'inputs') : undefined) ?? env.inputs.force();
  const self = (inputs.kind === 'attrs' ? inputs.attrs.get('self')?.value : undefined) ?? env.self;
  const lib = createLib(env.session);
  const base = new Map<string, Thunk>([
    ['self', self],
    ['inputs', Thunk.of(inputs)],
    ['lib', Thunk.of(lib)],
    ['options', Thunk.of(unknown('options of flake-parts modules are not evaluated'))],
    ['moduleLocation', Thunk.of({ kind: 'string', value: env.file })],
    ['flake-parts-lib', Thunk.lazy(() => member(flakePartsStandIn(env, 'flake-parts'), 'lib'))],
  ]);
  const special = args.kind === 'attrs' ? optionalMember(args, 'specialArgs') : undefined;
  if (special?.kind === 'attrs') for (const [k, v] of special.attrs) base.set(k, v.value);
  let perSystem: (system: string) => Value = () => unknown('perSystem is read while flake-parts modules are collected');
  const withSystem = builtin('withSystem', 2, ([system, fn]) => {
    const s = stringOf(system.force());
    return s === undefined ? unknown('withSystem of a system that is not known') : call(fn.force(), Thunk.of(perSystemArgs(env, s, () => perSystem(s), inputs)));
  });
  base.set('withSystem', Thunk.of(withSystem));
  base.set('getSystem', Thunk.of(builtin('getSystem', 1, ([system]) => {
    const s = stringOf(system.force());
    return s === undefined ? unknown('getSystem of a system that is not known') : perSystem(s);
  })));
  base.set('moduleWithSystem', Thunk.of(builtin('moduleWithSystem', 1, () => unknown('moduleWithSystem is not evaluated'))));
  const collected = collectModules(module, base, env.session);
  const perSystemDefs = collected.definitions.get('perSystem') ?? [];
  const cache = new Map<string, Value>();
  perSystem = (system: string): Value => {
    let config = cache.get(system);
    if (!config) {
      config = mergeDefinitions(perSystemDefs, (merged) => perSystemArgs(env, system, () => merged.force(), inputs)) ?? { kind: 'attrs', attrs: new Map() };
      cache.set(system, config);
    }
    return config;
  };
  const flake = option(collected, 'flake');
  const outputs = new Map<string, Attr>(flake?.kind === 'attrs' ? flake.attrs : []);
  const configurations = outputs.get('nixosConfigurations');
  if (configurations) outputs.set('nixosConfigurations', { ...configurations, value: Thunk.lazy(() => mergedEntries(configurations.value.force())) });
  const systems = systemsOf(option(collected, 'systems'));
  for (const output of TRANSPOSED) {
    if (outputs.has(output) || perSystemDefs.length === 0 || systems.length === 0) continue;
    const perSystemOutput = new Map<string, Attr>(systems.map((s) => [s, { value: Thunk.lazy(() => member(perSystem(s), output)) }]));
    outputs.set(output, { value: Thunk.of({ kind: 'attrs', attrs: perSystemOutput, via: 'flake-parts perSystem' }) });
  }
  const open = flake?.kind === 'attrs' && flake.open ? flake.open : collected.unread.length > 0 ? `a flake-parts module declint could not read (${collected.unread[0]})` : 'other perSystem outputs are not evaluated';
  const result: AttrsValue = { kind: 'attrs', attrs: outputs, open, via: 'flake-parts mkFlake' };
  return { outputs: result, unread: collected.unread };
}

/**
 * flake-parts declares `flake.nixosConfigurations` as `lazyAttrsOf raw`
 * (`modules/nixosConfigurations.nix`): each host's definitions are merged
 * by the module system, so a host written as `mkIf cond (nixosSystem …)`
 * or `mkForce (…)` is the system inside, even where one module alone
 * defines it (the merge of several definitions already does this).
 */
function mergedEntries(set: Value): Value {
  if (set.kind !== 'attrs') return set;
  const attrs = new Map<string, Attr>();
  for (const [name, attr] of set.attrs) attrs.set(name, { ...attr, value: Thunk.lazy(() => mergeDefinitions([attr.value]) ?? unknown(`${name} has no definition`)) });
  return { ...set, attrs };
}

/** What a `perSystem` module is called with: `system`, `pkgs`, `config`, `self'`, `inputs'`, `lib`. */
function perSystemArgs(env: FlakeEnv, system: string, config: () => Value, inputs: Value): Value {
  const inputsPrime = inputs.kind === 'attrs' ? attrSet([...inputs.attrs].map(([name, attr]) => [name, Thunk.lazy(() => perSystemOf(attr.value.force(), system))]), 'another input') : unknown("inputs' is not known");
  return attrSet(
    [
      ['system', Thunk.of({ kind: 'string', value: system })],
      ['pkgs', Thunk.of(packageSet(env.session, system))],
      ['lib', Thunk.of(createLib(env.session))],
      ['config', Thunk.lazy(config)],
      ["self'", Thunk.lazy(() => perSystemOf(env.self.force(), system))],
      ["inputs'", Thunk.of(inputsPrime)],
    ],
    'a perSystem module argument declint does not model',
  );
}

/** An input's per-system view (`inputs'.foo.packages` is `inputs.foo.packages.${system}`). */
function perSystemOf(flake: Value, system: string): Value {
  if (flake.kind !== 'attrs') return unknown("inputs' of an input that is not known");
  const attrs = new Map<string, Attr>();
  for (const [name, attr] of flake.attrs) {
    attrs.set(name, { value: Thunk.lazy(() => {
      const v = attr.value.force();
      return v.kind === 'attrs' ? v.attrs.get(system)?.value.force() ?? unknown(`${name}.${system} is not known`) : v;
    }) });
  }
  return { kind: 'attrs', attrs, open: flake.open ?? 'another output' };
}
