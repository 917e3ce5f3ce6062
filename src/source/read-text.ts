import * as fs from 'fs';
import * as path from 'path';
import { isInside } from './paths';
import { describeFileError } from './file-error';

/**
 * The one way declint reads a text file, scanned or its own input (config,
 * rules, baseline): a regular file only (a FIFO would block, a device could
 * be endless), no larger than a limit, optionally only where it really lies
 * inside given directories (a symlink to `/etc/passwd` is refused), and its
 * text as editors and parsers see it (`sourceText`). Errors are values with
 * a sentence that says why.
 */
export type TextRead =
  | { kind: 'text'; text: string }
  /** `tooLarge`: the file is readable but over the size limit (a limit reached, not a failure). */
  | { kind: 'error'; reason: string; tooLarge?: boolean };

export interface ReadLimits {
  /** The largest file read, in bytes. */
  maxBytes: number;
  /** Real directories the file must lie in (after symlinks); anywhere when absent. */
  within?: string[];
  /** What `within` is, for the reason a file outside it is refused (default: the scanned tree). */
  withinName?: string;
}

/** Scanned files: far above any hand-written module or machine config, well below what a parse holds in memory. */
export const MAX_SOURCE_BYTES = 2 * 1024 * 1024;
/** `.declint.yaml`, rule files, baselines. */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024;

export function readText(file: string, limits: ReadLimits): TextRead {
  let fd: number | undefined;
  try {
    if (limits.within) {
      const real = fs.realpathSync(file);
      if (!limits.within.some((root) => isInside(root, real))) return { kind: 'error', reason: `it resolves outside ${limits.withinName ?? 'the scanned tree'}` };
    }
    // Non-blocking, so that opening a FIFO returns at once and fstat can refuse it.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | (fs.constants.O_NOCTTY ?? 0));
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { kind: 'error', reason: `it is ${fileKind(stat)}, not a regular file` };
    if (stat.size > limits.maxBytes) return { kind: 'error', reason: `it is ${megabytes(stat.size)}, larger than the ${megabytes(limits.maxBytes)} declint reads`, tooLarge: true };
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < stat.size) {
      const n = fs.readSync(fd, buffer, read, stat.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return { kind: 'text', text: sourceText(buffer.toString('utf8', 0, read)) };
  } catch (error) {
    return { kind: 'error', reason: brokenSymlink(file, error) ? 'it is a broken symlink' : describeReadError(error) };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * A text as editors and parsers read it: without a UTF-8 byte order mark
 * (editors do not count it as a column), and with each lone carriage return
 * (old Mac line ends, which YAML and LSP count as line breaks but the yaml
 * package and tree-sitter-nix do not) turned into a line feed, which keeps
 * every offset where it was.
 */
export function sourceText(text: string): string {
  const bare = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return bare.includes('\r') ? bare.replace(/\r(?!\n)/g, '\n') : bare;
}

/** Why a file or directory could not be read, as the end of a sentence. */
export function describeReadError(error: unknown): string {
  return describeFileError(error, 'read');
}

/** Whether a file could not be found because it is a symlink to nothing. */
function brokenSymlink(file: string, error: unknown): boolean {
  if ((error as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') return false;
  try {
    return fs.lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

function fileKind(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'a special file';
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MiB`;
}

/** The real paths of directories, for `within` (a directory that cannot be resolved is kept as given). */
export function realDirectories(dirs: string[]): string[] {
  return dirs.map((dir) => {
    try {
      return fs.realpathSync(dir);
    } catch {
      return path.resolve(dir);
    }
  });
}
