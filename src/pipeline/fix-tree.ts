import * as fs from 'fs';
import * as path from 'path';
import type { Finding } from '../findings/finding';
import { PARSE_ERROR_RULE_ID } from '../findings/finding';
import { applyEdits, editsOverlap, Fix, TextEdit } from '../fix/edit';
import { FixSources, isDefaultFinding, parseNixSyntax, planFix, plannedFixKey, reportedFix } from '../fix/plan';
import type { Rule } from '../rules/rule';
import { isInside } from '../source/paths';
import { analyzeTree, CheckOptions, TreeAnalysis } from './check';
import { ownModule } from './check-hosts';
import type { SourceOverlay } from './source-loader';
import { LineIndex } from '../source/position';
import type { NixNode } from '../nix/syntax';
import { sourceText } from '../source/read-text';
import type { ReportedFix } from '../report/result';
import { compareText } from '../source/compare-text';

/**
 * `check --fix`: every selected fix applied to an in-memory copy of the
 * files, the tree checked again with those texts, and each fix kept only
 * where its finding is gone and it broke nothing (no new parse error or
 * conflicting definition in the files it edited); the others are rolled
 * back and reported. Passes repeat while fixes apply (a fix may uncover
 * another), so a second run changes nothing. Writes no file: the caller
 * writes `changes`, or prints them as a diff.
 */
export interface FixSelection {
  /** Also apply fixes a rule marks unsafe. */
  unsafe: boolean;
  /** Only these rules' fixes (`--fix-rule`); all when absent. */
  rules?: Set<string>;
}

export interface AppliedFix {
  finding: Finding;
  fix: Fix;
}

export interface FixRun {
  /** The files the kept fixes change, with their text before and after (report paths). */
  changes: { file: string; absolutePath: string; before: string; after: string }[];
  applied: AppliedFix[];
  rolledBack: (AppliedFix & { why: string })[];
  /** Findings with a fix the selection left out because it is unsafe. */
  unsafeLeft: AppliedFix[];
  /** The analysis of the tree as the kept fixes leave it. */
  analysis: TreeAnalysis;
}

const MAX_PASSES = 10;

export async function fixTree(options: CheckOptions, selection: FixSelection): Promise<FixRun> {
  const overlay = new MemoryOverlay();
  const checkOptions = { ...options, overlay, jobs: 1 };
  const roots = scanRoots(options);
  const originals = new Map<string, { absolutePath: string; text: string; bom: boolean }>();
  const applied: AppliedFix[] = [];
  const rolledBack: FixRun['rolledBack'] = [];
  const tried = new Set<string>();
  let analysis = await analyzeTree(checkOptions);
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const sources = fixSources(options.base, roots, overlay, analysis);
    const candidates = chooseFixes(analysis, selection, sources).filter((c) => !tried.has(fixKey(c)));
    if (candidates.length === 0) break;
    candidates.forEach((c) => tried.add(fixKey(c)));
    let trial = candidates;
    const before = overlay.snapshot();
    for (;;) {
      overlay.restore(before);
      for (const [file, edits] of byFile(trial.flatMap((c) => c.fix.edits))) {
        const absolutePath = sources.absolutePath(file)!;
        const text = sources.text(file)!;
        if (!originals.has(file)) originals.set(file, { absolutePath, text, bom: startsWithBom(absolutePath) });
        overlay.set(absolutePath, applyEdits(text, edits));
      }
      const after = await analyzeTree(checkOptions);
      const failed = trial.map((c) => ({ c, why: failure(c, analysis, after) })).filter((f) => f.why !== undefined);
      if (failed.length === 0) {
        applied.push(...trial);
        analysis = after;
        break;
      }
      rolledBack.push(...failed.map(({ c, why }) => ({ ...c, why: why! })));
      trial = trial.filter((c) => !failed.some((f) => f.c === c));
      if (trial.length === 0) {
        overlay.restore(before);
        break;
      }
    }
  }
  // Fixes edit the text as it was analysed (without a byte order mark): the file keeps its mark.
  const changes = [...originals]
    .map(([file, o]) => ({ file, absolutePath: o.absolutePath, before: withBom(o.bom, o.text), after: withBom(o.bom, overlay.text(o.absolutePath) ?? o.text) }))
    .filter((c) => c.before !== c.after)
    .sort((a, b) => compareText(a.file, b.file));
  const unsafeLeft = selection.unsafe ? [] : chooseFixes(analysis, { ...selection, unsafe: true }, fixSources(options.base, roots, overlay, analysis)).filter((c) => !c.fix.safe);
  return { changes, applied, rolledBack, unsafeLeft, analysis };
}

