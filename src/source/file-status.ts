import * as fs from 'fs';

/**
 * What `stat` says of a file: size, modification and change times, inode.
 * As in git's index, a file whose status is the same as when its content
 * was read has that content still: writing it changes its change time,
 * which no program can set back. A status taken when the file had changed
 * less than `RACY_MS` before is not to be kept (`settled`): a write within
 * the same tick of a coarse clock would not show in it.
 */
export type FileStatus = [size: number, modifiedMs: number, changedMs: number, inode: number];

/** Longer than the coarsest clock of a common file system (FAT's two seconds). */
export const RACY_MS = 2000;

export function fileStatus(absolutePath: string): FileStatus | undefined {
  try {
    return statusOf(fs.statSync(absolutePath));
  } catch {
    return undefined;
  }
}

/** The status of a file from what `stat` (or `lstat`, of a regular file) said. */
export function statusOf(stat: fs.Stats): FileStatus {
  return [stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino];
}

/** Whether a status taken at `takenMs` may stand for the file's content: it had not changed for `RACY_MS` then. */
export function settled(status: FileStatus, takenMs: number): boolean {
  return Math.max(status[1], status[2]) < takenMs - RACY_MS;
}

export function sameStatus(a: FileStatus | undefined, b: FileStatus | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.every((x, i) => x === b[i]));
}
