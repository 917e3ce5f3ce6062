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
