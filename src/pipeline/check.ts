import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { discoverFiles } from '../discover/walk';
import { compareFindings, Finding } from '../findings/finding';
import { TOOL_VERSION } from '../meta';
import type { CheckResult } from '../report/result';
import { loadRuleSet } from '../rules/builtin';
import type { Rule } from '../rules/rule';
import { LocatedError } from '../source/errors';
import { checkFiles, FilesChecked, FileToCheck } from './check-files';
import { checkHosts, HostPhaseResult } from './check-hosts';
import { checkFlakes } from './check-flakes';
import { checkTalhelperProjects, TalhelperPhaseResult } from './check-talhelper';
import type { Config } from '../config/config';
import type { FlakePolicy } from '../flake/policy';
import { applyExceptions } from '../config/exceptions';
import { DEFAULT_CONFIG } from '../config/config';
import { selectRules } from '../config/select-rules';
import { BUILTIN_CHECKS } from '../findings/builtin-checks';
import { applySuppressions, SuppressionComment } from '../findings/suppressions';
import { scrubSecrets } from '../redaction/secrets';
import { internalErrorFinding, LIMIT_RULE_ID, unreadableFinding } from '../findings/unchecked';
import { reportPath } from '../source/paths';

export interface CheckOptions {
  paths: string[];
  /** Directory report paths are relative to. */
  base: string;
  ignore: string[];
  /** Rule directories besides the built-in one. */
  ruleDirs: string[];
  /** "Today", for age-based rules. */
  now: Date;
  /** Worker threads to use; by default one per core for large trees, none for a few files. */
  jobs?: number;
  /** Run exactly these rules instead of the built-in and `ruleDirs` ones (rule tests). */
  rules?: Rule[];
  /** Report only on this host (and on files that belong to no host). */
  host?: string;
  /** Module files to treat as host roots, each a host named after its path. */
  extraRoots?: string[];
  /** Keep the evaluated hosts in the result (for `hosts` and `explain-option`). */
  keepHosts?: boolean;
  /** The project's `.declint.yaml`, when there is one. */
  config?: Config;
  /**
   * Report only on these files (report paths), though the whole tree is read so
   * that their hosts are evaluated: files named on the command line (a
   * pre-commit hook), or changed since a git revision.
   */
  focus?: Set<string>;
  /** With `focus`, also report the host-level findings of hosts that include a focus file. */
  focusHosts?: boolean;
  /** Keep every rule's conclusion on every host, passes included (the compliance report). */
  judgements?: boolean;
}

/** The whole analysis of a tree: what `check` reports, and the hosts `hosts` and `explain-option` show. */
export interface TreeAnalysis {
  result: CheckResult;
  hosts: HostPhaseResult;
  /** The files the scan found (the report reads Talos nodes, locks and comments from them). */
  files: FileToCheck[];
  talhelper: TalhelperPhaseResult;
}

/** discover → classify → parse → model → rules, for a set of paths. */
export async function runCheck(options: CheckOptions): Promise<CheckResult> {
  return (await analyzeTree(options)).result;
}

