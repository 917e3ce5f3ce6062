import * as fs from 'fs';
import * as path from 'path';
import { makeTree, runCli, spawnCli } from './support/cli';

const BAD_SSH = '{ services.openssh.settings.PermitRootLogin = "yes"; }\n';
const WARN_SSH = '{ services.openssh.settings.PermitRootLogin = "prohibit-password"; }\n';
const GOOD = '{ services.openssh.settings.PermitRootLogin = "no"; }\n';

describe('declint check: exit codes and options', () => {
  test('exit 0 and a clean summary when nothing is found', async () => {
    const dir = makeTree({ 'ok.nix': GOOD });
    const run = await runCli(['check', '.'], dir);
    expect(run.code).toBe(0);
    // A module of no host: the coverage line says that no host was found, so that a clean result is not read as a clean fleet.
    expect(run.stdout).toMatch(/^No findings\. 1 file checked in \d+\.\d\ds\.\nCoverage: no NixOS host or Talos node found\.\n$/);
  });

  test('exit 1 on an error, with the finding at its line and column, grouped under its file', async () => {
    const dir = makeTree({ 'hosts/a.nix': BAD_SSH });
    const run = await runCli(['check'], dir);
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('hosts/a.nix');
    expect(lines[1]).toMatch(/^ {2}1:3 {2}error {4}SSH lets root log in directly \(services\.openssh\.settings\.PermitRootLogin = "yes"\)\. {2}NIX-SSH-001 {2}\[ISO 27001 A\.8\.2,A\.8\.5,A\.5\.15 · /);
    expect(run.stdout).toMatch(/1 finding \(1 error, 0 warnings, 0 notes\)\. 1 file checked in/);
  });

  test('--fail-on decides which severities fail the run', async () => {
    const dir = makeTree({ 'w.nix': WARN_SSH });
    expect((await runCli(['check', '.'], dir)).code).toBe(0);
    expect((await runCli(['check', '.', '--fail-on', 'warning'], dir)).code).toBe(1);
    expect((await runCli(['check', '.', '--fail-on', 'note'], dir)).code).toBe(1);
    const bad = makeTree({ 'e.nix': BAD_SSH });
    expect((await runCli(['check', '.', '--fail-on', 'never'], bad)).code).toBe(0);
  });

  test('usage errors exit 2 with one line', async () => {
    const dir = makeTree({ 'ok.nix': GOOD });
    for (const args of [
      ['check', '--frobnicate'],
      ['check', 'does-not-exist'],
      ['check', '--format', 'xml'],
      ['check', '--fail-on', 'sometimes'],
      ['lint'],
    ]) {
      const run = await runCli(args, dir);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^declint: /);
    }
    expect((await runCli(['check', 'nope'], dir)).stderr).toBe('declint: nope: no such file or directory\n');
  });

  test('--format json and -o write the report to a file', async () => {
    const dir = makeTree({ 'a.nix': BAD_SSH, 'b.nix': GOOD });
    const run = await runCli(['check', '.', '--format', 'json', '-o', 'out.json'], dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'out.json'), 'utf8'));
    expect(report.summary).toEqual({ filesScanned: 2, findings: 1, bySeverity: { error: 1, warning: 0, note: 0 }, suppressed: 0 });
    expect(report.findings[0]).toMatchObject({
      ruleId: 'NIX-SSH-001',
      severity: 'error',
      file: 'a.nix',
      range: { start: { line: 1, column: 3 }, end: { line: 1, column: 52 } },
      controls: { nis2: ['21(2)(i)', '21(2)(j)'] },
    });
  });

  test('colours only on a terminal, never with NO_COLOR', async () => {
    const dir = makeTree({ 'a.nix': BAD_SSH });
    expect((await runCli(['check', '.'], dir, true)).stdout).toContain('\u001b[31m');
    expect((await runCli(['check', '.'], dir, false)).stdout).not.toContain('\u001b[');
    // A child process writing to a pipe is not a terminal: plain text.
    const child = spawnCli(['check', '.'], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(child.code).toBe(1);
    expect(child.stdout).not.toContain('\u001b[');
  });

  test('the installed binary runs on one file, as a pre-commit hook calls it', () => {
    const dir = makeTree({ 'one.nix': BAD_SSH });
    const run = spawnCli(['check', 'one.nix'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('one.nix\n  1:3  error');
    expect(spawnCli(['--version']).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('files that do not parse', () => {
  test('a broken .nix, YAML and flake.lock each give a located parse-error; other files are still checked', async () => {
    const dir = makeTree({
      'broken.nix': '{\n  services.openssh.enable = true;\n  networking = {\n}\n',
      'talos/broken.yaml': 'version: v1alpha1\nmachine:\n  install:\n    image: [unclosed\n  type: worker\n',
      'lock/flake.lock': '{\n  "nodes": {\n    "root": {}\n  },\n  "root": "root",\n  "version": 7,\n}\n',
      'good/ssh.nix': BAD_SSH,
      'talos/cp.yaml': 'version: v1alpha1\nmachine:\n  type: controlplane\n  install:\n    image: ghcr.io/siderolabs/installer:latest\ncluster: {}\n',
    });
    const run = await runCli(['check', '.', '--format', 'json'], dir);
    expect(run.code).toBe(1);
    const findings = JSON.parse(run.stdout).findings.map(
      (f: { file: string; ruleId: string; range: { start: { line: number; column: number } } }) =>
        `${f.file}:${f.range.start.line}:${f.range.start.column} ${f.ruleId}`,
    );
    expect(findings).toEqual([
      'broken.nix:4:2 parse-error',
      'good/ssh.nix:1:3 NIX-SSH-001',
      'lock/flake.lock:7:1 parse-error',
      'talos/broken.yaml:5:3 parse-error',
      'talos/cp.yaml:1:1 TAL-008', // nor the kubelet's default seccomp profile
      'talos/cp.yaml:1:1 TAL-022', // a complete machine config without log shipping
      'talos/cp.yaml:5:5 TAL-001',
    ]);
  });

  test('expressions nested tens of thousands deep (generated code) are read without exhausting the stack', async () => {
    const chain = ' a'.repeat(30000);
    const dir = makeTree({
      'deep/broken.nix': `{ x = f${chain}; y = ]; }\n`,
      'deep/valid.nix': `{ x = f${chain}; services.openssh.settings.PermitRootLogin = "yes"; }\n`,
    });
    const run = await runCli(['check', '.', '--format', 'json'], dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const findings = JSON.parse(run.stdout).findings.map((f: { file: string; ruleId: string; range: { start: { line: number; column: number } } }) => `${f.file}:${f.range.start.column} ${f.ruleId}`);
    // The chain is deeper than the evaluator nests: a note says so where the value starts, and the rest of the file is judged.
    expect(findings).toEqual([`deep/broken.nix:${chain.length + 10} parse-error`, 'deep/valid.nix:7 declint-limit', `deep/valid.nix:${chain.length + 10} NIX-SSH-001`]);
  });

  test('YAML that is not Talos is ignored, even when broken', async () => {
    const dir = makeTree({ '.github/workflows/ci.yml': 'on: [push\njobs: {}\n', 'k8s.yaml': 'apiVersion: apps/v1\nkind: Deployment\n' });
    const run = await runCli(['check', '.'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^No findings\. 0 files checked/);
  });
});

describe('discovery', () => {
  test('honours .gitignore and --ignore', async () => {
    const dir = makeTree({
      '.gitignore': 'generated/\n',
      'generated/a.nix': BAD_SSH,
      'sub/.gitignore': 'local.nix\n',
      'sub/local.nix': BAD_SSH,
      'vendor/b.nix': BAD_SSH,
      'kept.nix': BAD_SSH,
    });
    const run = await runCli(['check', '.', '--format', 'json', '--ignore', 'vendor/'], dir);
    expect(JSON.parse(run.stdout).findings.map((f: { file: string }) => f.file)).toEqual(['kept.nix']);
  });

  test('never follows a symlink out of the scanned root', async () => {
    const outside = makeTree({ 'secret.nix': BAD_SSH, 'dir/x.nix': BAD_SSH });
    const dir = makeTree({ 'in.nix': GOOD });
    fs.symlinkSync(path.join(outside, 'secret.nix'), path.join(dir, 'link.nix'));
    fs.symlinkSync(path.join(outside, 'dir'), path.join(dir, 'linked-dir'));
    fs.symlinkSync(path.join(dir, 'in.nix'), path.join(dir, 'inner-link.nix'));
    const run = await runCli(['check', '.', '--format', 'json'], dir);
    const report = JSON.parse(run.stdout);
    expect(report.findings).toEqual([]);
    expect(report.summary.filesScanned).toBe(2); // in.nix and the link to it inside the root
  });

  test('YAML is classified by content (a Talos file has machine or cluster); a flake.lock Nix cannot read is an error at the file, never skipped', async () => {
    const dir = makeTree({
      'flake.lock': '{ "something": "else" }',
      'talos.yaml': 'machine:\n  install:\n    image: ghcr.io/siderolabs/installer\n',
      'other.yaml': 'install:\n  image: ghcr.io/siderolabs/installer\n',
    });
    const run = await runCli(['check', '.', '--format', 'json'], dir);
    const report = JSON.parse(run.stdout);
    expect(report.summary.filesScanned).toBe(2);
    expect(report.findings.map((f: { file: string; ruleId: string; message: string }) => `${f.file} ${f.ruleId}`)).toEqual(['flake.lock parse-error', 'talos.yaml TAL-001']);
    expect(report.findings[0].message).toContain('not a lock file Nix can read: it has no "nodes"');
  });
});


describe('worker threads', () => {
  test('a large tree checked in workers gives the same findings, in the same order, as one thread', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) {
      files[`modules/m${String(i).padStart(3, '0')}.nix`] = i % 37 === 0 ? BAD_SSH : i % 41 === 0 ? '{ a = ; }\n' : GOOD;
    }
    const dir = makeTree(files);
    const one = spawnCli(['check', '.', '--format', 'json', '--jobs', '1'], { cwd: dir });
    const two = spawnCli(['check', '.', '--format', 'json', '--jobs', '2'], { cwd: dir });
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    const strip = (out: string) => {
      const report = JSON.parse(out);
      return { summary: report.summary, findings: report.findings };
    };
    expect(strip(two.stdout)).toEqual(strip(one.stdout));
    expect(strip(one.stdout).summary).toEqual({ filesScanned: 300, findings: 16, bySeverity: { error: 16, warning: 0, note: 0 }, suppressed: 0 });
  });

  test('--jobs must be a whole number', async () => {
    const run = await runCli(['check', '.', '--jobs', 'many'], makeTree({ 'a.nix': GOOD }));
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('declint: --jobs must be a whole number from 1 to 64 (got "many")\n');
  });
});
