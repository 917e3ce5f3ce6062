import * as fs from 'fs';
import * as path from 'path';
import type { EvalIO, FileType } from '../nix/eval-context';
import type { LoadError, LoadedSource } from '../nix/host';
import { isInside } from '../source/paths';
import { describeReadError, MAX_SOURCE_BYTES, readText } from '../source/read-text';
import { limitReached, MAX_ATTRS } from '../nix/limits';
import type { NixSourceLoader } from './source-loader';
import { noteRead, tracing } from '../nix/read-trace';
import { contentHash } from '../source/content-hash';

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

  /**
   * What each read saw, by kind and path, where the tree is taken as it was
   * when first read for the rest of the run (a plain check; the language
   * server, whose tree changes between edits, reads again): a library that
   * lists and tests the same directories for every host (hlissner/dotfiles'
   * `mapModulesRec'`) asks the disk once, and its trace entry is made once.
   */
  private readonly remembered: Map<string, { seen: ReadResult; entry?: string }> | undefined;

  constructor(
    private readonly loader: Pick<NixSourceLoader, 'load' | 'reportPath' | 'roots'>,
    options: { remember?: boolean } = {},
  ) {
    this.remembered = options.remember ? new Map() : undefined;
  }

  load(absolutePath: string): LoadedSource | LoadError {
    this.looked.add(absolutePath);
    const loaded = this.loader.load(absolutePath);
    // The file found (a directory's default.nix), also where it does not parse: mended, it is read again.
    if (loaded.absolutePath !== undefined) this.looked.add(loaded.absolutePath);
    return loaded;
  }

  reportPath(absolutePath: string): string {
    return this.loader.reportPath(absolutePath);
  }

  readFile(absolutePath: string): string | { error: string } {
    return this.read('readFile', absolutePath, () => this.readFileUntraced(absolutePath));
  }

  readDir(absolutePath: string): [string, FileType][] | { error: string } {
    return this.read('readDir', absolutePath, () => this.readDirUntraced(absolutePath));
  }

  exists(absolutePath: string): boolean | { error: string } {
    return this.read('exists', absolutePath, () => this.existsUntraced(absolutePath));
  }

  /** A read, made now or remembered, noted in the read trace each time it is asked for. */
  private read<T extends ReadResult>(kind: TreeRead, absolutePath: string, make: () => T): T {
    const key = `${kind}\u0000${absolutePath}`;
    let kept = this.remembered?.get(key);
    if (!kept) {
      kept = { seen: make() };
      this.remembered?.set(key, kept);
    }
    if (tracing()) noteRead((kept.entry ??= ioTraceEntry(kind, absolutePath, kept.seen)));
    return kept.seen as T;
  }

  private readFileUntraced(absolutePath: string): string | { error: string } {
    this.looked.add(absolutePath);
    const real = this.inside(absolutePath);
    if (typeof real !== 'string') return real;
    // As every scanned file is read: a regular file (a FIFO would block), within the size limit.
    const read = readText(real, { maxBytes: MAX_SOURCE_BYTES });
    if (read.kind === 'text') return read.text;
    const message = `${this.reportPath(absolutePath)} is not read: ${read.reason}`;
    return { error: read.tooLarge ? limitReached(message) : message };
  }

  private readDirUntraced(absolutePath: string): [string, FileType][] | { error: string } {
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

  private existsUntraced(absolutePath: string): boolean | { error: string } {
    this.looked.add(absolutePath);
    if (!this.lexicallyInside(absolutePath)) return { error: `${absolutePath} is outside the scanned tree and is not looked at` };
    let real: string;
    try {
      real = fs.realpathSync.native(absolutePath);
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
      real = fs.realpathSync.native(absolutePath);
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

/** The kinds of tree reads the evaluator makes besides loading modules. */
export type TreeRead = 'readFile' | 'readDir' | 'exists';

/** What a read sees. */
type ReadResult = string | [string, FileType][] | boolean | { error: string };

/** A read as the read trace notes it (read-trace.ts): what was asked, and what it saw (a file's text by its hash). */
export function ioTraceEntry(kind: TreeRead, absolutePath: string, seen: ReadResult): string {
  return `${kind}\u0000${absolutePath}\u0000${JSON.stringify(typeof seen === 'string' ? contentHash(seen) : seen)}`;
}

/** A file declint itself reads from the disk (a flake's lock, for its hosts' NixOS release), as the read trace notes it. */
export function textTraceEntry(absolutePath: string, text: string | undefined): string {
  return `text\u0000${absolutePath}\u0000${text === undefined ? '-' : contentHash(text)}`;
}

/**
 * The files whose content read-trace entries saw: a module loaded (as asked
 * for, as found and at its real path: `loadTraceEntry` in module-source.ts),
 * a file read (`ioTraceEntry`'s `readFile`, `textTraceEntry`). A listing or
 * a test of existence does not change with a file's text.
 */
export function contentsRead(entries: readonly string[]): Set<string> {
  const paths = new Set<string>();
  for (const entry of entries) {
    const fields = entry.split('\u0000');
    if (fields[0] === 'load') {
      paths.add(fields[1]);
      if (fields.length >= 5) paths.add(fields[2]).add(fields[3]);
    } else if (fields[0] === 'readFile' || fields[0] === 'text') paths.add(fields[1]);
  }
  return paths;
}

/** What a read sees now, as `ioTraceEntry` notes it: whether a result that made it still holds. */
export function currentTraceEntry(io: TreeIO, kind: TreeRead, absolutePath: string): string {
  return ioTraceEntry(kind, absolutePath, kind === 'readFile' ? io.readFile(absolutePath) : kind === 'readDir' ? io.readDir(absolutePath) : io.exists(absolutePath));
}

function safeReal(p: string): string | undefined {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return undefined;
  }
}
