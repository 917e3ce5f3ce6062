import * as fs from 'fs';
import * as path from 'path';
import { makeTree, ROOT, runCli } from './support/cli';
import { multitoolIssues, schemaErrors } from './support/sarif-validate';

const MODULE = ['{', '  services.openssh.enable = true;', '  services.openssh.settings.PermitRootLogin = "yes";', '}', ''].join('\n');

async function sarifFor(dir: string, extra: string[] = []) {
  await runCli(['check', '.', '--format', 'sarif', '-o', 'out.sarif', ...extra], dir);
  return JSON.parse(fs.readFileSync(path.join(dir, 'out.sarif'), 'utf8'));
}

describe('SARIF for GitHub code scanning', () => {
  test('a line inserted above a finding keeps both its fingerprints', async () => {
    const dir = makeTree({ 'ssh.nix': MODULE });
    const before = (await sarifFor(dir)).runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'NIX-SSH-001');
    fs.writeFileSync(path.join(dir, 'ssh.nix'), `# hardening baseline, reviewed 2026-11\n${MODULE}`);
    const after = (await sarifFor(dir)).runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'NIX-SSH-001');
    expect(after.locations[0].physicalLocation.region.startLine).toBe(before.locations[0].physicalLocation.region.startLine + 1);
    expect(before.partialFingerprints.primaryLocationLineHash).toMatch(/^[0-9a-f]+:1$/);
    expect(after.partialFingerprints).toEqual(before.partialFingerprints);
  });

  test('the fingerprint changes when the finding\'s own line changes', async () => {
    const dir = makeTree({ 'ssh.nix': MODULE });
    const before = (await sarifFor(dir)).runs[0].results[0].partialFingerprints.primaryLocationLineHash;
    fs.writeFileSync(path.join(dir, 'ssh.nix'), MODULE.replace('= "yes";', '= "yes"; # legacy'));
    expect((await sarifFor(dir)).runs[0].results[0].partialFingerprints.primaryLocationLineHash).not.toBe(before);
  });

  test('controls are taxonomies with rule relationships; category, invocations and the source root are set', async () => {
    const log = await sarifFor(makeTree({ 'ssh.nix': MODULE }), ['--category', 'fleet/nixos']);
    const run = log.runs[0];
    expect(run.automationDetails).toEqual({ id: 'fleet/nixos/' });
    expect(run.invocations[0]).toMatchObject({ executionSuccessful: true, exitCode: 1 });
    expect(run.originalUriBaseIds['%SRCROOT%'].uri).toMatch(/^file:\/\/\/.*\/$/);
    const iso = run.taxonomies.find((t: { name: string }) => t.name === 'iso27001');
    expect(iso.taxa.find((t: { id: string }) => t.id === 'A.8.5').shortDescription.text).toBe('Secure authentication.');
    const rule = run.tool.driver.rules.find((r: { id: string }) => r.id === 'NIX-SSH-001');
    expect(rule.relationships).toContainEqual({ target: { id: 'A.8.5', toolComponent: { name: 'iso27001', guid: iso.guid } }, kinds: ['relevant'] });
    expect(schemaErrors(log)).toEqual([]);
  });

  test('suppressed findings are left out by default and emitted with --sarif-suppressed emit', async () => {
    const dir = makeTree({ 'ssh.nix': MODULE.replace('= "yes";', '= "yes"; # declint-ignore NIX-SSH-001: rescue image') });
    expect((await sarifFor(dir)).runs[0].results.filter((r: { ruleId: string }) => r.ruleId === 'NIX-SSH-001')).toEqual([]);
    const emitted = await sarifFor(dir, ['--sarif-suppressed', 'emit']);
    const results = emitted.runs[0].results;
    expect(results.every((r: { suppressions?: unknown[] }) => Array.isArray(r.suppressions))).toBe(true);
    expect(results.find((r: { ruleId: string }) => r.ruleId === 'NIX-SSH-001').suppressions).toEqual([{ kind: 'inSource', status: 'accepted', justification: 'rescue image' }]);
    expect(schemaErrors(emitted)).toEqual([]);
  });

  test('the SARIF of every fixture repository passes the Multitool (Gh;Sarif) with no error and no warning', async () => {
    const out = path.join(makeTree({}), 'fixtures.sarif');
    await runCli(['check', 'fixtures', '--format', 'sarif', '-o', out, '--sarif-suppressed', 'emit'], ROOT);
    const log = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(log.runs[0].results.length).toBeGreaterThan(300);
    expect(schemaErrors(log)).toEqual([]);
    expect(multitoolIssues(out).filter((i) => i.level === 'error' || i.level === 'warning')).toEqual([]);
  });
});

