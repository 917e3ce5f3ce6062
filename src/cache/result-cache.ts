import { createHash } from 'crypto';
import type { Config } from '../config/config';
import type { Finding } from '../findings/finding';
import type { ReportedFix } from '../report/result';
import { TOOL_VERSION } from '../meta';
import { traceReads } from '../nix/read-trace';
import { readIfPresent } from '../pipeline/check-flakes';
import type { DiscoveredFile } from '../discover/walk';
import type { FileChecked, FileRecord, FileToCheck } from '../pipeline/check-files';
import type { HostPhaseInput, HostPhaseResult } from '../pipeline/check-hosts';
import type { TalosNodesPhaseResult } from '../pipeline/check-talos-nodes';
import type { Rule } from '../rules/rule';
import { contentHash } from '../source/content-hash';
import { isRecord } from '../source/records';
import { FileStatus, fileStatus, sameStatus, settled } from '../source/file-status';
import { bothWindows, DateWindow, WatchedDate, watchedDate, windowHolds } from '../source/watched-date';
import { buildFingerprint } from './build-fingerprint';
import { keepableFindings } from './keepable';
import { parseJsonBytes, readCacheFile, writeCacheFile } from './cache-file';
import { copyHostPhase, HostEntry, HostOutcomes, HostPhaseStats, phaseLimitFindings, restoreHostPhase, StoredHostPhase, storeHostPhase } from './host-phase';
import { CacheLocation, prepareOwnDirectory } from './location';
import { ParseStore } from './parse-store';
import { TreeReads } from './tree-reads';

/**
 * The result cache of `check --cache`, like ESLint's: what a run computed,
 * kept in a file, and taken back by the next run wherever what it was
 * computed from did not change.
 *
 * - A file's per-file result is keyed by the file's path and the hash of
 *   its content, taken again only where the file's status changed since
 *   (`FileStatus`).
 * - A host's result is kept with every read of the tree its evaluation
 *   made (host-phase.ts): a changed module re-evaluates the hosts that
 *   loaded it and no other.
 * - Everything is keyed by the settings that shape results: declint's
 *   version and build, the rules (built-in and custom, as loaded), the
 *   configuration, the scanned roots and report base. Another setting, and
 *   nothing is reused.
 * - A result for which a rule read the reference date (a lock's age) holds
 *   on the dates that give the same answers (watched-date.ts): the same day,
 *   the same side of a lock's age limit; the others hold on any day.
 */
export interface CacheSettings {
  rules: Rule[];
  config?: Config;
  base: string;
  roots: string[];
  extraRoots: string[];
  /** The compliance report keeps every rule's conclusion, passes included. */
  judgements: boolean;
}

interface FileEntry {
  absolutePath: string;
  hash: string;
  /** The file's status when it was hashed, where it had not changed for a while then (see `FileStatus`). */
  status?: FileStatus;
  /** Where a rule read the reference date: the dates for which the result holds. */
  clock?: DateWindow;
  checked: FileChecked;
}

/** A phase kept whole: with what it started from besides the tree (`inputs`, hashed) and every read of the tree it made. */
interface PhaseEntry {
  inputs: string;
  reads: string[];
  /** Where a rule read the reference date: the dates for which the result holds. */
  clock?: DateWindow;
  result: unknown;
}

interface Payload {
  settings: string;
  files: Record<string, FileEntry>;
  hosts: Record<string, HostEntry> | UnreadHosts;
  phases: Record<string, PhaseEntry>;
}

/**
 * The hosts' entries as the file holds them, not parsed yet: a run that
 * takes the host phase whole never looks a host up (on the 10,000-file
 * tree they are 4 MB of the 14), and writes them back as they were.
 */
interface UnreadHosts {
  text: Buffer;
  /** The file's reads, which the entries point at by index. */
  reads: string[];
  count: number;
}

type StoredHosts = Record<string, Omit<HostEntry, 'reads'> & { reads: number[] }>;

