import * as fs from 'fs';
import * as path from 'path';
import { discoverFiles } from '../discover/walk';
import { compareFindings, Finding } from '../findings/finding';
import { TOOL_VERSION } from '../meta';
import type { CheckResult, ReportedFix } from '../report/result';
import { loadRuleSet } from '../rules/builtin';
import type { Rule } from '../rules/rule';
import { LocatedError } from '../source/errors';
import { checkFileRecords, FileCheckJob, filesChecked, FileToCheck } from './check-files';
import { checkFilesOnThreads, inFileOrder } from './check-files-threads';
import type { HostPhaseInput, HostPhaseResult } from './check-hosts';
import type { CacheSettings, CacheStats, ResultCache } from '../cache/result-cache';
import type { CacheLocation } from '../cache/location';
import { checkFlakes, readIfPresent } from './check-flakes';
import type { TalosNodesInput, TalosNodesPhaseResult } from './check-talos-nodes';
import { combineCoverage } from '../coverage/coverage';
import type { Config } from '../config/config';
import { applyExceptions } from '../config/exceptions';
import { DEFAULT_CONFIG } from '../config/config';
import { configLevel, selectRules } from '../config/select-rules';
import { BUILTIN_CHECKS } from '../findings/builtin-checks';
import { applySuppressions, SuppressionComment } from '../findings/suppressions';
import { scrubDeep, scrubSecrets } from '../redaction/secrets';
import { LIMIT_RULE_ID, unreadableFinding } from '../findings/unchecked';
import { reportPath } from '../source/paths';
import type { ParsedSources, SourceOverlay } from './source-loader';
import { timing } from '../timing';

export interface CheckOptions {
  paths: string[];
  /** Directory report paths are relative to. */
  base: string;
  ignore: string[];
  /** Rule directories besides the built-in one. */
  ruleDirs: string[];
  /** "Today", for age-based rules. */
  now: Date;
  /**
   * Threads checking files: this one and `jobs - 1` workers. By default
   * workers are started, one per core besides this one, only once the files
   * checked so far show that the rest is worth it.
   */
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
  /** Told how far the run is (the CLI shows it on a terminal). */
  onProgress?: (progress: Progress) => void;
  /** Texts that win over the disk (`check --fix` re-checks its edits before writing them); the check then runs in one thread. */
  overlay?: SourceOverlay;
  /** Keep results in this cache file and take from it what still holds (`check --cache`); `note` is told when a cache file is not used. */
  cache?: { location: CacheLocation; note: (message: string) => void };
  /** Told what the result cache gave the run (`check --verbose`). */
  onCacheStats?: (stats: CacheStats) => void;
  /** Plan each finding's fix, as JSON and SARIF report it (`result.fixes`). */
  reportFixes?: boolean;
  /** How much module text a plain check's host phase keeps read between hosts (`HostPhaseInput.moduleBudgetBytes`). */
  moduleBudgetBytes?: number;
}

/** Files checked of those found, then hosts evaluated. */
export type Progress = { phase: 'files'; done: number; total: number } | { phase: 'hosts'; done: number };

/** The whole analysis of a tree: what `check` reports, and the hosts `hosts` and `explain-option` show. */
export interface TreeAnalysis {
  result: CheckResult;
  /** Every NixOS host and Talos node of the tree (before `host` narrowed the findings). */
  hostNames: string[];
  hosts: HostPhaseResult;
  /** The files the scan found (the report reads Talos nodes, locks and comments from them). */
  files: FileToCheck[];
  talosNodes: TalosNodesPhaseResult;
  /** With `planFixes`, the fixes planned in the per-file phase, by `plannedFixKey`. */
  plannedFixes?: Map<string, ReportedFix>;
}

/** discover → classify → parse → model → rules, for a set of paths. */
export async function runCheck(options: CheckOptions): Promise<CheckResult> {
  return (await analyzeTree(options)).result;
}

