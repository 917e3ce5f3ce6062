import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * The directory where declint keeps, per user, what makes its next start
 * faster: V8's code cache (cli/code-cache.ts) and what it learnt of its own
 * rule files (rules/builtin.ts). `NODE_COMPILE_CACHE` names it (as for
 * Node's own compile cache), by default `declint-code-cache-<uid>` in the
 * temporary directory; made if missing, and undefined where it cannot be
 * made or is not safe to use (`ownDirectory`), or where
 * `NODE_DISABLE_COMPILE_CACHE` says to keep nothing.
 */
export function userCacheDirectory(): string | undefined {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const named = process.env.NODE_COMPILE_CACHE;
  const dir = named ? path.resolve(named) : path.join(os.tmpdir(), `declint-code-cache-${process.getuid?.() ?? 'user'}`);
  return ownDirectory(dir) ? dir : undefined;
}

/**
 * Makes the directory (only its owner may read or write it) and says
 * whether it is safe to keep code in: a directory, not a link, of this
 * user, that no other user may write to. Compiled code read from a place
 * another user can write is code that user chose.
 */
export function ownDirectory(dir: string): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = fs.lstatSync(dir);
    if (!stat.isDirectory()) return false;
    if (process.platform === 'win32') return true;
    return stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}