export async function analyzeTree(options: CheckOptions): Promise<TreeAnalysis> {
  const started = process.hrtime.bigint();
  const config = options.config;
  const allRules = options.rules ?? (await loadRuleSet([...options.ruleDirs, ...(config?.ruleDirs ?? [])], options.base));
  if (config) checkConfigRuleIds(config, allRules);
  // Without a config the standard level applies: strict and paranoid rules (mostly inventory notes) are opt-in.
  const rules = options.rules ? allRules : selectRules(allRules, config ?? DEFAULT_CONFIG);
  const unreadable: Finding[] = [];
  const files = await discoverFiles(options.paths, {
    base: options.base,
    ignore: [...options.ignore, ...(config?.ignore ?? [])],
    onUnreadable: (absolutePath, reason) => unreadable.push(unreadableFinding(reportPath(options.base, absolutePath), reason)),
  });
  const jobs = options.jobs ?? defaultJobs(files.length);
  const perFile =
    jobs > 1 && fs.existsSync(WORKER_SCRIPT)
      ? await checkInWorkers(files, rules, options.now, jobs, config?.flakes)
      : await checkFiles(files, rules, options.now, config?.flakes);
  const scanned = perFile.scanned;
  const hostPhase = checkHosts({
    nixFiles: files.filter((f) => f.path.endsWith('.nix')),
    roots: scanRoots(options),
    base: options.base,
    imports: new Map(perFile.imports),
    rules,
    now: options.now,
    extraRoots: (options.extraRoots ?? []).map((r) => path.resolve(options.base, r)),
    keepHosts: options.keepHosts ?? false,
    hostTypes: config?.hostTypes ?? {},
    judgements: options.judgements ?? false,
  });
  const talhelper = checkTalhelperProjects(files, rules, options.now, scanRoots(options), options.base, options.judgements ?? false);
  const findings = combineFindings({
    perFile: [...unreadable, ...perFile.findings],
    hostFindings: hostPhase.findings,
    hostFiles: hostPhase.hostFiles,
    talhelperFindings: talhelper.findings,
    talhelperFiles: talhelper.files,
    // The limits the host and flake phases reached, read after both evaluated what they needed.
    flakeFindings: [...checkFlakes(files, rules, options.now, hostPhase.loader, config?.flakes), ...hostPhase.loader.limitFindings()],
    suppressions: perFile.suppressions,
    rules,
    allRules,
    config,
    now: options.now,
  });
  if (options.focus) {
    // Report on the focus files, and on the hosts they are part of (a changed module changes its hosts).
    const focus = options.focus;
    const affected = new Set([...hostPhase.filesByHost].filter(([, files]) => [...files].some((f) => focus.has(f))).map(([name]) => name));
    const kept = findings.filter((f) => focus.has(f.location.file) || (options.focusHosts && f.hosts?.some((h) => affected.has(h.split('/')[0]))));
    findings.splice(0, findings.length, ...kept);
  }
  if (options.host) {
    const wanted = options.host;
    // --host keeps what concerns that host: its findings, and per-file findings outside every host.
    const kept = findings.filter((f) => (f.hosts ? f.hosts.includes(wanted) : !hostPhase.hostFiles.has(f.location.file)));
    findings.splice(0, findings.length, ...kept);
  }
  findings.sort(compareFindings);
  return {
    result: {
      findings,
      rules,
      filesScanned: scanned,
      durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      base: options.base,
      toolVersion: TOOL_VERSION,
      mode: config?.mode ?? 'enforce',
      ...(config?.frameworks ? { frameworks: config.frameworks.map((f) => f.key) } : {}),
    },
    hosts: hostPhase,
    files,
    talhelper,
  };
}

export interface FindingsToCombine {
  /** Findings of the per-file phase. */
  perFile: Finding[];
  /** Findings of the host phase. */
  hostFindings: Finding[];
  /** Report paths of the files that belong to an evaluated host. */
  hostFiles: Set<string>;
  /** Findings on talhelper nodes, and the files the nodes are built from. */
  talhelperFindings?: Finding[];
  talhelperFiles?: Set<string>;
  /** Findings of the flake.nix phase (inputs, nixConfig, lock consistency). */
  flakeFindings?: Finding[];
  suppressions: SuppressionComment[];
  /** The rules that ran, and every rule known (a suppression may name a rule not selected). */
  rules: Rule[];
  allRules: Rule[];
  config?: Config;
  now: Date;
}

/**
 * The two phases' findings as one list, marked by inline suppressions and
 * config exceptions (kept, so reports can show them), with the problems of
 * those suppressions and exceptions added. Shared by `check` and the
 * language server, which keeps both phases' results between edits.
 */
export function combineFindings(input: FindingsToCombine): Finding[] {
  // In a host's files, NixOS rules judge the host's effective values instead of each file on its own;
  // in the files talhelper nodes are built from, Talos rules judge each node's effective config.
  const nixosRules = new Set(input.rules.filter((r) => r.target === 'nixos').map((r) => r.id));
  const talosRules = new Set(input.rules.filter((r) => r.target === 'talos').map((r) => r.id));
  const talhelperFiles = input.talhelperFiles ?? new Set<string>();
  const findings = [
    ...input.perFile.filter(
      (f) => !(nixosRules.has(f.ruleId) && input.hostFiles.has(f.location.file)) && !(talosRules.has(f.ruleId) && talhelperFiles.has(f.location.file)),
    ),
    ...input.hostFindings,
    ...(input.talhelperFindings ?? []),
    ...(input.flakeFindings ?? []),
  ];
  const known = new Set([...input.allRules.map((r) => r.id), ...Object.keys(BUILTIN_CHECKS)]);
  const suppressed = applySuppressions(withoutRepeatedNotes(findings), input.suppressions, known);
  const excepted = input.config ? applyExceptions(suppressed.findings, input.config, input.now) : { findings: suppressed.findings, problems: [] };
  // The last step before any output: a key or token quoted anywhere in a message is not printed.
  return [...excepted.findings, ...suppressed.problems, ...excepted.problems].map(withoutSecrets);
}

function withoutSecrets(finding: Finding): Finding {
  const message = scrubSecrets(finding.message);
  const related = finding.related.map((r) => ({ ...r, message: scrubSecrets(r.message) }));
  return { ...finding, message, related };
}