/**
 * The payload as the file holds it: each distinct read once, in `reads`,
 * and the entries pointing at them by index (hosts share most of what they
 * read: on the development repositories, 1,206 distinct reads stand for
 * 55,522). The hosts' entries (`StoredHosts`) follow in a section of their own.
 */
interface StoredPayload {
  settings: string;
  reads: string[];
  files: Record<string, FileEntry>;
  hostCount: number;
  phases: Record<string, Omit<PhaseEntry, 'reads'> & { reads: number[] }>;
}

function isUnread(hosts: Payload['hosts']): hosts is UnreadHosts {
  return hosts.text instanceof Buffer;
}

function toStored(payload: Payload): { stored: StoredPayload; hosts: Uint8Array } {
  // Hosts written back as they were read keep pointing at the reads of the file they came from: those come first.
  const reads: string[] = isUnread(payload.hosts) ? [...payload.hosts.reads] : [];
  const index = new Map(reads.map((read, i) => [read, i]));
  const refer = <E extends { reads: string[] }>(entries: Record<string, E>) =>
    Object.fromEntries(
      Object.entries(entries).map(([key, e]) => {
        const indexes = e.reads.map((read) => {
          let i = index.get(read);
          if (i === undefined) index.set(read, (i = reads.push(read) - 1));
          return i;
        });
        return [key, { ...e, reads: indexes }];
      }),
    );
  const hosts = isUnread(payload.hosts) ? payload.hosts.text : Buffer.from(JSON.stringify(refer(payload.hosts)), 'utf8');
  const phases = refer(payload.phases);
  return { stored: { settings: payload.settings, reads, files: payload.files, hostCount: hostCount(payload.hosts), phases }, hosts };
}

function fromStored(stored: StoredPayload, hosts: Buffer): Payload {
  const resolve = (list: number[]) => list.map((i) => stored.reads[i]);
  return {
    settings: stored.settings,
    files: stored.files,
    hosts: { text: hosts, reads: stored.reads, count: stored.hostCount },
    phases: Object.fromEntries(Object.entries(stored.phases).map(([key, e]) => [key, { ...e, reads: resolve(e.reads) }])),
  };
}

/** The hosts' entries, parsed where they were not yet; entries not in the expected form count as none (each such host is evaluated again). */
function hostEntries(hosts: Payload['hosts']): Record<string, HostEntry> {
  if (!isUnread(hosts)) return hosts;
  const parsed = parseJsonBytes(hosts.text);
  const isReads = readIndexes(hosts.reads);
  if (!isRecord(parsed)) return {};
  const entries: Record<string, HostEntry> = {};
  for (const [key, e] of Object.entries(parsed)) {
    if (isHostEntry(e, isReads)) entries[key] = { ...(e as StoredHosts[string]), reads: (e as StoredHosts[string]).reads.map((i) => hosts.reads[i]) };
  }
  return entries;
}

function hostCount(hosts: Payload['hosts']): number {
  return isUnread(hosts) ? hosts.count : Object.keys(hosts).length;
}

/** How a phase's result is kept: turned into plain data and back, and whether it may be kept at all. */
export interface PhaseCodec<T> {
  store(result: T): unknown;
  /** From a copy of what `store` gave (`copy`), which the result may keep. */
  restore(stored: unknown): T;
  keepable(result: T): boolean;
  /** The copy of the cache's stored value `restore` is given: by default a deep one. */
  copy?(stored: unknown): unknown;
}

/** What the cache gave a run (`check --verbose` prints it). */
export interface CacheStats {
  file: string;
  /** How the cache file was found: absent, read, read but written for other settings, or discarded (why). */
  opened: 'new' | 'read' | 'other settings' | { discarded: string };
  filesReused: number;
  filesChecked: number;
  hosts: HostPhaseStats;
  /** Phases taken whole from the cache. */
  phasesReused: string[];
  /** Whether the file was written at the end (not when the run changed nothing in it). */
  written: boolean;
}

