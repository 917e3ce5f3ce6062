'use strict';
/**
 * Baseline for `npm run bench`: read files and tree-sitter-parse the `.nix` ones, nothing more.
 * Run as its own process so that its CPU time and peak RSS are its own.
 *
 *   node bench/bare-parse.js --list FILE   the files named in FILE (one absolute path a line):
 *                                          run.js writes there the files declint's discovery finds
 *   node bench/bare-parse.js DIR           every .nix file under DIR
 *
 * Every file listed is read; `.nix` files are parsed with the same grammar and call as
 * src/nix/parser.ts. Other files (YAML, flake.lock, .tf) are read, not parsed: declint reads
 * them to recognise Talos configs, locks and Terraform, a small share of any tree.
 * Prints one line: BENCH_RESULT {"files","nixFiles","bytes","ms","startupCpuMs","parseErrors","maxRssKb"};
 * `ms` covers listing + reading + parsing, not loading tree-sitter; `startupCpuMs` is the CPU
 * spent before (Node's start and loading tree-sitter).
 */

const fs = require('fs');
const path = require('path');
const Parser = require('tree-sitter');
const Nix = require('../grammars/nix');

// Let finalizers run every this many files (see below).
const YIELD_EVERY = 200;

function listed(args) {
  if (args[0] === '--list' && args[1]) return fs.readFileSync(args[1], 'utf8').split('\n').filter(Boolean);
  if (args[0] && !args[0].startsWith('-')) {
    const dir = args[0];
    return fs.readdirSync(dir, { recursive: true }).filter((p) => p.endsWith('.nix')).sort().map((p) => path.join(dir, p));
  }
  throw new Error('usage: node bench/bare-parse.js --list FILE | DIR');
}

async function main() {
  const parser = new Parser();
  parser.setLanguage(Nix);

  const t0 = process.hrtime.bigint();
  const startupCpu = process.cpuUsage();
  const files = listed(process.argv.slice(2));
  let bytes = 0;
  let nixFiles = 0;
  let parseErrors = 0;
  for (let i = 0; i < files.length; i++) {
    const buf = fs.readFileSync(files[i]);
    bytes += buf.length;
    if (!files[i].endsWith('.nix')) continue;
    nixFiles++;
    const text = buf.toString('utf8');
    // Same call as src/nix/parser.ts: a buffer large enough to hand over the whole file at once.
    const tree = parser.parse(text, undefined, { bufferSize: Math.max(32 * 1024, text.length * 2 + 2) });
    if (tree.rootNode.hasError) parseErrors++;
    // node tree-sitter frees a Tree's native memory only from a GC finalizer; finalizers need
    // the event loop to turn, so a fully synchronous loop lets RSS grow with every file.
    if ((i + 1) % YIELD_EVERY === 0) await new Promise(setImmediate);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  // CPU before the work began (Node's start, loading tree-sitter), to compare with the check's own start-up.
  const startupCpuMs = (startupCpu.user + startupCpu.system) / 1000;
  return { files: files.length, nixFiles, bytes, ms, startupCpuMs, parseErrors, maxRssKb: process.resourceUsage().maxRSS };
}

main().then(
  (result) => process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`),
  (err) => {
    process.stdout.write(`BENCH_RESULT ${JSON.stringify({ error: String((err && err.stack) || err) })}\n`);
    process.exitCode = 1;
  },
);
