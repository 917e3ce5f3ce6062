/**
 * What a flake input is, read from its URL (or, where the URL says nothing,
 * its name): the frameworks whose host-building functions declint models,
 * nixpkgs (whose `lib.nixosSystem` builds hosts), or another flake, whose
 * outputs are never fetched.
 */
export type InputKind =
  | 'nixpkgs'
  | 'flake-parts'
  | 'flake-utils'
  | 'clan-core'
  | 'colmena'
  | 'haumea'
  | 'snowfall-lib'
  | 'nixos-unified'
  | 'ez-configs'
  | 'deploy-rs'
  | 'lite-config'
  | 'nixos-generators'
  | 'nixos-extra-modules'
  | 'other';

/** Repository (owner/name, lower case) → kind. */
const REPOSITORIES: [RegExp, InputKind][] = [
  [/(^|\/)nixos\/nixpkgs$/, 'nixpkgs'],
  [/(^|\/)nix-community\/nixpkgs\.lib$/, 'nixpkgs'],
  [/(^|\/)hercules-ci\/flake-parts$/, 'flake-parts'],
  [/(^|\/)numtide\/flake-utils$/, 'flake-utils'],
  [/(^|\/)clan(-lol)?\/clan-core$/, 'clan-core'],
  [/(^|\/)zhaofengli(-wip)?\/colmena$/, 'colmena'],
  [/(^|\/)nix-community\/haumea$/, 'haumea'],
  [/(^|\/)snowfallorg\/lib$/, 'snowfall-lib'],
  [/(^|\/)srid\/nixos-(unified|flake)$/, 'nixos-unified'],
  [/(^|\/)ehllie\/ez-configs$/, 'ez-configs'],
  [/(^|\/)serokell\/deploy-rs$/, 'deploy-rs'],
  [/(^|\/)yelite\/lite-config$/, 'lite-config'],
  [/(^|\/)nix-community\/nixos-generators$/, 'nixos-generators'],
  [/(^|\/)oddlama\/nixos-extra-modules$/, 'nixos-extra-modules'],
];

/** Input name → kind, where the URL does not tell (an indirect `nixpkgs`, a `follows`). */
const NAMES: [RegExp, InputKind][] = [
  [/^nixpkgs([-_].*)?$/, 'nixpkgs'],
  [/^nixos([-_](unstable|stable|\d+[._]\d+).*)?$/, 'nixpkgs'],
  [/^flake-parts$/, 'flake-parts'],
  [/^(flake-)?utils$/, 'flake-utils'],
  [/^clan(-core)?$/, 'clan-core'],
  [/^colmena$/, 'colmena'],
  [/^haumea$/, 'haumea'],
  [/^snowfall(-lib)?$/, 'snowfall-lib'],
  [/^nixos-(unified|flake)$/, 'nixos-unified'],
  [/^ez-configs$/, 'ez-configs'],
  [/^deploy-rs$/, 'deploy-rs'],
  [/^lite-config$/, 'lite-config'],
  [/^nixos-generators$/, 'nixos-generators'],
];

export function inputKind(name: string, url: string | undefined): InputKind {
  const repository = url ? repositoryOf(url) : undefined;
  if (repository) {
    for (const [pattern, kind] of REPOSITORIES) if (pattern.test(repository)) return kind;
    // A fork of nixpkgs is nixpkgs: same lib, same nixosSystem.
    if (/\/nixpkgs$/.test(repository)) return 'nixpkgs';
  }
  if (url && /^(flake:)?nixpkgs(\/|$)/.test(url)) return 'nixpkgs';
  if (url && /nixos\.org\/.*nixpkgs|channels\.nixos\.org|releases\.nixos\.org/.test(url)) return 'nixpkgs';
  if (repository === undefined || url === undefined) {
    for (const [pattern, kind] of NAMES) if (pattern.test(name)) return kind;
  } else {
    // A known name under an unknown URL (a mirror, a pinned tarball) is still that input.
    for (const [pattern, kind] of NAMES) if (pattern.test(name) && kind !== 'nixpkgs') return kind;
    if (/^nixpkgs([-_].*)?$/.test(name)) return 'nixpkgs';
  }
  return 'other';
}

/** `owner/name` of a flake URL (`github:o/n/ref`, `git+https://host/o/n`, `https://github.com/o/n/archive/…`), lower case. */
export function repositoryOf(url: string): string | undefined {
  const shorthand = /^(?:github|gitlab|sourcehut):([^/?#]+)\/([^/?#]+)/.exec(url);
  if (shorthand) return `${shorthand[1]}/${shorthand[2]}`.toLowerCase();
  const web = /^(?:git\+)?(?:https?|ssh|git):\/\/(?:[^@/]+@)?[^/]+\/([^/?#]+)\/([^/?#]+?)(?:\.git)?(?:[/?#]|$)/.exec(url);
  if (web) return `${web[1]}/${web[2]}`.toLowerCase();
  return undefined;
}