export class ResultCache {
  readonly stats: CacheStats;
  private readonly settings: string;
  private readonly previous: Payload;
  private readonly next: Payload;
  private readonly reads: TreeReads;
  private readonly now: number;
  /** Whether the next run would find anything different from what the file holds. */
  private changed: boolean;
  /** The content hash of each file the per-file phase read, by path. */
  private readonly hashes = new Map<string, string>();
  /** The files discovery found at their real paths (`DiscoveredFile.atRealPath`). */
  private readonly atRealPath = new Set<string>();
  /** The status of each file `files` was given, taken before anything read it, where it may be kept. */
  private readonly statuses = new Map<string, FileStatus>();
  /** A phase of this run was not kept (it said declint failed on something). */
  private phaseNotKept = false;
  /** Parses of the modules hosts read, kept beside the cache file for the runs that evaluate a host again. */
  readonly parseStore: ParseStore;

  private constructor(
    private readonly location: CacheLocation,
    settings: CacheSettings,
    now: Date,
    private readonly note: (message: string) => void,
  ) {
    this.settings = settingsKey(settings);
    this.now = now.getTime();
    this.reads = new TreeReads(settings.roots, settings.base, {
      hash: (absolutePath) => this.hashes.get(absolutePath),
      atRealPath: (absolutePath) => this.atRealPath.has(absolutePath),
    });
    const file = readCacheFile(location.file, TOOL_VERSION, buildFingerprint(), isStoredPayload);
    const read = file.kind === 'read' ? { kind: 'read' as const, payload: fromStored(file.payload, file.section) } : file;
    let opened: CacheStats['opened'];
    if (read.kind === 'read' && read.payload.settings === this.settings) opened = 'read';
    else if (read.kind === 'read') opened = 'other settings';
    else if (read.kind === 'missing') opened = 'new';
    else {
      opened = { discarded: read.why };
      note(`the cache ${location.file} is not used: ${read.why}; it is written anew`);
    }
    this.previous = opened === 'read' && read.kind === 'read' ? read.payload : { settings: this.settings, files: {}, hosts: {}, phases: {} };
    this.next = { settings: this.settings, files: {}, hosts: {}, phases: {} };
    this.changed = opened !== 'read';
    this.parseStore = new ParseStore(`${location.file}.parses`, TOOL_VERSION, buildFingerprint());
    this.stats = { file: location.file, opened, filesReused: 0, filesChecked: 0, hosts: { hostsReused: 0, hostsEvaluated: 0 }, phasesReused: [], written: false };
  }

  /** The cache at `location`; a file that cannot be used is noted (`note`) and replaced at the end of the run. */
  static open(location: CacheLocation, settings: CacheSettings, now: Date, note: (message: string) => void): ResultCache {
    return new ResultCache(location, settings, now, note);
  }

  /**
   * The files whose per-file results hold (their content is the same), and
   * the others, to check; `text` gives the texts read to tell, so that a
   * file checked in this thread is read once.
   */
  files(files: (FileToCheck & Pick<DiscoveredFile, 'seen' | 'atRealPath'>)[]): { reused: FileRecord[]; fresh: FileToCheck[]; text: (absolutePath: string) => string | undefined } {
    const reused: FileRecord[] = [];
    const fresh: FileToCheck[] = [];
    const texts = new Map<string, string>();
    const looked = Date.now();
    for (const file of files) {
      const entry = this.previous.files[file.path];
      const same = entry?.absolutePath === file.absolutePath;
      // Taken before the file is read (here or when it is checked): a write after it shows in the next run's. Discovery may have taken it.
      const status = file.seen ? file.seen.status : fileStatus(file.absolutePath);
      if (status && settled(status, file.seen ? file.seen.at : looked)) this.statuses.set(file.absolutePath, status);
      if (file.atRealPath) this.atRealPath.add(file.absolutePath);
      const unchanged = same && entry.status !== undefined && sameStatus(entry.status, status);
      const text = same && !unchanged ? readIfPresent(file.absolutePath) : undefined;
      const hash = unchanged ? entry.hash : text === undefined ? undefined : contentHash(text);
      if (hash !== undefined) this.hashes.set(file.absolutePath, hash);
      if (entry && hash === entry.hash && windowHolds(entry.clock, this.now)) {
        const kept = this.withStatus(entry);
        this.next.files[file.path] = kept;
        // A status kept anew: the file is written, so that the next run need not read this file.
        this.changed ||= kept !== entry;
        // Not copied (thousands of small copies cost more than the rest of a warm run's per-file phase):
        // what reads the results copies a finding before marking it (suppressions, exceptions, the baseline).
        reused.push({ file, checked: entry.checked });
      } else {
        if (text !== undefined) texts.set(file.absolutePath, text);
        fresh.push(file);
      }
    }
    this.stats.filesReused = reused.length;
    this.stats.filesChecked = fresh.length;
    return { reused, fresh, text: (absolutePath) => texts.get(absolutePath) ?? readIfPresent(absolutePath) };
  }

