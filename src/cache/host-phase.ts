import { createHash } from 'crypto';
import type { Coverage } from '../coverage/coverage';
import type { Finding } from '../findings/finding';
import type { Judgement } from '../findings/judgement';
import type { UnresolvedHost } from '../hosts/discover';
import type { HostNote, HostSpec, ModuleRef } from '../nix/host';
import { collectApart, replayReads, traceReads } from '../nix/read-trace';
import type { HostCoverage, HostContext, HostOutcome, HostOutcomeCache, HostPhaseResult } from '../pipeline/check-hosts';
import type { NixSourceLoader } from '../pipeline/source-loader';
import { bothWindows, DateWindow, WatchedDate, windowHolds } from '../source/watched-date';
import type { TreeReads } from './tree-reads';

/**
 * The host phase in the result cache. Every result is kept with the reads
 * of the tree it was computed from (read-trace.ts):
 *
 * - a host's outcome (its findings, notes, coverage and files) with what
 *   host discovery read for every host and for this host's definition
 *   (where it comes from; `HostSpec.reads`), and what its own
 *   evaluation read: each module loaded, each `readFile`, `readDir` and
 *   `pathExists`, including those made once for all hosts by a shared
 *   import. It is keyed by what discovery says the host is (name, root,
 *   module list, …), so a host whose definition changed is a new one;
 * - the whole phase, with everything it read and the per-file facts it
 *   starts from (the .nix files found, what each imports), so that a run
 *   where none of it changed skips host discovery too.
 *
 * A result whose rules read the reference date holds on the dates that read
 * the same (watched-date.ts).
 */
export interface HostEntry {
  reads: string[];
  /** Where a rule read the reference date: the dates for which the result holds. */
  clock?: DateWindow;
  outcome: HostOutcome;
}

/** A host phase result as the cache keeps it (no evaluated hosts, no discovery: `check` needs neither). */
export interface StoredHostPhase {
  hostFiles: string[];
  filesByHost: [string, string[]][];
  rootModules: [string, string[]][];
  findings: Finding[];
  judgements: Judgement[];
  notes: HostNote[];
  unresolved: UnresolvedHost[];
  hostCoverage: HostCoverage[];
  coverageReport: Coverage;
}

export interface HostPhaseStats {
  hostsReused: number;
  hostsEvaluated: number;
}

/** The host outcomes of one run: taken from the last run's where their reads hold, else evaluated and kept for the next. */
export class HostOutcomes implements HostOutcomeCache {
  /** The outcomes this run used, for the next run. */
  readonly kept = new Map<string, HostEntry>();
  private discoveryReads: string[] = [];

  constructor(
    private readonly previous: ReadonlyMap<string, HostEntry>,
    private readonly reads: TreeReads,
    private readonly clock: WatchedDate,
    /** The reference date, as a number. */
    private readonly now: number,
    private readonly stats: HostPhaseStats,
    /** Whether an outcome may be kept (not one that says declint failed on it). */
    private readonly keepable: (findings: Finding[]) => boolean,
  ) {}

  discover<T>(run: () => T): T {
    // What each host's definition read is kept with that host alone (`HostSpec.reads`).
    const { result, reads } = collectApart(run);
    this.discoveryReads = reads;
    return result;
  }

  host(spec: HostSpec, context: HostContext, evaluate: () => HostOutcome, reachedLimits: () => boolean): HostOutcome {
    const key = hostKey(spec, context);
    const before = this.previous.get(key);
    // (Not this.clock.date.getTime(): that would count as a rule reading the date.)
    const now = this.now;
    // The phase's clock says for which dates every host's result holds; each host's, for which its own does.
    const readBefore = this.clock.window;
    if (before && windowHolds(before.clock, now) && this.reads.allHold(before.reads)) {
      // The phase's own trace learns what this host depends on, as if it had been evaluated.
      replayReads(before.reads);
      this.kept.set(key, before);
      this.clock.window = bothWindows(readBefore, before.clock);
      this.stats.hostsReused++;
      return copyOutcome(before.outcome);
    }
    this.clock.window = undefined;
    const { result, reads } = traceReads(evaluate);
    const readClock = this.clock.window;
    this.clock.window = bothWindows(readBefore, readClock);
    this.stats.hostsEvaluated++;
    // A limit's note is read from the loaded files at the end of the run, not from the outcome: such an outcome is not kept.
    if (this.keepable(result.findings) && !reachedLimits()) {
      const all = [...new Set([...this.discoveryReads, ...(spec.reads ?? []), ...reads])];
      this.kept.set(key, { reads: all, ...(readClock ? { clock: readClock } : {}), outcome: structuredClone(result) });
    }
    return result;
  }
}

