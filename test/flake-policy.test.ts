import { makeTree, runCli } from './support/cli';

/** `.declint.yaml` `flakes:` — the stale age of nixpkgs pins and the approved flake sources. */
const DAY = 86_400;

function lock(nixpkgsAgeDays: number): string {
  const lastModified = Math.floor(Date.now() / 1000) - nixpkgsAgeDays * DAY;
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