  /** The content hash of a file's text as this run's per-file phase saw it (checked, or taken from the cache). */
  contentHashOf(absolutePath: string): string | undefined {
    return this.hashes.get(absolutePath);
  }

  /** The entry with the status its file had before this run read it, where that may be kept (`FileStatus`). */
  private withStatus(entry: FileEntry): FileEntry {
    const status = this.statuses.get(entry.absolutePath);
    if (sameStatus(entry.status, status)) return entry;
    const { status: _, ...rest } = entry;
    return status ? { ...rest, status } : rest;
  }

  /** Keeps the per-file results just computed (checked with `forCache`). */
  keepFiles(records: FileRecord[]): void {
    for (const { file, checked, hash, clock } of records) {
      if (hash !== undefined) this.hashes.set(file.absolutePath, hash);
      if (hash === undefined || !keepableFindings(checked.findings)) continue;
      // Kept as it is, like a reused result (see `files`): on a large tree a copy of every result costs tens of megabytes.
      const entry = this.withStatus({ absolutePath: file.absolutePath, hash, ...(clock ? { clock } : {}), checked });
      this.next.files[file.path] = entry;
      const before = this.previous.files[file.path];
      this.changed ||= !sameResult(before, entry, 'checked') || before!.hash !== entry.hash || !sameStatus(before!.status, entry.status) || !sameResult(before, entry, 'clock');
    }
    // A file gone since the last run leaves its entry behind: the file is written without it.
    this.changed ||= Object.keys(this.previous.files).some((p) => !(p in this.next.files));
  }

  /**
   * A phase computed whole from the tree: taken from the cache when it
   * starts from the same `inputs` and every read it made sees the same
   * today, else computed (`compute` is given the reference date to use, so
   * that the cache sees whether a rule read it) and kept.
   */
  phase<T>(name: string, inputs: unknown, compute: (clock: WatchedDate) => T, codec: PhaseCodec<T>, onReuse?: () => void): T {
    const key = createHash('sha256').update(JSON.stringify(inputs)).digest('base64url');
    const before = this.previous.phases[name];
    if (before && before.inputs === key && windowHolds(before.clock, this.now) && this.reads.allHold(before.reads)) {
      this.next.phases[name] = before;
      this.stats.phasesReused.push(name);
      onReuse?.();
      return codec.restore(codec.copy ? codec.copy(before.result) : structuredClone(before.result));
    }
    const clock = watchedDate(this.now);
    const { result, reads } = traceReads(() => compute(clock));
    if (codec.keepable(result)) {
      const entry: PhaseEntry = { inputs: key, reads, ...(clock.window ? { clock: clock.window } : {}), result: structuredClone(codec.store(result)) };
      this.next.phases[name] = entry;
      this.changed ||= !sameResult(before, entry, 'result') || before!.inputs !== key || before!.reads.join('\n') !== reads.join('\n') || !sameResult(before, entry, 'clock');
    } else {
      this.changed = true;
      this.phaseNotKept = true;
    }
    return result;
  }

