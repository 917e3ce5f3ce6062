import { contentHash } from '../source/content-hash';
import { MAX_SOURCE_BYTES, readText as readSource } from '../source/read-text';
import type { TreeReader } from './node-source';

/**
 * How the Talos readers read a file: a regular file inside the scanned roots
 * (also through symlinks), within the size limit; an edited text wins over
 * the disk's. The result cache asks it again to tell whether a node built
 * from the file still holds.
 */
export function readInside(realRoots: string[], readText?: (absolutePath: string) => string | undefined): TreeReader['read'] {
  return (absolutePath) => {
    const disk = readSource(absolutePath, { maxBytes: MAX_SOURCE_BYTES, within: realRoots });
    if (disk.kind === 'error') return { error: disk.reason };
    return { text: readText?.(absolutePath) ?? disk.text };
  };
}

/** A Talos reader's read as the read trace notes it (nix/read-trace.ts): the path, and what was found there. */
export function talosTraceEntry(absolutePath: string, read: ReturnType<TreeReader['read']>): string {
  return `talos\u0000${absolutePath}\u0000${'text' in read ? contentHash(read.text) : read.error}`;
}
