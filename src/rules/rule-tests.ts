import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Finding, SEVERITIES } from '../findings/finding';
import type { PredicateContext } from './predicates';
import type { Rule } from './rule';
import { compareText } from '../source/compare-text';

/**
 * The rule test harness (`declint test-rules` and the built-in rules' own
 * test): each rule has a folder of cases named `bad-*` and `good-*`, files or
 * folders, whose expected findings are written in the files — a
 * `# expect: RULE-ID [severity]` comment at the end of the line that must be
 * reported, or for JSON files an `expect.json` beside them:
 * `[{ "line": 12, "rule": "FLK-003", "severity": "error" }]`. A case folder
 * with a `.declint.yaml` is checked with that configuration.
 */

export interface Expectation {
  file: string;
  line: number;
  rule: string;
  severity?: string;
}

/** The four outcomes of a case, in the vocabulary of false positives and negatives. */
export type CaseOutcome = 'validated' | 'reported' | 'noisy' | 'missing';

export interface CaseResult {
  rule: string;
  /** The case's path relative to the rule's fixture folder. */
  name: string;
  outcome: CaseOutcome;
  expected: Expectation[];
  /** Findings of the rule under test. */
  actual: Finding[];
  /** Expectations with no matching finding. */
  missing: Expectation[];
  /** Findings no expectation asked for. */
  unexpected: Finding[];
}

const EXPECT_COMMENT = /#\s*expect:\s*([A-Za-z0-9_, -]+?)\s*$/;
const SEVERITY_NAMES: ReadonlySet<string> = new Set(SEVERITIES);

/** Expectations written in one file's comments. */
export function expectationsInText(file: string, text: string): Expectation[] {
  const out: Expectation[] = [];
  text.split('\n').forEach((line, index) => {
    const match = EXPECT_COMMENT.exec(line.replace(/\r$/, ''));
    if (!match) return;
    for (const item of match[1].split(',')) {
      const [rule, severity] = item.trim().split(/\s+/);
      if (!rule) continue;
      out.push({ file, line: index + 1, rule, ...(severity && SEVERITY_NAMES.has(severity) ? { severity } : {}) });
    }
  });
  return out;
}

async function caseFiles(casePath: string): Promise<string[]> {
  const stat = await fs.stat(casePath);
  if (stat.isFile()) return [casePath];
  const out: string[] = [];
  for (const entry of await fs.readdir(casePath, { withFileTypes: true })) {
    const full = path.join(casePath, entry.name);
    if (entry.isDirectory()) out.push(...(await caseFiles(full)));
    else out.push(full);
  }
  return out.sort();
}

/**
 * Runs one case (a file or a folder) with one rule, through the whole
 * pipeline: a folder with a `flake.nix` or a `configuration.nix` is a
 * repository whose hosts are evaluated.
 */
export async function runCase(rule: Rule, casePath: string, name: string, ctx: PredicateContext): Promise<CaseResult> {
  const { runCheck } = require('../pipeline/check') as typeof import('../pipeline/check');
  const files = await caseFiles(casePath);
  const base = (await fs.stat(casePath)).isDirectory() ? casePath : path.dirname(casePath);
  const expected: Expectation[] = [];
  for (const file of files) {
    const relative = path.relative(base, file).split(path.sep).join('/');
    if (path.basename(file) === 'expect.json') {
      const dir = path.dirname(file);
      const entries = JSON.parse(await fs.readFile(file, 'utf8')) as Omit<Expectation, 'file'>[];
      const target = files.find((f) => path.dirname(f) === dir && f !== file && f.endsWith('.lock')) ?? file;
      expected.push(...entries.map((e) => ({ ...e, file: path.relative(base, target).split(path.sep).join('/') })));
      continue;
    }
    expected.push(...expectationsInText(relative, await fs.readFile(file, 'utf8')));
  }
  // A case folder may carry the project policy its verdicts depend on (`flakes.nixpkgsKeys`, …).
  const { CONFIG_NAMES, loadConfig } = require('../config/config') as typeof import('../config/config');
  const configFile = (await fs.stat(casePath)).isDirectory() ? files.find((f) => path.dirname(f) === casePath && CONFIG_NAMES.includes(path.basename(f))) : undefined;
  const config = configFile ? loadConfig(configFile, path.relative(process.cwd(), configFile)) : undefined;
  const result = await runCheck({ paths: [casePath], base, ignore: [], ruleDirs: [], now: ctx.now, jobs: 1, rules: [rule], ...(config ? { config } : {}) });
  // Only the rule under test: other rules and declint's own checks (renamed options…) are not this case's business.
  const actual = result.findings.filter((f) => f.ruleId === rule.id);
  const relevant = expected.filter((e) => e.rule === rule.id);
  const unmatched = [...actual];
  const missing: Expectation[] = [];
  for (const e of relevant) {
    const i = unmatched.findIndex(
      (f) => f.location.file === e.file && f.location.range.start.line === e.line && f.ruleId === e.rule && (!e.severity || f.severity === e.severity),
    );
    if (i === -1) missing.push(e);
    else unmatched.splice(i, 1);
  }
  const outcome: CaseOutcome = unmatched.length > 0 ? 'noisy' : missing.length > 0 ? 'missing' : relevant.length > 0 ? 'reported' : 'validated';
  return { rule: rule.id, name, outcome, expected: relevant, actual, missing, unexpected: unmatched };
}