  /**
   * The host phase: taken whole when nothing it read or started from
   * changed (host discovery is skipped); else `run` with the cache's hold on
   * each host (`checkHosts` with `cache` and `now` as given).
   */
  hostPhase(input: Pick<HostPhaseInput, 'nixFiles' | 'imports' | 'roots' | 'base' | 'extraRoots'>, run: (hold: Pick<HostPhaseInput, 'cache' | 'now'>) => HostPhaseResult): HostPhaseResult {
    const inputs = { nixFiles: input.nixFiles.map((f) => [f.path, f.absolutePath]), imports: [...input.imports], roots: input.roots, extraRoots: input.extraRoots ?? [] };
    const codec: PhaseCodec<HostPhaseResult> = {
      store: storeHostPhase,
      restore: (stored) => restoreHostPhase(stored as StoredHostPhase, input.roots, input.base),
      copy: (stored) => copyHostPhase(stored as StoredHostPhase),
      // Limits are read from the loaded files at the end of the run: a phase that reached one is not kept.
      keepable: (r) => keepableFindings(r.findings) && r.loader.limitFindings().length === 0,
    };
    return this.phase(
      'hosts',
      inputs,
      (clock) => {
        const previous = hostEntries(this.previous.hosts);
        const outcomes = new HostOutcomes(new Map(Object.entries(previous)), this.reads, clock, this.now, this.stats.hosts, keepableFindings);
        const result = run({ cache: outcomes, now: clock.date });
        this.next.hosts = Object.fromEntries(outcomes.kept);
        this.changed ||= outcomes.kept.size !== Object.keys(previous).length || this.stats.hosts.hostsEvaluated > 0;
        return result;
      },
      codec,
      () => {
        this.next.hosts = this.previous.hosts;
        this.stats.hosts.hostsReused = hostCount(this.previous.hosts);
      },
    );
  }

  /**
   * Each finding's fix as JSON and SARIF report it: planned from the
   * findings, the hosts' module files and the texts of the files it edits,
   * so kept while the findings and the hosts are the same and no file this
   * run read (every file found, every file a phase read) changed.
   */
  fixes(findings: Finding[], hosts: unknown, plan: () => Map<Finding, ReportedFix>): Map<Finding, ReportedFix> {
    const tree = { files: [...this.hashes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), reads: Object.entries(this.next.phases).map(([name, p]) => [name, p.reads]) };
    const codec: PhaseCodec<Map<Finding, ReportedFix>> = {
      store: (fixes) => ({ fixes: findings.flatMap((f, i) => (fixes.has(f) ? [[i, fixes.get(f)!]] : [])) }),
      restore: (stored) => new Map((stored as { fixes: [number, ReportedFix][] }).fixes.map(([i, fix]) => [findings[i], fix])),
      // Without every phase's reads (one was not kept) a change to a file only a host read would go unseen.
      keepable: () => !this.phaseNotKept,
    };
    return this.phase('fixes', { findings, hosts, tree }, plan, codec);
  }

  /** The Talos node phase as the cache keeps it: what `check` reports of it (not the nodes' effective configs, which only the compliance report reads). */
  readonly talosNodesCodec: PhaseCodec<TalosNodesPhaseResult> = {
    store: (r) => ({ findings: r.findings, files: [...r.files], coverage: r.coverage, scanned: r.scanned }),
    restore: (stored) => {
      const s = stored as { findings: Finding[]; files: string[]; coverage: TalosNodesPhaseResult['coverage']; scanned: number };
      return { findings: s.findings, files: new Set(s.files), views: [], nodes: [], coverage: s.coverage, scanned: s.scanned };
    },
    keepable: (r) => keepableFindings(r.findings),
  };

  /** The flake phase, whose result is its findings; it evaluates flake.nix through the host phase's loader, so one that reached a limit there is not kept. */
  flakesCodec(hostPhase: HostPhaseResult): PhaseCodec<Finding[]> {
    return {
      store: (findings) => ({ findings }),
      restore: (stored) => (stored as { findings: Finding[] }).findings,
      keepable: (findings) => keepableFindings(findings) && phaseLimitFindings(hostPhase).length === 0,
    };
  }

