import ignore, { Ignore } from 'ignore';
import { promises as fs } from 'fs';
import * as fsCallbacks from 'fs';
import { describeReadError } from '../source/read-text';
import * as path from 'path';
import { UsageError } from '../source/errors';
import { isInside, reportPath } from '../source/paths';

/** A file declint may check, with the path reports use. */
export interface DiscoveredFile {
  absolutePath: string;
  /** Relative to the report base (the working directory), `/`-separated. */
  path: string;
  /** Named on the command line rather than found in a directory walk. */
  explicit: boolean;
}


const CANDIDATES = ['**/*.nix', '**/flake.lock', '**/*.yaml', '**/*.yml', '**/*.{yaml,yml}.{tpl,tmpl,gotmpl,j2,jinja,jinja2}', '**/*.tf'];
const ALWAYS_IGNORED = ['**/.git/**', '**/node_modules/**', '**/.direnv/**', '**/result/**'];

export interface WalkOptions {
  /** Directory that report paths are relative to. */
  base: string;
  /** Extra ignore globs (gitignore syntax), relative to each scanned directory. */
  ignore: string[];
  /** Told each directory or candidate file that could not be read, with why (absolute path). */
  onUnreadable?: (absolutePath: string, reason: string) => void;
}

/**
 * Finds candidate files under the given paths: directories are walked with
 * their `.gitignore` files honoured and symlinks not followed; a symlinked
 * file is kept only when it resolves inside the scanned directory. A path
 * given explicitly is checked whatever its name.
 */
export async function discoverFiles(paths: string[], options: WalkOptions): Promise<DiscoveredFile[]> {
  const found = new Map<string, DiscoveredFile>();
  for (const given of paths) {
    const absolute = path.resolve(options.base, given);
    let stat;
    try {
      stat = await fs.stat(absolute);
    } catch {
      throw new UsageError(`${given}: no such file or directory`);
    }
    if (stat.isFile()) {
      found.set(absolute, { absolutePath: absolute, path: reportPath(options.base, absolute), explicit: true });
      continue;
    }
    for (const file of await walkDirectory(absolute, options)) {
      if (!found.has(file)) found.set(file, { absolutePath: file, path: reportPath(options.base, file), explicit: false });
    }
  }
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** fast-glob, loaded only when a directory is walked (a hook checking named files never needs it). */
function fastGlob(): typeof import('fast-glob') {
  return require('fast-glob') as typeof import('fast-glob');
}

async function walkDirectory(root: string, options: WalkOptions): Promise<string[]> {
  const fg = fastGlob();
  const realRoot = await fs.realpath(root);
  const unreadable = new Map<string, string>();
  const entries = await fg(CANDIDATES, {
    fs: reportingReaddir(unreadable),
    cwd: root,
    dot: true,
    // Symlinks are listed, not followed; a symlinked file is judged below.
    onlyFiles: false,
    followSymbolicLinks: false,
    ignore: ALWAYS_IGNORED,
    objectMode: true,
    suppressErrors: true,
  });
  const gitignores = await loadGitignores(root);
  const extra = ignore().add(options.ignore);
  const files: string[] = [];
  for (const entry of entries) {
    const relative = entry.path;
    if (extra.ignores(relative) || isGitIgnored(relative, gitignores)) continue;
    const absolute = path.join(root, relative);
    if (entry.dirent.isDirectory()) continue;
    if (!entry.dirent.isFile() && !entry.dirent.isSymbolicLink()) {
      // A FIFO, socket or device with a candidate's name: said, not read (reading a FIFO would block).
      options.onUnreadable?.(absolute, 'it is not a regular file (a named pipe, socket or device)');
      continue;
    }
    if (entry.dirent.isSymbolicLink()) {
      const target = await fs.realpath(absolute).catch(() => undefined);
      if (!target) {
        options.onUnreadable?.(absolute, 'it is a broken symlink');
        continue;
      }
      // A link out of the scanned tree is never followed (by design, not a failure: not reported).
      if (!isInside(realRoot, target)) continue;
      const targetStat = await fs.stat(target).catch(() => undefined);
      if (!targetStat?.isFile()) continue;
    }
    files.push(absolute);
  }
  // Directories that could not be listed (an ignored one is not reported: it would not have been checked).
  for (const [dir, reason] of unreadable) {
    const relative = path.relative(root, dir).split(path.sep).join('/');
    if (relative && (ALWAYS_IGNORED_DIRS.test(relative) || extra.ignores(`${relative}/`) || isGitIgnored(`${relative}/`, gitignores))) continue;
    options.onUnreadable?.(dir, reason);
  }
  return files;
}

/** What ALWAYS_IGNORED skips, as a test on a directory path relative to the root. */
const ALWAYS_IGNORED_DIRS = /(^|\/)(\.git|node_modules|\.direnv|result)(\/|$)/;

type Readdir = typeof import('fs').readdir;

/**
 * fast-glob's directory reads, with each failure (permission denied, a path
 * longer than the system allows) recorded instead of dropped: the walk goes
 * on past the directory, and the caller reports it.
 */
function reportingReaddir(unreadable: Map<string, string>): { readdir: Readdir } {
  const readdir = ((dir: string, options: unknown, callback?: (error: NodeJS.ErrnoException | null, entries: unknown[]) => void) => {
    const done = (typeof options === 'function' ? options : callback) as (error: NodeJS.ErrnoException | null, entries: unknown[]) => void;
    const settings = typeof options === 'function' ? {} : options;
    fsCallbacks.readdir(dir, settings as { withFileTypes: true }, (error, entries) => {
      if (error) {
        unreadable.set(dir, describeReadError(error));
        done(null, []);
      } else done(null, entries);
    });
  }) as unknown as Readdir;
  return { readdir };
}

interface GitignoreScope {
  /** Directory of the .gitignore, relative to the scanned root ('' for the root). */
  dir: string;
  rules: Ignore;
}

async function loadGitignores(root: string): Promise<GitignoreScope[]> {
  const files = await fastGlob()('**/.gitignore', { cwd: root, dot: true, ignore: ALWAYS_IGNORED, followSymbolicLinks: false, suppressErrors: true });
  const scopes: GitignoreScope[] = [];
  for (const file of files) {
    const text = await fs.readFile(path.join(root, file), 'utf8').catch(() => '');
    const dir = path.posix.dirname(file);
    scopes.push({ dir: dir === '.' ? '' : dir, rules: ignore().add(text) });
  }
  return scopes;
}

function isGitIgnored(relative: string, scopes: GitignoreScope[]): boolean {
  for (const scope of scopes) {
    if (scope.dir && !relative.startsWith(`${scope.dir}/`)) continue;
    const inner = scope.dir ? relative.slice(scope.dir.length + 1) : relative;
    if (scope.rules.ignores(inner)) return true;
  }
  return false;
}
