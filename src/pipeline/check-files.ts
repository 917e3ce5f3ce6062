import * as path from 'path';
import type { Finding } from '../findings/finding';
import { internalErrorFinding, limitFinding, unreadableFinding } from '../findings/unchecked';
import { MAX_SOURCE_BYTES, readText as readSource, TextRead } from '../source/read-text';
import { candidateKind } from '../discover/classify';
import { parseSuppressions, SuppressionComment } from '../findings/suppressions';
import type { FlakePolicy } from '../flake/policy';
import type { Rule } from '../rules/rule';
import { summarizeTalosFile, TalosFileSummary, unreadTalosFile } from '../talos/file-summary';
import type { ParsedNix } from './analyze';
import type { FixSources } from '../fix/plan';
import type { NixNode } from '../nix/syntax';
import type { LineIndex } from '../source/position';
import type { ReportedFix } from '../report/result';
import { timing } from '../timing';
import { contentHash } from '../source/content-hash';
import { DateWindow, watchedDate } from '../source/watched-date';

export interface FileToCheck {
  absolutePath: string;
  /** The path findings report. */
  path: string;
}

export interface FilesChecked {
  findings: Finding[];
  /** Files that were recognised and read (parsed or failing to parse). */
  scanned: number;
  /** For each `.nix` file (absolute path), the paths its `imports` name, as far as they fold. */
  imports: [string, string[]][];
  /** `# declint-ignore` comments of the files read. */
  suppressions: SuppressionComment[];
  /** What each Talos-looking file is (for coverage). */
  talosFiles: TalosFileSummary[];
  /** The `.nix` files parsed without error, with their parse: the host phase reads them without parsing them again. */
  parsed: ParsedSource[];
  /** Whether `parsed` holds every `.nix` file parsed here without error: false where the parses kept did not fit. */
  parsedAll: boolean;
  /** With `planFixes`, the fixes of the findings in `.nix` files, by `plannedFixKey`. */
  fixes: [string, ReportedFix][];
}

/** A `.nix` file's text and its flat parse (`parseNixFlat`). */
export interface ParsedSource {
  absolutePath: string;
  text: string;
  flat: Int32Array;
}

/**
 * At most this much of the parses (texts and flat arrays, in bytes) is kept
 * for the host phase; files past it are parsed again if a host reads them.
 * The 17 development repositories (6,000 files) need 27 MB; a tree of
 * 20,000 generated modules would need 250 MB.
 */
export const PARSES_KEPT_BYTES = 32 * 1024 * 1024;

/** What keeping a parse costs in memory (a text of ASCII, as configuration is, takes a byte a character). */
export function parseBytes(parsed: { text: string; flat: Int32Array }): number {
  return parsed.text.length + parsed.flat.byteLength;
}

/**
 * How many files are analyzed between two turns of the event loop. node
 * tree-sitter frees syntax trees only in finalizers, which run when the loop
 * turns: without these pauses a large scan holds every tree it ever parsed.
 */
const FILES_PER_TURN = 64;

/** What the per-file phase checks files against (what a worker thread is set up with). */
export interface FileCheckJob {
  rules: Rule[];
  now: Date;
  flakePolicy?: FlakePolicy;
  /** Plan the fixes of the findings in `.nix` files while their syntax is at hand (JSON and SARIF carry them). */
  planFixes?: boolean;
  /** Record what the result cache keys each result on: the hash of the text checked, and whether a rule read "today". */
  forCache?: boolean;
}

export interface FileCheckOptions {
  onFiles?: (done: number) => void;
  /** Texts that win over the disk's (`check --fix` re-checks its edits; the result cache hands over the texts it read to hash them); undefined for any other file. */
  overlayText?: (absolutePath: string) => string | undefined;
  /** How much of the parses to keep for the host phase (`FileRecord.parsed`), in bytes. */
  keptBytes?: number;
}

/** One file's result in the per-file phase. */
export interface FileRecord {
  file: FileToCheck;
  checked: FileChecked;
  /** With `forCache`: the content hash of the text checked. */
  hash?: string;
  /** With `forCache`, where a rule read the reference date: the dates for which the result holds. */
  clock?: DateWindow;
  /** A `.nix` file parsed without error, while parses kept fit `keptBytes`: its text and flat parse, for the host phase. */
  parsed?: ParsedSource;
  /** A `.nix` file parsed without error whose parse was not kept: the parses kept did not fit. */
  parseDropped?: true;
}