export async function analyzeTree(options: CheckOptions): Promise<TreeAnalysis> {
  const started = process.hrtime.bigint();
  timing?.phase('load rules');
  const config = options.config;
  const ruleDirs = [...options.ruleDirs, ...(config?.ruleDirs ?? [])];
  const allRules = options.rules ?? (await loadRuleSet(ruleDirs, options.base));
  const rules = options.rules ? allRules : configuredRules(allRules, config, ruleDirs, options.base);
  timing?.phase('discovery');
  const unreadable: Finding[] = [];
  const files = await discoverFiles(options.paths, {
    base: options.base,
    ignore: [...options.ignore, ...(config?.ignore ?? [])],
    onUnreadable: (absolutePath, reason) => unreadable.push(unreadableFinding(reportPath(options.base, absolutePath), reason)),
  });
  if (config?.flakes?.nixpkgsKeys) checkNixpkgsKeys(config, files);
  const overlay = options.overlay;
  const roots = scanRoots(options);
  const extraRoots = (options.extraRoots ?? []).map((r) => path.resolve(options.base, r));
  // Results are cached for a plain check: not for texts that are not on the disk (fixes), nor where the evaluated hosts are kept.
  const cache =
    options.cache && !overlay && !options.keepHosts
      ? openCache(options.cache, { rules, ...(config ? { config } : {}), base: options.base, roots, extraRoots, judgements: options.judgements ?? false }, options.now)
      : undefined;
  timing?.phase('files');
  const split = cache?.files(files);
  const toCheck = split ? split.fresh : files;
  const readText = overlay ? (absolutePath: string) => overlay.text(absolutePath) ?? readIfPresent(absolutePath) : readIfPresent;
  const onFiles = options.onProgress && ((done: number) => options.onProgress!({ phase: 'files', done, total: toCheck.length }));
  const job: FileCheckJob = { rules, now: options.now, ...(config?.flakes ? { flakePolicy: config.flakes } : {}), planFixes: options.reportFixes === true, forCache: cache !== undefined };
  // In this thread, a file is read once: the edited text wins (fixes), else the text the cache read to hash it.
  const overlayText = overlay ? (absolutePath: string) => overlay.text(absolutePath) : split?.text;
  const fileOptions = { ...(onFiles ? { onFiles } : {}), ...(overlayText ? { overlayText } : {}) };
  const checked = overlay ? await checkFileRecords(toCheck, job, fileOptions) : await checkFilesOnThreads(toCheck, job, options.jobs, fileOptions);
  cache?.keepFiles(checked);
  const perFile = filesChecked(split ? inFileOrder(files, [...split.reused, ...checked]) : checked);
  // Each file is parsed once: the host phase reads the per-file phase's parses (as many as memory allows).
  const parsed: ParsedSources = new Map(perFile.parsed.map((p) => [p.absolutePath, p]));
  perFile.parsed.length = 0; // the map holds them, until the host phase is done
  for (const record of checked) delete record.parsed;
  let hostsDone = 0;
  const scanned = perFile.scanned;
  timing?.phase('hosts');
  const hostInput: HostPhaseInput = {
    nixFiles: files.filter((f) => f.path.endsWith('.nix')),
    roots,
    base: options.base,
    imports: new Map(perFile.imports),
    rules,
    now: options.now,
    extraRoots,
    keepHosts: options.keepHosts ?? false,
    ...(options.moduleBudgetBytes !== undefined ? { moduleBudgetBytes: options.moduleBudgetBytes } : {}),
    hostTypes: config?.hostTypes ?? {},
    judgements: options.judgements ?? false,
    ...(config?.hosts ? { declared: { file: config.file, hosts: config.hosts } } : {}),
    ...(options.onProgress ? { onHost: () => options.onProgress!({ phase: 'hosts', done: ++hostsDone }) } : {}),
    ...(overlay ? { loader: new (sourceLoader().NixSourceLoader)(roots, options.base, overlay, parsed) } : { parsed, parsedAll: perFile.parsedAll }),
    ...(cache ? { known: { checkedHash: checkedHashes(perFile.imports, cache), stored: cache.parseStore } } : {}),
  };
  // The host and Talos node phases are loaded only when they run: a warm cache answers for them.
  const checkHosts = (input: HostPhaseInput) => (require('./check-hosts') as typeof import('./check-hosts')).checkHosts(input);
  const hostPhase = cache ? cache.hostPhase(hostInput, (hold) => checkHosts({ ...hostInput, ...hold })) : checkHosts(hostInput);
  parsed.clear();
  timing?.phase('talos');
  const checkTalosNodes = (input: TalosNodesInput) => (require('./check-talos-nodes') as typeof import('./check-talos-nodes')).checkTalosNodes(input);
  const talosInput: TalosNodesInput = { files, talosFiles: perFile.talosFiles, rules, now: options.now, roots, base: options.base, keepViews: options.judgements ?? false, ...(overlay ? { readText } : {}) };
  const talosNodes = cache
    ? cache.phase('talos nodes', { files: files.map((f) => [f.path, f.absolutePath]), talosFiles: perFile.talosFiles }, (clock) => checkTalosNodes({ ...talosInput, now: clock.date }), cache.talosNodesCodec)
    : checkTalosNodes(talosInput);
  timing?.phase('flakes');
  const flakes = (now: Date) => checkFlakes(files, rules, now, hostPhase.loader, config?.flakes, readText);
  // The flake phase reads each flake.nix and the flake.lock beside it: which of those there are is what it starts from.
  const flakeFiles = files.filter((f) => /^flake\.(nix|lock)$/.test(path.basename(f.path))).map((f) => [f.path, f.absolutePath]);
  const flakeFindings = cache ? cache.phase('flakes', { flakeFiles }, (clock) => flakes(clock.date), cache.flakesCodec(hostPhase)) : flakes(options.now);
  timing?.phase('combine');
  const findings = combineFindings({
    perFile: [...unreadable, ...perFile.findings],
    hostFindings: hostPhase.findings,
    hostFiles: hostPhase.hostFiles,
    talosNodeFindings: talosNodes.findings,
    talosNodeFiles: talosNodes.files,
    // The limits the host and flake phases reached, read after both evaluated what they needed.
    flakeFindings: [...flakeFindings, ...(cache ? cache.limitFindings(hostPhase) : hostPhase.loader.limitFindings())],
    suppressions: perFile.suppressions,
    rules,
    allRules,
    config,
    now: options.now,
  });
  const hostNames = [...new Set([...hostPhase.filesByHost.keys(), ...findings.flatMap((f) => f.hosts ?? [])])].sort();
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
  const analysis: TreeAnalysis = {
    result: {
      findings,
      rules,
      filesScanned: scanned + talosNodes.scanned,
      durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      base: options.base,
      toolVersion: TOOL_VERSION,
      mode: config?.mode ?? 'enforce',
      ...(config?.frameworks ? { frameworks: config.frameworks.map((f) => f.key) } : {}),
      referenceDate: options.now.toISOString(),
      // Its reasons quote expressions of the scanned files: no key or token in them is printed.
      coverage: scrubDeep(combineCoverage(hostPhase.coverageReport, talosNodes.coverage)),
    },
    hostNames,
    hosts: hostPhase,
    files,
    talosNodes,
    ...(options.reportFixes ? { plannedFixes: new Map(perFile.fixes) } : {}),
  };
  if (options.reportFixes) {
    timing?.phase('fixes');
    // The fix planner (and the parser it needs) is loaded only when the cache cannot answer.
    const plan = () => (require('./fix-tree') as typeof import('./fix-tree')).reportableFixes(options, analysis);
    analysis.result.fixes = cache ? cache.fixes(analysis.result.findings, { filesByHost: [...hostPhase.filesByHost].map(([h, f]) => [h, [...f]]), rootModules: [...hostPhase.rootModules] }, plan) : plan();
  }
  if (cache) {
    timing?.phase('cache');
    cache.save();
    options.onCacheStats?.(cache.stats);
  }
  return analysis;
}

