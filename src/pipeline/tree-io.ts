import * as fs from 'fs';
import * as path from 'path';
import type { EvalIO, FileType } from '../nix/eval-context';
import type { LoadError, LoadedSource } from '../nix/host';
import { isInside } from '../source/paths';
import { describeReadError, MAX_SOURCE_BYTES, readText } from '../source/read-text';
import { limitReached, MAX_ATTRS } from '../nix/limits';
import type { NixSourceLoader } from './source-loader';

/**
 * The evaluator's view of the file system: the scanned roots and nothing
 * else. A path that lies outside them, or leads outside them through a
 * symlink, is an error value and is never opened.
 */
export class TreeIO implements EvalIO {
  /**
   * Every path the evaluation looked at (files read, directories listed,
   * paths tested): what it found depends on them, and on nothing else.
   */
  readonly looked = new Set<string>();

  constructor(private readonly loader: NixSourceLoader) {}

  load(absolutePath: string): LoadedSource | LoadError {
    this.looked.add(absolutePath);
    const loaded = this.loader.load(absolutePath);
    if (!('error' in loaded)) this.looked.add(loaded.absolutePath);
    return loaded;
  }

  reportPath(absolutePath: string): string {
    return this.loader.reportPath(absolutePath);
  }

  readFile(absolutePath: string): string | { error: string } {
    this.looked.add(absolutePath);
    const real = this.inside(absolutePath);
    if (typeof real !== 'string') return real;
    // As every scanned file is read: a regular file (a FIFO would block), within the size limit.
    const read = readText(real, { maxBytes: MAX_SOURCE_BYTES });
    if (read.kind === 'text') return read.text;
    const message = `${this.reportPath(absolutePath)} is not read: ${read.reason}`;
    return { error: read.tooLarge ? limitReached(message) : message };
  }

  readDir(absolutePath: string): [string, FileType][] | { error: string } {
    this.looked.add(absolutePath);
    const real = this.inside(absolutePath);
    if (typeof real !== 'string') return real;
    try {
      const entries = fs.readdirSync(real, { withFileTypes: true });
      if (entries.length > MAX_ATTRS) return { error: limitReached(`${this.reportPath(absolutePath)} holds more than ${MAX_ATTRS.toLocaleString('en')} entries, more than declint lists`) };
      return entries
        .map((e): [string, FileType] => [e.name, e.isFile() ? 'regular' : e.isDirectory() ? 'directory' : e.isSymbolicLink() ? 'symlink' : 'unknown'])
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    } catch (error) {
      return { error: `${this.reportPath(absolutePath)} cannot be listed (${describeReadError(error)})` };
    }
  }

  exists(absolutePath: string): boolean | { error: string } {
    this.looked.add(absolutePath);
    if (!this.lexicallyInside(absolutePath)) return { error: `${absolutePath} is outside the scanned tree and is not looked at` };
    let real: string;
    try {
      real = fs.realpathSync(absolutePath);
    } catch {
      return false;
    }
    return this.loader.roots.some((root) => isInside(root, real)) ? true : { error: `${this.reportPath(absolutePath)} leads outside the scanned tree` };
  }

  /** The real path of something inside the roots, or why it is not read. */
  private inside(absolutePath: string): string | { error: string } {
    if (!this.lexicallyInside(absolutePath)) return { error: `${absolutePath} is outside the scanned tree and is not read` };
    let real: string;
    try {
      real = fs.realpathSync(absolutePath);
    } catch {
      return { error: `${this.reportPath(absolutePath)} does not exist` };
    }
    if (!this.loader.roots.some((root) => isInside(root, real))) return { error: `${this.reportPath(absolutePath)} leads outside the scanned tree and is not read` };
    return real;
  }

  private lexicallyInside(absolutePath: string): boolean {
    const resolved = path.resolve(absolutePath);
    return this.loader.roots.some((root) => isInside(root, resolved)) || this.loader.roots.some((root) => isInside(root, safeReal(path.dirname(resolved)) ?? resolved));
  }
}

function safeReal(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}
