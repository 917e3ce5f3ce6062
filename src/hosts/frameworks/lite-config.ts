import { inputSet } from '../stand-in-set';
import * as path from 'path';
import { placeOf } from '../../nix/builtins/io';
import { builtin, record } from '../../nix/builtins/registry';
import { Attr, listElements, Thunk, unknown, Value } from '../../nix/value';
import { attrSet, FlakeEnv, optionalMember, stringOf } from '../flake-env';
import { frameworkSystem } from '../systems';

/**
 * lite-config (yelite/lite-config `flake-module.nix`): the flake-parts
 * option `lite-config = { hostModuleDir; hosts.<n>.system; systemModules; }`
 * makes `nixosConfigurations.<n>` for each host whose system is Linux, with
 * the modules `systemModules ++ [ "${hostModuleDir}/<n>" ]` and the module
 * argument `hostPlatform` (darwin hosts become darwinConfigurations).
 */
export function liteConfigStandIn(env: FlakeEnv, name: string): Value {
  const flakeModule = builtin('lite-config.flakeModule', 1, ([args]) => {
    const a = args.force();
    const config = a.kind === 'attrs' ? optionalMember(a, 'config') : undefined;
    const systems = Thunk.lazy(() => {
      const lite = config?.kind === 'attrs' ? optionalMember(config, 'lite-config') : undefined;
      return lite ? liteHosts(env, lite) : ({ kind: 'attrs', attrs: new Map() } as Value);
    });
    return attrSet([['flake', Thunk.of(attrSet([['nixosConfigurations', systems]]))]]);
  });
  return inputSet(name, { flakeModule, flakeModules: record({ default: flakeModule }), outPath: { kind: 'path', value: '/', input: name } });
}

function liteHosts(env: FlakeEnv, lite: Value): Value {
  if (lite.kind !== 'attrs') return unknown(`lite-config: ${lite.kind === 'unknown' ? lite.why : 'not a set'}`);
  const hosts = optionalMember(lite, 'hosts');
  if (hosts?.kind !== 'attrs') return unknown(`lite-config.hosts: ${hosts?.kind === 'unknown' ? hosts.why : 'not set'}`);
  const dirValue = optionalMember(lite, 'hostModuleDir');
  const place = dirValue ? placeOf(dirValue) : undefined;
  const modules = optionalMember(lite, 'systemModules');
  const attrs = new Map<string, Attr>();
  let open = hosts.open;
  for (const [hostName, attr] of hosts.attrs) {
    const host = attr.value.force();
    const system = host.kind === 'attrs' ? stringOf(optionalMember(host, 'system')) : undefined;
    if (system === undefined) {
      open ??= `the system of lite-config host ${hostName} is not known`;
      continue;
    }
    if (!system.endsWith('-linux')) continue;
    attrs.set(hostName, { value: Thunk.lazy(() => {
      const found = modules ? listElements(modules) : { items: [] };
      const list = [...(found?.items ?? [])];
      if (place?.kind === 'tree') {
        const absolute = path.join(place.absolute, hostName);
        list.push(Thunk.of({ kind: 'path', value: env.session.io.reportPath(absolute), absolute }));
      }
      const platform = record({ isLinux: { kind: 'bool', value: true }, isDarwin: { kind: 'bool', value: false }, system: { kind: 'string', value: system } });
      const missing = !found ? 'lite-config.systemModules is not known' : found.missing ?? (place?.kind === 'tree' ? undefined : 'lite-config.hostModuleDir is not known');
      return frameworkSystem('lite-config', list, new Map([['hostPlatform', Thunk.of(platform)]]), missing);
    }), ...(attr.binding ? { binding: attr.binding, file: attr.file } : {}) });
  }
  return open ? { kind: 'attrs', attrs, open, via: 'lite-config hosts' } : { kind: 'attrs', attrs, via: 'lite-config hosts' };
}
