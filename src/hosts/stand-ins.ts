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
export function inputStandIn(name: string, kind: InputKind, env: FlakeEnv, isFlake = true): Value {
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
      return otherInput(name, isFlake);
  }
}

/** The outputs every flake may have: present (and unknown) on another flake's stand-in, so `input ? nixosModules` holds. */
const FLAKE_OUTPUTS = ['nixosModules', 'nixosModule', 'darwinModules', 'homeManagerModules', 'homeModules', 'flakeModules', 'flakeModule', 'overlays', 'overlay', 'packages', 'legacyPackages', 'lib', 'apps', 'checks', 'devShells', 'formatter', 'templates'];

/**
 * Another flake (or, with `flake = false`, a source tree): its outputs are
 * not fetched. A flake's standard outputs are there, each unknown and
 * marked as coming from it, so a module taken from one counts as external.
 */
export function otherInput(name: string, isFlake = true): Value {
  const members: Record<string, Value> = { outPath: { kind: 'path', value: '/', input: name } };
  if (isFlake) for (const output of FLAKE_OUTPUTS) members[output] = { kind: 'unknown', why: `inputs.${name} is another flake, which declint does not fetch`, outside: `inputs.${name}` };
  return inputSet(name, members);
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

