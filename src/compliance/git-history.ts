import * as path from 'path';
import { runGit } from '../git/run-git';

/**
 * Change evidence from git: who last changed each evidence line (`git
 * blame`), and the commits whose message names a control. Git only reads
 * the repository; without git or outside a repository the report says so.
 */
export interface Commit {
  hash: string;
  author: string;
  /** Author date, `YYYY-MM-DD`. */
  date: string;
  subject: string;
}

/** A commit of the audit period's change log: what it changed of the scanned paths. */
export interface ChangedCommit extends Commit {
  message: string;
  /** The files it changed under the scanned paths, relative to the directory the report runs in. */
  files: string[];
}

export interface GitHistory {
  /** The last commit that touched a line of a file (report path, 1-based line); undefined for uncommitted lines. */
  lastChange(file: string, line: number): Commit | undefined;
  /** Commits that touched the scanned paths, newest first, with their full messages. */
  commits(): (Commit & { message: string })[];
  /** Commits that touched the scanned paths with an author date in [since, until] (`YYYY-MM-DD`, both included), newest first. */
  changeLog(since: string, until: string): ChangedCommit[];
  /** The web address of the `origin` remote (or the first remote), as a browser opens it; undefined without one. */
  webUrl(): string | undefined;
  head: Commit;
  /** Where the directory the report runs in lies in the repository (`''` at its top, else `dir/`), for permalinks. */
  prefix: string;
}

/**
 * The one place the report runs git (read-only commands in the scanned
 * tree, hardened by runGit): its standard output, or undefined when git
 * fails or is missing.
 */
export function git(cwd: string, args: string[]): string | undefined {
  const run = runGit(cwd, args);
  return run.ok ? run.stdout : undefined;
}

/**
 * The history of the repository that holds the scanned tree (`repoDir`, a
 * scanned directory), or why there is none. Files are report paths,
 * relative to `base`.
 */
export function openGitHistory(repoDir: string, base: string, paths: string[]): GitHistory | { unavailable: string } {
  const absolute = (p: string) => path.resolve(base, p);
  const top = git(repoDir, ['rev-parse', '--show-toplevel']);
  if (top === undefined) return { unavailable: 'the scanned tree is not in a git repository (or git is not installed), so the report has no change evidence' };
  const headLine = git(repoDir, ['log', '-1', '--no-textconv', '--no-ext-diff', `--format=${FORMAT}`]);
  if (!headLine?.trim()) return { unavailable: 'the git repository has no commits yet, so the report has no change evidence' };
  const head = parseCommit(headLine.trim());
  const blamed = new Map<string, Map<number, Commit>>();
  let commitList: (Commit & { message: string })[] | undefined;
  return {
    head,
    prefix: (git(base, ['rev-parse', '--show-prefix']) ?? '').trim(),
    lastChange(file, line) {
      let lines = blamed.get(file);
      if (!lines) {
        lines = blame(repoDir, absolute(file));
        blamed.set(file, lines);
      }
      return lines.get(line);
    },
    commits() {
      commitList ??= (git(repoDir, ['log', '--no-textconv', '--no-ext-diff', `--format=${FORMAT}%x1f%B%x1e`, '--', ...paths.map(absolute)]) ?? '')
        .split('\x1e')
        .map((record) => record.replace(/^\n/, ''))
        .filter((record) => record.trim() !== '')
        .map((record) => {
          const fields = record.split('\x1f');
          return { ...parseCommit(fields.slice(0, 4).join('\x1f')), message: fields[4] ?? '' };
        });
      return commitList;
    },
    changeLog(since, until) {
      const out = git(base, ['log', '--relative', '--name-only', `--format=%x1e${FORMAT}%x1f%B%x1f`, '--', ...paths]) ?? '';
      return out
        .split('\x1e')
        .filter((record) => record.trim() !== '')
        .map((record) => {
          const fields = record.split('\x1f');
          const files = (fields[5] ?? '').split('\n').map((f) => f.trim()).filter(Boolean);
          return { ...parseCommit(fields.slice(0, 4).join('\x1f')), message: fields[4] ?? '', files };
        })
        .filter((c) => c.date >= since && c.date <= until);
    },
    webUrl() {
      const remotes = (git(base, ['remote']) ?? '').split('\n').filter(Boolean);
      const remote = remotes.includes('origin') ? 'origin' : remotes[0];
      const url = remote ? git(base, ['remote', 'get-url', remote])?.trim() : undefined;
      return url ? webAddress(url) : undefined;
    },
  };
}

/** `git@github.com:o/r.git`, `ssh://git@host/o/r.git`, `https://host/o/r.git` → `https://host/o/r`; undefined for a local path. */
export function webAddress(remote: string): string | undefined {
  const scp = /^[\w.-]+@([\w.-]+):(.+?)(?:\.git)?\/?$/.exec(remote);
  if (scp) return `https://${scp[1]}/${scp[2]}`;
  const url = /^(?:ssh|git|https?):\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/(.+?)(?:\.git)?\/?$/.exec(remote);
  if (url) return `https://${url[1]}/${url[2]}`;
  return undefined;
}

const FORMAT = '%H%x1f%an%x1f%as%x1f%s';

function parseCommit(line: string): Commit {
  const [hash, author, date, subject] = line.split('\x1f');
  return { hash, author, date, subject };
}

/** `git blame --porcelain` of one file: line → the commit that last changed it. */
function blame(repoDir: string, file: string): Map<number, Commit> {
  const out = new Map<number, Commit>();
  const text = git(repoDir, ['blame', '--porcelain', '--no-textconv', '--', file]);
  if (text === undefined) return out;
  const commits = new Map<string, Partial<Commit> & { time?: number }>();
  let current: { hash: string; line: number } | undefined;
  for (const row of text.split('\n')) {
    const header = /^([0-9a-f]{40}) \d+ (\d+)(?: \d+)?$/.exec(row);
    if (header) {
      current = { hash: header[1], line: Number(header[2]) };
      if (!commits.has(header[1])) commits.set(header[1], { hash: header[1] });
      continue;
    }
    if (!current) continue;
    const commit = commits.get(current.hash)!;
    if (row.startsWith('author ')) commit.author = row.slice(7);
    else if (row.startsWith('author-time ')) commit.time = Number(row.slice(12));
    else if (row.startsWith('author-tz ')) commit.date = authorDate(commit.time ?? 0, row.slice(10));
    else if (row.startsWith('summary ')) commit.subject = row.slice(8);
    else if (row.startsWith('\t')) {
      // All zeros: the line is not committed yet.
      if (!/^0+$/.test(current.hash)) out.set(current.line, { hash: commit.hash!, author: commit.author ?? '', date: commit.date ?? '', subject: commit.subject ?? '' });
      current = undefined;
    }
  }
  return out;
}

/** The author's calendar date, in the author's time zone (as `git log --format=%as` gives it). */
function authorDate(epochSeconds: number, tz: string): string {
  const m = /^([+-])(\d\d)(\d\d)$/.exec(tz);
  const shift = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60 : 0;
  const date = new Date((epochSeconds + shift) * 1000);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 10);
}
