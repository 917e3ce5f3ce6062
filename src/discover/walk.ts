import * as fs from 'fs';
import * as path from 'path';
import { describeReadError } from '../source/read-text';
import { UsageError } from '../source/errors';
import { FileStatus, statusOf } from '../source/file-status';
import { isInside, reportPath } from '../source/paths';
import { candidateKind } from './classify';
import { listWithGit } from './git-listing';
import { ancestorScopes, gitignoreRules, IgnoreScope, ignoreFileScope, isIgnored, repositoryTop } from './ignore-files';

/** A file declint may check, with the path reports use. */
export interface DiscoveredFile {
  absolutePath: string;
  /** Relative to the report base (the working directory), `/`-separated. */
  path: string;
  /** Named on the command line rather than found in a directory walk. */
  explicit: boolean;
  /** The file's status where discovery took it (it checks what git lists with `lstat`), and the time just before (`FileStatus`). */
  seen?: { status: FileStatus; at: number };
  /** The path is the file's real path: a regular file, reached from a scanned directory that is its own real path without a symlink on the way. */
  atRealPath?: true;
}

/**
 * Directories never descended into and untracked files under them never
 * checked, whatever the ignore files say (a nix build's `result` link, a
 * direnv cache, npm packages). A file git tracks there is checked: it is part
 * of the repository.
 */
const ALWAYS_IGNORED = new Set(['.git', 'node_modules', '.direnv', 'result']);

export interface WalkOptions {
  /** Directory that report paths are relative to. */
  base: string;
  /** Extra ignore globs (gitignore syntax), relative to each scanned directory. */
  ignore: string[];
  /** Told each directory or candidate file that could not be read, with why (absolute path). */
  onUnreadable?: (absolutePath: string, reason: string) => void;
}

/**
 * Finds candidate files under the given paths. A directory in a git work tree
 * is listed by git (tracked files, and untracked ones git does not ignore;
 * a submodule is another repository, checked when named itself);
 * elsewhere, or where git is missing or refuses the repository, it is walked
 * once with its ignore files read on the way down. Symlinks are not followed;
 * a symlinked file is kept only when it resolves inside the scanned
 * directory. A path given explicitly is checked whatever its name.
 */
