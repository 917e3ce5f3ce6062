import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { discoverFiles } from '../src/discover/walk';
import { makeTree, runCli } from './support/cli';

const BAD_SSH = '{ services.openssh.settings.PermitRootLogin = "yes"; }\n';

/** Git as a user runs it in their repository (identity given, no machine-wide configuration read). */
function git(dir: string, ...args: string[]): string {
  const run = spawnSync('git', ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.org', '-c', 'init.defaultBranch=main', '-c', 'protocol.file.allow=always', ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
  });
  if (run.status !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

function repository(files: Record<string, string>): string {
  const dir = makeTree(files);
  git(dir, 'init', '-q');
  return dir;
}

function commitAll(dir: string): void {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'fleet');
}

/** The report paths discovery finds when `scanned` is checked from `base`, and what it could not read. */
async function discovered(scanned: string, base = scanned, ignore: string[] = []): Promise<{ files: string[]; unreadable: string[] }> {
  const unreadable: string[] = [];
  const files = await discoverFiles([scanned], { base, ignore, onUnreadable: (file, reason) => unreadable.push(`${file}: ${reason}`) });
  return { files: files.map((f) => f.path), unreadable };
}

/** Runs `body` with no git on PATH: what a machine without git finds. */
async function withoutGit<T>(body: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    return await body();
  } finally {
    process.env.PATH = saved;
  }
}

const hasGit = spawnSync('git', ['--version']).status === 0;
const withGit = hasGit ? describe : describe.skip;
if (!hasGit) console.warn('git is not installed: the discovery tests through git are skipped');