describe('other outputs', () => {
  test('--format github writes workflow commands, and a step summary when GITHUB_STEP_SUMMARY is set', async () => {
    const dir = makeTree({ 'ssh.nix': MODULE });
    const summary = path.join(dir, 'summary.md');
    process.env.GITHUB_STEP_SUMMARY = summary;
    try {
      const run = await runCli(['check', '.', '--format', 'github'], dir);
      expect(run.stdout).toBe(
        '::error file=ssh.nix,line=3,col=3,endLine=3,endColumn=52,title=NIX-SSH-001::SSH lets root log in directly (services.openssh.settings.PermitRootLogin = "yes").\n',
      );
      expect(fs.readFileSync(summary, 'utf8')).toContain('| error | `NIX-SSH-001` SSH root login permitted | `ssh.nix:3` |');
    } finally {
      delete process.env.GITHUB_STEP_SUMMARY;
    }
  });

  test('--format junit: a suite per rule, a failing case per file or host', async () => {
    const run = await runCli(['check', '.', '--format', 'junit'], makeTree({ 'ssh.nix': MODULE }));
    expect(run.stdout).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="declint" tests="\d+" failures="1" errors="0">/);
    expect(run.stdout).toContain(
      '<testsuite name="NIX-SSH-001" tests="1" failures="1" errors="0">\n    <testcase classname="NIX-SSH-001" name="ssh.nix">\n      <failure type="error" message="SSH lets root log in directly (services.openssh.settings.PermitRootLogin = &quot;yes&quot;).">ssh.nix:3:3</failure>',
    );
  });

  test('several outputs in one run: each --format with its own -o', async () => {
    const dir = makeTree({ 'ssh.nix': MODULE });
    const run = await runCli(['check', '.', '--format', 'sarif', '-o', 'a.sarif', '--format', 'json', '-o', 'a.json', '--format', 'stylish'], dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('ssh.nix\n  3:3  error');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'a.sarif'), 'utf8')).version).toBe('2.1.0');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'a.json'), 'utf8')).summary.findings).toBe(1);
  });
});

describe('baseline', () => {
  const HOST = (extra = '') => `${extra}{\n  services.openssh.enable = true;\n  services.openssh.settings.PermitRootLogin = "yes";\n  nix.settings.require-sigs = false;\n}\n`;

  test('only new findings are reported; moved or reformatted code stays baselined; fixed entries are listed', async () => {
    const dir = makeTree({ 'a.nix': HOST() });
    const record = await runCli(['baseline', '.', '-o', 'base.json'], dir);
    expect(record.stdout).toBe('2 findings recorded in base.json\n');
    // Lines added above, the file reformatted: nothing new.
    fs.writeFileSync(path.join(dir, 'a.nix'), HOST('# comment\n\n').replace('  nix.settings.require-sigs = false;', '  nix = { settings = { require-sigs = false; }; };'));
    const same = await runCli(['check', '.', '--baseline', 'base.json', '--format', 'json'], dir);
    expect(same.code).toBe(0);
    expect(JSON.parse(same.stdout).summary).toMatchObject({ findings: 0, suppressed: 2 });
    // One fixed, one new.
    fs.writeFileSync(path.join(dir, 'a.nix'), HOST().replace('= "yes";', '= "no";').replace('}\n', '  networking.firewall.enable = false;\n}\n'));
    const changed = await runCli(['check', '.', '--baseline', 'base.json', '--format', 'json'], dir);
    expect(changed.code).toBe(1);
    const shown = JSON.parse(changed.stdout).findings.filter((f: { suppressed?: unknown }) => !f.suppressed);
    expect(shown.map((f: { ruleId: string }) => f.ruleId).sort()).toEqual(['NIX-FW-001', 'declint-baseline-fixed']);
    // --update-baseline shrinks it to what is there now.
    await runCli(['check', '.', '--baseline', 'base.json', '--update-baseline'], dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'base.json'), 'utf8')).findings.map((f: { ruleId: string }) => f.ruleId).sort()).toEqual(['NIX-FW-001', 'NIX-NIX-001']);
  });

  test('a missing or malformed baseline is a usage error', async () => {
    const dir = makeTree({ 'a.nix': HOST(), 'bad.json': '{"x":1}' });
    expect((await runCli(['check', '.', '--baseline', 'nope.json'], dir)).code).toBe(2);
    const bad = await runCli(['check', '.', '--baseline', 'bad.json'], dir);
    expect(bad.stderr).toBe('declint: bad.json:1:1: not a declint baseline (expected {"version": 1, "findings": [...]})\n');
  });
});