/** The per-file phase, file by file (what workers send back, and what the result cache keeps). */
export async function checkFileRecords(files: FileToCheck[], job: FileCheckJob, options: FileCheckOptions = {}): Promise<FileRecord[]> {
  const clock = job.forCache ? watchedDate(job.now) : undefined;
  let keptBytes = options.keptBytes ?? PARSES_KEPT_BYTES;
  const records: FileRecord[] = [];
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    // Synchronous: reading one small file at a time, awaiting each read left the CPU idle.
    const edited = options.overlayText?.(file.absolutePath);
    const read: TextRead = edited !== undefined ? { kind: 'text', text: edited } : readSource(file.absolutePath, { maxBytes: MAX_SOURCE_BYTES });
    if (clock) clock.window = undefined;
    const { flat, ...checked } = read.kind === 'text' ? checkFileText(file, read.text, job.rules, clock?.date ?? job.now, undefined, job.flakePolicy, job.planFixes) : unreadFile(file, read);
    const record: FileRecord = { file, checked };
    // A file that cannot be read has no hash: the cache does not keep its result, the next run reads it again.
    if (clock && read.kind === 'text') Object.assign(record, { hash: contentHash(read.text), ...(clock.window ? { clock: clock.window } : {}) });
    if (flat && read.kind === 'text') {
      if ((keptBytes -= parseBytes({ text: read.text, flat })) >= 0) record.parsed = { absolutePath: file.absolutePath, text: read.text, flat };
      else record.parseDropped = true;
    }
    records.push(record);
    options.onFiles?.(i + 1);
    if (i % FILES_PER_TURN === FILES_PER_TURN - 1) await new Promise((resolve) => setImmediate(resolve));
  }
  return records;
}

/** The per-file phase's results together, in the order of the records. */
export function filesChecked(records: FileRecord[]): FilesChecked {
  const findings: Finding[] = [];
  const imports: [string, string[]][] = [];
  const suppressions: SuppressionComment[] = [];
  const talosFiles: TalosFileSummary[] = [];
  const parsed: ParsedSource[] = [];
  const fixes: [string, ReportedFix][] = [];
  let scanned = 0;
  let parsedAll = true;
  for (const { file, checked, parsed: parse, parseDropped } of records) {
    if (parseDropped) parsedAll = false;
    findings.push(...checked.findings);
    suppressions.push(...checked.suppressions);
    if (checked.imports) imports.push([file.absolutePath, checked.imports]);
    if (checked.talos) talosFiles.push(checked.talos);
    if (checked.fixes) fixes.push(...checked.fixes);
    if (parse) parsed.push(parse);
    if (checked.scanned) scanned++;
  }
  return { findings, scanned, imports, suppressions, talosFiles, parsed, parsedAll, fixes };
}

/** A candidate file that could not be read: said at the file, never skipped in silence. */
function unreadFile(file: FileToCheck, read: { reason: string; tooLarge?: boolean }): FileChecked {
  const finding = read.tooLarge ? limitFinding(file.path, `This file is not checked: ${read.reason}.`) : unreadableFinding(file.path, read.reason);
  return { findings: [finding], scanned: false, suppressions: [] };
}

/** What checking one file's text yields. */
export interface FileChecked {
  findings: Finding[];
  /** Recognised and read (parsed, or failing to parse). */
  scanned: boolean;
  /** For a `.nix` file that parses, the absolute paths its `imports` name, as far as they fold. */
  imports?: string[];
  suppressions: SuppressionComment[];
  /** For a Talos-looking file: what it is, or why it was not read. */
  talos?: TalosFileSummary;
  /** For a `.nix` file parsed here without error: its flat parse. */
  flat?: Int32Array;
  /** With `planFixes`: the fixes of its findings, by `plannedFixKey`. */
  fixes?: [string, ReportedFix][];
}

/**
 * Analyzes and checks one file's text: the per-file phase for one file. The
 * language server calls it with an editor's unsaved text and, for Nix, the
 * incrementally re-parsed tree of that text.
 */
