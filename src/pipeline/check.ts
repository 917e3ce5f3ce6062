import { promises as fs } from 'fs';
import { discoverFiles } from '../discover/walk';
import { compareFindings, Finding } from '../findings/finding';
import { TOOL_VERSION } from '../meta';
import type { CheckResult } from '../report/result';
import { checkFile } from '../rules/engine';
import { BUILTIN_RULES_DIR, loadRules } from '../rules/load';
import { analyzeFile } from './analyze';

export interface CheckOptions {
  paths: string[];
  /** Directory report paths are relative to. */
  base: string;
  ignore: string[];
  /** Rule directories besides the built-in one. */
  ruleDirs: string[];
  /** "Today", for age-based rules. */
  now: Date;
}

/**
 * How many files are analyzed between two turns of the event loop. node
 * tree-sitter frees syntax trees only in finalizers, which run when the loop
 * turns: without these pauses a large scan holds every tree it ever parsed.
 */
const FILES_PER_TURN = 64;

/** discover → classify → parse → model → rules, for a set of paths. */
export async function runCheck(options: CheckOptions): Promise<CheckResult> {
  const started = process.hrtime.bigint();
  const rules = await loadRules([BUILTIN_RULES_DIR, ...options.ruleDirs], options.base);
  const files = await discoverFiles(options.paths, { base: options.base, ignore: options.ignore });
  const findings: Finding[] = [];
  let scanned = 0;
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    const text = await fs.readFile(file.absolutePath, 'utf8');
    const result = analyzeFile(file.path, text);
    if (result.kind === 'parse-error') {
      findings.push(result.finding);
      scanned++;
    } else if (result.kind === 'analyzed') {
      findings.push(...checkFile(result.file, rules, { now: options.now }));
      scanned++;
    }
    if (i % FILES_PER_TURN === FILES_PER_TURN - 1) await new Promise((resolve) => setImmediate(resolve));
  }
  findings.sort(compareFindings);
  return {
    findings,
    rules,
    filesScanned: scanned,
    durationMs: Number(process.hrtime.bigint() - started) / 1e6,
    base: options.base,
    toolVersion: TOOL_VERSION,
  };
}
