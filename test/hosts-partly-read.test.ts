import * as path from 'path';
import { ROOT, runCli } from './support/cli';

/**
 * A host with a module-list element declint cannot read and an imported file
 * that does not exist (a git-ignored hardware-configuration.nix) keeps every
 * module it can read: explicit values are still judged, and what its modules
 * do not set is not evaluated rather than failed.
 */
const FIXTURE = path.join(ROOT, 'fixtures/hosts/partly-read');

describe('a partly read host', () => {
  test('hosts lists it as partly read, with each unread part at its line', async () => {
    const run = await runCli(['hosts', '--json', '.'], FIXTURE);
    expect(run.code).toBe(0);
    const hosts = JSON.parse(run.stdout).hosts as { name: string; status: string; unread: string[]; modules: number }[];
    const web = hosts.find((h) => h.name === 'web')!;
    expect(web).toMatchObject({ status: 'partial', modules: 2 });
    expect(web.unread).toEqual([
      'flake.nix:6: a module declint cannot read (builtins.getEnv: the environment is not read)',
      'configuration.nix:5: hardware-configuration.nix does not exist',
    ]);
    expect(hosts.find((h) => h.name === 'whole')).toMatchObject({ status: 'evaluated', modules: 1, unread: [] });
  });

  test('its explicit values are judged; its missing settings are not reported', async () => {
    const run = await runCli(['check', '--format', 'json', '.'], FIXTURE);
    expect(run.code).toBe(1);
    const findings = JSON.parse(run.stdout).findings as { ruleId: string; file: string; range: { start: { line: number } }; hosts?: string[] }[];
    const root = findings.find((f) => f.ruleId === 'NIX-SSH-001')!;
    expect([root.file, root.range.start.line, root.hosts]).toEqual(['ssh.nix', 3, ['web', 'whole']]);
    // The host read whole fails on the unset audit daemon; the partly read one does not.
    expect(findings.filter((f) => f.ruleId === 'NIX-LOG-001').map((f) => f.hosts)).toEqual([['whole']]);
  });

  test('the evidence report says a missing setting is not evaluated, and why', async () => {
    const run = await runCli(['report', '--format', 'json', '.'], FIXTURE);
    expect(run.code).toBe(0);
    const results = (JSON.parse(run.stdout).frameworks as { controls: { results: { rule: string; subject: string; status: string; reason: string }[] }[] }[])
      .flatMap((f) => f.controls)
      .flatMap((c) => c.results)
      .filter((r) => r.rule === 'NIX-LOG-001');
    expect(new Set(results.filter((r) => r.subject === 'web').map((r) => r.status))).toEqual(new Set(['not-evaluated']));
    expect(results.find((r) => r.subject === 'web')!.reason).toContain('hardware-configuration.nix does not exist');
    expect(new Set(results.filter((r) => r.subject === 'whole').map((r) => r.status))).toEqual(new Set(['fail']));
  });
});
