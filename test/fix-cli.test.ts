import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeTree, ROOT, runCli } from './support/cli';
import { multitoolIssues, schemaErrors } from './support/sarif-validate';

const FLEET = path.join(ROOT, 'fixtures/demo-fleet');

function demoCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-fix-demo-'));
  fs.cpSync(FLEET, dir, { recursive: true });
  return dir;
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, f);
    if (fs.statSync(full).isFile()) out[f] = fs.readFileSync(full, 'utf8');
  }
  return out;
}

describe('check --fix-dry-run', () => {
  test('prints a unified diff that git applies, changes nothing, and exits 1 because files would change', async () => {
    const dir = demoCopy();
    const before = snapshot(dir);
    const run = await runCli(['check', '.', '--fix-dry-run'], dir);
    expect(run.code).toBe(1);
    expect(snapshot(dir)).toEqual(before);
    // The safe fixes of the demo fleet: the signature check back on, auditd added to the two hosts without it.
    expect(run.stdout).toContain('--- a/hosts/web-01/configuration.nix\n+++ b/hosts/web-01/configuration.nix\n');
    expect(run.stdout).toContain('-    require-sigs = false;\n+    require-sigs = true;\n');
    expect(run.stdout).toContain('   security.sudo.wheelNeedsPassword = false;\n+  security.auditd.enable = true;\n');
    expect(run.stdout).not.toContain('PermitRootLogin');
    expect(run.stderr).toContain('declint: would fix 3 findings in 2 files\n');
    expect(run.stderr).toMatch(/8 more fixes \(NIX-FW-001, NIX-LOG-002, NIX-SEC-002, NIX-SSH-001, NIX-SUDO-001\) can break a working system and need --unsafe-fixes/);
    fs.writeFileSync(path.join(dir, 'fix.patch'), run.stdout);
    spawnSync('git', ['init', '-q'], { cwd: dir });
    const apply = spawnSync('git', ['apply', '--check', 'fix.patch'], { cwd: dir, encoding: 'utf8' });
    expect(apply.stderr).toBe('');
    expect(apply.status).toBe(0);
  });

  test('--fix-rule limits the fixes to one rule; a tree with nothing to fix exits 0 with an empty diff', async () => {
    const dir = demoCopy();
    const one = await runCli(['check', '.', '--fix-dry-run', '--unsafe-fixes', '--fix-rule', 'NIX-SUDO-001'], dir);
    expect(one.stdout).toBe(
      [
        '--- a/hosts/bastion/configuration.nix',
        '+++ b/hosts/bastion/configuration.nix',
        '@@ -24,7 +24,7 @@',
        '   ];',
        ' ',
        '   # The deploy scripts call sudo non-interactively.',
        '-  security.sudo.wheelNeedsPassword = false;',
        '+  security.sudo.wheelNeedsPassword = true;',
        ' ',
        '   environment.systemPackages = [',
        '     inputs.fleet-tools.packages.${pkgs.stdenv.hostPlatform.system}.fleetctl',
        '',
      ].join('\n'),
    );
    const clean = makeTree({ 'configuration.nix': '{ services.openssh.settings.PermitRootLogin = "no"; }\n' });
    const none = await runCli(['check', '.', '--fix-dry-run'], clean);
    expect([none.code, none.stdout]).toEqual([0, '']);
  });

  test('usage errors: an unknown rule, a rule without a fix, --fix-rule alone, both modes (exit 2)', async () => {
    expect((await runCli(['check', FLEET, '--fix', '--fix-rule', 'NIX-NOPE-1'])).stderr).toBe('declint: --fix-rule NIX-NOPE-1: no such rule (see: declint rules)\n');
    expect((await runCli(['check', FLEET, '--fix', '--fix-rule', 'FLK-001'])).stderr).toBe('declint: --fix-rule FLK-001: the rule has no automatic fix\n');
    const alone = await runCli(['check', FLEET, '--fix-rule', 'NIX-SSH-001']);
    expect([alone.code, alone.stderr]).toEqual([2, 'declint: --fix-rule needs --fix or --fix-dry-run\n']);
    expect((await runCli(['check', FLEET, '--fix', '--fix-dry-run'])).code).toBe(2);
  });
});