// The user's global git configuration, as git finds it: a home of the tests' own, so that a developer's excludes do not leak in.
const savedHome = { HOME: process.env.HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME };
let home: string;
beforeAll(() => {
  home = makeTree({ '.config/git/ignore': 'globally-ignored.nix\n' });
  process.env.HOME = home;
  process.env.XDG_CONFIG_HOME = path.join(home, '.config');
});
afterAll(() => {
  for (const [name, value] of Object.entries(savedHome)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** Nested ignore files with what makes git's rules hard: anchored and directory patterns, `**`, a child's negation of a parent's pattern. */
const NESTED_IGNORES: Record<string, string> = {
  '.gitignore': '*.local.nix\n/build/\nsecrets/\ndocs/**/draft.nix\n!important.local.nix\n',
  'a.nix': BAD_SSH,
  'x.local.nix': BAD_SSH,
  'important.local.nix': BAD_SSH,
  'build/b.nix': BAD_SSH,
  'sub/build/c.nix': BAD_SSH,
  'sub/.gitignore': '!y.local.nix\ngen-*.nix\n',
  'sub/y.local.nix': BAD_SSH,
  'sub/z.local.nix': BAD_SSH,
  'sub/gen-1.nix': BAD_SSH,
  'secrets/s.nix': BAD_SSH,
  'deep/t.yaml': 'machine: {}\n',
  'deep/er/.gitignore': '*.yaml\n',
  'deep/er/t.yaml': 'machine: {}\n',
  'docs/a/b/draft.nix': BAD_SSH,
  'docs/a/b/final.nix': BAD_SSH,
  'node_modules/pkg/n.nix': BAD_SSH,
  'globally-ignored.nix': BAD_SSH,
};
/** What git lists of it (the global excludes only through git: the walk does not read git's configuration). */
const NESTED_KEPT = ['a.nix', 'deep/t.yaml', 'docs/a/b/final.nix', 'important.local.nix', 'sub/build/c.nix', 'sub/y.local.nix'];

describe('discovery without git', () => {
  test('one walk applies nested .gitignore files as git does: anchored and directory patterns, a child re-including what its parent ignores', async () => {
    const { files, unreadable } = await discovered(makeTree(NESTED_IGNORES));
    expect(files).toEqual([...NESTED_KEPT, 'globally-ignored.nix'].sort());
    expect(unreadable).toEqual([]);
  });

  test('a subdirectory of a repository is walked with the .gitignore files above it and .git/info/exclude', async () => {
    const dir = makeTree({
      '.gitignore': '*.local.nix\n',
      '.git/info/exclude': 'scratch/\n',
      'hosts/.gitignore': '!keep.local.nix\n',
      'hosts/web/a.nix': BAD_SSH,
      'hosts/web/b.local.nix': BAD_SSH,
      'hosts/web/keep.local.nix': BAD_SSH,
      'hosts/web/scratch/c.nix': BAD_SSH,
    });
    // A `.git` git cannot read is no repository to it: the walk decides, as where git is missing.
    fs.writeFileSync(path.join(dir, '.git/HEAD'), 'not a ref\n');
    const scanned = path.join(dir, 'hosts/web');
    expect((await discovered(scanned, dir)).files).toEqual(['hosts/web/a.nix', 'hosts/web/keep.local.nix']);
    expect((await withoutGit(() => discovered(scanned, dir))).files).toEqual(['hosts/web/a.nix', 'hosts/web/keep.local.nix']);
  });

  test('a directory named by a symlink is scanned under its name, with the ignore files of where it really is', async () => {
    const dir = makeTree({ '.git/info/exclude': '', '.gitignore': 'gen.nix\n', 'fleet/a.nix': BAD_SSH, 'fleet/gen.nix': BAD_SSH });
    const elsewhere = makeTree({});
    fs.symlinkSync(path.join(dir, 'fleet'), path.join(elsewhere, 'linked'));
    expect((await withoutGit(() => discovered('linked', elsewhere))).files).toEqual(['linked/a.nix']);
  });
});

withGit('discovery in a git work tree: what git lists', () => {
  test('the same nested .gitignore files give the same files as the walk, and the global excludes file is honoured', async () => {
    const dir = repository(NESTED_IGNORES);
    expect((await discovered(dir)).files).toEqual(NESTED_KEPT);
    // Committed (`git add -A` takes node_modules, which no .gitignore names), it is part of the repository and checked.
    commitAll(dir);
    expect((await discovered(dir)).files).toEqual([...NESTED_KEPT, 'node_modules/pkg/n.nix'].sort());
  });

  test('a file excluded through .git/info/exclude or core.excludesFile is not checked', async () => {
    const dir = repository({ 'a.nix': BAD_SSH, 'scratch/try.nix': BAD_SSH, 'mine.nix': BAD_SSH });
    fs.writeFileSync(path.join(dir, '.git/info/exclude'), 'scratch/\n');
    const excludes = path.join(makeTree({ 'excludes': 'mine.nix\n' }), 'excludes');
    git(dir, 'config', 'core.excludesFile', excludes);
    const run = await runCli(['check', '.', '--format', 'json'], dir);
    expect(JSON.parse(run.stdout).findings.map((f: { file: string }) => f.file)).toEqual(['a.nix']);
  });

  test("scanning a subdirectory honours the parent's .gitignore", async () => {
    const dir = repository({ '.gitignore': 'generated/\n*.local.nix\n', 'hosts/web/a.nix': BAD_SSH, 'hosts/web/b.local.nix': BAD_SSH, 'hosts/web/generated/c.nix': BAD_SSH });
    expect((await discovered(path.join(dir, 'hosts/web'), dir)).files).toEqual(['hosts/web/a.nix']);
    expect((await discovered('web', path.join(dir, 'hosts'))).files).toEqual(['web/a.nix']);
  });

  test('a tracked file is checked even where .gitignore matches it (it is part of the repository, as git ls-files shows); an untracked one is not', async () => {
    const dir = repository({ '.gitignore': '*.local.nix\nresult/\n', 'a.nix': BAD_SSH, 'tracked.local.nix': BAD_SSH, 'untracked.local.nix': BAD_SSH, 'result/x.nix': BAD_SSH, 'node_modules/y.nix': BAD_SSH });
    git(dir, 'add', '-f', 'tracked.local.nix', 'result/x.nix');
    commitAll(dir);
    // A committed file under a name declint never descends into untracked (result, node_modules) is checked too.
    git(dir, 'add', '-f', 'node_modules/y.nix');
    fs.writeFileSync(path.join(dir, 'node_modules/z.nix'), BAD_SSH);
    expect((await discovered(dir)).files).toEqual(['a.nix', 'node_modules/y.nix', 'result/x.nix', 'tracked.local.nix']);
  });

  test('a file deleted from disk but still in the index is neither reported nor an error', async () => {
    const dir = repository({ 'a.nix': BAD_SSH, 'gone.nix': BAD_SSH, 'dir/gone.nix': BAD_SSH });
    commitAll(dir);
    fs.rmSync(path.join(dir, 'gone.nix'));
    fs.rmSync(path.join(dir, 'dir'), { recursive: true });
    expect(await discovered(dir)).toEqual({ files: ['a.nix'], unreadable: [] });
    const run = await runCli(['check', '.', '--format', 'json'], dir);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout).findings.map((f: { file: string; ruleId: string }) => `${f.file} ${f.ruleId}`)).toEqual(['a.nix NIX-SSH-001']);
  });

  test('a submodule is another repository and is not descended into; a repository nested untracked is, with its own ignore files', async () => {
    const library = repository({ 'lib.nix': BAD_SSH });
    commitAll(library);
    const dir = repository({ 'a.nix': BAD_SSH });
    git(dir, 'submodule', 'add', '-q', library, 'vendor/lib');
    commitAll(dir);
    expect(fs.existsSync(path.join(dir, 'vendor/lib/lib.nix'))).toBe(true);
    const nested = path.join(dir, 'nested');
    fs.mkdirSync(nested);
    git(nested, 'init', '-q');
    fs.writeFileSync(path.join(nested, '.gitignore'), 'skip.nix\n');
    fs.writeFileSync(path.join(nested, 'n.nix'), BAD_SSH);
    fs.writeFileSync(path.join(nested, 'skip.nix'), BAD_SSH);
    expect((await discovered(dir)).files).toEqual(['a.nix', 'nested/n.nix']);
    // The submodule, scanned itself, is listed by its own git.
    expect((await discovered(path.join(dir, 'vendor/lib'), dir)).files).toEqual(['vendor/lib/lib.nix']);
  });

  test('a directory named on the command line is checked even when ignored, with the ignore files inside it', async () => {
    const dir = repository({ '.gitignore': 'build/\n', 'a.nix': BAD_SSH, 'build/out.nix': BAD_SSH, 'build/.gitignore': 'tmp.nix\n', 'build/tmp.nix': BAD_SSH });
    commitAll(dir);
    expect((await discovered(dir)).files).toEqual(['a.nix']);
    expect((await discovered('build', dir)).files).toEqual(['build/out.nix']);
  });

  test('--ignore applies on top of what git lists; symlinks are kept only inside the scanned directory', async () => {
    const outside = makeTree({ 'secret.nix': BAD_SSH });
    const dir = repository({ 'a.nix': BAD_SSH, 'vendor/v.nix': BAD_SSH });
    fs.symlinkSync(path.join(dir, 'a.nix'), path.join(dir, 'inner-link.nix'));
    fs.symlinkSync(path.join(outside, 'secret.nix'), path.join(dir, 'outer-link.nix'));
    commitAll(dir);
    expect((await discovered(dir, dir, ['vendor/'])).files).toEqual(['a.nix', 'inner-link.nix']);
  });

  test('a directory named by a symlink: git lists the real directory, reports use the name given', async () => {
    const dir = repository({ '.gitignore': 'gen.nix\n', 'fleet/a.nix': BAD_SSH, 'fleet/gen.nix': BAD_SSH });
    const elsewhere = makeTree({});
    fs.symlinkSync(path.join(dir, 'fleet'), path.join(elsewhere, 'linked'));
    expect((await discovered('linked', elsewhere)).files).toEqual(['linked/a.nix']);
  });

  test('where git is missing or refuses the repository, the walk lists the same files and nothing is said', async () => {
    const dir = repository({ '.gitignore': 'gen.nix\n', 'a.nix': BAD_SSH, 'gen.nix': BAD_SSH, 'sub/b.nix': BAD_SSH });
    fs.writeFileSync(path.join(dir, '.git/info/exclude'), 'sub/\n');
    expect((await discovered(dir)).files).toEqual(['a.nix']);
    expect(await withoutGit(() => discovered(dir))).toEqual({ files: ['a.nix'], unreadable: [] });
    // An object format this git does not know: it refuses the repository, as an old git refuses a new one.
    git(dir, 'config', 'core.repositoryformatversion', '1');
    git(dir, 'config', 'extensions.objectformat', 'sha999');
    expect(spawnSync('git', ['ls-files'], { cwd: dir }).status).not.toBe(0);
    const run = await runCli(['check', '.', '--format', 'json'], dir);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout).findings.map((f: { file: string }) => f.file)).toEqual(['a.nix']);
  });
});