describe('the JSON report', () => {
  test('follows its published schema (schemas/report.schema.json), suppressions included', async () => {
    const Ajv = (await import('ajv')).default;
    const schema = (name: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', name), 'utf8'));
    const validate = new Ajv({ strict: true }).addSchema(schema('coverage.schema.json')).compile(schema('report.schema.json'));
    for (const target of ['fixtures/demo-fleet', 'fixtures/semantics']) {
      const report = JSON.parse((await runCli(['check', target, '--format', 'json'], ROOT)).stdout);
      expect({ target, ok: validate(report), errors: validate.errors ?? null }).toEqual({ target, ok: true, errors: null });
    }
    const dir = makeTree({ 'ssh.nix': MODULE.replace('= "yes";', '= "yes"; # declint-ignore NIX-SSH-001: rescue image') });
    const suppressed = JSON.parse((await runCli(['check', '.', '--format', 'json'], dir)).stdout);
    expect(validate(suppressed)).toBe(true);
    expect(suppressed.findings[0].suppressed.kind).toBe('inline');
  });
});

describe('pre-commit and --changed-since', () => {
  const HOSTED = {
    'flake.nix': '{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.web = nixpkgs.lib.nixosSystem { modules = [ ./configuration.nix ]; };\n  };\n}\n',
    'configuration.nix': '{\n  imports = [ ./ssh.nix ];\n  system.stateVersion = "25.05";\n}\n',
    'ssh.nix': '{ lib, ... }: {\n  services.openssh.enable = true;\n  services.openssh.settings.PermitRootLogin = lib.mkDefault "prohibit-password";\n}\n',
    'other.nix': '{ networking.firewall.enable = false; }\n',
  };

  test('given files, declint evaluates their hosts and reports only on those files', async () => {
    const dir = makeTree(HOSTED);
    const run = await runCli(['check', 'ssh.nix', '--format', 'json'], dir);
    const findings = JSON.parse(run.stdout).findings;
    expect(findings.map((f: { file: string; ruleId: string; hosts?: string[] }) => `${f.file} ${f.ruleId} ${f.hosts}`)).toEqual(['ssh.nix NIX-SSH-001 web']);
  });

  test('--changed-since REF reports on changed files and on the hosts they affect', async () => {
    const dir = makeTree(HOSTED);
    const git = (...args: string[]) => require('child_process').execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
    git('init', '-q');
    git('-c', 'user.email=t@example.invalid', '-c', 'user.name=t', 'add', '.');
    git('-c', 'user.email=t@example.invalid', '-c', 'user.name=t', 'commit', '-qm', 'start');
    fs.writeFileSync(path.join(dir, 'ssh.nix'), HOSTED['ssh.nix'].replace('"prohibit-password"', '"yes"'));
    const run = await runCli(['check', '.', '--changed-since', 'HEAD', '--format', 'json'], dir);
    const findings = JSON.parse(run.stdout).findings.map((f: { file: string; ruleId: string }) => `${f.file} ${f.ruleId}`);
    expect(findings).toContain('ssh.nix NIX-SSH-001');
    expect(findings).toContain('flake.nix NIX-LOG-001'); // the host that ssh.nix belongs to
    expect(findings).not.toContain('other.nix NIX-FW-001'); // unchanged, in no affected host
    expect((await runCli(['check', '.', '--changed-since', 'no-such-rev'], dir)).code).toBe(2);
  });
});
