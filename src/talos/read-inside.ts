import * as fs from 'fs';
import { contentHash } from '../source/content-hash';
import { isInside } from '../source/paths';
import type { TreeReader } from './node-source';

/** How the Talos readers read a file: inside the scanned roots only, through symlinks. */
export function readInside(realRoots: string[], readText?: (absolutePath: string) => string | undefined): TreeReader['read'] {
  return (absolutePath) => {
    try {
      const real = fs.realpathSync.native(absolutePath);
      if (!realRoots.some((root) => isInside(root, real))) return { error: 'it is outside the scanned tree' };
      const text = readText ? readText(real) : fs.readFileSync(real, 'utf8');
      return text === undefined ? { error: 'it does not exist' } : { text };
    } catch {
      return { error: 'it does not exist' };
    }
  };
}

/** A Talos reader's read as the read trace notes it (nix/read-trace.ts): the path, and what was found there. */
export function talosTraceEntry(absolutePath: string, read: ReturnType<TreeReader['read']>): string {
  return `talos\u0000${absolutePath}\u0000${'text' in read ? contentHash(read.text) : read.error}`;
}