/**
 * Each finding's fix as reporters show it (JSON `fix`, SARIF `fixes`), with
 * line and column ranges in the files as they are; unsafe ones included,
 * marked. Findings without a fix declint can write have none.
 */
export function reportableFixes(options: CheckOptions, analysis: TreeAnalysis): Map<Finding, ReportedFix> {
  const sources = fixSources(options.base, scanRoots(options), new MemoryOverlay(), analysis);
  const rules = new Map<string, Rule>(analysis.result.rules.map((r) => [r.id, r]));
  const lines = new RecentlyUsed<LineIndex>();
  const lineIndex = (file: string) => lines.get(file, () => new LineIndex(sources.text(file)!));
  const out = new Map<Finding, ReportedFix>();
  for (const finding of analysis.result.findings) {
    const rule = rules.get(finding.ruleId);
    if (!rule?.fix) continue;
    // Planned while its file was checked, where the file is a module of its own (the per-file phase's findings).
    const fix = analysis.plannedFixes?.get(plannedFixKey(finding)) ?? reportedFix(finding, rule, sources, lineIndex);
    if (fix) out.set(finding, fix);
  }
  return out;
}

/** The fixes to try in one pass: one per finding, none whose edits overlap an earlier one's. */
function chooseFixes(analysis: TreeAnalysis, selection: FixSelection, sources: FixSources): AppliedFix[] {
  const rules = new Map<string, Rule>(analysis.result.rules.map((r) => [r.id, r]));
  const chosen: AppliedFix[] = [];
  const taken: TextEdit[] = [];
  for (const finding of analysis.result.findings) {
    // An excepted or suppressed finding is the team's decision, not declint's to undo.
    if (finding.suppressed || (selection.rules && !selection.rules.has(finding.ruleId))) continue;
    const rule = rules.get(finding.ruleId);
    if (!rule?.fix || (!selection.unsafe && rule.fix.unsafe)) continue;
    const plan = planFix(finding, rule, sources);
    if (plan.kind !== 'fix') continue;
    const same = (a: TextEdit, b: TextEdit) => a.file === b.file && a.start === b.start && a.end === b.end && a.text === b.text;
    if (plan.fix.edits.some((e) => taken.some((t) => editsOverlap(e, t) && !same(e, t)))) continue;
    taken.push(...plan.fix.edits);
    chosen.push({ finding, fix: plan.fix });
  }
  return chosen;
}

/** Why a tried fix is not kept, or undefined when it did its job. */
function failure(c: AppliedFix, before: TreeAnalysis, after: TreeAnalysis): string | undefined {
  const files = new Set(c.fix.edits.map((e) => e.file));
  const broken = (f: Finding) => (f.ruleId === PARSE_ERROR_RULE_ID || f.ruleId === 'nix-conflict') && files.has(f.location.file);
  const known = new Set(before.result.findings.filter(broken).map((f) => `${f.ruleId}|${f.location.file}|${f.message}`));
  const introduced = after.result.findings.find((f) => broken(f) && !known.has(`${f.ruleId}|${f.location.file}|${f.message}`));
  if (introduced) return `it would introduce ${introduced.ruleId === PARSE_ERROR_RULE_ID ? 'a parse error' : 'conflicting definitions'} in ${introduced.location.file}: ${introduced.message}`;
  const remaining = after.result.findings.find((f) => sameProblem(c.finding, f));
  if (remaining) return `the finding remains after the fix: ${remaining.message}`;
  return undefined;
}

/** Whether a finding after a fix is the one the fix was for: same rule, host (or file) and option. */
export function sameProblem(a: Finding, b: Finding): boolean {
  if (a.ruleId !== b.ruleId) return false;
  const inScope = a.hosts?.length ? (b.hosts ?? []).some((h) => a.hosts!.includes(h)) : !b.hosts?.length && a.location.file === b.location.file;
  if (!inScope) return false;
  if (isDefaultFinding(a) || isDefaultFinding(b)) return true;
  const option = (f: Finding) => (f.subject ?? '').split('=')[0];
  return option(a) === option(b);
}

