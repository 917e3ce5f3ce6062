import { spawnSync } from 'child_process';

/**
 * The files of a directory in a git work tree as git itself sees them: what
 * its index tracks and what is untracked but not ignored, by every rule git
 * has (`.gitignore` at every level including those above the directory,
 * `.git/info/exclude`, `core.excludesFile`). Paths are relative to the
 * directory, `/`-separated.
 */
export type GitListing =
  | {
      kind: 'listed';
      /** In the index, whether or not still on disk; submodules left out (another repository, pinned). */
      tracked: string[];
      untracked: string[];
      /** Untracked directories that are repositories of their own: git does not look inside them. */
      repositories: string[];
    }
  /** The directory itself is ignored: a directory named on the command line is walked instead. */
  | { kind: 'ignored' }
  | { kind: 'unavailable'; why: string };

/** A gitlink: the index entry of a submodule. */
const SUBMODULE_MODE = '160000';

/**
 * Lists `dir` with git; `isTop` when it is the top of its work tree (which
 * cannot be ignored, so that is not asked).
 */
export function listWithGit(dir: string, isTop: boolean): GitListing {
  const staged = runGit(dir, ['ls-files', '-z', '--stage']);
  if (!staged.ok) return { kind: 'unavailable', why: staged.error };
  const others = runGit(dir, ['ls-files', '-z', '--others', '--exclude-standard']);
  if (!others.ok) return { kind: 'unavailable', why: others.error };
  const tracked = trackedFiles(staged.stdout);
  const untracked: string[] = [];
  const repositories: string[] = [];
  for (const entry of others.stdout.split('\0')) {
    if (entry.endsWith('/')) repositories.push(entry.slice(0, -1));
    else if (entry) untracked.push(entry);
  }
  // An ignored directory has no untracked file git would list; only then is it worth asking.
  if (!isTop && untracked.length === 0 && repositories.length === 0 && runGit(dir, ['check-ignore', '-q', '--', '.']).ok) return { kind: 'ignored' };
  return { kind: 'listed', tracked, untracked, repositories };
}

/** Paths of `ls-files -z --stage` records (`<mode> <object> <stage>\t<path>`), once each (a conflict has up to three stages), without submodules. */
export function trackedFiles(output: string): string[] {
  const paths = new Set<string>();
  for (const record of output.split('\0')) {
    const tab = record.indexOf('\t');
    if (tab < 0 || record.startsWith(`${SUBMODULE_MODE} `)) continue;
    paths.add(record.slice(tab + 1));
  }
  return [...paths];
}

type GitResult = { ok: true; stdout: string } | { ok: false; error: string };

/**
 * Stand-in for `runGit` of src/git/run-git.ts (branch robust, not yet on
 * main), with the same signature: to be replaced by it when merged. The
 * scanned repository is not trusted: an fsmonitor hook would be started by
 * `ls-files --others`, so it is switched off, with every variable that could
 * point git at another repository or index.
 */
function runGit(dir: string, args: string[]): GitResult {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_CONFIG_PARAMETERS', 'GIT_CONFIG_COUNT']) delete env[name];
  const run = spawnSync('git', ['--no-pager', '-c', 'core.fsmonitor=', '-c', 'core.untrackedCache=false', ...args], {
    cwd: dir,
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (run.error) return { ok: false, error: run.error.message };
  if (run.status !== 0) return { ok: false, error: run.stderr.trim().split('\n')[0] || `git ${args[0]} exited with ${run.status ?? run.signal}` };
  return { ok: true, stdout: run.stdout };
}
