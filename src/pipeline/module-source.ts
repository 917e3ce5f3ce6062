import * as fs from 'fs';
import * as path from 'path';
import { contentHash } from '../source/content-hash';
import { isInside } from '../source/paths';
import { MAX_SOURCE_BYTES, readText } from '../source/read-text';

/**
 * What loading a `.nix` path finds before anything is parsed: the file read
 * (a directory means its `default.nix`), through symlinks, and its text; or
 * why there is none (it does not exist, it lies outside the scanned roots,
 * it cannot be read as a source file). The loader parses what this finds; the result cache asks it again
 * to tell whether a module a host loaded is still the same.
 */
export type ModuleSource = { target: string; real: string; text: string } | { error: string };

export interface SourceScope {
  /** The scanned roots, through symlinks. */
  realRoots: readonly string[];
  /** A path as messages show it. */
  display(absolutePath: string): string;
  /** Text that wins over the disk (an editor's unsaved buffer). */
  overlay?(realPath: string): string | undefined;
}

/** Where loading a path leads: the file (a directory's default.nix) and its real path, or why there is none. */
export function locateModule(absolutePath: string, scope: SourceScope): { target: string; real: string } | { error: string } {
  let target = absolutePath;
  let real: string;
  try {
    if (fs.statSync(target).isDirectory()) target = path.join(target, 'default.nix');
    real = fs.realpathSync.native(target);
  } catch {
    return { error: `${scope.display(absolutePath)} does not exist` };
  }
  if (!scope.realRoots.some((root) => isInside(root, real))) {
    return { error: `${scope.display(absolutePath)} is outside the scanned tree and is not followed` };
  }
  return { target, real };
}

export function moduleSource(absolutePath: string, scope: SourceScope): ModuleSource {
  const located = locateModule(absolutePath, scope);
  if ('error' in located) return located;
  const open = scope.overlay?.(located.real);
  if (open !== undefined) return { ...located, text: open };
  const read = readText(located.real, { maxBytes: MAX_SOURCE_BYTES });
  if (read.kind === 'error') return { error: `${scope.display(located.target)} is not read: ${read.reason}` };
  return { ...located, text: read.text };
}

/**
 * A load as the read trace notes it (nix/read-trace.ts): the path asked
 * for, and the file and content it found (by the content's hash, which a
 * caller that knows it gives instead of the text), or what it found instead.
 */
export function loadTraceEntry(absolutePath: string, source: ModuleSource | { target: string; real: string; hash: string }): string {
  const seen = 'error' in source ? `error ${source.error}` : `${source.target}\u0000${source.real}\u0000${'hash' in source ? source.hash : contentHash(source.text)}`;
  return `load\u0000${absolutePath}\u0000${seen}`;
}
