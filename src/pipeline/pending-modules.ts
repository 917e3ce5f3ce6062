import * as path from 'path';
import type { HostSpec, LoadedSource } from '../nix/host';
import type { NixSourceLoader } from './source-loader';

/**
 * Module files reachable from a host's roots through the imports each file
 * names, as the per-file phase read them (absolute paths; a directory is its
 * default.nix), up to `limit` files.
 */
export function reachableModules(spec: HostSpec, imports: Map<string, string[]>, limit: number): Set<string> {
  const seen = new Set<string>();
  const queue = spec.modules.flatMap((m) => (m.kind === 'file' ? [m.absolutePath] : []));
  while (queue.length > 0 && seen.size <= limit) {
    let file = queue.pop()!;
    if (!imports.has(file) && imports.has(path.join(file, 'default.nix'))) file = path.join(file, 'default.nix');
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...(imports.get(file) ?? []));
  }
  return seen;
}

/**
 * What a plain check's host phase keeps of the modules it read, while hosts
 * are evaluated one after another. Once the module text kept passes
 * `budgetBytes`, it lets go after each host of every module no host still
 * to come imports (by the import graph), then of those the next hosts
 * import the latest, down to half the budget. A large fleet then holds
 * about the modules of the next hosts, not those of every host. A module
 * let go is read again where a later host reads it (also one read some
 * other way than by an import the graph shows, such as a directory listed
 * at evaluation). Below the budget nothing is let go: a small fleet reads
 * each module once.
 */
export class PendingModules {
  /** For each module file, the positions of the hosts to come that import it, in order. */
  private readonly readers = new Map<string, number[]>();
  private readonly positions = new Map<HostSpec, { at: number; closure: ReadonlySet<string> }>();
  private expected = 0;
  /** Files that hosts not expected yet may import (`reserve`). */
  private reserved: ReadonlySet<string> = new Set();

  constructor(
    /** The module files a host imports, by the import graph (`reachableModules`). */
    private readonly closureOf: (spec: HostSpec) => ReadonlySet<string>,
    private readonly budgetBytes: number,
  ) {}

  /** Hosts that will be evaluated, in this order, after those expected before. */
  expect(specs: readonly HostSpec[]): void {
    for (const spec of specs) {
      const at = this.expected++;
      const closure = this.closureOf(spec);
      this.positions.set(spec, { at, closure });
      for (const file of closure) {
        const queue = this.readers.get(file);
        if (queue) queue.push(at);
        else this.readers.set(file, [at]);
      }
    }
  }

  /**
   * Files hosts expected later may import (the configuration.nix roots
   * outside the flakes' hosts, known once those are evaluated): until then
   * they count as read after every host expected.
   */
  reserve(files: ReadonlySet<string>): void {
    this.reserved = files;
  }

  /**
   * Lets go of the kept parses (the per-file phase's, see `forgetParses`)
   * of the files no host expected imports by the import graph and none
   * reserved: the per-file phase keeps the parses of the files it reads
   * first, most of which, in a large tree, are in no host. A file read
   * after all (a directory listed at evaluation) is parsed again.
   */
  forgetUnimported(loader: NixSourceLoader): void {
    loader.forgetParses(loader.keptParses().filter((file) => !this.readers.has(file) && !this.reserved.has(file)));
  }

  /**
   * A host is done: the modules only it (and hosts done before) imports may
   * be let go from the loader, and their parses; `forget` is told the paths
   * let go, for what else holds their values (the session's imports, the
   * shared modules).
   */
  done(spec: HostSpec, loader: NixSourceLoader, forget: (paths: ReadonlySet<string>) => void): void {
    const position = this.positions.get(spec);
    if (position) {
      this.positions.delete(spec);
      const unread: string[] = [];
      for (const file of position.closure) {
        const queue = this.readers.get(file)!;
        while (queue.length > 0 && queue[0] <= position.at) queue.shift();
        if (queue.length > 0) continue;
        this.readers.delete(file);
        if (!this.reserved.has(file)) unread.push(file);
      }
      loader.forgetParses(unread);
    }
    if (loader.loadedBytes <= this.budgetBytes) return;
    const next = (file: string) => this.readers.get(file)?.[0] ?? (this.reserved.has(file) ? Number.MAX_SAFE_INTEGER : Infinity);
    // A directory the graph names (not resolved to its default.nix) is that file.
    const nextUse = (loaded: LoadedSource) => Math.min(next(loaded.absolutePath), path.basename(loaded.absolutePath) === 'default.nix' ? next(path.dirname(loaded.absolutePath)) : Infinity);
    const released = loader.release(nextUse, this.budgetBytes / 2);
    if (released.length > 0) forget(new Set(released));
  }
}
