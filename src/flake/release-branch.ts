// Its own module: the named predicates use it, and must not load the lock reader (and its JSON parser) at start-up.
/** The NixOS release (`25.05`) of a nixpkgs release branch: `nixos-25.05`, `release-25.11`, `nixos-25.05-small`, `refs/heads/…`. */
export function releaseOfBranch(ref: string): string | undefined {
  const branch = /^(?:refs\/heads\/)?(?:nixos|nixpkgs|release)-(\d\d\.(?:05|11))(?:-small|-darwin|-aarch64)?$/.exec(ref);
  return branch?.[1];
}
