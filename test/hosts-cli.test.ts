import * as path from 'path';
import { makeTree, ROOT, runCli } from './support/cli';

const DEMO = path.join(ROOT, 'fixtures/demo-fleet');

describe('declint hosts and explain-option on the demo fleet', () => {
  test('hosts lists each flake host and Talos node with how it was found, and the Talos files that produced no node', async () => {
    const run = await runCli(['hosts'], DEMO);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines.filter((l) => !l.startsWith(' ') && l)).toEqual([
      'web-01  flake.nix:28  12 modules  host  nixosConfigurations → nixosSystem',
      'db-01  flake.nix:34  12 modules  host  nixosConfigurations → nixosSystem',
      'bastion  flake.nix:40  12 modules  host  nixosConfigurations → nixosSystem',
      '3 hosts evaluated.',
      'Talos nodes:',
      'talos/controlplane.yaml  talos/controlplane.yaml:5  machine config file talos/controlplane.yaml',
      'talos/worker.yaml  talos/worker.yaml:3  machine config file talos/worker.yaml',
      'no node: talos/patches/cp-etcd.yaml: a strategic-merge patch that no node in the scan applies; checked on its own, for what it sets',
      'no node: talos/patches/gpu-worker.yaml: a strategic-merge patch that no node in the scan applies; checked on its own, for what it sets',
    ]);
    expect(run.stdout).toContain('external (not read): modules/common.nix: inputs.sops-nix.nixosModules.sops');
  });

  test('explain-option shows the winning definition and the one it overrode', async () => {
    const run = await runCli(['explain-option', 'bastion', 'services.openssh.settings.PermitRootLogin'], DEMO);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        'bastion: services.openssh.settings.PermitRootLogin = "yes"',
        '  won         hosts/bastion/configuration.nix:21:3  priority 50  = "yes"',
        '  overridden  modules/ssh.nix:10:7  priority 1000  = "prohibit-password"',
        '',
      ].join('\n'),
    );
  });

  test('--json gives the documented shape; --root evaluates one module file as a host', async () => {
    const json = JSON.parse((await runCli(['explain-option', 'web-01', 'security.auditd.enable', '--json'], DEMO)).stdout);
    // Not set: the value shown is NixOS's default, from the option table.
    expect(json).toEqual({ host: 'web-01', option: 'security.auditd.enable', status: 'absent', value: false, defaultFrom: 'nixos', definitions: [] });
    const typed = JSON.parse((await runCli(['explain-option', 'web-01', 'networking.extraHosts', '--json'], DEMO)).stdout);
    expect(typed).toEqual({ host: 'web-01', option: 'networking.extraHosts', type: 'lines', status: 'absent', value: '', defaultFrom: 'nixos', definitions: [] });
    const root = await runCli(['explain-option', 'modules/ssh.nix', 'services.openssh.enable', '--root', 'modules/ssh.nix', '--json'], DEMO);
    expect(JSON.parse(root.stdout)).toMatchObject({ host: 'modules/ssh.nix', status: 'known', value: true });
  });

  test('--root: a module of a flake passed as an argument is another flake\'s module, which sets none of the security options', async () => {
    const dir = makeTree({
      'host.nix': '{ agenix, nixos-hardware, ... }:\n{\n  imports = [\n    agenix.nixosModules.default\n    nixos-hardware.nixosModules.common-cpu-amd\n  ];\n}\n',
    });
    const run = await runCli(['explain-option', 'host.nix', 'networking.firewall.enable', '--root', 'host.nix', '--json'], dir);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'absent', value: true, defaultFrom: 'nixos' });
  });

  test('--root: a module one flake host reads is given that host\'s specialArgs; a module two hosts read is given none', async () => {
    const dir = makeTree({
      'flake.nix': [
        '{',
        '  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";',
        '  outputs = { nixpkgs, ... }: {',
        '    nixosConfigurations.box = nixpkgs.lib.nixosSystem { specialArgs = { open = false; }; modules = [ ./box.nix ./shared.nix ]; };',
        '    nixosConfigurations.lab = nixpkgs.lib.nixosSystem { specialArgs = { open = true; }; modules = [ ./shared.nix ]; };',
        '  };',
        '}',
        '',
      ].join('\n'),
      'box.nix': '{ open, ... }:\n{\n  networking.firewall.enable = !open;\n}\n',
      'shared.nix': '{ open, ... }:\n{\n  services.openssh.openFirewall = open;\n}\n',
    });
    const own = await runCli(['explain-option', 'box.nix', 'networking.firewall.enable', '--root', 'box.nix', '--json'], dir);
    expect(JSON.parse(own.stdout)).toMatchObject({ status: 'known', value: true });
    const shared = await runCli(['explain-option', 'shared.nix', 'services.openssh.openFirewall', '--root', 'shared.nix', '--json'], dir);
    expect(JSON.parse(shared.stdout)).toMatchObject({ status: 'unknown' });
  });

  test('a module function a flake imports as a value ((import ./m.nix) in self.nixosModules) reads each host\'s config', async () => {
    const dir = makeTree({
      'flake.nix': [
        '{',
        '  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";',
        '  outputs = { self, nixpkgs, ... }: {',
        '    nixosModules.default = { imports = [ (import ./baseline.nix) ]; };',
        '    nixosConfigurations.on = nixpkgs.lib.nixosSystem { modules = [ self.nixosModules.default { acme.baseline.enable = true; } ]; };',
        '    nixosConfigurations.off = nixpkgs.lib.nixosSystem { modules = [ self.nixosModules.default ]; };',
        '  };',
        '}',
        '',
      ].join('\n'),
      'baseline.nix': '{ config, lib, ... }:\nlet\n  cfg = config.acme.baseline;\nin\n{\n  options.acme.baseline.enable = lib.mkEnableOption "baseline";\n  config = lib.mkIf cfg.enable {\n    networking.firewall.enable = false;\n  };\n}\n',
    });
    const run = await runCli(['check', '.', '--format', 'json'], dir);
    const fw = JSON.parse(run.stdout).findings.filter((f: { ruleId: string }) => f.ruleId === 'NIX-FW-001');
    expect(fw.map((f: { file: string; range: { start: { line: number } }; hosts: string[] }) => [f.file, f.range.start.line, f.hosts])).toEqual([['baseline.nix', 8, ['on']]]);
  });

  test('an unknown host is a usage error naming the hosts there are', async () => {
    const run = await runCli(['explain-option', 'nope', 'networking.hostName'], DEMO);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('declint: no host named "nope" (hosts: web-01, db-01, bastion)\n');
  });

  test('--host keeps one host\'s findings', async () => {
    const run = await runCli(['check', '.', '--host', 'db-01', '--format', 'json'], DEMO);
    const report = JSON.parse(run.stdout);
    const nixos = report.findings.filter((f: { ruleId: string }) => f.ruleId.startsWith('NIX-'));
    expect(nixos.length).toBeGreaterThan(1);
    expect(nixos.every((f: { hosts: string[] }) => f.hosts.join(',') === 'db-01')).toBe(true);
    expect(nixos.map((f: { ruleId: string }) => f.ruleId)).toContain('NIX-FW-001');
    expect(nixos.map((f: { ruleId: string }) => f.ruleId)).not.toContain('NIX-SUDO-001'); // bastion's
  });
});
