import type { EvalContext } from '../eval-context';
import { createLib, systemConstructor } from '../lib';
import { Attr, Thunk, unknown, Value } from '../value';
import type { InputImports } from './io';
import { placeOf } from './io';
import { builtin, call, need } from './registry';

/**
 * The files of nixpkgs whose meaning declint models, for `import` of a path
 * inside it (`<nixpkgs/nixos>`, `"${nixpkgs}/nixos/lib/eval-config.nix"`,
 * `import nixpkgs { … }`): the NixOS system constructors and `lib`.
 * nixpkgs itself is never read; its input is always named `nixpkgs` here,
 * whatever the flake calls it.
 */
export function nixpkgsImports(ctx: EvalContext): InputImports {
  return {
    importInput(input: string, subpath: string): Value | undefined {
      if (input !== 'nixpkgs') return undefined;
      switch (subpath.replace(/\/+$/, '') || '/') {
        case '/nixos/lib/eval-config.nix':
          return systemConstructor('eval-config.nix');
        case '/nixos':
        case '/nixos/default.nix':
          return nixosFunction();
        case '/lib':
        case '/lib/default.nix':
          return createLib(ctx);
        case '/':
        case '/default.nix':
          return builtin('nixpkgs', 1, ([args]) => {
            const a = args.force();
            const system = a.kind === 'attrs' ? a.attrs.get('system')?.value.force() : undefined;
            const overlays = a.kind === 'attrs' ? a.attrs.get('overlays')?.value.force() : undefined;
            return packageSet(ctx, system?.kind === 'string' && system.input === undefined ? system.value : undefined, overlays?.kind === 'list' ? overlays.items : []);
          });
        default:
          return undefined;
      }
    },
  };
}

/** `import <nixpkgs/nixos> { configuration = …; system = …; }`: a system of that one module. */
function nixosFunction(): Value {
  return builtin('<nixpkgs/nixos>', 1, ([args]) => {
    const a = need(args.force(), 'attrs', '<nixpkgs/nixos>');
    if (a.kind === 'unknown') return a;
    const configuration = a.attrs.get('configuration');
    if (!configuration) return unknown('<nixpkgs/nixos> without a configuration');
    const systemArgs = new Map<string, Attr>([['modules', { value: Thunk.of({ kind: 'list', items: [configuration.value] }) }]]);
    return { kind: 'system', args: Thunk.of({ kind: 'attrs', attrs: systemArgs }), via: '<nixpkgs/nixos>' };
  });
}

/**
 * What `import nixpkgs { … }` (or `nixpkgs.legacyPackages.<system>`) gives
 * as far as declint reads it: `lib`, `path`, the `nixos` function,
 * `callPackage` (a file's function called with the set's members) and the
 * set's overlays (`overlays = [ (final: prev: { … }) ]`); any other package is
 * unknown. A derivation built from a NixOS system (`runCommand … "${sys.config.system.build.x}"`)
 * is still a part of that system, so an image package leads to its host.
 */
export function packageSet(ctx: EvalContext, system?: string, overlays: Thunk[] = []): Value {
  let final: Thunk;
  // eslint-disable-next-line prefer-const
  final = Thunk.lazy(() => {
    let layer: Value = baseSet(ctx, system, () => final);
    for (const overlay of overlays) {
      const prev = layer;
      const extension = call(overlay.force(), final, Thunk.of(prev));
      if (extension.kind === 'attrs' && prev.kind === 'attrs') {
        const attrs = new Map(prev.attrs);
        for (const [k, v] of extension.attrs) attrs.set(k, v);
        layer = { kind: 'attrs', attrs, open: prev.open ?? extension.open, whole: true };
      }
    }
    return layer;
  });
  return final.force();
}

