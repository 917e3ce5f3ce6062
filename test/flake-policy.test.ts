import { makeTree, runCli, TEST_NOW } from './support/cli';

/** `.declint.yaml` `flakes:` — the stale age of nixpkgs pins and the approved flake sources. */
const DAY = 86_400;

function lock(nixpkgsAgeDays: number): string {
  const lastModified = Math.floor(TEST_NOW.getTime() / 1000) - nixpkgsAgeDays * DAY;
  const node = (owner: string, repo: string, rev: string, ref: string) => ({
    locked: { lastModified, narHash: 'sha256-Q2hbT1x9Rk3wL7nV0pZs5yJ8cM4dF6gAeUoIiKtXrY0=', owner, repo, rev, type: 'github' },
    original: { owner, ref, repo, type: 'github' },
  });
  return `${JSON.stringify(
    {
      nodes: {
        nixpkgs: node('NixOS', 'nixpkgs', 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', 'nixos-26.05'),
        tools: node('someone', 'tools', '9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b', 'v1.2.0'),
        root: { inputs: { nixpkgs: 'nixpkgs', tools: 'tools' } },
      },
      root: 'root',
      version: 7,
    },
    null,
    2,
  )}\n`;
}

async function findings(files: Record<string, string>) {
  const run = await runCli(['check', '.', '--format', 'json'], makeTree(files));
  return { run, list: run.stdout ? (JSON.parse(run.stdout).findings as { ruleId: string; severity: string; range: { start: { line: number } } }[]) : [] };
}

describe('flake policy in .declint.yaml', () => {
  test('the stale age of nixpkgs pins defaults to 30/90 days and can be changed', async () => {
    const flk006 = (list: { ruleId: string; severity: string }[]) => list.filter((f) => f.ruleId === 'FLK-006').map((f) => f.severity);
    expect(flk006((await findings({ 'flake.lock': lock(45) })).list)).toEqual(['warning']);
    expect(flk006((await findings({ 'flake.lock': lock(100) })).list)).toEqual(['error']);
    expect(flk006((await findings({ 'flake.lock': lock(45), '.declint.yaml': 'flakes:\n  staleAfterDays: 60\n' })).list)).toEqual([]);
    expect(flk006((await findings({ 'flake.lock': lock(45), '.declint.yaml': 'flakes:\n  staleAfterDays: 7\n  errorAfterDays: 40\n' })).list)).toEqual(['error']);
  });

  test('approved sources: inputs from elsewhere are notes (FLK-011); without a list they are not judged', async () => {
    const flk011 = (list: { ruleId: string; range: { start: { line: number } } }[]) => list.filter((f) => f.ruleId === 'FLK-011').map((f) => f.range.start.line);
    expect(flk011((await findings({ 'flake.lock': lock(1) })).list)).toEqual([]);
    const text = lock(1);
    const toolsLine = text.split('\n').findIndex((l) => l.includes('"tools": {')) + 1;
    expect(flk011((await findings({ 'flake.lock': text, '.declint.yaml': 'flakes:\n  approvedSources: [NixOS]\n' })).list)).toEqual([toolsLine]);
    expect(flk011((await findings({ 'flake.lock': text, '.declint.yaml': 'flakes:\n  approvedSources: [NixOS, github:someone]\n' })).list)).toEqual([]);
  });

  test('a wrong flakes setting stops with its location and exit code 2', async () => {
    const run = await runCli(['check', '.'], makeTree({ 'flake.lock': lock(1), '.declint.yaml': 'flakes:\n  staleAfterDays: soon\n' }));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^declint: \.declint\.yaml:2:19: /);
  });
});

/** A lock written for a case: node key → [owner, repo, ref, inputs?]; all locked on 2026-11-10. */
function lockOf(nodes: Record<string, { owner: string; repo: string; ref?: string; inputs?: Record<string, string | string[]>; lockedOwner?: string }>, rootInputs: Record<string, string>): string {
  const out: Record<string, unknown> = {};
  for (const [key, n] of Object.entries(nodes)) {
    out[key] = {
      ...(n.inputs ? { inputs: n.inputs } : {}),
      locked: { lastModified: 1794268800, narHash: `sha256-${key.padEnd(43, 'A').slice(0, 43)}=`, owner: n.lockedOwner ?? n.owner, repo: n.repo, rev: `${key}`.padEnd(40, '0').slice(0, 40), type: 'github' },
      original: { owner: n.owner, ...(n.ref ? { ref: n.ref } : {}), repo: n.repo, type: 'github' },
    };
  }
  out.root = { inputs: rootInputs };
  return `${JSON.stringify({ nodes: out, root: 'root', version: 7 }, null, 2)}\n`;
}

async function judged(files: Record<string, string>, day = '2026-11-23') {
  const run = await runCli(['check', '.', '--format', 'json', '--now', day], makeTree(files));
  const list = run.stdout ? (JSON.parse(run.stdout).findings as { ruleId: string; severity: string; message: string }[]) : [];
  return { run, list, of: (rule: string) => list.filter((f) => f.ruleId === rule).map((f) => `${f.severity}: ${f.message}`) };
}

