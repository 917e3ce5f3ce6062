import { parseNow, referenceDate } from '../src/cli/reference-date';
import { UsageError } from '../src/source/errors';
import { makeTree, runCli, spawnCli } from './support/cli';

/**
 * The reference date: `--now DATE` (or `SOURCE_DATE_EPOCH`) is "today" for
 * every date-based judgement of a run — lock ages, channel status, exception
 * expiry, the report's dates — so one lock judged as of two days can get two
 * verdicts, and a CI run or an audit can be reproduced as of its date.
 */

// nixpkgs on nixos-26.05, locked on 2026-11-20. NixOS 26.05 ends on 2026-12-31 (rules/data/nixpkgs-channels.yaml).
const LOCK = `${JSON.stringify(
  {
    nodes: {
      nixpkgs: {
        locked: {
          lastModified: Date.parse('2026-11-20T00:00:00Z') / 1000,
          narHash: 'sha256-7Vt0l0Yb2S4jH1m3dRkq0v4n0xJm3lZkQ2bq8mR5s1E=',
          owner: 'NixOS',
          repo: 'nixpkgs',
          rev: 'c0ffee5eed1234567890abcdef1234567890abcd',
          type: 'github',
        },
        original: { owner: 'NixOS', ref: 'nixos-26.05', repo: 'nixpkgs', type: 'github' },
      },
      root: { inputs: { nixpkgs: 'nixpkgs' } },
    },
    root: 'root',
    version: 7,
  },
  null,
  2,
)}\n`;

interface JsonFinding {
  ruleId: string;
  severity: string;
  message: string;
  suppressed?: { kind: string };
}

async function judge(dir: string, ...args: string[]) {
  const run = await runCli(['check', '.', '--format', 'json', ...args], dir);
  const report = run.stdout ? (JSON.parse(run.stdout) as { referenceDate?: string; findings: JsonFinding[] }) : { findings: [] };
  const verdicts = report.findings.filter((f) => !f.suppressed).map((f) => `${f.ruleId} ${f.severity}`);
  return { run, report, verdicts };
}

describe('--now: the same lock judged as of different days', () => {
  test('a fresh pin on a stable release, then a deprecated one, then a stale pin past its end of life', async () => {
    const dir = makeTree({ 'flake.lock': LOCK });
    const before = await judge(dir, '--now', '2026-11-25');
    expect(before.verdicts).toEqual([]);
    expect(before.run.code).toBe(0);
    expect(before.report.referenceDate).toBe('2026-11-25T00:00:00.000Z');

    const lastMonth = await judge(dir, '--now', '2026-12-10');
    expect(lastMonth.verdicts).toEqual(['FLK-013 warning']);
    expect(lastMonth.report.findings[0].message).toBe(
      'The root input `nixpkgs` follows nixos-26.05: NixOS 26.05 is deprecated and reaches its end of life on 2026-12-31, 21 days after 2026-12-10; move to its successor.',
    );
    expect(lastMonth.run.code).toBe(0);

    const after = await judge(dir, '--now', '2027-01-05T09:30:00+01:00');
    expect(after.verdicts.sort()).toEqual(['FLK-006 warning', 'FLK-013 error']);
    expect(after.report.findings.find((f) => f.ruleId === 'FLK-006')!.message).toBe(
      'The root input `nixpkgs` pins a nixpkgs revision from 2026-11-20, 46 days before 2027-01-05 (the stale age is 30 days): security fixes since then are missing.',
    );
    expect(after.run.code).toBe(1);
  });

  test('an exception expires as of the reference date, not the clock', async () => {
    const config = [
      'exceptions:',
      '  FLK-013:',
      '    rationale: upgrade to 26.11 is scheduled with the January maintenance window',
      '    expires: 2026-12-15',
      '',
    ].join('\n');
    const dir = makeTree({ 'flake.lock': LOCK, '.declint.yaml': config });
    const within = await judge(dir, '--now', '2026-12-10');
    expect(within.verdicts).toEqual([]);
    expect(within.report.findings.map((f) => `${f.ruleId} ${f.suppressed?.kind}`)).toEqual(['FLK-013 exception']);
    const expired = await judge(dir, '--now', '2026-12-16');
    expect(expired.verdicts.sort()).toEqual(['FLK-013 warning', 'declint-exception-expired warning']);
  });

  test('the report is judged and dated as of the reference date', async () => {
    const dir = makeTree({ 'flake.lock': LOCK });
    const status = async (day: string) => {
      const run = await runCli(['report', '.', '--format', 'json', '--now', day], dir);
      const report = JSON.parse(run.stdout) as { generatedAt: string };
      const found: string[] = [];
      const walk = (o: unknown): void => {
        if (Array.isArray(o)) o.forEach(walk);
        else if (o && typeof o === 'object') {
          const r = o as Record<string, unknown>;
          if (r.rule === 'FLK-013' && typeof r.status === 'string') found.push(r.status);
          Object.values(r).forEach(walk);
        }
      };
      walk(report);
      return { generatedAt: report.generatedAt, flk013: [...new Set(found)] };
    };
    expect(await status('2026-11-25')).toEqual({ generatedAt: '2026-11-25T00:00:00Z', flk013: ['pass'] });
    expect(await status('2027-01-05')).toEqual({ generatedAt: '2027-01-05T00:00:00Z', flk013: ['fail'] });
  });

  test('a day that does not exist, or a time without its zone, is a usage error (exit 2)', async () => {
    const dir = makeTree({ 'flake.lock': LOCK });
    for (const wrong of ['2026-02-30', '2026-12-04T10:00:00', 'tomorrow']) {
      const run = await runCli(['check', '.', '--now', wrong], dir);
      expect({ wrong, code: run.code, stderr: run.stderr }).toEqual({
        wrong,
        code: 2,
        stderr: `declint: --now must be a day (2026-12-04), a time with its zone (2026-12-04T10:00:00Z) or @SECONDS (got "${wrong}")\n`,
      });
    }
  });
});

