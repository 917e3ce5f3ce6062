import { LockValues, resolveReference } from './lock';
import { lastModifiedDate } from './last-modified';
import { releaseOfBranch } from './release-branch';

/**
 * The NixOS release a flake builds from, read from its lock: the root's
 * `nixpkgs` input locked to a release branch (`nixos-25.05`, `release-25.11`)
 * is that release; a pin of nixos-unstable / nixpkgs-unstable / master is the
 * release under development at its `lastModified` date (branch-offs in May and
 * November: a revision from 2026-03 is on the way to 26.05). Undefined when
 * the lock says neither.
 */
export function nixosReleaseFromLock(lock: LockValues): { release: string; source: string } | undefined {
  const nixpkgs = lock.rootInputs.nixpkgs;
  const node = nixpkgs === undefined ? undefined : resolveReference(lock, nixpkgs);
  if (!node) return undefined;
  const original = (node.data.original ?? {}) as Record<string, unknown>;
  const locked = (node.data.locked ?? {}) as Record<string, unknown>;
  const ref = typeof original.ref === 'string' ? original.ref.replace(/^refs\/heads\//, '') : undefined;
  const branch = ref === undefined ? undefined : releaseOfBranch(ref);
  if (branch) return { release: branch, source: `nixpkgs ${ref} in flake.lock` };
  const moving = ref === undefined || /^(?:nixos-unstable(?:-small)?|nixpkgs-unstable|master|main)$/.test(ref);
  const date = lastModifiedDate(locked);
  if (moving && date) {
    const year = date.getUTCFullYear() % 100;
    const month = date.getUTCMonth() + 1;
    const release = month < 5 ? `${year}.05` : month < 11 ? `${year}.11` : `${year + 1}.05`;
    return { release, source: `nixpkgs ${ref ?? 'default branch'} of ${date.toISOString().slice(0, 10)} in flake.lock (on the way to ${release})` };
  }
  return undefined;
}

