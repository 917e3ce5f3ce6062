import type { NamedPredicate } from '../named-predicates';

type LockData = { locked?: Record<string, unknown>; original?: Record<string, unknown> };

const FORGES = new Set(['github', 'gitlab', 'sourcehut']);

/**
 * Whether Nix itself considers a lock entry locked (nix lockfile.cc and the
 * fetchers' isLocked): forges need `rev`, git needs a non-null `rev`,
 * tarball/file/path need `narHash` (relative paths are allowed unlocked),
 * indirect inputs are never locked (judged by their own rule).
 */
function nixLocked(node: LockData): boolean | undefined {
  const locked = node.locked;
  if (!locked || typeof locked !== 'object') return false;
  const type = locked.type;
  if (typeof type !== 'string') return false;
  if (FORGES.has(type)) return typeof locked.rev === 'string' && locked.rev.length > 0;
  if (type === 'git') return typeof locked.rev === 'string' && !/^0{40}$/.test(locked.rev);
  if (type === 'tarball' || type === 'file') return typeof locked.narHash === 'string';
  if (type === 'path') {
    if (typeof locked.narHash === 'string') return true;
    const p = typeof locked.path === 'string' ? locked.path : undefined;
    return p !== undefined && !p.startsWith('/');
  }
  if (type === 'indirect') return undefined;
  return typeof locked.narHash === 'string' ? true : undefined;
}

/** Predicates on flake.lock nodes. */
export const FLAKE_LOCK_PREDICATES: Record<string, NamedPredicate> = {
  lockEntryUnlocked: {
    description: 'a flake.lock node that Nix itself does not consider locked',
    test: (value) => {
      if (!value || typeof value !== 'object') return undefined;
      const locked = nixLocked(value as LockData);
      return locked === undefined ? undefined : !locked;
    },
  },
  lockEntryWithoutNarHash: {
    description: 'a flake.lock node locked by revision only, without a `narHash`',
    test: (value) => {
      if (!value || typeof value !== 'object') return undefined;
      const node = value as LockData;
      const type = node.locked?.type;
      if (typeof type !== 'string' || !FORGES.has(type)) return false;
      if (nixLocked(node) !== true) return false;
      return typeof node.locked?.narHash !== 'string';
    },
  },
};