export interface FindingsToCombine {
  /** Findings of the per-file phase. */
  perFile: Finding[];
  /** Findings of the host phase. */
  hostFindings: Finding[];
  /** Report paths of the files that belong to an evaluated host. */
  hostFiles: Set<string>;
  /** Findings on Talos nodes (talhelper, Omni, Cluster API, Terraform), and the files the nodes are built from. */
  talosNodeFindings?: Finding[];
  talosNodeFiles?: Set<string>;
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
  // in the files Talos nodes are built from, Talos rules judge each node's effective config.
  const nixosRules = new Set(input.rules.filter((r) => r.target === 'nixos').map((r) => r.id));
  const talosRules = new Set(input.rules.filter((r) => r.target === 'talos').map((r) => r.id));
  const talosNodeFiles = input.talosNodeFiles ?? new Set<string>();
  const findings = [
    ...input.perFile.filter(
      (f) => !(nixosRules.has(f.ruleId) && input.hostFiles.has(f.location.file)) && !(talosRules.has(f.ruleId) && talosNodeFiles.has(f.location.file)),
    ),
    ...input.hostFindings,
    ...(input.talosNodeFindings ?? []),
    ...(input.flakeFindings ?? []),
  ];
  const known = new Set([...input.allRules.map((r) => r.id), ...Object.keys(BUILTIN_CHECKS)]);
  const suppressed = applySuppressions(withoutRepeatedNotes(findings), input.suppressions, known);
  const excepted = input.config ? applyExceptions(suppressed.findings, input.config, input.now) : { findings: suppressed.findings, problems: [] };
  // The last step before any output: a key or token quoted anywhere in a message is not printed.
  return [...excepted.findings, ...suppressed.problems, ...excepted.problems].map(withoutSecrets);
}