describe('SOURCE_DATE_EPOCH', () => {
  test('sets the reference date when --now is not given; --now wins', () => {
    const dir = makeTree({ 'flake.lock': LOCK });
    const epoch = String(Date.parse('2027-01-05T00:00:00Z') / 1000);
    const fromEnv = spawnCli(['check', '.', '--format', 'json'], { cwd: dir, env: { SOURCE_DATE_EPOCH: epoch } });
    expect(JSON.parse(fromEnv.stdout).referenceDate).toBe('2027-01-05T00:00:00.000Z');
    expect(fromEnv.code).toBe(1);
    const flag = spawnCli(['check', '.', '--format', 'json', '--now', '2026-11-25'], { cwd: dir, env: { SOURCE_DATE_EPOCH: epoch } });
    expect(JSON.parse(flag.stdout)).toMatchObject({ referenceDate: '2026-11-25T00:00:00.000Z', findings: [] });
    expect(flag.code).toBe(0);
  });

  test("Nix's 1980 (nix develop, builds) before the lock was written is reported, not silently judged", () => {
    const dir = makeTree({ 'flake.lock': LOCK });
    const run = spawnCli(['check', '.', '--format', 'json'], { cwd: dir, env: { SOURCE_DATE_EPOCH: '315532800' } });
    const findings = JSON.parse(run.stdout).findings as (JsonFinding & { range: { start: { line: number } } })[];
    expect(findings.map((f) => [f.ruleId, f.severity, f.range.start.line])).toEqual([['declint-reference-date', 'error', 3]]);
    expect(findings[0].message).toMatch(/^This lock was written after the reference date 1980-01-01 \(its newest revision, nixpkgs, is from 2026-11-20\)/);
    expect(run.code).toBe(1);
  });

  test('a malformed value is a usage error (exit 2), an empty one is unset', () => {
    const dir = makeTree({ 'flake.lock': LOCK });
    const run = spawnCli(['check', '.'], { cwd: dir, env: { SOURCE_DATE_EPOCH: '2026-12-04' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('declint: SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 UTC (got "2026-12-04")\n');
    expect(referenceDate(undefined, { SOURCE_DATE_EPOCH: '' }, () => new Date('2026-12-04T12:00:00Z'))).toEqual({ date: new Date('2026-12-04T12:00:00Z'), source: 'clock' });
  });
});

describe('parseNow', () => {
  test('a day is its start in UTC; times keep their zone; @SECONDS is an epoch', () => {
    expect(parseNow('2026-12-04').toISOString()).toBe('2026-12-04T00:00:00.000Z');
    expect(parseNow('2026-12-04T10:00:00+02:00').toISOString()).toBe('2026-12-04T08:00:00.000Z');
    expect(parseNow('2026-12-04T10:00Z').toISOString()).toBe('2026-12-04T10:00:00.000Z');
    expect(parseNow('@1796342400').toISOString()).toBe('2026-12-04T00:00:00.000Z');
    expect(() => parseNow('2026-13-01')).toThrow(UsageError);
    expect(() => parseNow('04.12.2026')).toThrow(UsageError);
  });
});