function fixKey(c: AppliedFix): string {
  return `${c.finding.ruleId}|${(c.finding.hosts ?? []).join(',')}|${c.finding.location.file}|${c.finding.subject ?? ''}|${JSON.stringify(c.fix.edits)}`;
}

function byFile(edits: TextEdit[]): Map<string, TextEdit[]> {
  const out = new Map<string, TextEdit[]>();
  for (const e of edits) {
    const list = out.get(e.file) ?? [];
    // Two findings may ask for the same edit (one value, two rules): it is applied once.
    if (!list.some((o) => o.start === e.start && o.end === e.end && o.text === e.text)) list.push(e);
    out.set(e.file, list);
  }
  return out;
}

/** What the fix engine may read: the current texts of regular files inside the scanned roots, and each host's own module. */
function fixSources(base: string, roots: string[], overlay: MemoryOverlay, analysis: TreeAnalysis): FixSources & { absolutePath(file: string): string | undefined } {
  const absolutePath = (file: string): string | undefined => {
    const absolute = path.resolve(base, file);
    try {
      const real = fs.realpathSync(absolute);
      if (!fs.statSync(real).isFile() || !roots.some((root) => isInside(root, real))) return undefined;
      return real;
    } catch {
      return undefined;
    }
  };
  // One reading and one parse per file and pass; the text as findings locate it (sourceText: a byte order mark is not a column), however many findings it has (these sources live for one pass).
  const texts = new RecentlyUsed<string | undefined>();
  const text = (file: string): string | undefined =>
    texts.get(file, () => {
      const real = absolutePath(file);
      return real ? (overlay.text(real) ?? sourceText(fs.readFileSync(real, 'utf8'))) : undefined;
    });
  const trees = new RecentlyUsed<NixNode | undefined>();
  const hostModules = new Map<string, string | { why: string }>();
  return {
    absolutePath,
    text,
    nixSyntax(file) {
      return trees.get(file, () => {
        const source = text(file);
        return source === undefined ? undefined : parseNixSyntax(source);
      });
    },
    hostModule(host) {
      let module = hostModules.get(host);
      if (module === undefined) hostModules.set(host, (module = ownModule(host, analysis.hosts)));
      return module;
    },
  };
}

/**
 * What a fix pass keeps of the files it reads: the most recently used.
 * Findings come file by file, and the hosts' own modules again and again;
 * a large tree has more files with findings than memory should hold.
 */
class RecentlyUsed<T> {
  private readonly entries = new Map<string, T>();

  get(file: string, read: () => T): T {
    const kept = this.entries.has(file);
    const value = kept ? this.entries.get(file)! : read();
    if (kept) this.entries.delete(file);
    this.entries.set(file, value);
    if (this.entries.size > RecentlyUsed.SIZE) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }

  private static readonly SIZE = 32;
}

function startsWithBom(absolutePath: string): boolean {
  try {
    return fs.readFileSync(absolutePath).subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]));
  } catch {
    return false;
  }
}

function withBom(bom: boolean, text: string): string {
  return bom ? `\ufeff${text}` : text;
}

function scanRoots(options: CheckOptions): string[] {
  return options.paths.map((p) => {
    const absolute = fs.realpathSync(path.resolve(options.base, p));
    return fs.statSync(absolute).isDirectory() ? absolute : path.dirname(absolute);
  });
}

/** Edited texts by real path, that win over the disk in the re-check. */
class MemoryOverlay implements SourceOverlay {
  private texts = new Map<string, string>();

  text(absolutePath: string): string | undefined {
    const direct = this.texts.get(absolutePath);
    if (direct !== undefined || this.texts.size === 0) return direct;
    try {
      return this.texts.get(fs.realpathSync(absolutePath));
    } catch {
      return undefined;
    }
  }

  set(realPath: string, text: string): void {
    this.texts.set(realPath, text);
  }

  snapshot(): Map<string, string> {
    return new Map(this.texts);
  }

  restore(snapshot: Map<string, string>): void {
    this.texts = new Map(snapshot);
  }
}
