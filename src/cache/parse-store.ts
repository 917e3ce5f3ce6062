import * as fs from 'fs';
import * as os from 'os';
import { contentHash } from '../source/content-hash';
import { writeWhole } from '../source/write-whole';

/**
 * Flat parses (`parseNixFlat`) of the modules hosts read, kept beside the
 * result cache (`<cache file>.parses`) for the runs that evaluate a host
 * again: a pre-commit hook after an edit re-reads every module of the
 * edited host (about 90 on ryan4yin/nix-config), and parsing them was 20 to
 * 35 ms of its CPU on the development repositories. A parse is taken back
 * for the same file with the same text (its content hash), and only a
 * parse of a text that loaded without error is kept, so a taken one needs
 * no syntax or duplicate-attribute check either.
 *
 *   {"format":"declint-parses","version":1,"tool":…,"build":…,"endianness":"LE","entries":[[path, text hash, bytes hash, offset, length], …]}
 *   <the parses' Int32Array bytes, one after another>
 *
 * Only the header is read when the store is opened; a parse's bytes are
 * read when it is asked for, and taken only where their SHA-256 is the
 * header's. Written whole (a temporary file renamed over it) when a run
 * parsed anything it did not hold: the parses this run took from it or
 * made first, then its earlier ones of files whose text did not change,
 * within `STORE_BYTES`.
 */
export const PARSE_STORE_FORMAT = 'declint-parses';
const VERSION = 1;

/** The most parse bytes the store holds (and a run keeps in memory to write it): a few repositories' hosts' modules. */
export const STORE_BYTES = 8 * 1024 * 1024;

/** The most header bytes read: a header longer than this is no store of ours. */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

type Entry = [path: string, textHash: string, bytesHash: string, offset: number, length: number];

interface Header {
  format: string;
  version: number;
  tool: string;
  build: string;
  endianness: string;
  entries: Entry[];
}

/** What the host phase's loader asks of the store (source-loader.ts). */
export interface StoredParses {
  /** The parse of this file's text of this content hash, where the store holds it. */
  lookup(absolutePath: string, textHash: string): Int32Array | undefined;
  /** A parse of a text that loaded without error, to keep (while the store has room). */
  keep(absolutePath: string, textHash: string, flat: Int32Array): void;
}

export class ParseStore implements StoredParses {
  private opened = false;
  private fd: number | undefined;
  private bodyStart = 0;
  private readonly entries = new Map<string, Entry>();
  /**
   * Parses this run took from the store or made, by path, in the order the
   * store will keep them, each with its bytes' hash: the store's for one it
   * took (checked when it was read), none yet for one made here.
   */
  private readonly used = new Map<string, { textHash: string; flat: Int32Array; bytesHash?: string }>();
  private usedBytes = 0;
  /** Whether this run made a parse the store did not hold (only then is it written). */
  private fresh = false;

  constructor(
    readonly file: string,
    private readonly tool: string,
    private readonly build: string,
  ) {}

  lookup(absolutePath: string, textHash: string): Int32Array | undefined {
    this.open();
    const entry = this.entries.get(absolutePath);
    if (!entry || entry[1] !== textHash) return undefined;
    const bytes = this.readBytes(entry);
    // Taken only where the bytes are those the header hashed.
    if (!bytes || contentHash(bytes) !== entry[2]) return undefined;
    const flat = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    this.use(absolutePath, { textHash, flat, bytesHash: entry[2] });
    return flat;
  }

  keep(absolutePath: string, textHash: string, flat: Int32Array): void {
    if (this.used.get(absolutePath)?.textHash === textHash) return;
    if (this.use(absolutePath, { textHash, flat })) this.fresh = true;
  }

