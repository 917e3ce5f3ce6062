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
      /** In the index, whether or not still on disk (a submodule is one entry: its directory, not looked into). */
      tracked: string[];
      untracked: string[];
      /** Untracked directories that are repositories of their own: git does not look inside them. */
      repositories: string[];
    }
  /** The directory itself is ignored: a directory named on the command line is walked instead. */
  | { kind: 'ignored' }
  | { kind: 'unavailable'; why: string };

/**
 * Lists `dir` with git, in one run: `-t` tags each entry, `? ` for untracked
 * ones and a letter for those in the index (`H`, `S` skip-worktree, `M`
 * unmerged). `isTop` when `dir` is the top of its work tree, which cannot be
 * ignored.
 */
export function listWithGit(dir: string, isTop: boolean): GitListing {
  const listed = runGit(dir, ['ls-files', '-z', '-t', '--cached', '--others', '--exclude-standard']);
  if (!listed.ok) return { kind: 'unavailable', why: listed.error };
  const listing = parseTaggedListing(listed.stdout);
  // An ignored directory lists nothing untracked; asked only when nothing at all is listed (a tracked file in it is listed, and checked).
  if (!isTop && listing.tracked.length + listing.untracked.length + listing.repositories.length === 0 && runGit(dir, ['check-ignore', '-q', '--', '.']).ok) return { kind: 'ignored' };
  return listing;
}

/** The entries of `ls-files -z -t`, each once (an unmerged path is listed once per stage). */
export function parseTaggedListing(output: string): GitListing & { kind: 'listed' } {
  const tracked = new Set<string>();
  const untracked: string[] = [];
  const repositories: string[] = [];
  for (const record of output.split('\0')) {
    if (record.length < 3 || record[1] !== ' ') continue;
    const entry = record.slice(2);
    if (record[0] !== '?') tracked.add(entry);
    else if (entry.endsWith('/')) repositories.push(entry.slice(0, -1));
    else untracked.push(entry);
  }
  return { kind: 'listed', tracked: [...tracked], untracked, repositories };
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
