import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BUILTIN_RULES_DIR } from '../src/rules/builtin';
import { loadRules } from '../src/rules/load';
import { listCases, runFixCase } from '../src/rules/rule-tests';
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
    let fixed = 0;
    for (const rule of rules) {
      for (const c of await listCases(path.join(FIXTURES, rule.id))) {
        if (c.kind !== 'bad') continue;
        const result = await runFixCase(rule, c.path, { now });
        if (result.outcome === 'fixed') fixed++;
        else if (result.outcome !== 'no-fix') failures.push(`${rule.id}/${c.name}: ${result.outcome}\n    ${result.detail.join('\n    ')}`);
      }
    }
    expect(failures).toEqual([]);
    expect(fixed).toBeGreaterThan(150);
  });

  test('a wrong expected text, a fix without one, and one that is not expected are told apart', async () => {
    const rule = rules.find((r) => r.id === 'NIX-SSH-001')!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-fix-harness-'));
    fs.writeFileSync(path.join(dir, 'bad-yes.nix'), '{ services.openssh.settings.PermitRootLogin = "yes"; }\n');
    expect((await runFixCase(rule, path.join(dir, 'bad-yes.nix'), { now })).outcome).toBe('mismatch');
    fs.writeFileSync(path.join(dir, 'bad-yes.fixed.nix'), '{ services.openssh.settings.PermitRootLogin = "prohibit-password"; }\n');
    expect(await runFixCase(rule, path.join(dir, 'bad-yes.nix'), { now })).toEqual({ outcome: 'mismatch', detail: ['bad-yes.nix: the fixed text differs from the expected one'] });
    fs.writeFileSync(path.join(dir, 'bad-yes.fixed.nix'), '{ services.openssh.settings.PermitRootLogin = "no"; }\n');
    expect(await runFixCase(rule, path.join(dir, 'bad-yes.nix'), { now })).toEqual({ outcome: 'fixed', detail: [] });
  });
});
