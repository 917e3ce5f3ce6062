import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { makeTree, ROOT } from './support/cli';
import { releaseTree } from './support/release';
import { APP, FLAKE, sshModule } from './support/small-fleet';

/**
 * The hook of .pre-commit-hooks.yaml, run by the real pre-commit (Debian's
 * package): `pre-commit try-repo` installs declint from the release tree (what
 * a release tag points at, built from a clean copy of this checkout) the way a
 * user's `.pre-commit-config.yaml` would (npm install, npm pack, npm install
 * -g with the system Node) and runs it on the staged files of a fixture repository.
 */
const preCommit = ['/usr/bin/pre-commit', 'pre-commit'].find((bin) => spawnSync(bin, ['--version']).status === 0);
const isRepo = spawnSync('git', ['rev-parse', '--git-dir'], { cwd: ROOT }).status === 0;
const suite = preCommit && isRepo ? describe : describe.skip;
if (!preCommit) console.warn('pre-commit is not installed (apt-get install pre-commit): the pre-commit hook test is skipped');
else if (!isRepo) console.warn('this checkout is not a git repository: the release tree cannot be built from a clean copy of it; pre-commit test skipped');

// Committed long ago and not staged: the hook does not report on it.
const LEGACY = ['{', '  services.openssh.settings.PermitRootLogin = "yes";', '}', ''].join('\n');

function git(dir: string, ...args: string[]) {
  const run = spawnSync('git', ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.org', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } });
  if (run.status !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`);
}

suite('the pre-commit hook', () => {
  let hookRepo: string;
  beforeAll(() => {
    hookRepo = releaseTree().tree;
  }, 1_200_000);

  test('installs only the packed package, reports on the staged files only, with the findings of the host they belong to, and passes once fixed', () => {
    // As in a user's repository: the hook repository at a revision (a release tag points at such a tree).
    const rev = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: hookRepo, encoding: 'utf8' }).stdout.trim();
    const config = `repos:\n  - repo: ${hookRepo}\n    rev: ${rev}\n    hooks:\n      - id: declint\n`;
    const repo = makeTree({ '.pre-commit-config.yaml': config, 'flake.nix': FLAKE, 'app.nix': APP, 'ssh.nix': sshModule('lib.mkDefault "no"'), 'legacy/old.nix': LEGACY });
    const home = makeTree({});
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'Initial fleet');
    const runHook = () => spawnSync(preCommit!, ['run'], { cwd: repo, encoding: 'utf8', env: { ...process.env, PRE_COMMIT_HOME: home, CI: 'true' }, timeout: 900000 });

    fs.writeFileSync(path.join(repo, 'ssh.nix'), sshModule('"yes"'));
    git(repo, 'add', 'ssh.nix');
    const started = Date.now();
    const failed = runHook();
    console.log(`pre-commit first run (hook environment installed, then run): ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // The hook's environment holds declint and its runtime dependencies, none of the dev tools.
    const installed = fs.readdirSync(home).flatMap((d) => {
      const lib = path.join(home, d, 'node_env-system', 'lib', 'node_modules', 'declint-dist', 'node_modules');
      return fs.existsSync(lib) ? fs.readdirSync(lib) : [];
    });
    expect(installed).toContain('declint');
    expect(installed.filter((name) => ['typescript', 'jest', '@microsoft', 'ts-jest', 'prebuildify', 'tree-sitter-nix'].includes(name))).toEqual([]);
    expect(failed.stderr).not.toMatch(/An unexpected error/);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toMatch(/declint\.+Failed/);
    // flake.nix is not staged: declint read it anyway to evaluate the host the staged module belongs to.
    expect(failed.stdout).toContain('ssh.nix\n  4:3  error    SSH lets root log in directly (services.openssh.settings.PermitRootLogin = "yes") [host app].  NIX-SSH-001');
    expect(failed.stdout).not.toContain('old.nix');

    fs.writeFileSync(path.join(repo, 'ssh.nix'), sshModule('"no"'));
    git(repo, 'add', 'ssh.nix');
    const passed = runHook();
    expect(passed.status).toBe(0);
    expect(passed.stdout).toMatch(/declint\.+Passed/);
    // The hook keeps its result cache in .declintcache/, which git ignores by itself: the repository is as the user left it.
    expect(fs.existsSync(path.join(repo, '.declintcache', 'results'))).toBe(true);
    expect(spawnSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: repo, encoding: 'utf8' }).stdout).toBe('M  ssh.nix\n');
  }, 1200000);
});