  /**
   * Writes the store where this run parsed what it did not hold; an earlier
   * parse is kept where `currentHash` says its file's text is still the
   * same, its bytes copied with their hash (a damaged one stays detectably
   * damaged: `lookup` checks). A failure to write costs the next run its
   * parses, nothing else.
   */
  save(currentHash: (absolutePath: string) => string | undefined): void {
    if (!this.fresh) return this.close();
    this.open();
    const kept: { path: string; textHash: string; bytes: Uint8Array; bytesHash: string }[] = [];
    let size = 0;
    for (const [path, { textHash, flat, bytesHash }] of this.used) {
      const bytes = new Uint8Array(flat.buffer, flat.byteOffset, flat.byteLength);
      kept.push({ path, textHash, bytes, bytesHash: bytesHash ?? contentHash(bytes) });
      size += bytes.byteLength;
    }
    for (const entry of this.entries.values()) {
      const [path, textHash, bytesHash, , length] = entry;
      if (this.used.has(path) || size + length > STORE_BYTES || currentHash(path) !== textHash) continue;
      const bytes = this.readBytes(entry);
      if (!bytes) continue;
      kept.push({ path, textHash, bytes, bytesHash });
      size += length;
    }
    this.close();
    let offset = 0;
    const header: Header = {
      format: PARSE_STORE_FORMAT,
      version: VERSION,
      tool: this.tool,
      build: this.build,
      endianness: os.endianness(),
      entries: kept.map(({ path, textHash, bytes, bytesHash }) => {
        const entry: Entry = [path, textHash, bytesHash, offset, bytes.byteLength];
        offset += bytes.byteLength;
        return entry;
      }),
    };
    try {
      writeWhole(this.file, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), ...kept.map((k) => k.bytes)]));
    } catch {
      // The next run parses again what it needs.
    }
  }

  private use(absolutePath: string, parse: { textHash: string; flat: Int32Array; bytesHash?: string }): boolean {
    if (this.usedBytes + parse.flat.byteLength > STORE_BYTES) return false;
    this.used.set(absolutePath, parse);
    this.usedBytes += parse.flat.byteLength;
    return true;
  }

  /** Reads the header (once); a store of another declint, build or byte order, or damaged, holds nothing. */
  private open(): void {
    if (this.opened) return;
    this.opened = true;
    let fd: number | undefined;
    try {
      fd = fs.openSync(this.file, 'r');
      const { header, bodyStart } = readHeader(fd);
      if (header?.format === PARSE_STORE_FORMAT && header.version === VERSION && header.tool === this.tool && header.build === this.build && header.endianness === os.endianness()) {
        for (const entry of header.entries) this.entries.set(entry[0], entry);
        this.bodyStart = bodyStart;
        this.fd = fd;
        return;
      }
    } catch {
      // No store yet, or one that cannot be read: nothing is taken from it.
    }
    if (fd !== undefined) fs.closeSync(fd);
  }

  private close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  /** An entry's bytes as the file holds them (a buffer of their own, aligned for an Int32Array); undefined where they cannot be read whole. */
  private readBytes([, , , offset, length]: Entry): Buffer | undefined {
    if (this.fd === undefined || length % 4 !== 0) return undefined;
    const buffer = Buffer.allocUnsafeSlow(length);
    try {
      return fs.readSync(this.fd, buffer, 0, length, this.bodyStart + offset) === length ? buffer : undefined;
    } catch {
      return undefined;
    }
  }
}

/** The header line and where the parses start; no header where the first line is not one. */
function readHeader(fd: number): { header: Header | undefined; bodyStart: number } {
  let size = 64 * 1024;
  for (;;) {
    const buffer = Buffer.alloc(size);
    const read = fs.readSync(fd, buffer, 0, size, 0);
    const newline = buffer.subarray(0, read).indexOf(0x0a);
    if (newline >= 0) return { header: parseHeader(buffer.toString('utf8', 0, newline)), bodyStart: newline + 1 };
    if (read < size || size >= MAX_HEADER_BYTES) return { header: undefined, bodyStart: 0 };
    size *= 4;
  }
}

function parseHeader(text: string): Header | undefined {
  try {
    const header = JSON.parse(text) as Header;
    const isEntry = (e: unknown) =>
      Array.isArray(e) && e.length === 5 && typeof e[0] === 'string' && typeof e[1] === 'string' && typeof e[2] === 'string' && Number.isInteger(e[3]) && e[3] >= 0 && Number.isInteger(e[4]) && e[4] >= 0;
    return typeof header === 'object' && header !== null && Array.isArray(header.entries) && header.entries.every(isEntry) ? header : undefined;
  } catch {
    return undefined;
  }
}