describe('which inputs are nixpkgs, and which branches they may follow', () => {
  const acme = lockOf(
    {
      nixpkgs: { owner: 'NixOS', repo: 'nixpkgs', ref: 'nixos-26.05' },
      pkgs: { owner: 'acme', repo: 'pkgs', ref: 'main' },
    },
    { nixpkgs: 'nixpkgs', pkgs: 'pkgs' },
  );

  test('a root input named in nixpkgsKeys is judged like nixpkgs whatever its repository (branch, fork)', async () => {
    expect((await judged({ 'flake.lock': acme })).of('FLK-013')).toEqual([]);
    const keyed = await judged({ 'flake.lock': acme, '.declint.yaml': 'flakes:\n  nixpkgsKeys: [nixpkgs, pkgs]\n' });
    expect(keyed.of('FLK-013')).toEqual([
      'warning: The root input `pkgs` follows main, which is not a nixpkgs channel: updates take commits before Hydra has tested them (or, on a fork, whatever its owner pushes), and no release team supports it (flakes.nixpkgsRefs.allow accepts it if it is your choice).',
    ]);
    expect(keyed.of('FLK-011')).toEqual(['warning: The root input `pkgs` takes nixpkgs from acme/pkgs, outside the NixOS organisation: a fork stands in for the core package set and its security fixes.']);
    // and its age, as of the reference date
    const aged = (await judged({ 'flake.lock': acme, '.declint.yaml': 'flakes:\n  nixpkgsKeys: [pkgs]\n' }, '2027-03-01')).of('FLK-006');
    expect(aged.filter((m) => m.includes('The root input `pkgs`'))).toEqual([
      'error: The root input `pkgs` pins a nixpkgs revision from 2026-11-10, 111 days before 2027-03-01 (the error age is 90 days): every security fix since then is missing.',
    ]);
  });

  test('a nixpkgsKeys entry that no scanned lock has is a configuration error at its line (exit 2)', async () => {
    const run = await runCli(['check', '.'], makeTree({ 'flake.lock': acme, '.declint.yaml': 'flakes:\n  nixpkgsKeys:\n    - nixpkgs\n    - nixpkgs-stabel\n' }));
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('declint: .declint.yaml:4:7: flakes.nixpkgsKeys: "nixpkgs-stabel" is not a root input of any flake.lock scanned (their inputs: nixpkgs, pkgs)\n');
    // one lock having it is enough (a sub-flake's lock need not)
    const two = await runCli(['check', '.'], makeTree({ 'flake.lock': acme, 'docs/flake.lock': lockOf({ nixpkgs: { owner: 'NixOS', repo: 'nixpkgs', ref: 'nixos-26.05' } }, { nixpkgs: 'nixpkgs' }), '.declint.yaml': 'flakes:\n  nixpkgsKeys: [pkgs]\n' }));
    expect(two.code).toBe(0);
  });

  test('nixpkgsRefs: a denied branch is an error, allow wins over deny and accepts a branch that is not a channel', async () => {
    const lock = lockOf(
      {
        nixpkgs: { owner: 'NixOS', repo: 'nixpkgs', ref: 'nixos-26.05' },
        'nixpkgs-unstable': { owner: 'NixOS', repo: 'nixpkgs', ref: 'nixpkgs-unstable' },
        'nixpkgs-staging': { owner: 'NixOS', repo: 'nixpkgs', ref: 'release-26.05' },
      },
      { nixpkgs: 'nixpkgs', 'nixpkgs-unstable': 'nixpkgs-unstable', 'nixpkgs-staging': 'nixpkgs-staging' },
    );
    expect((await judged({ 'flake.lock': lock })).of('FLK-013')).toEqual([
      'warning: The root input `nixpkgs-staging` follows release-26.05, which is not a nixpkgs channel: updates take commits before Hydra has tested them (or, on a fork, whatever its owner pushes), and no release team supports it (flakes.nixpkgsRefs.allow accepts it if it is your choice).',
    ]);
    const config = 'flakes:\n  nixpkgsRefs:\n    deny: ["*"]\n    allow: [nixos-26.05*, release-26.05]\n';
    expect((await judged({ 'flake.lock': lock, '.declint.yaml': config })).of('FLK-013')).toEqual([
      'error: The root input `nixpkgs-unstable` follows nixpkgs-unstable, which .declint.yaml denies (flakes.nixpkgsRefs.deny).',
    ]);
  });

  test('a wrong nixpkgsRefs setting stops with its location (exit 2)', async () => {
    const run = await runCli(['check', '.'], makeTree({ 'flake.lock': acme, '.declint.yaml': 'flakes:\n  nixpkgsRefs:\n    denied: [master]\n' }));
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('declint: .declint.yaml:3:5: flakes.nixpkgsRefs has an unknown key "denied"\n');
  });

  test('messages name the input path, and the owner the next update fetches', async () => {
    const lock = lockOf(
      {
        nixpkgs: { owner: 'mallory', repo: 'nixpkgs', ref: 'nixos-26.05', lockedOwner: 'NixOS' },
        hydra: { owner: 'NixOS', repo: 'hydra', inputs: { nix: 'nix', nixpkgs: ['nixpkgs'] } },
        nix: { owner: 'NixOS', repo: 'nix', ref: '2.34-maintenance', inputs: { nixpkgs: 'nixpkgs_2' } },
        nixpkgs_2: { owner: 'NixOS', repo: 'nixpkgs', ref: 'nixos-24.11' },
      },
      { hydra: 'hydra', nixpkgs: 'nixpkgs' },
    );
    const run = await judged({ 'flake.lock': lock, '.declint.yaml': 'flakes:\n  approvedSources: [NixOS]\n' });
    expect(run.of('FLK-013')).toEqual([
      'note: The input `hydra → nix → nixpkgs`, a dependency\'s own nixpkgs, follows nixos-24.11: NixOS 24.11 reached its end of life on 2025-06-30; packages the dependency builds from it get no security fixes.',
    ]);
    expect(run.of('FLK-011')).toEqual([
      'warning: The root input `nixpkgs` takes nixpkgs from mallory/nixpkgs (what the next update fetches; the lock still pins NixOS/nixpkgs), outside the NixOS organisation: a fork stands in for the core package set and its security fixes.',
    ]);
  });
});