  /** The limits the host and flake phases reached (`NixSourceLoader.limitFindings`), without loading anything for phases taken whole from the cache. */
  limitFindings(hostPhase: HostPhaseResult): Finding[] {
    return phaseLimitFindings(hostPhase);
  }

  /** Writes the cache for the next run, unless this run changed nothing in it; a failure to write is noted, not fatal. */
  save(): void {
    if (this.changed) {
      try {
        if (this.location.ownDirectory) prepareOwnDirectory(this.location.ownDirectory);
        const { stored, hosts } = toStored(this.next);
        writeCacheFile(this.location.file, TOOL_VERSION, buildFingerprint(), stored, hosts);
        this.stats.written = true;
      } catch (error) {
        this.note(`the cache ${this.location.file} could not be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); the next run starts without it`);
      }
    }
    // Written where this run parsed what the store did not hold (its host phase read a module that changed, or ran whole).
    this.parseStore.save((absolutePath) => this.contentHashOf(absolutePath));
  }
}

/** Whether a field of a result computed again is what the cache already held: where none differs, the file need not be written. */
function sameResult<K extends string>(before: Partial<Record<K, unknown>> | undefined, after: Partial<Record<K, unknown>>, field: K): boolean {
  return before !== undefined && JSON.stringify(before[field]) === JSON.stringify(after[field]);
}

/** A hash of every setting results depend on besides the tree. */
function settingsKey(settings: CacheSettings): string {
  const { rules, config, ...rest } = settings;
  return createHash('sha256')
    .update(JSON.stringify({ ...rest, rules, config: config ?? null }))
    .digest('base64url');
}

function isStoredPayload(value: unknown): value is StoredPayload {
  const p = value as Partial<StoredPayload> | undefined;
  if (typeof p !== 'object' || p === null || typeof p.settings !== 'string' || !isStrings(p.reads) || !isRecord(p.files) || !Number.isInteger(p.hostCount) || !isRecord(p.phases)) return false;
  const isReads = readIndexes(p.reads);
  return Object.values(p.files).every(isFileEntry) && Object.values(p.phases).every((e) => isPhaseEntry(e, isReads));
}

/** Whether a value is a list of indexes into the file's reads. */
function readIndexes(reads: string[]): (list: unknown) => boolean {
  return (list) => Array.isArray(list) && list.every((i) => Number.isInteger(i) && i >= 0 && i < reads.length);
}

function isFileEntry(value: unknown): boolean {
  const e = value as Partial<FileEntry>;
  const status = e.status === undefined || (Array.isArray(e.status) && e.status.length === 4 && e.status.every((x) => typeof x === 'number'));
  return isRecord(e) && typeof e.absolutePath === 'string' && typeof e.hash === 'string' && status && isClock(e.clock) && isRecord(e.checked) && Array.isArray(e.checked.findings) && Array.isArray(e.checked.suppressions) && typeof e.checked.scanned === 'boolean';
}

function isHostEntry(value: unknown, isReads: (list: unknown) => boolean): boolean {
  const e = value as Partial<HostEntry>;
  return isRecord(e) && isReads(e.reads) && isClock(e.clock) && isRecord(e.outcome) && ['notes', 'coverage', 'evaluated', 'findings', 'judgements', 'hostsChecked'].every((k) => Array.isArray((e.outcome as unknown as Record<string, unknown>)[k]));
}

function isPhaseEntry(value: unknown, isReads: (list: unknown) => boolean): boolean {
  const e = value as Partial<PhaseEntry>;
  return isRecord(e) && typeof e.inputs === 'string' && isReads(e.reads) && isClock(e.clock) && isRecord(e.result);
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((s) => typeof s === 'string');
}

function isClock(value: unknown): boolean {
  return value === undefined || (Array.isArray(value) && value.length === 2 && value.every((n) => typeof n === 'number') && value[0] < value[1]);
}
