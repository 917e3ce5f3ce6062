import { inputSet } from '../stand-in-set';
import * as path from 'path';
import { jsonValue, placeOf } from '../../nix/builtins/io';
import { builtin, record } from '../../nix/builtins/registry';
import { Attr, AttrsValue, Thunk, unknown, Value } from '../../nix/value';
import { attrSet, FlakeEnv, optionalMember, stringOf } from '../flake-env';
import { collectModules, option } from '../flake-modules';
import { frameworkSystem, unreadModule } from '../systems';

/**
 * clan (clan-lol/clan-core `lib/clan/default.nix`, `modules/clan/module.nix`):
 * `clan-core.lib.clan { self; … }` (and the older `buildClan`, and the
 * flake-parts module's `clan = { … }`) evaluates a module whose machines are
 * the union of the `machines/<name>` directories under `directory` (default
 * `self`), `inventory.machines`, `inventory.json`'s machines and the
 * `machines` option; darwin machines (`machineClass = "darwin"`) are not
 * NixOS. Each machine gets `machines/<name>/configuration.nix`,
 * `hardware-configuration.nix` and `disko.nix` where present, its
 * `machines.<name>` module, and clan-core's own modules (not read).
 */
export function clanStandIn(env: FlakeEnv, name: string): Value {
  const clan = builtin('clan', 1, ([args]) => clanResult(env, args));
  const lib = record({ clan, buildClan: clan }, 'this clan-core function is not evaluated');
  const flakeModule = builtin('clan-core.flakeModules.default', 1, ([moduleArgs]) => clanFlakeModule(env, moduleArgs.force()));
  return inputSet(name, { lib, flakeModules: record({ default: flakeModule }, 'another clan-core flake module'), flakeModule, outPath: { kind: 'path', value: '/', input: name } });
}

/** The flake-parts module: `clan = { … }` becomes `flake.nixosConfigurations`. */
function clanFlakeModule(env: FlakeEnv, moduleArgs: Value): Value {
  const config = moduleArgs.kind === 'attrs' ? optionalMember(moduleArgs, 'config') : undefined;
  const systems = Thunk.lazy(() => {
    const clanOption = config?.kind === 'attrs' ? optionalMember(config, 'clan') : undefined;
    if (!clanOption) return { kind: 'attrs', attrs: new Map() } as Value;
    return member(clanResult(env, Thunk.of(clanOption)), 'nixosConfigurations');
  });
  return attrSet([['flake', Thunk.of(attrSet([['nixosConfigurations', systems]]))]]);
}

function member(value: Value, name: string): Value {
  return value.kind === 'attrs' ? value.attrs.get(name)?.value.force() ?? unknown(`${name} is not set`) : value;
}

function clanResult(env: FlakeEnv, args: Thunk): Value {
  const collected = collectModules(args, new Map([['self', env.self], ['lib', Thunk.lazy(() => env.session.globals.lookup('lib'))]]), env.session);
  const nixosConfigurations = machines(env, collected);
  const config = attrSet([['nixosConfigurations', Thunk.of(nixosConfigurations)]], 'this part of the clan is not evaluated');
  return attrSet([['config', Thunk.of(config)], ['nixosConfigurations', Thunk.of(nixosConfigurations)]], 'this part of the clan is not evaluated');
}

function machines(env: FlakeEnv, collected: ReturnType<typeof collectModules>): AttrsValue {
  const directoryValue = option(collected, 'directory') ?? option(collected, 'self') ?? env.self.force();
  const place = placeOf(directoryValue);
  const directory = place.kind === 'tree' ? place.absolute : undefined;
  const names = new Map<string, string>(); // machine → where it was declared
  const darwin = new Set<string>();
  let open: string | undefined = place.kind === 'tree' ? undefined : `the clan directory is not known (${place.kind === 'none' ? place.why : place.subpath})`;
  if (directory) {
    const entries = env.session.io.readDir(path.join(directory, 'machines'));
    if (!('error' in entries)) for (const [n, type] of entries) if (type === 'directory') names.set(n, 'machines/ directory');
  }
  const inventory = option(collected, 'inventory');
  const inventoryMachines = inventory?.kind === 'attrs' ? optionalMember(inventory, 'machines') : undefined;
  if (inventoryMachines?.kind === 'attrs') {
    for (const [n, attr] of inventoryMachines.attrs) {
      if (!names.has(n)) names.set(n, 'inventory.machines');
      const machine = attr.value.force();
      const machineClass = machine.kind === 'attrs' ? stringOf(optionalMember(machine, 'machineClass')) : undefined;
      if (machineClass === 'darwin') darwin.add(n);
    }
    open ??= inventoryMachines.open;
  } else if (inventoryMachines?.kind === 'unknown') open ??= `inventory.machines: ${inventoryMachines.why}`;
  if (directory) {
    const json = env.session.io.readFile(path.join(directory, 'inventory.json'));
    if (typeof json === 'string') {
      const parsed = jsonValue(json);
      const jsonMachines = parsed.kind === 'attrs' ? optionalMember(parsed, 'machines') : undefined;
      if (jsonMachines?.kind === 'attrs') for (const n of jsonMachines.attrs.keys()) if (!names.has(n)) names.set(n, 'inventory.json');
    }
  }
  const machineModules = option(collected, 'machines');
  if (machineModules?.kind === 'attrs') {
    for (const n of machineModules.attrs.keys()) if (!names.has(n)) names.set(n, 'machines option');
    open ??= machineModules.open;
  }
  const special = option(collected, 'specialArgs');
  const attrs = new Map<string, Attr>();
  for (const [n] of names) {
    if (darwin.has(n)) continue;
    attrs.set(n, { value: Thunk.lazy(() => machineSystem(env, n, directory, machineModules, special)) });
  }
  if (collected.unread.length > 0) open ??= `a clan module declint could not read (${collected.unread[0]})`;
  const set: AttrsValue = { kind: 'attrs', attrs, via: `clan machines${directory ? ` (${env.session.io.reportPath(path.join(directory, 'machines'))}/, inventory)` : ''}` };
  if (open) set.open = open;
  return set;
}

function machineSystem(env: FlakeEnv, name: string, directory: string | undefined, machineModules: Value | undefined, special: Value | undefined): Value {
  const modules: Thunk[] = [];
  if (directory) {
    for (const file of ['configuration.nix', 'hardware-configuration.nix', 'disko.nix']) {
      const absolute = path.join(directory, 'machines', name, file);
      if (env.session.io.exists(absolute) === true) modules.push(Thunk.of({ kind: 'path', value: `./machines/${name}/${file}`, absolute }));
    }
  }
  const own = machineModules?.kind === 'attrs' ? machineModules.attrs.get(name) : undefined;
  if (own) modules.push(own.value);
  modules.push(Thunk.of(record({ networking: record({ hostName: { kind: 'override', priority: 1000, content: Thunk.of({ kind: 'string', value: name }) } }) })));
  modules.push(unreadModule('clan-core.nixosModules.clanCore: clan-core is another flake, which declint does not fetch', 'clan-core'));
  const specialArgs = new Map<string, Thunk>([['self', env.self]]);
  if (special?.kind === 'attrs') for (const [k, v] of special.attrs) specialArgs.set(k, v.value);
  return frameworkSystem('clan', modules, specialArgs);
}