/** A limit reached in a file's own evaluation and again in its hosts' is said once. */
function withoutRepeatedNotes(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    if (f.ruleId !== LIMIT_RULE_ID) return true;
    const key = `${f.location.file}\u0000${f.location.range.start.offset}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Below this many files a worker's start-up costs more than it saves. */
const FILES_FOR_WORKERS = 200;
const BATCH_SIZE = 48;
/** The compiled worker; absent when running from TypeScript sources, where checks stay in-process. */
const WORKER_SCRIPT = path.join(__dirname, 'check-worker.js');

function defaultJobs(fileCount: number): number {
  if (fileCount < FILES_FOR_WORKERS) return 1;
  return Math.max(1, Math.min(os.availableParallelism(), Math.ceil(fileCount / FILES_FOR_WORKERS), 8));
}

/**
 * Spreads files over worker threads in small batches, handed out as workers
 * finish. A worker that dies (out of memory, a crash in native code) loses
 * only its batch: those files are checked again one per worker, and a file
 * that kills its worker alone is reported as an internal error at the file.
 */
async function checkInWorkers(files: FileToCheck[], rules: Rule[], now: Date, jobs: number, flakePolicy?: FlakePolicy): Promise<FilesChecked> {
  const checked: FilesChecked = { findings: [], scanned: 0, imports: [], suppressions: [] };
  const add = (part: FilesChecked) => {
    checked.findings.push(...part.findings);
    checked.imports.push(...part.imports);
    checked.suppressions.push(...part.suppressions);
    checked.scanned += part.scanned;
  };
  const queue = files.map((f) => ({ absolutePath: f.absolutePath, path: f.path }));
  const retry: FileToCheck[] = [];
  await runWorkers(queue, BATCH_SIZE, Math.min(jobs, Math.ceil(files.length / BATCH_SIZE)), { rules, now, flakePolicy }, add, (batch) => retry.push(...batch));
  // Each file of a lost batch alone, so that only the file that kills a worker is lost.
  await runWorkers(retry, 1, Math.min(jobs, retry.length), { rules, now, flakePolicy }, add, ([file], error) =>
    add({ findings: [internalErrorFinding(file.path, error)], scanned: 1, imports: [], suppressions: [] }),
  );
  return checked;
}

interface WorkerJob {
  rules: Rule[];
  now: Date;
  flakePolicy?: FlakePolicy;
}

/** Runs `count` workers over a queue of files, `size` at a time; `lost` gets each batch a worker died on. */
async function runWorkers(queue: FileToCheck[], size: number, count: number, job: WorkerJob, done: (part: FilesChecked) => void, lost: (batch: FileToCheck[], error: unknown) => void): Promise<void> {
  let next = 0;
  const takeBatch = () => {
    const batch = queue.slice(next, next + size);
    next += batch.length;
    return batch;
  };
  const runWorker = () =>
    new Promise<void>((resolve) => {
      let current: FileToCheck[] = [];
      const fail = (error: unknown) => {
        if (current.length > 0) lost(current, error);
        current = [];
      };
      // A small young generation: each file's syntax copy dies young, and smaller scavenges keep RSS down.
      const worker = new Worker(WORKER_SCRIPT, {
        workerData: { rules: job.rules, now: job.now.getTime(), ...(job.flakePolicy ? { flakePolicy: job.flakePolicy } : {}) },
        resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: WORKER_HEAP_MB },
      });
      worker.on('message', (message: { kind: 'ready' } | ({ kind: 'done' } & FilesChecked) | { kind: 'failed'; message: string }) => {
        if (message.kind === 'failed') {
          fail(new Error(message.message));
          void worker.terminate();
          return;
        }
        if (message.kind === 'done') done(message);
        current = takeBatch();
        worker.postMessage(current);
      });
      worker.on('error', fail);
      worker.on('exit', (code) => {
        fail(new Error(`the worker thread stopped (exit code ${code})`));
        resolve();
      });
    });
  await Promise.all(Array.from({ length: count }, runWorker));
  // Batches no worker took because every worker died before: lost as well.
  for (let batch = takeBatch(); batch.length > 0; batch = takeBatch()) lost(batch, new Error('no worker thread was left to check it'));
}

/** Heap of one worker: a file that needs more is reported at the file instead of ending the run. */
const WORKER_HEAP_MB = 2048;

/** The directories host graphs may use: each directory argument, or the base for file arguments. */
function scanRoots(options: CheckOptions): string[] {
  return options.paths.map((p) => {
    const absolute = path.resolve(options.base, p);
    return fs.statSync(absolute).isDirectory() ? absolute : options.base;
  });
}

/** Rule IDs in `rules:` and `exceptions:` must exist: a typo would silently do nothing. */
export function checkConfigRuleIds(config: Config, rules: Rule[]): void {
  const known = new Set(rules.map((r) => r.id));
  const wrong = config.ruleKeyPositions.find((p) => !known.has(p.id));
  if (wrong) throw new LocatedError(config.file, wrong.line, wrong.column, `unknown rule ${wrong.id} (see: declint rules)`);
}
