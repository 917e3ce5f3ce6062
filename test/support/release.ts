import { execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from './cli';

/**
 * The release tree (scripts/release-tree.js) built from a clean copy of this
 * checkout the way the release workflow builds it: the files git tracks (and
 * new ones it does not ignore) copied to an empty directory made a git
 * repository, `npm ci`, `npm run prebuilds`, `npm run release`. Built once
 * for all the test files that need it (a directory per content hash, guarded
 * by a lock), since it compiles the native bindings.
 */
export interface Release {
  /** The clean copy. */
  copy: string;
  /** The release tree, committed in its own git repository (pre-commit installs hooks from one). */
  tree: string;
  tarball: string;
  /** `git status --porcelain` of the copy after `npm ci`: empty when the lockfile is complete. */
  statusAfterCi: string;
  npmCiSeconds: number;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Release', '-c', 'user.email=release@example.org', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } });

function sourceFiles(): string[] {
  return git(ROOT, 'ls-files', '-z', '--cached', '--others', '--exclude-standard')
    .split('\0')
    .filter((f) => f && fs.existsSync(path.join(ROOT, f)));
}

export function releaseTree(): Release {
  const files = sourceFiles();
  const hash = createHash('sha256');
  // The tests do not change what is released: editing one does not rebuild the release.
  for (const f of files.filter((name) => !name.startsWith('test/'))) hash.update(f).update('\0').update(fs.readFileSync(path.join(ROOT, f)));
  const dir = path.join(os.tmpdir(), `declint-release-${hash.digest('hex').slice(0, 16)}`);
  const record = path.join(dir, 'release.json');
  const lock = `${dir}.lock`;
  for (;;) {
    if (fs.existsSync(record)) return JSON.parse(fs.readFileSync(record, 'utf8')) as Release;
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // Another test file is building it: wait (a lock older than 20 minutes is a dead build's).
      if (Date.now() - fs.statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 20 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
      else execFileSync('sleep', ['2']);
    }
  }
  try {
    fs.rmSync(dir, { recursive: true, force: true });
    const copy = path.join(dir, 'copy');
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, f), path.join(copy, f));
    }
    git(copy, 'init', '-q');
    git(copy, 'add', '-A');
    git(copy, 'commit', '-q', '-m', 'clean copy');
    const npm = (...args: string[]) => {
      const run = spawnSync('npm', args, { cwd: copy, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
      if (run.status !== 0) throw new Error(`npm ${args.join(' ')} failed in the clean copy:\n${run.stdout}\n${run.stderr}`);
      return run.stdout;
    };
    const started = Date.now();
    npm('ci', '--no-audit', '--no-fund');
    const npmCiSeconds = (Date.now() - started) / 1000;
    const statusAfterCi = git(copy, 'status', '--porcelain');
    npm('run', 'prebuilds');
    const tree = path.join(dir, 'tree');
    const tarball = npm('run', '--silent', 'release', '--', tree).trim().split('\n').pop()!;
    git(tree, 'init', '-q');
    git(tree, 'add', '-A');
    git(tree, 'commit', '-q', '-m', 'release');
    const release: Release = { copy, tree, tarball, statusAfterCi, npmCiSeconds };
    fs.writeFileSync(record, JSON.stringify(release));
    return release;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** A directory of links to every command on PATH except C and C++ compilers and make: installs that need them fail. */
export function pathWithoutCompiler(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-nocc-'));
  const hidden = /^(cc|c\+\+|cpp|gcc|g\+\+|clang|clang\+\+|make|gmake)([-.\d]*)$|-(gcc|g\+\+|cc|c\+\+)([-.\d]*)$/;
  for (const bin of (process.env.PATH ?? '').split(':')) {
    let names: string[];
    try {
      names = fs.readdirSync(bin);
    } catch {
      continue;
    }
    for (const name of names) {
      const link = path.join(dir, name);
      if (!hidden.test(name) && !fs.existsSync(link)) fs.symlinkSync(path.join(bin, name), link);
    }
  }
  return dir;
}