function baseSet(ctx: EvalContext, system: string | undefined, final: () => Thunk): Value {
  const attrs = new Map<string, Attr>([
    ['lib', { value: Thunk.of(createLib(ctx)) }],
    ['path', { value: Thunk.of({ kind: 'path', value: '/', input: 'nixpkgs' }) }],
    ['nixos', { value: Thunk.of(nixosModuleFunction()) }],
    ['callPackage', { value: Thunk.of(callPackage(ctx, final)) }],
  ]);
  for (const name of ['runCommand', 'runCommandLocal', 'runCommandNoCC', 'runCommandCC']) attrs.set(name, { value: Thunk.of(runCommand(name)) });
  if (system) {
    // The platform is known where the system is (`perSystem`, `import nixpkgs { system = …; }`).
    const platform = hostPlatform(system);
    attrs.set('system', { value: Thunk.of({ kind: 'string', value: system }) });
    attrs.set('stdenv', { value: Thunk.of({ kind: 'attrs', attrs: new Map([['hostPlatform', { value: Thunk.of(platform) }], ['buildPlatform', { value: Thunk.of(platform) }]]), open: 'pkgs.stdenv is not evaluated' }) });
    attrs.set('hostPlatform', { value: Thunk.of(platform) });
  }
  return { kind: 'attrs', attrs, open: 'pkgs.* is not evaluated', whole: true };
}

/** `callPackage f overrides`: `f` (a file's function, or a function) called with `overrides` and the set's members it names. */
function callPackage(ctx: EvalContext, final: () => Thunk): Value {
  return builtin('callPackage', 2, ([fn, overrides]) => {
    let f = fn.force();
    const place = f.kind === 'path' || f.kind === 'string' ? placeOf(f) : undefined;
    if (place?.kind === 'tree') f = ctx.importFile(place.absolute);
    if (f.kind !== 'lambda' || !f.formals) return f.kind === 'unknown' ? f : unknown('callPackage of something that is not a function of a set');
    const given = overrides.force();
    const args = new Map<string, Attr>();
    for (const name of f.formals) {
      args.set(name, {
        value: Thunk.lazy(() => {
          const own = given.kind === 'attrs' ? given.attrs.get(name) : undefined;
          if (own) return own.value.force();
          const set = final().force();
          return set.kind === 'attrs' ? set.attrs.get(name)?.value.force() ?? unknown(`pkgs.${name} is not evaluated`) : unknown(`pkgs.${name} is not evaluated`);
        }),
      });
    }
    return f.apply(Thunk.of({ kind: 'attrs', attrs: args }));
  });
}

/** `runCommand name env script`: a derivation declint does not build; one made from a NixOS system's parts stays part of it. */
function runCommand(name: string): Value {
  return builtin(name, 3, ([, , script]) => {
    const s = script.force();
    return s.kind === 'unknown' && s.ofSystem ? { kind: 'unknown', why: `${name}: a derivation made from a NixOS system`, ofSystem: s.ofSystem } : unknown(`pkgs.${name} is not evaluated`);
  });
}

/** `stdenv.hostPlatform` of a system double (`x86_64-linux`): its name and the common `is…` tests. */
function hostPlatform(system: string): Value {
  const [cpu, os] = system.split('-');
  const flags: Record<string, boolean> = {
    isLinux: os === 'linux',
    isDarwin: os === 'darwin',
    isx86_64: cpu === 'x86_64',
    isAarch64: cpu === 'aarch64',
    isi686: cpu === 'i686',
    isx86: cpu === 'x86_64' || cpu === 'i686',
    isAarch: cpu === 'aarch64' || cpu.startsWith('armv'),
    isRiscV: cpu.startsWith('riscv'),
    is64bit: /64/.test(cpu),
  };
  const attrs = new Map<string, Attr>(Object.entries(flags).map(([k, v]) => [k, { value: Thunk.of({ kind: 'bool', value: v }) }]));
  attrs.set('system', { value: Thunk.of({ kind: 'string', value: system }) });
  return { kind: 'attrs', attrs, open: 'this part of hostPlatform is not evaluated' };
}

/** `pkgs.nixos module`: a system of that module (nixpkgs `top-level/all-packages.nix`). */
function nixosModuleFunction(): Value {
  return builtin('pkgs.nixos', 1, ([module]) => {
    const systemArgs = new Map<string, Attr>([['modules', { value: Thunk.of({ kind: 'list', items: [module] }) }]]);
    return { kind: 'system', args: Thunk.of({ kind: 'attrs', attrs: systemArgs }), via: 'pkgs.nixos' };
  });
}
