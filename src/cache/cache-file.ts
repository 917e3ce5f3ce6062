import * as fs from 'fs';
import * as path from 'path';
import { isAscii } from 'buffer';
import { contentHash } from '../source/content-hash';
import { writeWhole } from '../source/write-whole';

/**
 * The cache file: a header line, the payload, then a section the payload's
 * reader may leave unread (the hosts' results: parsed only where a host is
 * looked up, and written back as they were read where none changed).
 *
 *   {"format":"declint-cache","version":2,"tool":"0.1.0","build":"…","sha256":"…"}
 *   {"settings":"…","reads":[…],"files":{…},"hostCount":…,"phases":{…}}
 *   {"<host key>":{"reads":[…],"outcome":{…}},…}
 *
 * The header says which declint wrote it and carries the payload's SHA-256:
 * a file cut short, edited or written by another declint is discarded, never
 * read. It is written to a temporary file in the same directory and renamed
 * over the old one, so that a crash leaves the previous cache whole and two
 * runs writing at once leave one of theirs, never a mixture.
 */
export const CACHE_FORMAT = 'declint-cache';
/** Raised whenever what the payload holds changes shape. */
export const CACHE_FORMAT_VERSION = 2;

export interface CacheHeader {
  format: typeof CACHE_FORMAT;
  version: number;
  tool: string;
  build: string;
  sha256: string;
}

export type CacheRead<T> =
  | { kind: 'missing' }
  | { kind: 'discarded'; why: string }
  | { kind: 'read'; payload: T; section: Buffer };

/** Reads a cache file written by this declint (`tool` and `build`); anything else is discarded with the reason. */
export function readCacheFile<T>(file: string, tool: string, build: string, isPayload: (value: unknown) => value is T): CacheRead<T> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { kind: 'missing' } : { kind: 'discarded', why: `it cannot be read (${code ?? 'error'})` };
  }
  const newline = bytes.indexOf(0x0a);
  const header = parseJson(bytes.toString('utf8', 0, newline < 0 ? bytes.length : newline));
  if (!isHeader(header)) return { kind: 'discarded', why: 'it is not a declint cache' };
  if (header.version !== CACHE_FORMAT_VERSION || header.tool !== tool) return { kind: 'discarded', why: `it was written by declint ${header.tool} (cache format ${header.version})` };
  if (header.build !== build) return { kind: 'discarded', why: 'it was written by another build of declint' };
  // The bytes are hashed and decoded as they are: a large cache is read in a fraction of the time of a decoded text hashed again.
  const body = bytes.subarray(newline + 1);
  if (contentHash(body) !== header.sha256) return { kind: 'discarded', why: 'it is damaged (its checksum does not match)' };
  const end = body.indexOf(0x0a);
  const payload = parseJsonBytes(end < 0 ? body : body.subarray(0, end));
  if (!isPayload(payload)) return { kind: 'discarded', why: 'its content is not in the expected form' };
  return { kind: 'read', payload, section: end < 0 ? Buffer.alloc(0) : body.subarray(end + 1) };
}

/** JSON from its UTF-8 bytes, undefined where it is not JSON; text in ASCII alone is read as single-byte text, without decoding UTF-8. */
export function parseJsonBytes(bytes: Buffer): unknown {
  return parseJson(bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8'));
}

/** Writes the cache file whole or not at all: a temporary file beside it, renamed over it. `section` is JSON text on one line. */
export function writeCacheFile(file: string, tool: string, build: string, payload: unknown, section: Uint8Array): void {
  // Encoded once, then hashed and written as bytes.
  const body = Buffer.concat([Buffer.from(`${JSON.stringify(payload)}\n`, 'utf8'), section]);
  const header: CacheHeader = { format: CACHE_FORMAT, version: CACHE_FORMAT_VERSION, tool, build, sha256: contentHash(body) };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeWhole(file, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), body]));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isHeader(value: unknown): value is CacheHeader {
  const h = value as Partial<CacheHeader> | undefined;
  return typeof h === 'object' && h !== null && h.format === CACHE_FORMAT && typeof h.version === 'number' && typeof h.tool === 'string' && typeof h.build === 'string' && typeof h.sha256 === 'string';
}
