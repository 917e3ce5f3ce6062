import { packageSet } from '../nix/builtins/nixpkgs';
import { record } from '../nix/builtins/registry';
import { createLib } from '../nix/lib';
import { Attr, Thunk, Value } from '../nix/value';
import type { FlakeEnv } from './flake-env';
import { clanStandIn } from './frameworks/clan';
import { colmenaStandIn } from './frameworks/colmena';
import { ezConfigsStandIn } from './frameworks/ez-configs';
import { flakePartsStandIn } from './frameworks/flake-parts';
import { flakeUtilsStandIn } from './frameworks/flake-utils';
import { haumeaStandIn } from './frameworks/haumea';
import { liteConfigStandIn } from './frameworks/lite-config';
import { nixosGeneratorsStandIn } from './frameworks/nixos-generators';
import { nixosUnifiedStandIn } from './frameworks/nixos-unified';
import { snowfallStandIn } from './frameworks/snowfall';
import type { InputKind } from './input-kinds';
import { inputSet } from './stand-in-set';

/**
 * What a flake input stands for while the flake's outputs are evaluated:
 * nothing is fetched; nixpkgs gives its `lib` (and `nixosSystem`), the host
 * frameworks give their host-building functions as declint models them,
 * and any other input is a set whose members are unknown ("another flake").
 */
export function inputStandIn(name: string, kind: InputKind, env: FlakeEnv): Value {
  switch (kind) {
    case 'nixpkgs':
      return nixpkgsStandIn(name, env);
    case 'flake-parts':
      return flakePartsStandIn(env, name);
    case 'flake-utils':
      return flakeUtilsStandIn(name);
    case 'clan-core':
      return clanStandIn(env, name);
    case 'colmena':
      return colmenaStandIn(env, name);
    case 'haumea':
      return haumeaStandIn(env, name);
    case 'snowfall-lib':
      return snowfallStandIn(env, name);
    case 'nixos-unified':
      return nixosUnifiedStandIn(env, name);
    case 'ez-configs':
      return ezConfigsStandIn(env, name);
    case 'lite-config':
      return liteConfigStandIn(env, name);
    case 'nixos-generators':
      return nixosGeneratorsStandIn(env, name);
    default:
      return otherInput(name);
  }
}

export function otherInput(name: string): Value {
  return inputSet(name, { outPath: { kind: 'path', value: '/', input: name } });
}

const SYSTEMS = ['x86_64-linux', 'aarch64-linux', 'x86_64-darwin', 'aarch64-darwin', 'i686-linux', 'armv7l-linux', 'riscv64-linux'];

function nixpkgsStandIn(name: string, env: FlakeEnv): Value {
  const packages = new Map<string, Attr>(SYSTEMS.map((s) => [s, { value: Thunk.lazy(() => packageSet(env.session, s)) }]));
  return inputSet(name, {
    lib: createLib(env.session),
    outPath: { kind: 'path', value: '/', input: 'nixpkgs' },
    legacyPackages: { kind: 'attrs', attrs: packages, open: `inputs.${name}.legacyPackages for another system` },
  });
}

