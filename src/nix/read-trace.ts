/**
 * What an evaluation read of the scanned tree, for the result cache
 * (`check --cache`): while a trace is open, every read (a module loaded, a
 * `readFile`, a `readDir`, a `pathExists`) is noted as one string that names
 * the read and what it saw. A thunk keeps the reads made while it was
 * computed and notes them again each time it is forced later, so that a
 * value shared between hosts (a library imported once per session) charges
 * its reads to every host that uses it, not only to the first.
 *
 * Without an open trace nothing is noted and a thunk keeps nothing.
 */
export const readTrace: { reads: string[] | undefined } = { reads: undefined };

/** Whether reads are being traced (a reader computes what it saw only then). */
export function tracing(): boolean {
  return readTrace.reads !== undefined;
}

export function noteRead(read: string): void {
  readTrace.reads?.push(read);
}

/**
 * Runs `run` with a trace of its own and returns what it read (each read
 * once); the reads are noted in the enclosing trace too.
 */
export function traceReads<T>(run: () => T): { result: T; reads: string[] } {
  return traceInto(run, readTrace.reads);
}

/** Runs `run` with a trace of its own and returns what it read, each read once, noted in `into` too. */
function traceInto<T>(run: () => T, into: string[] | undefined): { result: T; reads: string[] } {
  const outer = readTrace.reads;
  const reads: string[] = [];
  readTrace.reads = reads;
  let result: T;
  try {
    result = run();
  } finally {
    readTrace.reads = outer;
  }
  const unique = [...new Set(reads)];
  if (into) for (const read of unique) into.push(read);
  return { result, reads: unique };
}

/**
 * The reads noted in `reads` since `start`, each once, left in `reads` in
 * that form (a thunk's reads, kept on it): a value read many times inside
 * one computation does not make the trace grow with every read.
 */
export function keepReadsSince(reads: string[], start: number): string[] {
  // Indexed loops, no iterators: this runs for every thunk that read the tree, mostly in code not yet optimized.
  const seen = new Set<string>();
  const own: string[] = [];
  for (let i = start; i < reads.length; i++) {
    const read = reads[i];
    if (seen.has(read)) continue;
    seen.add(read);
    own.push(read);
  }
  reads.length = start;
  for (let i = 0; i < own.length; i++) reads.push(own[i]);
  return own;
}

/** Notes again the reads a value was computed from, when it is used from memory. */
export function replayReads(own: readonly string[]): void {
  const reads = readTrace.reads;
  if (reads) for (let i = 0; i < own.length; i++) reads.push(own[i]);
}

/** Where the reads of the parts run by `traceApart` go while `collectApart` runs; none outside it. */
const apart: { reads: string[] | undefined } = { reads: undefined };

/**
 * Runs `run` as one part of a computation whose other parts do not depend
 * on it (one host's part of host discovery: what its definition is) and
 * returns what it read, each read once. Inside `collectApart` those reads
 * go to it instead of the enclosing trace, which then holds what the
 * computation read for every part (a value first computed in one part and
 * used in another notes its reads again there: thunks keep them); anywhere
 * else they go to the enclosing trace, as with `traceReads`. Never called
 * while a thunk is computed: the thunk would not keep the part's reads.
 */
export function traceApart<T>(run: () => T): { result: T; reads: string[] } {
  if (!tracing()) return { result: run(), reads: [] };
  return traceInto(run, apart.reads ?? readTrace.reads);
}

/**
 * Runs `run` with a trace of its own, as `traceReads`, and gives apart what
 * the parts it ran by `traceApart` read (`partReads`): `reads` is what it
 * read outside them. The enclosing trace, if any, is told both.
 */
export function collectApart<T>(run: () => T): { result: T; reads: string[]; partReads: string[] } {
  const before = apart.reads;
  const collected: string[] = [];
  apart.reads = collected;
  let traced: { result: T; reads: string[] };
  try {
    traced = traceReads(run);
  } finally {
    apart.reads = before;
  }
  const partReads = [...new Set(collected)];
  replayReads(partReads);
  return { ...traced, partReads };
}
