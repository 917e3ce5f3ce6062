import { isRecord } from '../../source/records';
import { lastModifiedDate } from '../../flake/last-modified';
import { approvedSource, DEFAULT_FLAKE_POLICY } from '../../flake/policy';
import { isNixpkgs, LockData, LockEntry, nonUpstreamOwners, str } from '../../flake/nixpkgs';
import { BranchVerdict, nixpkgsBranch } from '../../flake/channels';
import { after, utcDay } from '../../source/watched-date';
import type { NamedPredicate } from '../named-predicates';
import type { PredicateContext } from '../predicates';

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
  lockEntryRootInput: {
    description: 'a lock node that is one of the flake\'s own inputs (a root input, directly or through `follows`), not only a dependency\'s',
    test: (value) => {
      const entry = lockNode(value);
      return Array.isArray(entry?.roots) ? entry.roots.length > 0 : undefined;
    },
  },
  nixpkgsRefDenied: {
    description: 'a nixpkgs input on a branch that `flakes.nixpkgsRefs.deny` in `.declint.yaml` names (and `allow` does not)',
    test: (value, ctx) => branchTest(value, ctx, (b) => b.policy === 'denied'),
  },
  nixpkgsChannelUnmaintained: {
    description: 'a nixpkgs input on a release past its end of life (as of the reference date), which gets no security fixes',
    test: (value, ctx) => branchTest(value, ctx, (b) => b.release !== undefined && (b.release.known ? b.release.status === 'unmaintained' : !b.release.newer)),
  },
  nixpkgsChannelDeprecated: {
    description: 'a nixpkgs input on a deprecated release: still patched, but its successor is out (or it ends within a month)',
    test: (value, ctx) => branchTest(value, ctx, (b) => b.release?.known === true && b.release.status === 'deprecated'),
  },
  nixpkgsNotAChannel: {
    description: 'a nixpkgs input on a branch that is not a channel (`master`, `release-YY.MM`, a fork\'s own branch) and that `flakes.nixpkgsRefs.allow` does not name',
    test: (value, ctx) => branchTest(value, ctx, (b) => b.policy !== 'allowed' && (b.branch.kind === 'other' || (b.branch.kind === 'release' && !b.branch.channel))),
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
    description: 'a nixpkgs input whose `locked` or `original` owner is not NixOS: a fork stands in for the core package set',
    test: (value, ctx) => {
      const node = lockNode(value);
      return node ? nonUpstreamOwners(node, ctx?.flakePolicy).length > 0 : undefined;
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

function lockNode(value: unknown): LockEntry | undefined {
  return isRecord(value) ? (value as LockEntry) : undefined;
}

/** A nixpkgs pin locked longer ago than the policy's age (`lastModified`, epoch seconds). */
function nixpkgsOlderThan(value: unknown, ctx: PredicateContext | undefined, limit: 'staleAfterDays' | 'errorAfterDays'): boolean | undefined {
  const node = lockNode(value);
  if (!node || !ctx) return undefined;
  if (!isNixpkgs(node, ctx.flakePolicy)) return false;
  const date = lastModifiedDate(node.locked);
  if (!date) return undefined;
  const days = (ctx.flakePolicy ?? DEFAULT_FLAKE_POLICY)[limit];
  return after(ctx.now, date.getTime() + days * 86_400_000);
}

export function isNixpkgsNode(value: unknown, ctx?: PredicateContext): boolean {
  const node = lockNode(value);
  return node ? isNixpkgs(node, ctx?.flakePolicy) : false;
}

const verdicts = new WeakMap<object, { day: string; policy: unknown; verdict: BranchVerdict | undefined }>();

/** The branch verdict of a nixpkgs input as of the context's date; undefined without a date or a branch. */
export function branchVerdict(value: unknown, ctx: PredicateContext | undefined): BranchVerdict | undefined {
  const node = lockNode(value);
  if (!node || !ctx) return undefined;
  // Each violation of FLK-013 and the message variables ask for the same verdict: computed once per entry and day.
  const day = utcDay(ctx.now);
  const known = verdicts.get(node);
  if (known && known.day === day && known.policy === ctx.flakePolicy) return known.verdict;
  // Required here, not at the top: the table is read only when a nixpkgs branch is judged.
  const { builtinChannelTable } = require('../../flake/channel-table') as typeof import('../../flake/channel-table');
  const verdict = nixpkgsBranch(node, ctx.flakePolicy, builtinChannelTable(), day);
  verdicts.set(node, { day, policy: ctx.flakePolicy, verdict });
  return verdict;
}

/** False for a node that is not nixpkgs or names no branch: there is nothing to judge, and nothing wrong. */
function branchTest(value: unknown, ctx: PredicateContext | undefined, test: (verdict: BranchVerdict) => boolean): boolean | undefined {
  if (!lockNode(value) || !ctx) return undefined;
  const verdict = branchVerdict(value, ctx);
  return verdict ? test(verdict) : false;
}

/** Whether a tarball, file or git input's locked or original URL uses plain HTTP or the git protocol. */
function insecureTransport(node: LockData): boolean {
  return [node.locked, node.original].some((part) => {
    const type = str(part, 'type');
    if (type !== 'tarball' && type !== 'file' && type !== 'git') return false;
    return /^(?:(?:git|tarball|file)\+)?http:\/\/|^git:\/\//.test(str(part, 'url') ?? '');
  });
}