/** The finding with secrets scrubbed from its messages: the same object where there were none (nothing changes a finding once made). */
function withoutSecrets(finding: Finding): Finding {
  const message = scrubSecrets(finding.message);
  let related = finding.related;
  for (let i = 0; i < related.length; i++) {
    const scrubbed = scrubSecrets(related[i].message);
    if (scrubbed === related[i].message) continue;
    if (related === finding.related) related = [...related];
    related[i] = { ...related[i], message: scrubbed };
  }
  return message === finding.message && related === finding.related ? finding : { ...finding, message, related };
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

function sourceLoader(): typeof import('./source-loader') {
  return require('./source-loader') as typeof import('./source-loader');
}

/**
 * The content hash of each `.nix` file the per-file phase found to parse
 * without a repeated attribute (those it read `imports` from), as the
 * cache knows it: the host phase's loader does not check such a text again.
 */
function checkedHashes(imports: [string, string[]][], cache: ResultCache): (absolutePath: string) => string | undefined {
  const parsedClean = new Set(imports.map(([absolutePath]) => absolutePath));
  return (absolutePath) => (parsedClean.has(absolutePath) ? cache.contentHashOf(absolutePath) : undefined);
}

/** The result cache (loaded only for `check --cache`). */
function openCache(cache: NonNullable<CheckOptions['cache']>, settings: CacheSettings, now: Date): ResultCache {
  const { ResultCache } = require('../cache/result-cache') as typeof import('../cache/result-cache');
  return ResultCache.open(cache.location, settings, now, cache.note);
}

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

/** `flakes.nixpkgsKeys` must name a root input of a scanned lock file: a typo would silently judge nothing. */
function checkNixpkgsKeys(config: Config, files: FileToCheck[]): void {
  const { readFlakeLock } = require('../flake/lock') as typeof import('../flake/lock');
  const { missingNixpkgsKeys } = require('../flake/policy') as typeof import('../flake/policy');
  const rootInputs: string[][] = [];
  for (const file of files) {
    if (path.basename(file.path) !== 'flake.lock') continue;
    const text = readIfPresent(file.absolutePath);
    if (text === undefined) continue;
    const read = readFlakeLock(text);
    if (read.kind === 'flake-lock') rootInputs.push(Object.keys(read.lock.rootInputs));
  }
  const [missing] = missingNixpkgsKeys(config.flakes?.nixpkgsKeys ?? [], rootInputs);
  if (missing === undefined) return;
  const at = config.nixpkgsKeyPositions?.find((p) => p.id === missing) ?? { line: 1, column: 1 };
  const known = [...new Set(rootInputs.flat())].sort().join(', ');
  throw new LocatedError(config.file, at.line, at.column, `flakes.nixpkgsKeys: "${missing}" is not a root input of any flake.lock scanned (their inputs: ${known})`);
}

/**
 * The rules a run applies: the config's selection (without a config, the
 * standard level: strict and paranoid rules, mostly inventory notes, are
 * opt-in). A config that names an unknown rule or framework, or selects no
 * rule at all (which would report "no findings" on anything), stops with
 * `file:line:col`.
 */
export function configuredRules(allRules: Rule[], config: Config | undefined, ruleDirs: string[], base: string): Rule[] {
  if (!config) return selectRules(allRules, DEFAULT_CONFIG);
  checkConfigRuleIds(config, allRules);
  const { loadFrameworks } = require('../controls/registry') as typeof import('../controls/registry');
  const known = loadFrameworks(ruleDirs, base).map((f) => f.key);
  const unknown = config.frameworkPositions.find((p) => !known.includes(p.id));
  if (unknown) throw new LocatedError(config.file, unknown.line, unknown.column, `unknown framework ${unknown.id} (known: ${known.join(', ')})`);
  const selected = selectRules(allRules, config);
  if (selected.length === 0) {
    const at = config.levelPosition ?? config.frameworkPositions[0] ?? { line: 1, column: 1 };
    const why = [`level ${configLevel(config)}`, config.frameworks && `frameworks ${config.frameworks.map((f) => f.key).join(', ')}`, config.excludeTags.length > 0 && `excludeTags ${config.excludeTags.join(', ')}`]
      .filter(Boolean)
      .join(', ');
    throw new LocatedError(config.file, at.line, at.column, `this configuration selects no rule (${why}): a run would report nothing on any file`);
  }
  return selected;
}
