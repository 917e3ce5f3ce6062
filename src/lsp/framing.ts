import { AbstractMessageReader, DataCallback, Disposable, Message, MessageReader } from 'vscode-languageserver/node';

/**
 * Reads LSP messages (`Content-Length: n\r\n\r\n` + n bytes of JSON) from a
 * stream, and survives a client that frames one wrongly: a header without a
 * valid length, a length that does not match the body, a body that is not
 * JSON. The bad bytes are reported (`onProblem`) and skipped up to the next
 * `Content-Length:` header, where reading goes on, so that the next good
 * message (`shutdown`, an edit) is answered. vscode-jsonrpc's own reader
 * stops for good at the first such error.
 */
export class ResyncingMessageReader extends AbstractMessageReader implements MessageReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** How far a pending body was searched for a header inside it. */
  private searchedTo = 0;
  private callback: DataCallback | undefined;

  constructor(
    private readonly input: NodeJS.ReadableStream,
    private readonly onProblem: (message: string) => void,
  ) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer | string) => this.receive(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    const onEnd = () => this.fireClose();
    const onError = (error: Error) => this.fireError(error);
    this.input.on('data', onData);
    this.input.on('end', onEnd);
    this.input.on('close', onEnd);
    this.input.on('error', onError);
    return Disposable.create(() => {
      this.input.removeListener('data', onData);
      this.input.removeListener('end', onEnd);
      this.input.removeListener('close', onEnd);
      this.input.removeListener('error', onError);
    });
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length > 0) {
      // A message starts with a header: bytes before one (left over from a bad message) are dropped.
      const first = headerStart(this.buffer);
      if (first < 0) {
        if (!isHeaderPrefix(this.buffer)) this.skip(0, 'bytes outside any message');
        return;
      }
      if (first > 0) this.skip(first, 'bytes outside any message');
      const end = this.buffer.indexOf(HEADER_END);
      if (end < 0) {
        // Garbage with no header end in sight: keep only what may be the start of a header.
        if (this.buffer.length > MAX_HEADER_BYTES) this.skip(this.buffer.length - MAX_HEADER_BYTES, 'a header longer than any client sends');
        return;
      }
      const length = contentLength(this.buffer.toString('ascii', 0, end));
      if (length === undefined || length > MAX_MESSAGE_BYTES) {
        // Read on from the next header after this one's start: the broken header may run into the next message.
        this.skip(1, length === undefined ? 'a header without a valid Content-Length' : `a message of ${length} bytes`);
        continue;
      }
      const start = end + HEADER_END.length;
      // A length too large swallows the next message. A complete header inside the body (raw line breaks,
      // which a JSON body cannot hold outside strings nor inside them) is the next message: this one ends there.
      const inner = this.innerHeader(start, start + length);
      if (inner < 0 && this.buffer.length < start + length) return;
      if (inner >= 0) {
        const cut = parseMessage(this.buffer.toString('utf8', start, inner));
        this.onProblem(`declint: a message on standard input was shorter than its Content-Length (${length}); read up to the next header`);
        this.buffer = this.buffer.subarray(inner);
        this.searchedTo = 0;
        if (cut) this.callback?.(cut);
        continue;
      }
      this.searchedTo = 0;
      const message = parseMessage(this.buffer.toString('utf8', start, start + length));
      if (!message) {
        // A wrong length cuts a message or swallows the next one's start: read on from the next header after this one's.
        const next = this.buffer.indexOf(HEADER_NAME, HEADER_NAME.length);
        this.skip(next < 0 ? start + length : next, 'a body that is not a JSON message (a wrong Content-Length?)');
        continue;
      }
      this.buffer = this.buffer.subarray(start + length);
      this.callback?.(message);
    }
  }

  /** Where a complete header starts in [from, to) (-1 if none), searching only what arrived since the last search. */
  private innerHeader(from: number, to: number): number {
    const begin = Math.max(from, this.searchedTo - MAX_HEADER_BYTES);
    const end = Math.min(to + MAX_HEADER_BYTES, this.buffer.length);
    this.searchedTo = end;
    const text = this.buffer.toString('latin1', begin, end);
    const match = /Content-(?:Length:[ \t]*\d+[ \t]*|Type:[^\r\n"{}]*)\r\n(?:[A-Za-z][A-Za-z0-9-]*:[^\r\n"{}]*\r\n)*\r\n/i.exec(text);
    // A header that starts where the body ends is the next message, properly framed.
    return match && begin + match.index < to ? begin + match.index : -1;
  }

  /** Drops `count` bytes, and any further bytes before the next header. */
  private skip(count: number, what: string): void {
    let rest = this.buffer.subarray(count);
    const next = headerStart(rest);
    // No header yet: keep the last bytes, which may be the beginning of one.
    rest = next < 0 ? rest.subarray(Math.max(0, rest.length - HEADER_NAME.length)) : rest.subarray(next);
    this.buffer = Buffer.from(rest);
    this.searchedTo = 0;
    this.onProblem(`declint: skipped ${what} on standard input; reading on from the next Content-Length header`);
  }
}

const HEADER_END = Buffer.from('\r\n\r\n', 'ascii');
const HEADER_NAME = Buffer.from('Content-Length:', 'ascii');
/** No client sends headers longer than this (Content-Length and Content-Type). */
const MAX_HEADER_BYTES = 8 * 1024;
/** A document of 64 MiB is far larger than any editor sends; a larger length is a framing error. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** A JSON-RPC message (an object), or undefined for anything else. */
function parseMessage(text: string): Message | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Message) : undefined;
  } catch {
    return undefined;
  }
}

/** Where the first header of a message begins (`Content-Length:` or `Content-Type:`), or -1. */
function headerStart(buffer: Buffer): number {
  const found = [buffer.indexOf(HEADER_NAME), buffer.indexOf(CONTENT_TYPE)].filter((i) => i >= 0);
  return found.length ? Math.min(...found) : -1;
}

const CONTENT_TYPE = Buffer.from('Content-Type:', 'ascii');

/** Whether the buffer may be the beginning of a header still arriving (`Content-Le`). */
function isHeaderPrefix(buffer: Buffer): boolean {
  return [HEADER_NAME, CONTENT_TYPE].some((name) => buffer.length < name.length && name.subarray(0, buffer.length).equals(buffer));
}

/** The length a header block gives; undefined unless every line of it is a header field (a missing line break runs a header into a body). */
function contentLength(header: string): number | undefined {
  let length: number | undefined;
  for (const line of header.split('\r\n')) {
    if (!/^[A-Za-z][A-Za-z0-9-]*:[ \t]*\S/.test(line)) return undefined;
    const match = /^content-length:\s*(\d+)\s*$/i.exec(line);
    if (match) length = Number(match[1]);
  }
  return length;
}
