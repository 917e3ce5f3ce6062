import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Where the result cache lives. By default in `.declintcache/` at the
 * scanned root: a directory that ignores itself (a `.gitignore` of `*`
 * inside, as pytest's and Ruff's caches do), so that a pre-commit hook can
 * pass `--cache` without the repository growing an untracked file, and that
 * backup tools skip (`CACHEDIR.TAG`). `--cache-location` names a file, or a
 * directory (existing, or written with a trailing slash) in which the file
 * is named after the scanned root, so one directory can serve several
 * projects, as ESLint does.
 */
export const DEFAULT_CACHE_DIRECTORY = '.declintcache';
const DEFAULT_CACHE_FILE = 'results';

export interface CacheLocation {
  file: string;
  /** The default directory, made to ignore itself when it is created. */
  ownDirectory?: string;
}

export function cacheLocation(given: string | undefined, scannedRoot: string, cwd: string): CacheLocation {
  if (given === undefined) {
    const directory = path.join(scannedRoot, DEFAULT_CACHE_DIRECTORY);
    return { file: path.join(directory, DEFAULT_CACHE_FILE), ownDirectory: directory };
  }
  const resolved = path.resolve(cwd, given);
  if (/[\\/]$/.test(given) || isDirectory(resolved)) {
    const root = createHash('sha256').update(path.resolve(scannedRoot)).digest('hex').slice(0, 12);
    return { file: path.join(resolved, `.declintcache-${root}`) };
  }
  return { file: resolved };
}

/** Makes the default cache directory ignore itself (git) and mark itself a cache (backup tools), once. */
export function prepareOwnDirectory(directory: string): void {
  fs.mkdirSync(directory, { recursive: true });
  const gitignore = path.join(directory, '.gitignore');
  if (!fs.existsSync(gitignore)) fs.writeFileSync(gitignore, '# Written by declint: the result cache (declint check --cache) is not part of the repository.\n*\n');
  const tag = path.join(directory, 'CACHEDIR.TAG');
  if (!fs.existsSync(tag)) {
    fs.writeFileSync(tag, 'Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by declint.\n# For information about cache directory tags, see https://bford.info/cachedir/\n');
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
