import type { LoadError, LoadedSource } from './host';
import type { Value } from './value';

/** What `builtins.readDir` says of an entry. */
export type FileType = 'regular' | 'directory' | 'symlink' | 'unknown';

/**
 * The file system as the evaluator may see it: the scanned tree and nothing
 * else. Every path is absolute; anything outside the scanned roots (also
 * through a symlink) is an error value, never read.
 */
export interface EvalIO {
  /** A `.nix` file parsed (a directory means its `default.nix`). */
  load(absolutePath: string): LoadedSource | LoadError;
  readFile(absolutePath: string): string | { error: string };
  /** The entries of a directory, sorted by name as Nix sorts attribute names. */
  readDir(absolutePath: string): [string, FileType][] | { error: string };
  /** Whether the path exists; an error for a path outside the scanned tree. */
  exists(absolutePath: string): boolean | { error: string };
  /** The path as findings show it (relative to where declint was run). */
  reportPath(absolutePath: string): string;
}

/**
 * What builtins that reach beyond one expression need: the tree (`import`,
 * `readDir`, `readFile`) and the evaluation of other files, memoised so a
 * file imported by every host is evaluated once.
 */
export interface EvalContext {
  readonly io: EvalIO;
  /** The value of a `.nix` file of the tree, evaluated once (`import ./lib`). */
  importFile(absolutePath: string): Value;
}
