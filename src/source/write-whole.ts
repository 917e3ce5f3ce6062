import { randomBytes } from 'crypto';
import * as fs from 'fs';

/**
 * Writes a file whole or not at all: to a temporary file beside it, renamed
 * over it. A crash or a second writer leaves the old file or a new one,
 * never part of one, and a reader meanwhile finds either. Throws what the
 * write threw, with the temporary file removed.
 */
export function writeWhole(file: string, data: string | NodeJS.ArrayBufferView, mode?: number): void {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    fs.writeFileSync(temporary, data, mode === undefined ? undefined : { mode });
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

/** Why a file could not be written (or its directory made), in words, for a usage error. */
export function describeWriteError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EEXIST':
    case 'ENOTDIR':
      return 'a part of its path is a file, not a directory';
    case 'EISDIR':
      return 'it is a directory';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'no space is left on the device';
    case 'ENAMETOOLONG':
      return 'its path is longer than the system allows';
    default:
      return code ? `the system refused to write it (${code})` : String((error as Error)?.message ?? error);
  }
}
