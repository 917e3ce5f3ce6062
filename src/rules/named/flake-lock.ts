import { isRecord } from '../../source/records';
import { releaseOfBranch } from '../../flake/release-branch';
import { lastModifiedDate } from '../../flake/last-modified';
import { approvedSource, DEFAULT_FLAKE_POLICY } from '../../flake/policy';
import type { NamedPredicate } from '../named-predicates';
import type { PredicateContext } from '../predicates';

type LockData = { locked?: Record<string, unknown>; original?: Record<string, unknown>; flake?: unknown };

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
    description: 'a flake.lock node that Nix itself does not consider locked and that has no narHash',
    test: (value) => {
      if (!value || typeof value !== 'object') return undefined;
      const locked = nixLocked(value as LockData);
      if (locked === undefined) return undefined;
      // Unlocked but checked by narHash: Nix accepts it with --allow-dirty-locks; FLK-012 judges that case.
      return !locked && typeof (value as LockData).locked?.narHash !== 'string';
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
  lockEntryLockedIndirect: {
    description: 'a flake.lock node whose `locked` is a registry (`indirect`) reference — Nix never considers it locked',
    test: (value) => {
      const node = lockNode(value);
      return node ? str(node.locked, 'type') === 'indirect' : undefined;
    },
  },
  lockEntryFromRegistry: {
    description: 'a flake.lock node whose `original` is a registry (`indirect`) reference: the source was chosen by the mutable flake registry at lock time',
    test: (value) => {
      const node = lockNode(value);
      if (!node) return undefined;
      return str(node.original, 'type') === 'indirect' && str(node.locked, 'type') !== 'indirect';
    },
  },
  lockEntryDefaultBranch: {
    description: 'a git or forge input whose `original` names neither a `ref` nor a `rev`: every update follows the default branch',
    test: (value) => {
      const original = lockNode(value)?.original;
      const type = str(original, 'type');
      if (!original || !type) return undefined;
      if (!FORGES.has(type) && type !== 'git') return false;
      return str(original, 'ref') === undefined && str(original, 'rev') === undefined;
    },
  },
  lockEntryMovingBranch: {
    description: 'a git or forge input whose `original.ref` is a branch that moves with every commit (main, master, nixos-unstable…) and no `rev`',
    test: (value) => {
      const original = lockNode(value)?.original;
      const type = str(original, 'type');
      if (!original || !type) return undefined;
      if ((!FORGES.has(type) && type !== 'git') || str(original, 'rev') !== undefined) return false;
      const ref = str(original, 'ref');
      return ref !== undefined && MOVING_BRANCHES.has(ref.replace(/^refs\/heads\//, ''));
    },
  },
  nixpkgsEndOfLifeRelease: {
    description: 'a nixpkgs input that follows an end-of-life release branch or channel, which gets no security backports',
    test: (value) => {
      const node = lockNode(value);
      if (!node) return undefined;
      const release = nixpkgsRelease(node);
      if (release === undefined) return isNixpkgs(node) ? false : undefined;
      return release <= NEWEST_EOL_NIXOS_RELEASE;
    },
  },
  lockEntryInsecureTransportUnverified: {
    description: 'an input fetched over `http://` or `git://` with no `narHash` to check what arrives',
    test: (value) => {
      const node = lockNode(value);
      if (!node) return undefined;
      return insecureTransport(node) && str(node.locked, 'narHash') === undefined;
    },
  },
  lockEntryInsecureTransport: {
    description: 'an input fetched over `http://` or `git://` (its `narHash` still verifies the content)',
    test: (value) => {
      const node = lockNode(value);
      return node ? insecureTransport(node) : undefined;
    },
  },
  lockEntryAbsolutePath: {
    description: 'an input read from an absolute local path (`path` type or a `file://` URL), which exists only on the machine that locked it',
    test: (value) => {
      const node = lockNode(value);
      if (!node) return undefined;
      const declared = str(node.original, 'type') ? node.original : node.locked;
      if (str(declared, 'type') === 'path') {
        const p = str(declared, 'path');
        return p === undefined ? undefined : p.startsWith('/');
      }
      return [node.original, node.locked].some((part) => /^(?:git\+)?file:\/\//.test(str(part, 'url') ?? ''));
    },
  },
  lockEntryNotFlake: {
    description: 'a `flake: false` input not on the approved-sources list: raw sources imported without a lock or provenance of their own',
    test: (value, ctx) => {
      const node = lockNode(value);
      return node ? node.flake === false && approvedSource(node, ctx?.flakePolicy) !== true : undefined;
    },
  },
  lockEntryUnapprovedSource: {
    description: 'an input whose owner or host is not on the approved-sources list of `.declint.yaml` (not judged without a list)',
    test: (value, ctx) => {
      const node = lockNode(value);
      if (!node) return undefined;
      const approved = approvedSource(node, ctx?.flakePolicy);
      return approved === undefined ? undefined : !approved;
    },
  },
  nixpkgsStale: {
    description: 'a nixpkgs pin older than the stale age (30 days unless `flakes.staleAfterDays` says otherwise)',
    test: (value, ctx) => nixpkgsOlderThan(value, ctx, 'staleAfterDays'),
  },
  nixpkgsVeryStale: {
    description: 'a nixpkgs pin older than the error age (90 days unless `flakes.errorAfterDays` says otherwise)',
    test: (value, ctx) => nixpkgsOlderThan(value, ctx, 'errorAfterDays'),
  },
  danglingLockReference: {
    description: 'a lock reference (`root`, an `inputs` entry or a follows path) that names no node',
    test: (value) => (value && typeof value === 'object' && 'resolves' in value ? (value as { resolves: boolean }).resolves === false : undefined),
  },
  secondNixpkgsRevision: {
    description: 'a nixpkgs node at another revision than the flake\'s own nixpkgs',
    test: (value) => {
      if (!isRecord(value) || !('rev' in value) || !('primaryRev' in value)) return undefined;
      return typeof value.rev === 'string' && typeof value.primaryRev === 'string' && value.rev !== value.primaryRev;
    },
  },
  lockEntryNixpkgsFork: {
    description: 'a `nixpkgs` repository from another owner than NixOS: a fork stands in for the core package set',
    test: (value) => {
      const node = lockNode(value);
      if (!node) return undefined;
      const owner = forgeOwner(node, 'nixpkgs');
      return owner === undefined ? false : owner.toLowerCase() !== 'nixos';
    },
  },
  lockEntryDirtyAccepted: {
    description: 'a git or forge entry without a usable revision that Nix reads only because it has a `narHash` (written with `--allow-dirty-locks`)',
    test: (value) => {
      const node = lockNode(value);
      const type = str(node?.locked, 'type');
      if (!node || !type) return undefined;
      if (!FORGES.has(type) && type !== 'git') return false;
      return nixLocked(node) === false && str(node.locked, 'narHash') !== undefined;
    },
  },
};

/** Branches that move with every upstream commit (FLK-005). */
const MOVING_BRANCHES = new Set(['main', 'master', 'nixos-unstable', 'nixos-unstable-small', 'nixpkgs-unstable']);

/**
 * The newest NixOS release known to be end-of-life when this rule was last
 * reviewed (25.05: security support ended 2025-12-31). A constant rather than
 * a computation from today's date: as time passes it can only under-report.
 */
export const NEWEST_EOL_NIXOS_RELEASE = 25.05;

function lockNode(value: unknown): LockData | undefined {
  return isRecord(value) ? (value as LockData) : undefined;
}

function str(record: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = record?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The owner of a forge input (or a github.com git URL) whose repository is `repo`. */
function forgeOwner(node: LockData, repo: string): string | undefined {
  for (const part of [node.locked, node.original]) {
    const type = str(part, 'type');
    if (type && FORGES.has(type) && str(part, 'repo')?.toLowerCase() === repo) return str(part, 'owner')?.replace(/^~/, '');
    const url = type === 'git' ? str(part, 'url') : undefined;
    const m = url ? /^(?:https?|ssh|git):\/\/(?:[^@/]+@)?github\.com[/:]([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url) : null;
    if (m && m[2].toLowerCase() === repo) return m[1];
  }
  return undefined;
}

/** A nixpkgs node locked longer ago than the policy's age (`lastModified`, epoch seconds). */
function nixpkgsOlderThan(value: unknown, ctx: PredicateContext | undefined, limit: 'staleAfterDays' | 'errorAfterDays'): boolean | undefined {
  const node = lockNode(value);
  if (!node || !ctx) return undefined;
  if (!isNixpkgs(node)) return false;
  const date = lastModifiedDate(node.locked);
  if (!date) return undefined;
  const days = (ctx.flakePolicy ?? DEFAULT_FLAKE_POLICY)[limit];
  return ctx.now.getTime() - date.getTime() > days * 86_400_000;
}

export function isNixpkgsNode(value: unknown): boolean {
  const node = lockNode(value);
  return node ? isNixpkgs(node) : false;
}

/** Whether a node is the nixpkgs package set: NixOS/nixpkgs, `id: nixpkgs`, or a nixpkgs/channel URL. */
function isNixpkgs(node: LockData): boolean {
  const owner = forgeOwner(node, 'nixpkgs');
  if (owner !== undefined) return owner.toLowerCase() === 'nixos';
  if (str(node.original, 'id') === 'nixpkgs') return true;
  const url = str(node.original, 'url') ?? '';
  return url.includes('nixpkgs') || /^https:\/\/(?:channels|releases)\.nixos\.org\//.test(url);
}

/** The NixOS release (YY.MM as a number) a nixpkgs node follows: its release branch, or its channel URL. */
function nixpkgsRelease(node: LockData): number | undefined {
  if (!isNixpkgs(node)) return undefined;
  const ref = str(node.original, 'ref');
  const branch = ref === undefined ? undefined : releaseOfBranch(ref);
  if (branch) return Number(branch);
  const url = str(node.original, 'url') ?? '';
  const channel = /^https:\/\/channels\.nixos\.org\/(?:nixos|nixpkgs)-(\d\d)\.(05|11)(?:-small|-darwin)?\//.exec(url);
  return channel ? Number(`${channel[1]}.${channel[2]}`) : undefined;
}

/** Whether a tarball, file or git input's locked or original URL uses plain HTTP or the git protocol. */
function insecureTransport(node: LockData): boolean {
  return [node.locked, node.original].some((part) => {
    const type = str(part, 'type');
    if (type !== 'tarball' && type !== 'file' && type !== 'git') return false;
    return /^(?:(?:git|tarball|file)\+)?http:\/\/|^git:\/\//.test(str(part, 'url') ?? '');
  });
}