/** What identifies a host between runs: how it was found and what discovery says it is; its specialArgs' values are covered by discovery's reads. */
function hostKey(spec: HostSpec, context: HostContext): string {
  const identity = {
    context,
    name: spec.name,
    root: spec.root,
    modules: spec.modules.map(moduleIdentity),
    specialArgs: [...spec.specialArgs.keys()],
    construct: spec.construct,
    role: spec.role,
    unread: spec.unread,
    guests: spec.guests,
    release: spec.release,
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('base64url');
}

function moduleIdentity(ref: ModuleRef): unknown {
  switch (ref.kind) {
    case 'file':
      return { kind: ref.kind, absolutePath: ref.absolutePath, from: ref.from };
    case 'inline':
      return { kind: ref.kind, from: ref.from, dir: ref.dir };
    case 'external':
      return { kind: ref.kind, name: ref.name, from: ref.from };
    case 'unread':
      return { kind: ref.kind, why: ref.why, from: ref.from };
  }
}

/*
 * What the cache gives back shares the findings, notes and coverage it
 * keeps, in lists of their own: nothing changes a finding once made (what
 * marks one, suppressions, exceptions, the baseline, copies it first, as
 * for per-file results), and on a large tree a deep copy of every host's
 * outcome cost more than the rest of a warm run's host phase.
 */

/** A host's outcome from the cache, its lists copied. */
function copyOutcome(o: HostOutcome): HostOutcome {
  return { ...o, notes: [...o.notes], coverage: [...o.coverage], evaluated: [...o.evaluated], findings: [...o.findings], judgements: [...o.judgements], hostsChecked: [...o.hostsChecked] };
}

/** The host phase from the cache, its lists copied (`PhaseCodec.copy`). */
export function copyHostPhase(s: StoredHostPhase): StoredHostPhase {
  // `hostFiles` and `filesByHost` are made into new sets by `restoreHostPhase`.
  return {
    ...s,
    rootModules: s.rootModules.map(([name, files]) => [name, [...files]]),
    findings: [...s.findings],
    judgements: [...s.judgements],
    notes: [...s.notes],
    unresolved: [...s.unresolved],
    hostCoverage: [...s.hostCoverage],
    coverageReport: { entries: [...s.coverageReport.entries], unread: [...s.coverageReport.unread] },
  };
}

/** A host phase result as plain data (the cache copies it before keeping it). */
export function storeHostPhase(phase: HostPhaseResult): StoredHostPhase {
  return {
    hostFiles: [...phase.hostFiles],
    filesByHost: [...phase.filesByHost].map(([name, files]) => [name, [...files]] as [string, string[]]),
    rootModules: [...phase.rootModules],
    findings: phase.findings,
    judgements: phase.judgements,
    notes: phase.notes,
    unresolved: phase.unresolved,
    hostCoverage: phase.hostCoverage,
    coverageReport: phase.coverageReport,
  };
}

/** Restored host phases whose loader nothing has asked for: they evaluated nothing in this run. */
const untouched = new WeakSet<HostPhaseResult>();

/** The host phase result from its stored form, which it keeps (`PhaseCodec.restore` is given a copy of the cache's). */
export function restoreHostPhase(copy: StoredHostPhase, roots: string[], base: string): HostPhaseResult {
  let loader: NixSourceLoader | undefined;
  const result: HostPhaseResult = {
    hosts: [],
    hostFiles: new Set(copy.hostFiles),
    filesByHost: new Map(copy.filesByHost.map(([name, files]) => [name, new Set(files)])),
    rootModules: new Map(copy.rootModules),
    findings: copy.findings,
    judgements: copy.judgements,
    notes: copy.notes,
    unresolved: copy.unresolved,
    hostCoverage: copy.hostCoverage,
    coverageReport: copy.coverageReport,
    // Made when asked for (the flake phase reads flake.nix through it when it runs): a warm run loads no parser.
    get loader(): NixSourceLoader {
      untouched.delete(result);
      loader ??= new (require('../pipeline/source-loader') as typeof import('../pipeline/source-loader')).NixSourceLoader(roots, base);
      return loader;
    },
  };
  untouched.add(result);
  return result;
}

/**
 * The limits the host phase, and the phases that evaluated files through
 * its loader after it, reached: none for a phase taken from the cache whose
 * loader nothing used since (a phase that reached a limit is not kept).
 */
export function phaseLimitFindings(phase: HostPhaseResult): Finding[] {
  return untouched.has(phase) ? [] : phase.loader.limitFindings();
}
