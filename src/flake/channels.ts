import { isNixpkgs, LockEntry, nixpkgsRef } from './nixpkgs';
import { FlakePolicy, refPolicy } from './policy';

/**
 * The support status of nixpkgs branches on a given day, read from the dated
 * channel table (`rules/data/nixpkgs-channels.yaml`). Pure: the table and the
 * day are arguments, so a lock is judged the same way whenever it is judged
 * as of the same date.
 */

export interface ChannelRelease {
  /** `26.05` */
  release: string;
  codename?: string;
  /** `YYYY-MM-DD`; absent while the release is not out (as far as the table knows). */
  released?: string;
  /** `YYYY-MM-DD`: the last day of security support. */
  endOfLife: string;
}

export interface ChannelTable {
  /** `YYYY-MM-DD`: when the table was last checked against its sources. */
  reviewed: string;
  sources: string[];
  /** Channels that are always maintained (`nixos-unstable`, …). */
  rolling: string[];
  /** Newest first. */
  releases: ChannelRelease[];
}

/** The vocabulary of status.nixos.org (and of flake-checker's ref statuses). */
export type ReleaseStatus = 'beta' | 'stable' | 'deprecated' | 'unmaintained';

/** What a branch name of NixOS/nixpkgs is. */
export type BranchKind =
  /** `nixos-unstable`, `nixos-unstable-small`, `nixpkgs-unstable`. */
  | { kind: 'rolling'; branch: string }
  /**
   * A release's branch: one of its channels (`nixos-26.05`, `nixos-26.05-small`,
   * `nixpkgs-26.05-darwin`) or another of its branches (`release-26.05`,
   * `staging-26.05`), which Hydra has not tested yet.
   */
  | { kind: 'release'; branch: string; release: string; channel: boolean }
  /** `master`, `staging`, a feature branch, a name nixpkgs does not use. */
  | { kind: 'other'; branch: string };

export function classifyBranch(ref: string, table: ChannelTable): BranchKind {
  const branch = ref.replace(/^refs\/heads\//, '');
  if (table.rolling.includes(branch)) return { kind: 'rolling', branch };
  const channel = /^(?:nixos-(\d\d\.\d\d)(?:-small)?|nixpkgs-(\d\d\.\d\d)-darwin)$/.exec(branch);
  if (channel) return { kind: 'release', branch, release: channel[1] ?? channel[2], channel: true };
  const other = /^(?:release|staging|staging-next|nixos|nixpkgs)-(\d\d\.\d\d)(?:-[a-z0-9]+)?$/.exec(branch);
  if (other) return { kind: 'release', branch, release: other[1], channel: false };
  return { kind: 'other', branch };
}

export type ReleaseJudgement =
  | { known: true; status: ReleaseStatus; release: ChannelRelease; successor?: ChannelRelease }
  /** A release the table does not list: newer than its newest entry (not judged), or older than its oldest (ended by the oldest's end of life). */
  | { known: false; newer: true }
  | { known: false; newer: false; endedBy: string };

/** Where a release stands on `today` (`YYYY-MM-DD`). */
export function releaseStatus(release: string, table: ChannelTable, today: string): ReleaseJudgement {
  const index = table.releases.findIndex((r) => r.release === release);
  if (index === -1) {
    const oldest = table.releases[table.releases.length - 1];
    return oldest === undefined || Number(release) > Number(oldest.release) ? { known: false, newer: true } : { known: false, newer: false, endedBy: oldest.endOfLife };
  }
  const entry = table.releases[index];
  const successor = index > 0 ? table.releases[index - 1] : undefined;
  const withSuccessor = successor ? { successor } : {};
  if (today > entry.endOfLife) return { known: true, status: 'unmaintained', release: entry, ...withSuccessor };
  // The release process ends a release one month after its successor is out; where the table does
  // not know the successor's date yet, the last month of support is the deprecation period.
  const successorOut = successor?.released !== undefined && successor.released <= today;
  if (successorOut || today >= shiftDays(entry.endOfLife, -DEPRECATION_DAYS)) return { known: true, status: 'deprecated', release: entry, ...withSuccessor };
  if (entry.released !== undefined && entry.released <= today) return { known: true, status: 'stable', release: entry, ...withSuccessor };
  return { known: true, status: 'beta', release: entry, ...withSuccessor };
}

/** The release wiki: "The old release reaches its end of life one month after the new release gets released." */
const DEPRECATION_DAYS = 31;

/** `YYYY-MM-DD` of a date (UTC). */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Whole days from `today` to `day` (both `YYYY-MM-DD`). */
export function daysBetween(today: string, day: string): number {
  return Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
}

function shiftDays(day: string, days: number): string {
  return isoDay(new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000));
}

/** The branch a nixpkgs input follows and where it stands on a day: what FLK-013 judges and its messages say. */
export interface BranchVerdict {
  ref: string;
  /** No ref is written: the default branch. */
  implicit: boolean;
  branch: BranchKind;
  /** For a release's branch. */
  release?: ReleaseJudgement;
  /** What `flakes.nixpkgsRefs` says of the ref. */
  policy?: 'denied' | 'allowed';
}

/** Undefined when the node is not nixpkgs or names no branch (a pinned revision, a registry name). */
export function nixpkgsBranch(entry: LockEntry, policy: FlakePolicy | undefined, table: ChannelTable, today: string): BranchVerdict | undefined {
  if (!isNixpkgs(entry, policy)) return undefined;
  const ref = nixpkgsRef(entry);
  if (ref.kind !== 'branch') return undefined;
  const branch = classifyBranch(ref.ref, table);
  const said = refPolicy(ref.ref, policy);
  return {
    ref: ref.ref,
    implicit: ref.implicit === true,
    branch,
    ...(branch.kind === 'release' ? { release: releaseStatus(branch.release, table, today) } : {}),
    ...(said ? { policy: said } : {}),
  };
}
