import * as path from 'path';
import type { Finding } from '../findings/finding';
import { internalErrorFinding, limitFinding, unreadableFinding } from '../findings/unchecked';
import { MAX_SOURCE_BYTES, readText as readSource, TextRead } from '../source/read-text';
import { candidateKind } from '../discover/classify';
import { checkFile } from '../rules/engine';
import { parseSuppressions, SuppressionComment } from '../findings/suppressions';
import type { FlakePolicy } from '../flake/policy';
import type { Rule } from '../rules/rule';
import { summarizeTalosFile, TalosFileSummary, unreadTalosFile } from '../talos/file-summary';
import { analyzeFile, ParsedNix } from './analyze';
import { timing } from '../timing';
import { contentHash } from '../source/content-hash';
import { watchedDate } from '../source/watched-date';

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
}

/**
 * How many files are analyzed between two turns of the event loop. node
 * tree-sitter frees syntax trees only in finalizers, which run when the loop
 * turns: without these pauses a large scan holds every tree it ever parsed.
 */
const FILES_PER_TURN = 64;

/** Reads, analyzes and checks files one after the other. */
export async function checkFiles(
  files: FileToCheck[],
  rules: Rule[],
  now: Date,
  flakePolicy?: FlakePolicy,
  onFiles?: (done: number) => void,
  /** Texts that win over the disk's (`check --fix` re-checks its edits); undefined for a file not edited. */
  overlayText?: (absolutePath: string) => string | undefined,
): Promise<FilesChecked> {
  return filesChecked(await checkFileRecords(files, rules, now, { ...(flakePolicy ? { flakePolicy } : {}), ...(onFiles ? { onFiles } : {}), ...(overlayText ? { overlayText } : {}) }));
}

export interface FileCheckOptions {
  flakePolicy?: FlakePolicy;
  onFiles?: (done: number) => void;
  /** Texts that win over the disk's (`check --fix` re-checks its edits; the result cache hands over the texts it read to hash them); undefined for any other file. */
  overlayText?: (absolutePath: string) => string | undefined;
  /** Record what the result cache keys each result on: the hash of the text checked, and whether a rule read "today". */
  forCache?: boolean;
}

/** One file's result in the per-file phase. */
export interface FileRecord {
  file: FileToCheck;
  checked: FileChecked;
  /** With `forCache`: the content hash of the text checked. */
  hash?: string;
  /** With `forCache`: a rule read the reference date, so the result holds for that date only. */
  readsClock?: boolean;
}

/** The per-file phase, file by file (what workers send back, and what the result cache keeps). */
export async function checkFileRecords(files: FileToCheck[], rules: Rule[], now: Date, options: FileCheckOptions = {}): Promise<FileRecord[]> {
  const clock = options.forCache ? watchedDate(now) : undefined;
  const records: FileRecord[] = [];
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    // Synchronous: reading one small file at a time, awaiting each read left the CPU idle.
    const edited = options.overlayText?.(file.absolutePath);
    const read: TextRead = edited !== undefined ? { kind: 'text', text: edited } : readSource(file.absolutePath, { maxBytes: MAX_SOURCE_BYTES });
    if (clock) clock.read = false;
    const checked = read.kind === 'text' ? checkFileText(file, read.text, rules, clock?.date ?? now, undefined, options.flakePolicy) : unreadFile(file, read);
    // A file that cannot be read has no hash: the cache does not keep its result, the next run reads it again.
    records.push(clock && read.kind === 'text' ? { file, checked, hash: contentHash(read.text), readsClock: clock.read } : { file, checked });
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
  let scanned = 0;
  for (const { file, checked } of records) {
    findings.push(...checked.findings);
    suppressions.push(...checked.suppressions);
    if (checked.imports) imports.push([file.absolutePath, checked.imports]);
    if (checked.talos) talosFiles.push(checked.talos);
    if (checked.scanned) scanned++;
  }
  return { findings, scanned, imports, suppressions, talosFiles };
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
}

/**
 * Analyzes and checks one file's text: the per-file phase for one file. The
 * language server calls it with an editor's unsaved text and, for Nix, the
 * incrementally re-parsed tree of that text.
 */
export function checkFileText(file: FileToCheck, text: string, rules: Rule[], now: Date, parsed?: ParsedNix, flakePolicy?: FlakePolicy): FileChecked {
  try {
    return checkFileTextUnguarded(file, text, rules, now, parsed, flakePolicy);
  } catch (error) {
    // A bug on one file must not lose the others' findings: the file is reported, the run goes on.
    return { findings: [internalErrorFinding(file.path, error)], scanned: true, suppressions: [] };
  }
}

function checkFileTextUnguarded(file: FileToCheck, text: string, rules: Rule[], now: Date, parsed?: ParsedNix, flakePolicy?: FlakePolicy): FileChecked {
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
  return { findings, scanned: true, imports, suppressions };
}
