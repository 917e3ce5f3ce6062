import { promises as fs } from 'fs';
import { discoverFiles } from '../discover/walk';
import { compareFindings, Finding } from '../findings/finding';
import { TOOL_VERSION } from '../meta';
import type { CheckResult } from '../report/result';
import { checkFile } from '../rules/engine';
import { loadBuiltinRules } from '../rules/builtin';
import type { Rule } from '../rules/rule';
import { LocatedError } from '../source/errors';
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
  const rules = await loadAllRules(options);
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

async function loadAllRules(options: CheckOptions): Promise<Rule[]> {
  const builtin = await loadBuiltinRules();
  if (options.ruleDirs.length === 0) return builtin;
  const { loadRules } = require('../rules/load') as typeof import('../rules/load');
  const custom = await loadRules(options.ruleDirs, options.base);
  const ids = new Set(builtin.map((r) => r.id));
  const clash = custom.find((r) => ids.has(r.id));
  if (clash) throw new LocatedError(clash.source, 1, 1, `rule ${clash.id} is already a built-in rule`);
  return [...builtin, ...custom].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