/** Lists the `bad-*` and `good-*` cases in a rule's fixture folder. */
export async function listCases(dir: string): Promise<{ name: string; path: string; kind: 'bad' | 'good' }[]> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => /^(bad|good)-/.test(e.name) && !/\.fixed(\.|$)/.test(e.name))
    .map((e) => ({ name: e.name, path: path.join(dir, e.name), kind: e.name.startsWith('bad-') ? ('bad' as const) : ('good' as const) }))
    .sort((a, b) => compareText(a.name, b.name));
}

/**
 * A bad case's fix against its expected text (the Semgrep convention):
 * `<case>.fixed.<ext>` beside a file case, or a `<case>.fixed/` folder with
 * the files that change for a folder case. The fix runs on a copy of the
 * case; it must produce exactly the expected texts, leave no finding of the
 * rule, and change nothing when run again. Without an expected text, no fix
 * may apply.
 */
export type FixCaseOutcome = 'fixed' | 'no-fix' | 'mismatch' | 'not-clean' | 'not-idempotent';

export interface FixCaseResult {
  outcome: FixCaseOutcome;
  detail: string[];
}

export async function runFixCase(rule: Rule, casePath: string, ctx: PredicateContext): Promise<FixCaseResult> {
  const { fixTree } = require('../pipeline/fix-tree') as typeof import('../pipeline/fix-tree');
  const expected = await expectedFixes(casePath);
  const work = await copyCase(casePath);
  try {
    const options = { paths: [work.target], base: work.base, ignore: [], ruleDirs: [], now: ctx.now, rules: [rule] };
    const run = await fixTree(options, { unsafe: true });
    const actual = Object.fromEntries(run.changes.map((c) => [c.file, c.after]));
    const files = [...new Set([...Object.keys(actual), ...Object.keys(expected)])].sort();
    const wrong = files.filter((f) => actual[f] !== expected[f]);
    if (wrong.length > 0) return { outcome: 'mismatch', detail: wrong.map((f) => `${f}: ${actual[f] === undefined ? 'not changed by the fix' : expected[f] === undefined ? 'changed by the fix, no expected text' : 'the fixed text differs from the expected one'}`) };
    if (run.changes.length === 0) return { outcome: 'no-fix', detail: [] };
    const left = run.analysis.result.findings.filter((f) => f.ruleId === rule.id);
    if (left.length > 0) return { outcome: 'not-clean', detail: left.map((f) => `${f.location.file}:${f.location.range.start.line}: ${f.message}`) };
    for (const c of run.changes) await fs.writeFile(c.absolutePath, c.after);
    const again = await fixTree(options, { unsafe: true });
    if (again.changes.length > 0) return { outcome: 'not-idempotent', detail: again.changes.map((c) => `${c.file} changed again`) };
    return { outcome: 'fixed', detail: [] };
  } finally {
    await fs.rm(work.root, { recursive: true, force: true });
  }
}

/** The expected texts of a case's fixed files, by path relative to the case's base (as the fix reports them). */
async function expectedFixes(casePath: string): Promise<Record<string, string>> {
  const name = path.basename(casePath);
  const folder = `${casePath}.fixed`;
  if ((await fs.stat(casePath)).isDirectory()) {
    const exists = await fs.stat(folder).then((s) => s.isDirectory(), () => false);
    if (!exists) return {};
    const out: Record<string, string> = {};
    for (const file of await caseFiles(folder)) out[path.relative(folder, file).split(path.sep).join('/')] = await fs.readFile(file, 'utf8');
    return out;
  }
  const ext = path.extname(name);
  const file = path.join(path.dirname(casePath), `${name.slice(0, name.length - ext.length)}.fixed${ext}`);
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  return text === undefined ? {} : { [name]: text };
}

/** A case copied to a temporary directory, so that the second fix runs on the written result. */
async function copyCase(casePath: string): Promise<{ root: string; base: string; target: string }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'declint-fix-case-'));
  const target = path.join(root, path.basename(casePath));
  await fs.cp(casePath, target, { recursive: true });
  return (await fs.stat(casePath)).isDirectory() ? { root, base: target, target } : { root, base: root, target };
}
