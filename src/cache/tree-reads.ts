import * as fs from 'fs';
import { readIfPresent } from '../pipeline/check-flakes';
import { loadTraceEntry, locateModule, moduleSource, SourceScope } from '../pipeline/module-source';
import { reportPath } from '../source/paths';
import { currentTraceEntry, textTraceEntry, TreeIO, TreeRead } from '../pipeline/tree-io';
import { readTrace } from '../nix/read-trace';
import { readInside, talosTraceEntry } from '../talos/read-inside';

/** What a run knows of the files discovery found (`TreeReads`). */
export interface KnownFiles {
  /** The content hash of a file the run has already read, by path. */
  hash(absolutePath: string): string | undefined;
  /** Whether discovery found the file at its real path (`DiscoveredFile.atRealPath`). */
  atRealPath(absolutePath: string): boolean;
}

/**
 * Whether the reads a cached result was computed from (read-trace.ts) would
 * see the same today: each read is made again, the way the evaluator makes
 * it, and compared with what it saw then. Each distinct read is made once
 * per run, however many results depend on it.
 */
export class TreeReads {
  private readonly now = new Map<string, string | undefined>();
  private scope: SourceScope | undefined;
  private io: TreeIO | undefined;

  constructor(
    private readonly roots: string[],
    private readonly base: string,
    /** What the run knows of the files it found: the content hash of each (the per-file phase reads every one), and which are at their real paths. */
    private readonly known: KnownFiles = { hash: () => undefined, atRealPath: () => false },
  ) {}

  holds(read: string): boolean {
    const second = read.indexOf('\u0000', read.indexOf('\u0000') + 1);
    const what = second < 0 ? read : read.slice(0, second);
    let current = this.now.get(what);
    if (!this.now.has(what)) {
      current = this.readAgain(what);
      this.now.set(what, current);
    }
    return current === read;
  }

  allHold(reads: readonly string[]): boolean {
    return reads.every((read) => this.holds(read));
  }

  /** The trace entry the read `kind\0path` makes now; undefined where it cannot be made (it then never matches). */
  private readAgain(what: string): string | undefined {
    const [kind, absolutePath] = what.split('\u0000');
    const outer = readTrace.reads;
    // Reading again is not a read of the evaluation being traced.
    readTrace.reads = undefined;
    try {
      // The tree as the evaluator sees it. TreeIO's file reads need only the roots and report paths: nothing here parses a module.
      this.scope ??= { realRoots: this.roots.map((r) => fs.realpathSync(r)), display: (p) => reportPath(this.base, p) };
      const scope = this.scope;
      this.io ??= new TreeIO({ roots: scope.realRoots, reportPath: scope.display, load: () => ({ error: 'not loaded here' }) });
      switch (kind) {
        case 'load': {
          // A module the per-file phase read has its hash already; another is read as the loader reads it.
          // A file found at its real path is where loading it leads (no `stat` and `realpath` of each module again).
          const found = this.known.atRealPath(absolutePath) ? this.known.hash(absolutePath) : undefined;
          if (found !== undefined) return loadTraceEntry(absolutePath, { target: absolutePath, real: absolutePath, hash: found });
          const located = locateModule(absolutePath, scope);
          const hash = 'error' in located ? undefined : this.known.hash(located.real);
          return loadTraceEntry(absolutePath, hash !== undefined && !('error' in located) ? { ...located, hash } : moduleSource(absolutePath, scope));
        }
        case 'text':
          return textTraceEntry(absolutePath, readIfPresent(absolutePath));
        case 'talos':
          return talosTraceEntry(absolutePath, readInside([...scope.realRoots])(absolutePath));
        case 'readFile':
        case 'readDir':
        case 'exists':
          return currentTraceEntry(this.io, kind as TreeRead, absolutePath);
        default:
          return undefined;
      }
    } catch {
      return undefined;
    } finally {
      readTrace.reads = outer;
    }
  }
}
