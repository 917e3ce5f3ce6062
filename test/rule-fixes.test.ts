import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BUILTIN_RULES_DIR } from '../src/rules/builtin';
import { loadRules } from '../src/rules/load';
import { listCases } from '../src/rules/rule-tests';
import { fixTree } from '../src/pipeline/fix-tree';
import type { Rule } from '../src/rules/rule';

const FIXTURES = path.resolve(__dirname, '../fixtures/rules');
const now = new Date('2026-11-23T00:00:00Z');

/**
 * Every built-in rule with a `fix`, on each of its bad cases (the Semgrep
 * convention): where `<case>.fixed.<ext>` (or, for a folder case, the folder
 * `<case>.fixed/` with the files that change) exists, `check --fix` must
 * produce exactly that text, the rule must find nothing in it, and fixing
 * again must change nothing; where it does not exist, no fix may apply
 * (a value computed by an expression, a setting a patch deletes…).
 */
describe('rule fixes against their .fixed fixtures', () => {
  let rules: Rule[] = [];
  beforeAll(async () => {
    rules = (await loadRules([BUILTIN_RULES_DIR])).filter((r) => r.fix);
  });

  test('the rules with a fix include NixOS and Talos rules', () => {
    expect(rules.filter((r) => r.target === 'nixos').length).toBeGreaterThanOrEqual(46);
    expect(rules.filter((r) => r.target === 'talos').length).toBeGreaterThanOrEqual(7);
  });

  test('every rule with a fix has at least one .fixed fixture', async () => {
    const without = [];
    for (const rule of rules) {
      const entries = fs.readdirSync(path.join(FIXTURES, rule.id));
      if (!entries.some((e) => /\.fixed(\.|$)/.test(e))) without.push(rule.id);
    }
    expect(without).toEqual([]);
  });

  test('each bad case is fixed exactly as its .fixed fixture says, re-checks clean, and a second fix changes nothing', async () => {
    const failures: string[] = [];
    let fixedCases = 0;
    for (const rule of rules) {
      for (const c of await listCases(path.join(FIXTURES, rule.id))) {
        if (c.kind !== 'bad') continue;
        const expected = expectedFiles(rule.id, c.name);
        const work = copyCase(c.path);
        const options = { paths: [work.target], base: work.base, ignore: [], ruleDirs: [], now, rules: [rule] };
        const run = await fixTree(options, { unsafe: true });
        const changed = Object.fromEntries(run.changes.map((ch) => [ch.file, ch.after]));
        const where = `${rule.id}/${c.name}`;
        if (JSON.stringify(changed) !== JSON.stringify(expected)) {
          failures.push(`${where}: the fix changed ${JSON.stringify(Object.keys(changed))}, the fixture expects ${JSON.stringify(Object.keys(expected))}${diffText(changed, expected)}`);
          continue;
        }
        if (run.changes.length === 0) continue;
        fixedCases++;
        const left = run.analysis.result.findings.filter((f) => f.ruleId === rule.id);
        if (left.length > 0) failures.push(`${where}: the fixed text still reports ${left.map((f) => `${f.location.file}:${f.location.range.start.line}`).join(', ')}`);
        for (const ch of run.changes) fs.writeFileSync(ch.absolutePath, ch.after);
        const again = await fixTree(options, { unsafe: true });
        if (again.changes.length > 0) failures.push(`${where}: a second fix changed ${again.changes.map((ch) => ch.file).join(', ')}`);
      }
    }
    expect(failures).toEqual([]);
    expect(fixedCases).toBeGreaterThan(150);
  });
});

/** The expected texts of a case's fixed files, by path relative to the case's base (as `check --fix` reports them). */
function expectedFiles(ruleId: string, name: string): Record<string, string> {
  const dir = path.join(FIXTURES, ruleId);
  const folder = path.join(dir, `${name}.fixed`);
  if (fs.existsSync(folder)) {
    const out: Record<string, string> = {};
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const full = path.join(d, e.name);
        if (e.isDirectory()) walk(full);
        else out[path.relative(folder, full).split(path.sep).join('/')] = fs.readFileSync(full, 'utf8');
      }
    };
    walk(folder);
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  }
  const ext = path.extname(name);
  const file = path.join(dir, `${name.slice(0, -ext.length)}.fixed${ext}`);
  return fs.existsSync(file) ? { [name]: fs.readFileSync(file, 'utf8') } : {};
}

/** A case copied to a temporary directory, so that the second fix runs on the written result. */
function copyCase(casePath: string): { base: string; target: string } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-fix-'));
  const target = path.join(tmp, path.basename(casePath));
  fs.cpSync(casePath, target, { recursive: true });
  return fs.statSync(casePath).isDirectory() ? { base: target, target } : { base: tmp, target };
}

function diffText(actual: Record<string, string>, expected: Record<string, string>): string {
  return Object.keys({ ...actual, ...expected })
    .filter((f) => actual[f] !== expected[f])
    .map((f) => `\n  ${f}:\n  --- got\n${actual[f] ?? '(unchanged)'}\n  --- expected\n${expected[f] ?? '(unchanged)'}`)
    .join('');
}
