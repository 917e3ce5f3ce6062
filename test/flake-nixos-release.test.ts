import * as fs from 'fs';
import * as path from 'path';
import { lockValues, readFlakeLock } from '../src/flake/lock';
import { nixosReleaseFromLock } from '../src/flake/nixos-release';
import { makeTree, runCli, TEST_NOW } from './support/cli';

function lockText(original: Record<string, unknown>, lastModified: number): string {
  return JSON.stringify({
    nodes: {
      nixpkgs: {
        locked: { lastModified, narHash: 'sha256-Q2hbT1x9Rk3wL7nV0pZs5yJ8cM4dF6gAeUoIiKtXrY0=', owner: 'NixOS', repo: 'nixpkgs', rev: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', type: 'github' },
        original: { owner: 'NixOS', repo: 'nixpkgs', type: 'github', ...original },
      },
      root: { inputs: { nixpkgs: 'nixpkgs' } },
    },
    root: 'root',
    version: 7,
  });
}

const release = (original: Record<string, unknown>, iso = '2026-03-10T00:00:00Z') => {
  const read = readFlakeLock(lockText(original, Date.parse(iso) / 1000));
  return read.kind === 'flake-lock' ? nixosReleaseFromLock(read.lock)?.release : 'not a lock';
};

describe('the NixOS release from flake.lock', () => {
  test('a release branch is that release; unstable is the release under development at its date', () => {
    expect(release({ ref: 'nixos-25.05' })).toBe('25.05');
    expect(release({ ref: 'release-25.11' })).toBe('25.11');
    expect(release({ ref: 'nixos-unstable' }, '2026-03-10T00:00:00Z')).toBe('26.05');
    expect(release({ ref: 'nixos-unstable' }, '2026-07-01T00:00:00Z')).toBe('26.11');
    expect(release({ ref: 'nixpkgs-unstable' }, '2026-12-01T00:00:00Z')).toBe('27.05');
    expect(release({}, '2026-07-01T00:00:00Z')).toBe('26.11');
    expect(release({ ref: 'my-feature-branch' })).toBeUndefined();
  });

  test('read from the values of the lock alone (as host evaluation reads it), the release is the one read from the positioned lock', () => {
    const fixtureDir = path.resolve(__dirname, '../fixtures');
    const fixtures = fs.readdirSync(fixtureDir, { recursive: true, encoding: 'utf8' }).filter((f) => path.basename(f) === 'flake.lock');
    expect(fixtures.length).toBeGreaterThan(20);
    const followed = JSON.stringify({
      nodes: {
        root: { inputs: { nixpkgs: ['stable', 'nixpkgs'], stable: 'stable' } },
        stable: { inputs: { nixpkgs: 'nixpkgs_2' }, locked: { type: 'github', owner: 'x', repo: 'y', rev: 'r', lastModified: 1 }, original: { type: 'github', owner: 'x', repo: 'y' } },
        nixpkgs_2: { locked: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', rev: 'r', lastModified: 1 }, original: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', ref: 'nixos-24.11' } },
      },
      root: 'root',
      version: 7,
    });
    const texts = [...fixtures.map((f) => fs.readFileSync(path.join(fixtureDir, f), 'utf8')), followed, lockText({ ref: 'nixos-unstable' }, 1790000000)];
    let released = 0;
    for (const text of texts) {
      const read = readFlakeLock(text);
      const positioned = read.kind === 'flake-lock' ? nixosReleaseFromLock(read.lock) : undefined;
      const values = lockValues(text);
      expect(values ? nixosReleaseFromLock(values) : undefined).toEqual(positioned);
      if (positioned) released++;
    }
    expect(released).toBeGreaterThan(10);
    expect(nixosReleaseFromLock(lockValues(followed)!)?.release).toBe('24.11');
    for (const notALock of ['', 'not json', '[]', '{"nodes": []}', '{"root": "root"}']) expect(lockValues(notALock)).toBeUndefined();
  });

  test('a NixOS rule with since/until runs only on hosts whose locked nixpkgs is in range', async () => {
    const rule = [
      'id: TEST-REL-001',
      'title: Firewall refused-connection logging off by default',
      'target: nixos',
      'subject:',
      '  option: networking.firewall.logRefusedConnections',
      'default: false',
      'since: "25.11"',
      'violations:',
      '  - mode: default',
      '    test: { equals: false }',
      '    severity: warning',
      "    message: 'Refused connections are not logged by default on this release.'",
      'security-severity: 4.0',
      'controls:',
      '  iso27001: [A.8.15]',
      'rationale: From 25.11 on the module default no longer logs refused connections.',
      'remediation:',
      '  text: Set networking.firewall.logRefusedConnections = true.',
      '',
    ].join('\n');
    const flake = [
      '{',
      '  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";',
      '  outputs = { self, nixpkgs }: {',
      '    nixosConfigurations.web = nixpkgs.lib.nixosSystem {',
      '      modules = [ ./configuration.nix ];',
      '    };',
      '  };',
      '}',
      '',
    ].join('\n');
    const config = '{ networking.hostName = "web"; system.stateVersion = "25.05"; }\n';
    const run = async (ref: string) => {
      const dir = makeTree({
        'flake.nix': flake,
        'flake.lock': lockText({ ref }, Math.floor(TEST_NOW.getTime() / 1000) - 86_400),
        'configuration.nix': config,
        'rules/TEST-REL-001.yaml': rule,
      });
      const out = await runCli(['check', '.', '--rules-dir', 'rules', '--format', 'json', '--ignore', 'rules'], dir);
      return (JSON.parse(out.stdout).findings as { ruleId: string; hosts?: string[] }[]).filter((f) => f.ruleId === 'TEST-REL-001').map((f) => f.hosts);
    };
    expect(await run('nixos-25.05')).toEqual([]);
    expect(await run('nixos-25.11')).toEqual([['web']]);
  });
});