export function checkFileText(file: FileToCheck, text: string, rules: Rule[], now: Date, parsed?: ParsedNix, flakePolicy?: FlakePolicy, planFixes = false): FileChecked {
  try {
    return checkFileTextUnguarded(file, text, rules, now, parsed, flakePolicy, planFixes);
  } catch (error) {
    // A bug on one file must not lose the others' findings: the file is reported, the run goes on.
    return { findings: [internalErrorFinding(file.path, error)], scanned: true, suppressions: [] };
  }
}

function checkFileTextUnguarded(file: FileToCheck, text: string, rules: Rule[], now: Date, parsed: ParsedNix | undefined, flakePolicy: FlakePolicy | undefined, planFixes: boolean): FileChecked {
  // The parsers, the evaluator and the rules are loaded by the first file checked: a run whose results all come from the cache needs none.
  const { analyzeFile } = require('./analyze') as typeof import('./analyze');
  const { checkFile } = require('../rules/engine') as typeof import('../rules/engine');
  const result = analyzeFile(file.path, text, parsed);
  const suppressions = result.kind !== 'skipped' ? parseSuppressions(file.path, text) : [];
  if (result.kind === 'parse-error' || result.kind === 'not-checked') {
    // A YAML file is read as Talos only when it looks like Talos: one that does not parse (or nests past the limit) is a Talos file not read.
    const detail = result.kind === 'parse-error' ? result.detail : result.finding.message;
    const talos = candidateKind(file.path) === 'yaml' ? { talos: unreadTalosFile(file.path, 'syntax-error', detail, result.finding.location.range) } : {};
    return { findings: [result.finding], scanned: true, suppressions, ...talos };
  }
  if (result.kind === 'unreadable-template') {
    return { findings: [], scanned: true, suppressions, talos: unreadTalosFile(file.path, 'unreadable-template', result.message, result.range) };
  }
  if (result.kind === 'skipped') return { findings: [], scanned: false, suppressions };
  const started = timing?.start();
  const findings = checkFile(result.file, rules, { now, ...(flakePolicy ? { flakePolicy } : {}) });
  if (started !== undefined) timing!.count('rules', started);
  if (result.file.kind === 'talos') return { findings, scanned: true, suppressions, talos: summarizeTalosFile(file.path, result.file.talos) };
  if (result.file.kind !== 'nix') return { findings, scanned: true, suppressions };
  // Read after the rules: values are evaluated when a rule reads them, and so are their limits.
  const lines = result.file.lines;
  for (const note of result.file.module.limits ?? []) findings.push(limitFinding(file.path, note.message, lines.range(note.start, note.end)));
  const dir = path.dirname(file.absolutePath);
  const imports = result.file.module.imports.flatMap((i) => (i.value.kind === 'path' ? [path.resolve(dir, i.value.value)] : []));
  const flat = result.file.flat;
  const fixes = planFixes && flat ? fixesInFile(file.path, text, flat, lines, findings, rules) : [];
  return { findings, scanned: true, imports, suppressions, ...(flat ? { flat } : {}), ...(fixes.length > 0 ? { fixes } : {}) };
}

/**
 * The fixes of a file's findings, planned with the syntax of its text at
 * hand; the same plans as `reportableFixes` makes after the run (a per-file
 * finding's fix edits the file it is in), without reading and parsing the
 * file again.
 */
function fixesInFile(file: string, text: string, flat: Int32Array, lines: LineIndex, findings: Finding[], rules: Rule[]): [string, ReportedFix][] {
  if (findings.length === 0) return [];
  // Loaded by the runs that report fixes (JSON, SARIF): the planner reaches the YAML library, about 20 ms to load.
  const { plannedFixKey, reportedFix } = require('../fix/plan') as typeof import('../fix/plan');
  const { convertFlat } = require('../nix/syntax') as typeof import('../nix/syntax');
  let syntax: NixNode | undefined;
  const sources: FixSources = {
    text: (f) => (f === file ? text : undefined),
    nixSyntax: (f) => (f === file ? (syntax ??= convertFlat(flat, text)) : undefined),
  };
  const out: [string, ReportedFix][] = [];
  for (const finding of findings) {
    const rule = rules.find((r) => r.id === finding.ruleId);
    const fix = rule?.fix ? reportedFix(finding, rule, sources, () => lines) : undefined;
    if (fix) out.push([plannedFixKey(finding), fix]);
  }
  return out;
}
