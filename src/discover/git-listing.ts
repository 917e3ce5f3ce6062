import { runGit } from '../git/run-git';

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
      /** Directories git could not open (it warns and goes on), with why: nothing under them is listed. */
      unreadable: { path: string; reason: string }[];
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
  const listing = { ...parseTaggedListing(listed.stdout), unreadable: unopenedDirectories(listed.stderr) };
  // An ignored directory lists nothing untracked; asked only when nothing at all is listed (a tracked file in it is listed, and checked).
  if (!isTop && listing.tracked.length + listing.untracked.length + listing.repositories.length === 0 && runGit(dir, ['check-ignore', '-q', '--', '.']).ok) return { kind: 'ignored' };
  return listing;
}

/** The entries of `ls-files -z -t`, each once (an unmerged path is listed once per stage). */
export function parseTaggedListing(output: string): Omit<GitListing & { kind: 'listed' }, 'unreadable'> {
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

/** The directories `ls-files` warned it could not open (`warning: could not open directory 'a/b/': Permission denied`). */
export function unopenedDirectories(stderr: string): { path: string; reason: string }[] {
  const out: { path: string; reason: string }[] = [];
  for (const line of stderr.split('\n')) {
    const match = /^warning: could not open directory '(.+)\/': (.+)$/.exec(line);
    if (match) out.push({ path: match[1], reason: match[2].charAt(0).toLowerCase() + match[2].slice(1) });
  }
  return out;
}
