import { inputSet } from '../stand-in-set';
import * as path from 'path';
import { placeOf } from '../../nix/builtins/io';
import { builtin, record } from '../../nix/builtins/registry';
import { createLib } from '../../nix/lib';
import { Attr, listElements, Thunk, unknown, Value } from '../../nix/value';
import { attrSet, FlakeEnv, optionalMember, stringOf } from '../flake-env';
import { frameworkSystem } from '../systems';

/**
 * Snowfall's virtual formats (`snowfall-lib/system/virtual-systems.nix`): a
 * target is virtual when it contains one anywhere (`hasInfix`), as in
 * `x86_64-iso` or `x86_64-install-iso`.
 */
const VIRTUAL = ['amazon', 'azure', 'cloudstack', 'docker', 'do', 'gce', 'install-iso-hyperv', 'hyperv', 'install-iso', 'iso', 'kexec', 'kexec-bundle', 'kubevirt', 'proxmox-lxc', 'lxc-metadata', 'lxc', 'openstack', 'proxmox', 'qcow', 'raw-efi', 'raw', 'sd-aarch64-installer', 'sd-aarch64', 'vagrant-virtualbox', 'virtualbox', 'vm-bootloader', 'vm-nogui', 'vmware', 'vm'];

/**
 * snowfall-lib (snowfallorg/lib `snowfall-lib/system/default.nix`,
 * `module/default.nix`): `mkFlake { inputs; src; snowfall.root?; … }` makes a
 * host of each `<root>/systems/<target>/<name>/default.nix`; a target naming
 * darwin, or a virtual format (iso, vm, …), is not a nixosConfigurations
 * entry. Every host gets every `modules/nixos/**\/default.nix`,
 * `systems.modules.nixos` and `systems.hosts.<name>.modules`, and the
 * specialArgs `{ target system host virtual inputs namespace lib format }`.
 */
export function snowfallStandIn(env: FlakeEnv, name: string): Value {
  const mkFlake = builtin('mkFlake', 1, ([args]) => snowfallFlake(env, args.force()));
  const mkLib = builtin('mkLib', 1, () => record({ mkFlake }, 'this snowfall function is not evaluated'));
  return inputSet(name, { mkFlake, mkLib, outPath: { kind: 'path', value: '/', input: name } });
}

function snowfallFlake(env: FlakeEnv, args: Value): Value {
  if (args.kind !== 'attrs') return unknown('snowfall mkFlake of arguments that are not known');
  const snowfall = optionalMember(args, 'snowfall');
  const rootValue = (snowfall?.kind === 'attrs' ? optionalMember(snowfall, 'root') : undefined) ?? optionalMember(args, 'src');
  const root = rootValue ? placeOf(rootValue) : undefined;
  if (root?.kind !== 'tree') return unknown('snowfall mkFlake: src is not known');
  const namespace = snowfall?.kind === 'attrs' ? optionalMember(snowfall, 'namespace') : undefined;
  const systemsOption = optionalMember(args, 'systems');
  const common = systemsOption?.kind === 'attrs' ? optionalMember(systemsOption, 'modules') : undefined;
  const commonNixos = common?.kind === 'attrs' ? optionalMember(common, 'nixos') : undefined;
  const perHost = systemsOption?.kind === 'attrs' ? optionalMember(systemsOption, 'hosts') : undefined;
  const sharedModules = nixosModules(env, path.join(root.absolute, 'modules', 'nixos'));
  const configurations = new Map<string, Attr>();
  // A virtual target builds an image with nixos-generators, exposed as `<format>Configurations`.
  const images = new Map<string, Map<string, Attr>>();
  const targets = env.session.io.readDir(path.join(root.absolute, 'systems'));
  if (!('error' in targets)) {
    for (const [target, type] of targets) {
      if (type !== 'directory' || target.includes('darwin')) continue;
      const format = VIRTUAL.find((f) => target.includes(f));
      const output = format ? images.get(format) ?? images.set(format, new Map()).get(format)! : configurations;
      const hosts = env.session.io.readDir(path.join(root.absolute, 'systems', target));
      if ('error' in hosts) continue;
      for (const [host, hostType] of hosts) {
        const file = path.join(root.absolute, 'systems', target, host, 'default.nix');
        if (hostType !== 'directory' || env.session.io.exists(file) !== true) continue;
        output.set(host, { value: Thunk.lazy(() => {
          const modules: Thunk[] = [Thunk.of({ kind: 'path', value: env.session.io.reportPath(file), absolute: file }), ...sharedModules];
          let missing: string | undefined;
          for (const extra of [commonNixos, perHost?.kind === 'attrs' ? optionalMember(optionalMember(perHost, host) ?? { kind: 'attrs', attrs: new Map() }, 'modules') : undefined]) {
            if (!extra) continue;
            const found = listElements(extra);
            if (found) {
              modules.push(...found.items);
              missing ??= found.missing;
            } else missing ??= extra.kind === 'unknown' ? extra.why : 'a module list that is not a list';
          }
          const system = target.split('-').slice(0, 2).join('-');
          const specialArgs = new Map<string, Thunk>([
            ['target', Thunk.of({ kind: 'string', value: target })],
            ['system', Thunk.of({ kind: 'string', value: system })],
            ['host', Thunk.of({ kind: 'string', value: host })],
            ['virtual', Thunk.of({ kind: 'bool', value: format !== undefined })],
            ['format', Thunk.of({ kind: 'string', value: format ?? 'linux' })],
            ['inputs', env.inputs],
            ['namespace', Thunk.of(namespace ?? unknown('the snowfall namespace is not known'))],
            ['lib', Thunk.of({ ...createLib(env.session), open: 'a function of the snowfall lib (lib.<namespace>) declint does not read' })],
          ]);
          return frameworkSystem(format ? `snowfall-lib ${format} image` : 'snowfall-lib', modules, specialArgs, missing);
        }) });
      }
    }
  }
  const nixosConfigurations = { kind: 'attrs' as const, attrs: configurations, via: `snowfall systems/ of ${env.session.io.reportPath(root.absolute) || '.'}` };
  const outputs: [string, Thunk][] = [['nixosConfigurations', Thunk.of(nixosConfigurations)]];
  for (const [format, set] of images) outputs.push([`${format}Configurations`, Thunk.of({ kind: 'attrs', attrs: set, via: `snowfall ${format} targets` })]);
  return attrSet(outputs, 'other snowfall outputs are not evaluated');
}

/** Every `default.nix` below `modules/nixos`, as snowfall's `create-modules` finds them. */
function nixosModules(env: FlakeEnv, dir: string): Thunk[] {
  const out: Thunk[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 16) return;
    const entries = env.session.io.readDir(d);
    if ('error' in entries) return;
    for (const [entry, type] of entries) {
      const absolute = path.join(d, entry);
      if (type === 'directory') walk(absolute, depth + 1);
      else if (entry === 'default.nix' && d !== dir) out.push(Thunk.of({ kind: 'path', value: env.session.io.reportPath(absolute), absolute }));
    }
  };
  walk(dir, 0);
  return out;
}

void stringOf;
