'use strict';
/**
 * Baseline for `npm run bench`: list, read and tree-sitter-parse every `.nix` file under DIR,
 * doing nothing else. Run as its own process so its peak RSS is its own.
 *
 *   node bench/bare-parse.js DIR
 *
 * Prints one line: BENCH_RESULT {"files","bytes","ms","parseErrors","maxRssKb"}.
 * `ms` covers listing + reading + parsing (not loading tree-sitter), like the check's figure.
 */

const fs = require('fs');
const path = require('path');
const Parser = require('tree-sitter');
const Nix = require('../grammars/nix');

// Let finalizers run every this many files (see below).
const YIELD_EVERY = 200;

async function main() {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: node bench/bare-parse.js DIR');

  const parser = new Parser();
  parser.setLanguage(Nix);

  const t0 = process.hrtime.bigint();
  const files = fs
    .readdirSync(dir, { recursive: true })
    .filter((p) => p.endsWith('.nix'))
    .sort();

  let bytes = 0;
  let parseErrors = 0;
  for (let i = 0; i < files.length; i++) {
    const buf = fs.readFileSync(path.join(dir, files[i]));
    bytes += buf.length;
    const text = buf.toString('utf8');
    // Same call as src/nix/parser.ts: a buffer large enough to hand over the whole file at once.
    const tree = parser.parse(text, undefined, { bufferSize: Math.max(32 * 1024, text.length * 2 + 2) });
    if (tree.rootNode.hasError) parseErrors++;
    // node tree-sitter frees a Tree's native memory only from a GC finalizer; finalizers need
    // the event loop to turn, so a fully synchronous loop lets RSS grow with every file.
    if ((i + 1) % YIELD_EVERY === 0) await new Promise(setImmediate);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;

  return { files: files.length, bytes, ms, parseErrors, maxRssKb: process.resourceUsage().maxRSS };
}

main().then(
  (result) => process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`),
  (err) => {
    process.stdout.write(`BENCH_RESULT ${JSON.stringify({ error: String((err && err.stack) || err) })}\n`);
    process.exitCode = 1;
  },
);
