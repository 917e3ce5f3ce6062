import type { FlakePolicy } from './policy';

type Part = Record<string, unknown>;

/** A lock node's data as the flake-lock rules read it (`locked`, `original`, `flake`). */
export interface LockData {
  locked?: Part;
  original?: Part;
  flake?: unknown;
}

/**
 * A lock node judged by a flake-lock rule: its data, and how the flake
 * reaches it (absent when a predicate is given bare node data).
 */
export interface LockEntry extends LockData {
  key?: string;
  /** The flake's own inputs that resolve to this node. */
  roots?: string[];
  /** The shortest input path from the flake (`['hydra', 'nix', 'nixpkgs']`). */
  path?: string[];
  /** How many inputs lead to it (its path may be too long to show). */
  depth?: number;
  /** Every input name that resolves to this node. */
  via?: string[];
}

const FORGES = new Set(['github', 'gitlab', 'sourcehut']);

export function str(record: Part | undefined, key: string): string | undefined {
  const v = record?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A forge repository named by one part of a node: a forge input, or a GitHub git or archive URL. */
export interface ForgeRepo {
  part: 'locked' | 'original';
  owner: string;
  repo: string;
}

export function forgeRepos(node: LockData): ForgeRepo[] {
  const out: ForgeRepo[] = [];
  for (const part of ['locked', 'original'] as const) {
    const data = node[part];
    const type = str(data, 'type');
    const owner = str(data, 'owner');
    const repo = str(data, 'repo');
    if (type && FORGES.has(type) && owner && repo) {
      out.push({ part, owner: owner.replace(/^~/, ''), repo });
      continue;
    }
    const url = type === 'git' || type === 'tarball' || type === 'file' ? str(data, 'url') : undefined;
    const m = url ? /^(?:git\+)?(?:https?|ssh|git):\/\/(?:[^@/]+@)?github\.com[/:]([^/]+)\/([^/]+?)(?:\.git)?(?:\/archive\/.*)?\/?$/.exec(url) : null;
    if (m) out.push({ part, owner: m[1], repo: m[2] });
  }
  return out;
}

/** An input only nixpkgs' `lib` is taken from (flake-parts' `nixpkgs-lib`): it carries no packages. */
const LIB_INPUT = /^(?:nixpkgs-?lib|nixlib|lib)$/i;

/**
 * Whether a node is a nixpkgs package set: NixOS/nixpkgs or a fork of it
 * (a repository named `nixpkgs`), a registry `nixpkgs`, a channel or
 * nixpkgs URL, or a root input the policy names in `nixpkgsKeys`. An input
 * every user takes only `lib` from is not.
 */
export function isNixpkgs(entry: LockEntry, policy?: FlakePolicy): boolean {
  if (entry.via && entry.via.length > 0 && entry.via.every((name) => LIB_INPUT.test(name))) return false;
  if (policy?.nixpkgsKeys && entry.roots?.some((r) => policy.nixpkgsKeys!.includes(r))) return true;
  const repos = forgeRepos(entry);
  if (repos.length > 0) return repos.some((r) => r.repo.toLowerCase() === 'nixpkgs');
  if (str(entry.original, 'id') === 'nixpkgs') return true;
  return [entry.original, entry.locked].some((part) => {
    const url = str(part, 'url') ?? '';
    return CHANNEL_URL.test(url) || FLAKEHUB_NIXPKGS.test(url) || /^[a-z+]+:\/\/[^?#]*\/nixpkgs(?:\.git)?\/?(?:[?#].*)?$/i.test(url);
  });
}

/** The forge owners of a nixpkgs node other than NixOS: a fork stands in for upstream. */
export function nonUpstreamOwners(entry: LockEntry, policy?: FlakePolicy): ForgeRepo[] {
  if (!isNixpkgs(entry, policy)) return [];
  return forgeRepos(entry).filter((r) => r.owner.toLowerCase() !== 'nixos');
}

const CHANNEL_URL = /^https?:\/\/(?:channels\.nixos\.org\/|nixos\.org\/channels\/|releases\.nixos\.org\/(?:nixos|nixpkgs)\/)([^/]+)\//;
const FLAKEHUB_NIXPKGS = /^https:\/\/(?:api\.)?flakehub\.com\/f\/NixOS\/nixpkgs\/([^/]+)/i;

/** The branch a nixpkgs node follows, as far as its lock entry says. */
export type NixpkgsRef =
  /** `implicit`: no ref is written, so updates follow the repository's default branch. */
  | { kind: 'branch'; ref: string; implicit?: true }
  /** A revision written in flake.nix (or an archive of one): no branch to follow. */
  | { kind: 'pinned' }
  /** A registry name without a ref, a fork's default branch, an unknown URL. */
  | { kind: 'unknown' };

export function nixpkgsRef(entry: LockEntry): NixpkgsRef {
  const original = entry.original;
  const type = str(original, 'type');
  if (!original || !type) return { kind: 'unknown' };
  if (type === 'tarball' || type === 'file') return refOfUrl(str(original, 'url') ?? '');
  if (str(original, 'rev')) return { kind: 'pinned' };
  const ref = str(original, 'ref');
  if (ref) return { kind: 'branch', ref: ref.replace(/^refs\/heads\//, '') };
  if (type !== 'indirect' && forgeRepos(entry).some((r) => r.part === 'original' && r.owner.toLowerCase() === 'nixos' && r.repo.toLowerCase() === 'nixpkgs')) {
    return { kind: 'branch', ref: 'master', implicit: true };
  }
  return { kind: 'unknown' };
}

function refOfUrl(url: string): NixpkgsRef {
  const channel = CHANNEL_URL.exec(url);
  if (channel) {
    // releases.nixos.org/nixos/25.05/nixos-25.05.123.abc/: one release of the channel nixos-25.05.
    const path = channel[1];
    const release = /^(\d\d\.\d\d)(-small)?$/.exec(path);
    if (url.includes('releases.nixos.org/nixos/') && release) return { kind: 'branch', ref: `nixos-${release[1]}${release[2] ?? ''}` };
    if (url.includes('releases.nixos.org/nixos/') && path === 'unstable') return { kind: 'branch', ref: 'nixos-unstable' };
    if (url.includes('releases.nixos.org/nixos/') && path === 'unstable-small') return { kind: 'branch', ref: 'nixos-unstable-small' };
    if (url.includes('releases.nixos.org/nixpkgs/') && path === 'unstable') return { kind: 'branch', ref: 'nixpkgs-unstable' };
    return url.includes('releases.nixos.org/') ? { kind: 'unknown' } : { kind: 'branch', ref: path };
  }
  // FlakeHub publishes nixos-YY.MM as versions 0.YYMM.*.
  const flakehub = FLAKEHUB_NIXPKGS.exec(url);
  if (flakehub) {
    const release = /^0\.(\d\d)(\d\d)(?:\.|$)/.exec(flakehub[1]);
    return release ? { kind: 'branch', ref: `nixos-${release[1]}.${release[2]}` } : { kind: 'unknown' };
  }
  const archive = /\/archive\/(?:refs\/heads\/)?(.+?)\.(?:tar\.gz|tar\.xz|tar\.bz2|zip)$/.exec(url);
  if (archive) return /^[0-9a-f]{40}$/.test(archive[1]) ? { kind: 'pinned' } : { kind: 'branch', ref: archive[1] };
  return { kind: 'unknown' };
}
