/**
 * Predicates that data alone cannot express, referenced from rule files as
 * `{ named: <name> }`. Each returns `undefined` when the value is not of the
 * shape it judges, so an unexpected value never produces a finding.
 */
export interface NamedPredicate {
  description: string;
  test(value: unknown): boolean | undefined;
}

/** `registry/repo:tag@sha256:digest`, split. The tag is absent for `repo` and `repo@sha256:…`. */
export function parseImageRef(ref: string): { repository: string; tag?: string; digest?: string } {
  const [nameAndTag, digest] = ref.split('@', 2);
  const lastSlash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.indexOf(':', lastSlash + 1);
  const repository = colon === -1 ? nameAndTag : nameAndTag.slice(0, colon);
  const tag = colon === -1 ? undefined : nameAndTag.slice(colon + 1);
  return { repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

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

export const NAMED_PREDICATES: Record<string, NamedPredicate> = {
  unpinnedImage: {
    description: 'an image reference with no tag, or the tag `latest`, and no digest',
    test: (value) => {
      if (typeof value !== 'string' || value.trim() === '') return undefined;
      const ref = parseImageRef(value.trim());
      return !ref.digest && (!ref.tag || ref.tag === 'latest');
    },
  },
  imageWithoutDigest: {
    description: 'an image reference pinned by a version tag but not by a digest',
    test: (value) => {
      if (typeof value !== 'string' || value.trim() === '') return undefined;
      const ref = parseImageRef(value.trim());
      return !ref.digest && ref.tag !== undefined && ref.tag !== 'latest';
    },
  },
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