describe('check --fix', () => {
  test('writes the fixes, reports what remains, and a second run changes nothing', async () => {
    const dir = demoCopy();
    const run = await runCli(['check', '.', '--fix', '--unsafe-fixes'], dir);
    expect(run.stderr).toBe('declint: fixed 11 findings in 5 files\n');
    expect(fs.readFileSync(path.join(dir, 'hosts/bastion/configuration.nix'), 'utf8')).toContain('services.openssh.settings.PermitRootLogin = lib.mkForce "no";\n');
    expect(fs.readFileSync(path.join(dir, 'modules/ssh.nix'), 'utf8')).toContain('PermitRootLogin = lib.mkDefault "no";\n');
    // What no fix removes is still reported: the unpinned Talos installer image fails the run.
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('TAL-001');
    expect(run.stdout).not.toMatch(/NIX-SSH-001|NIX-SUDO-001|NIX-FW-001|NIX-NIX-001|NIX-LOG-001/);
    const after = snapshot(dir);
    const again = await runCli(['check', '.', '--fix', '--unsafe-fixes'], dir);
    expect(again.stderr).toBe('declint: fixed 0 findings in 0 files\n');
    expect(snapshot(dir)).toEqual(after);
  });

  test('a fix that does not remove its finding is rolled back and reported; excepted findings are not fixed', async () => {
    // Lists concatenate: replacing one module's trusted users leaves the other's, so the finding stays.
    const dir = makeTree({
      'configuration.nix': '{\n  imports = [ ./builders.nix ];\n  nix.settings.trusted-users = [ "@wheel" ];\n  system.stateVersion = "25.05";\n}\n',
      'builders.nix': '{\n  nix.settings.trusted-users = [ "alice" ];\n}\n',
      '.declint.yaml': 'exceptions:\n  NIX-SEC-003:\n    rationale: AppArmor profiles break the legacy app; tracked in OPS-7.\n',
    });
    const before = snapshot(dir);
    const run = await runCli(['check', '.', '--fix-dry-run', '--unsafe-fixes', '--fix-rule', 'NIX-NIX-002,NIX-SEC-003'], dir);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^declint: would fix 0 findings in 0 files\ndeclint: rolled back the fix for NIX-NIX-002 at configuration.nix:3 \(set nix.settings.trusted-users = \[ "root" \]\): the finding remains after the fix: /);
    expect(snapshot(dir)).toEqual(before);
  });

  test('Talos: the patch that sets the value is edited, its comments and layout kept', async () => {
    const patch = '# GPU workers: debugging the driver\nmachine:\n  features:\n    rbac: true # keep\n  time:\n    disabled: true   # NTP blocked, see NET-44\n';
    const dir = makeTree({ 'patches/gpu.yaml': patch });
    const run = await runCli(['check', '.', '--fix'], dir);
    expect(run.stderr).toBe('declint: fixed 1 finding in 1 file\n');
    expect(fs.readFileSync(path.join(dir, 'patches/gpu.yaml'), 'utf8')).toBe(patch.replace('disabled: true', 'disabled: false'));
  });
});

describe('fixes in JSON and SARIF', () => {
  test('JSON findings carry their fix with ranges and safety', async () => {
    const json = JSON.parse((await runCli(['check', FLEET, '--format', 'json'])).stdout);
    const sigs = json.findings.find((f: { ruleId: string }) => f.ruleId === 'NIX-NIX-001');
    expect(sigs.fix).toEqual({
      description: 'set nix.settings.require-sigs = true',
      safe: true,
      edits: [{ file: 'fixtures/demo-fleet/hosts/web-01/configuration.nix', range: { start: { line: 41, column: 20, offset: 947 }, end: { line: 41, column: 25, offset: 952 } }, text: 'true' }],
    });
    const root = json.findings.find((f: { ruleId: string; file: string }) => f.ruleId === 'NIX-SSH-001' && f.file.endsWith('bastion/configuration.nix'));
    expect(root.fix).toMatchObject({ safe: false, unsafe: expect.stringContaining('root can no longer log in over SSH') });
    expect(json.findings.find((f: { ruleId: string }) => f.ruleId === 'TAL-001').fix).toBeUndefined();
  });

  test('SARIF results carry fixes (artifactChanges with replacements), valid for the schema and the Multitool', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'declint-fix-sarif-')), 'out.sarif');
    await runCli(['check', FLEET, '--format', 'sarif', '-o', out]);
    const log = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(schemaErrors(log)).toEqual([]);
    expect(multitoolIssues(out).filter((i) => i.level === 'error' || i.level === 'warning')).toEqual([]);
    const audit = log.runs[0].results.find((r: { ruleId: string; message: { text: string } }) => r.ruleId === 'NIX-LOG-001' && r.message.text.includes('web-01'));
    expect(audit.fixes).toEqual([
      {
        description: { text: 'add security.auditd.enable = true to fixtures/demo-fleet/hosts/web-01/configuration.nix.' },
        artifactChanges: [
          {
            artifactLocation: { uri: 'fixtures/demo-fleet/hosts/web-01/configuration.nix', uriBaseId: '%SRCROOT%' },
            replacements: [{ deletedRegion: { startLine: 30, startColumn: 5, endLine: 30, endColumn: 5 }, insertedContent: { text: '\n  security.auditd.enable = true;' } }],
          },
        ],
        properties: { safe: true },
      },
    ]);
  });
});