export async function discoverFiles(paths: string[], options: WalkOptions): Promise<DiscoveredFile[]> {
  const found = new Map<string, DiscoveredFile>();
  for (const given of paths) {
    const absolute = path.resolve(options.base, given);
    let stat;
    const at = Date.now();
    try {
      stat = fs.statSync(absolute);
    } catch {
      throw new UsageError(`${given}: no such file or directory`);
    }
    if (stat.isFile()) {
      found.set(absolute, { absolutePath: absolute, path: reportPath(options.base, absolute), explicit: true, seen: { status: statusOf(stat), at } });
      continue;
    }
    // Report paths from the directory's own: one path.relative per directory, not per file.
    const rootPath = reportPath(options.base, absolute);
    const underBase = !path.isAbsolute(rootPath) && !rootPath.startsWith('..');
    const scan = scanDirectory(absolute, options);
    const rootIsReal = scan.realRoot === absolute;
    for (const { relative, status, plain } of scan.found) {
      const file = path.join(absolute, relative);
      const shown = !underBase ? reportPath(options.base, file) : rootPath ? `${rootPath}/${relative}` : relative;
      if (found.has(file)) continue;
      const discovered: DiscoveredFile = { absolutePath: file, path: shown, explicit: false };
      if (status) discovered.seen = { status, at: scan.listedAt };
      if (plain && rootIsReal) discovered.atRealPath = true;
      found.set(file, discovered);
    }
  }
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** One scanned directory: where it is, the extra ignore globs relative to it, and the files kept so far. */
interface Scan {
  root: string;
  realRoot: string;
  /** Whether the extra ignore globs leave out a path (`dir/` for a directory); none given, nothing is asked of the ignore library. */
  excluded: (relative: string) => boolean;
  onUnreadable: (absolutePath: string, reason: string) => void;
  found: FoundFile[];
  /** The time before git listed the directory and its files' status was taken. */
  listedAt: number;
}

/** A file kept: its path relative to the scanned directory, its status where it was taken, and whether it is a regular file (not a symlink to one). */
interface FoundFile {
  relative: string;
  status?: FileStatus;
  plain: boolean;
}

/** What a candidate path is on disk, before it is kept or not. */
type EntryKind = 'file' | 'symlink' | 'directory' | 'other' | 'missing';

function scanDirectory(root: string, options: WalkOptions): Scan {
  const realRoot = fs.realpathSync(root);
  const extra = options.ignore.length > 0 ? gitignoreRules(options.ignore) : undefined;
  const scan: Scan = { root, realRoot, excluded: extra ? (relative) => extra.ignores(relative) : () => false, onUnreadable: options.onUnreadable ?? (() => {}), found: [], listedAt: Date.now() };
  // Git is asked only inside a work tree (a `.git` at or above the directory): elsewhere it could only fail.
  const top = repositoryTop(realRoot);
  const listed = top ? listRepository(scan, '', top === realRoot) : 'unavailable';
  if (listed === 'ignored') walk(scan, '', []);
  else if (listed === 'unavailable') walk(scan, '', top ? ancestorScopes(top, realRoot) : []);
  return scan;
}

/**
 * Lists the directory `relative` (under the scanned root) with git and keeps
 * its candidates; what git could not do is left to the caller.
 */
function listRepository(scan: Scan, relative: string, isTop: boolean): 'listed' | 'ignored' | 'unavailable' {
  const listing = listWithGit(path.join(scan.root, relative), isTop);
  if (listing.kind !== 'listed') return listing.kind;
  const under = (entry: string) => (relative ? `${relative}/${entry}` : entry);
  for (const file of listing.tracked) {
    if (candidateKind(file)) considerCandidate(scan, under(file));
  }
  for (const file of listing.untracked) {
    if (candidateKind(file) && !inAlwaysIgnored(file)) considerCandidate(scan, under(file));
  }
  // Git warns about a directory it cannot open and lists nothing under it: said like the walk says it.
  for (const unreadable of listing.unreadable) scan.onUnreadable(path.join(scan.root, under(unreadable.path)), unreadable.reason);
  for (const repository of listing.repositories) {
    const inner = under(repository);
    if (!inAlwaysIgnored(`${repository}/`) && !scan.excluded(`${inner}/`)) scanNestedRepository(scan, inner);
  }
  return 'listed';
}

/** A repository inside the scanned tree (not a submodule): by git where git works there, else walked with its own ignore files only. */
function scanNestedRepository(scan: Scan, relative: string, entries?: fs.Dirent[]): void {
  if (listRepository(scan, relative, true) !== 'listed') walkEntries(scan, relative, [], entries ?? readEntries(scan, relative));
}

/** Whether a directory of `relative` (a file's path, or a directory's with a trailing slash) is one never descended into. */
function inAlwaysIgnored(relative: string): boolean {
  const dirs = relative.split('/');
  dirs.pop();
  return dirs.some((name) => ALWAYS_IGNORED.has(name));
}

/** A candidate path git listed: kept when it is on disk as a file (a deleted file still in the index is not). */
function considerCandidate(scan: Scan, relative: string): void {
  if (scan.excluded(relative)) return;
  const absolute = path.join(scan.root, relative);
  let kind: EntryKind;
  let status: FileStatus | undefined;
  try {
    const stat = fs.lstatSync(absolute);
    kind = stat.isFile() ? 'file' : stat.isSymbolicLink() ? 'symlink' : stat.isDirectory() ? 'directory' : 'other';
    // A regular file's status, as the result cache takes it, need not be taken again.
    if (kind === 'file') status = statusOf(stat);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') scan.onUnreadable(absolute, describeReadError(error));
    kind = 'missing';
  }
  keepCandidate(scan, relative, kind, status);
}

/**
 * The walk where git cannot list: one pass of `readdir`, each directory's
 * `.gitignore` (and `.git/info/exclude` of a repository) applied below it,
 * the scopes inherited from above, ignored directories never entered.
 */
function walk(scan: Scan, relative: string, inherited: readonly IgnoreScope[]): void {
  const entries = readEntries(scan, relative);
  if (relative !== '' && entries.some((entry) => entry.name === '.git')) {
    // Another repository inside the scanned tree: its own rules, not its parent's.
    scanNestedRepository(scan, relative, entries);
    return;
  }
  walkEntries(scan, relative, inherited, entries);
}

function walkEntries(scan: Scan, relative: string, inherited: readonly IgnoreScope[], entries: fs.Dirent[]): void {
  const dir = path.join(scan.root, relative);
  const scopes = [...inherited];
  if (entries.some((entry) => entry.name === '.git' && entry.isDirectory())) addScope(scopes, ignoreFileScope(path.join(dir, '.git', 'info', 'exclude'), relative));
  if (entries.some((entry) => entry.name === '.gitignore')) addScope(scopes, ignoreFileScope(path.join(dir, '.gitignore'), relative));
  for (const entry of entries) {
    const inner = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!ALWAYS_IGNORED.has(entry.name) && !isIgnored(inner, scopes, true) && !scan.excluded(`${inner}/`)) walk(scan, inner, scopes);
    } else if (candidateKind(entry.name) && !isIgnored(inner, scopes, false) && !scan.excluded(inner)) {
      keepCandidate(scan, inner, entry.isFile() ? 'file' : entry.isSymbolicLink() ? 'symlink' : 'other');
    }
  }
}

function addScope(scopes: IgnoreScope[], scope: IgnoreScope | undefined): void {
  if (scope) scopes.push(scope);
}

/** A directory's entries; one that cannot be listed is told to the caller, and the walk goes on past it. */
function readEntries(scan: Scan, relative: string): fs.Dirent[] {
  const dir = path.join(scan.root, relative);
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    scan.onUnreadable(dir, describeReadError(error));
    return [];
  }
}

function keepCandidate(scan: Scan, relative: string, kind: EntryKind, status?: FileStatus): void {
  if (kind === 'file') scan.found.push(status ? { relative, status, plain: true } : { relative, plain: true });
  else if (kind === 'other') scan.onUnreadable(path.join(scan.root, relative), 'it is not a regular file (a named pipe, socket or device)');
  else if (kind === 'symlink') {
    const absolute = path.join(scan.root, relative);
    let target: string;
    try {
      target = fs.realpathSync(absolute);
    } catch {
      scan.onUnreadable(absolute, 'it is a broken symlink');
      return;
    }
    // A link out of the scanned tree is never followed (by design, not a failure: not reported).
    if (isInside(scan.realRoot, target) && isRegularFile(target)) scan.found.push({ relative, plain: false });
  }
}

function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

