import { inputSet } from '../stand-in-set';
import * as path from 'path';
import { placeOf } from '../../nix/builtins/io';
import { builtin, record } from '../../nix/builtins/registry';
import { Attr, Thunk, unknown, Value } from '../../nix/value';
import { attrSet, FlakeEnv, optionalMember } from '../flake-env';
import { frameworkSystem } from '../systems';

/**
 * ez-configs (ehllie/ez-configs `flake-module.nix`): the flake-parts option
 * `ezConfigs = { root; globalArgs; nixos = { configurationsDirectory;
 * modulesDirectory; specialArgs; }; }` makes `nixosConfigurations.<n>` of each
 * `nixos-configurations/<n>.nix` or `<n>/default.nix` under `root`, with
 * `networking.hostName = mkDefault n`, the modules directory's `default.nix`,
 * and `specialArgs = nixos.specialArgs (default globalArgs) // { ezModules }`.
 */
export function ezConfigsStandIn(env: FlakeEnv, name: string): Value {
  const flakeModule = builtin('ez-configs.flakeModule', 1, ([args]) => {
    const a = args.force();
    const config = a.kind === 'attrs' ? optionalMember(a, 'config') : undefined;
    const systems = Thunk.lazy(() => {
      const ez = config?.kind === 'attrs' ? optionalMember(config, 'ezConfigs') : undefined;
      return ez ? ezHosts(env, ez) : ({ kind: 'attrs', attrs: new Map() } as Value);
    });
    return attrSet([['flake', Thunk.of(attrSet([['nixosConfigurations', systems]]))]]);
  });
  return inputSet(name, { flakeModule, flakeModules: record({ default: flakeModule }), outPath: { kind: 'path', value: '/', input: name } });
}

function ezHosts(env: FlakeEnv, ez: Value): Value {
  if (ez.kind !== 'attrs') return unknown(`ezConfigs: ${ez.kind === 'unknown' ? ez.why : 'not a set'}`);
  const rootValue = optionalMember(ez, 'root');
  const root = rootValue ? placeOf(rootValue) : undefined;
  const nixos = optionalMember(ez, 'nixos');
  const dirOf = (key: string, fallback: string): string | undefined => {
    const set = nixos?.kind === 'attrs' ? optionalMember(nixos, key) : undefined;
    const place = set ? placeOf(set) : undefined;
    if (place?.kind === 'tree') return place.absolute;
    return root?.kind === 'tree' ? path.join(root.absolute, fallback) : undefined;
  };
  const configurations = dirOf('configurationsDirectory', 'nixos-configurations');
  const modulesDir = dirOf('modulesDirectory', 'nixos-modules');
  if (!configurations) return unknown('ezConfigs.root is not known');
  const entries = env.session.io.readDir(configurations);
  if ('error' in entries) return { kind: 'attrs', attrs: new Map() };
  const special = (nixos?.kind === 'attrs' ? optionalMember(nixos, 'specialArgs') : undefined) ?? optionalMember(ez, 'globalArgs');
  const attrs = new Map<string, Attr>();
  for (const [entry, type] of entries) {
    const hostName = type === 'directory' ? entry : entry.endsWith('.nix') ? entry.slice(0, -4) : undefined;
    if (!hostName) continue;
    const absolute = path.join(configurations, entry);
    attrs.set(hostName, { value: Thunk.lazy(() => {
      const modules: Thunk[] = [Thunk.of({ kind: 'path', value: env.session.io.reportPath(absolute), absolute })];
      modules.push(Thunk.of(record({ networking: record({ hostName: { kind: 'override', priority: 1000, content: Thunk.of({ kind: 'string', value: hostName }) } }) })));
      if (modulesDir && env.session.io.exists(path.join(modulesDir, 'default.nix')) === true) modules.push(Thunk.of({ kind: 'path', value: env.session.io.reportPath(modulesDir), absolute: modulesDir }));
      const specialArgs = new Map<string, Thunk>();
      if (special?.kind === 'attrs') for (const [k, v] of special.attrs) specialArgs.set(k, v.value);
      return frameworkSystem('ez-configs', modules, specialArgs);
    }) });
  }
  return { kind: 'attrs', attrs, via: `ez-configs ${env.session.io.reportPath(configurations)}` };
}
