import * as path from 'path';
import { BUILTIN_RULES_DIR } from '../src/rules/builtin';
import { loadRules } from '../src/rules/load';
import { listCases, runCase } from '../src/rules/rule-tests';
import type { Rule } from '../src/rules/rule';

const FIXTURES = path.resolve(__dirname, '../fixtures/rules');
const ctx = { now: new Date('2026-11-23T00:00:00Z') };

/**
 * One table-driven test for every built-in rule: it must have bad and good
 * cases, every bad case must report exactly what its annotations say
 * (nothing missing), and every good case must stay silent (nothing noisy).
 */
describe('built-in rules against their annotated fixtures', () => {
  let rules: Rule[] = [];
  beforeAll(async () => {
    rules = await loadRules([BUILTIN_RULES_DIR]);
  });

  test('there are rules to test', () => {
    expect(rules.length).toBeGreaterThanOrEqual(4);
  });

  test('every rule has at least one bad and one good case', async () => {
    for (const rule of rules) {
      const cases = await listCases(path.join(FIXTURES, rule.id));
      expect({ rule: rule.id, bad: cases.some((c) => c.kind === 'bad') }).toEqual({ rule: rule.id, bad: true });
      expect({ rule: rule.id, good: cases.some((c) => c.kind === 'good') }).toEqual({ rule: rule.id, good: true });
    }
  });

  test('no missing and no noisy result', async () => {
    const failures: string[] = [];
    let cases = 0;
    for (const rule of rules) {
      for (const c of await listCases(path.join(FIXTURES, rule.id))) {
        cases++;
        const result = await runCase(rule, c.path, c.name, ctx);
        const wanted = c.kind === 'bad' ? 'reported' : 'validated';
        if (result.outcome !== wanted) {
          const detail = [
            ...result.missing.map((m) => `missing ${m.rule}${m.severity ? ` ${m.severity}` : ''} at ${m.file}:${m.line}`),
            ...result.unexpected.map((f) => `noisy ${f.ruleId} ${f.severity} at ${f.location.file}:${f.location.range.start.line}: ${f.message}`),
          ];
          if (c.kind === 'bad' && result.expected.length === 0) detail.push('a bad case without any `expect:` annotation');
          failures.push(`${rule.id}/${c.name}: ${result.outcome} (wanted ${wanted})\n    ${detail.join('\n    ')}`);
        }
      }
    }
    expect(cases).toBeGreaterThan(rules.length * 2 - 1);
    expect(failures).toEqual([]);
  });
});
