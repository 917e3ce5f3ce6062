import { spawnCli } from './support/cli';

/**
 * The first thing a new user runs: `npx declint check fixtures/demo-fleet`.
 * The fleet holds deliberate misconfigurations (see its README); the run must
 * show each of them at its line, and nothing else. Judged as of the day its
 * lock was current (`--now`): later, its nixpkgs pin ages and its release
 * reaches its end of life, as any lock does.
 */
const NOW = ['--now', '2026-11-23'];
describe('the bundled example fleet', () => {
  test('prints the deliberate findings and exits 1', () => {
    const run = spawnCli(['check', 'fixtures/demo-fleet', '--format', 'json', ...NOW]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    const found = report.findings.map(
      (f: { file: string; ruleId: string; severity: string; range: { start: { line: number } } }) =>
        `${f.file.replace('fixtures/demo-fleet/', '')}:${f.range.start.line} ${f.ruleId} ${f.severity}`,
    );
    expect(found).toEqual([
      'flake.lock:9 FLK-012 warning', // fleet-tools: a git input without rev, accepted only by its narHash
      'flake.nix:28 NIX-LOG-001 warning', // web-01: auditd never enabled
      'flake.nix:28 NIX-SEC-002 note',
      'flake.nix:28 NIX-SEC-004 note',
      'flake.nix:28 NIX-SSH-010 note',
      'flake.nix:34 NIX-SEC-002 note',
      'flake.nix:34 NIX-SEC-004 note',
      'flake.nix:34 NIX-SSH-010 note',
      'flake.nix:40 NIX-LOG-001 warning', // bastion: auditd never enabled
      'flake.nix:40 NIX-SEC-002 note',
      'flake.nix:40 NIX-SEC-004 note',
      'flake.nix:40 NIX-SSH-010 note',
      'hosts/bastion/configuration.nix:21 NIX-SSH-001 error', // mkForce "yes" beats the shared mkDefault
      'hosts/bastion/configuration.nix:27 NIX-SUDO-001 error',
      'hosts/db-01/configuration.nix:49 NIX-FW-001 error',
      'hosts/web-01/configuration.nix:41 NIX-NIX-001 error',
      'modules/hardening/audit.nix:7 NIX-LOG-002 note', // db-01: audit rules not locked
      'modules/ssh.nix:10 NIX-SSH-001 warning', // the shared mkDefault wins only on web-01
      'talos/controlplane.yaml:23 TAL-001 note',
      'talos/patches/gpu-worker.yaml:7 TAL-001 error',
    ]);
    const shared = report.findings.find((f: { file: string }) => f.file.endsWith('modules/ssh.nix'));
    expect(shared.hosts).toEqual(['web-01']);
    expect(report.summary.filesScanned).toBe(22);
  });

  test('the stylish output groups findings under their files and ends with the summary, then the coverage', () => {
    const run = spawnCli(['check', 'fixtures/demo-fleet', ...NOW]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('fixtures/demo-fleet/hosts/bastion/configuration.nix\n  21:3  error  ');
    const lines = run.stdout.trim().split('\n');
    const coverage = lines.findIndex((l) => l.startsWith('Coverage: '));
    expect(lines[coverage - 1]).toMatch(/^20 findings \(5 errors, 4 warnings, 11 notes\)\. 22 files checked in \d+\.\d\ds\.$/);
    // The two patches apply to no node of the fleet: checked on their own, and said so.
    expect(lines.slice(coverage)).toEqual([
      'Coverage: 3 NixOS hosts and 2 Talos nodes checked; 2 sources produced no host or node (2 checked on their own).',
      '  no node       fixtures/demo-fleet/talos/patches/cp-etcd.yaml  a strategic-merge patch that no node in the scan applies; checked on its own, for what it sets',
      '  no node       fixtures/demo-fleet/talos/patches/gpu-worker.yaml  a strategic-merge patch that no node in the scan applies; checked on its own, for what it sets',
    ]);
  });
});
