'use strict';
/**
 * `npm run bench:lsp`: latency and memory of `declint lsp --stdio` while typing.
 *
 *   npm run bench:lsp -- [--edits N] [--memory-edits M] [--lines L] [--debounce MS] [--seed S] [--keep] [--profile DIR]
 *
 * Generates a 200-file workspace (bench/generate.js: 199 files, seed 42) plus a 2,000-line
 * module (`--lines`) imported by one host, starts the built server as a child process, waits for the
 * workspace index, opens the module, then applies N (default 500) single-character edits
 * (insert a character in a string on a random line, then delete it, alternately), one at a
 * time. For each it records the time from sending `didChange` to receiving the
 * `publishDiagnostics` of that version: p50/p95/p99. `--debounce` sets the server's
 * `debounceMs` (default: the server's own default). Then 20 letters typed into option
 * names and 20 quotes typed into values (the file stops parsing), each undone by the next
 * edit: p50 of each.
 *
 * Then M more edits (default 10,000; 0 to skip) sent in groups of 10, waiting for the
 * diagnostics of each group's last version, sampling every 1,000 edits the server's RSS and its
 * live heap after a full collection (bench/heap-probe.js, preloaded into the server): memory
 * must not grow with the number of edits.
 * `--profile DIR` writes the server's CPU profile (node --cpu-prof) into DIR.
 * The last line of output is `BENCH_JSON {...}`.
 */

const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseArgs } = require('util');
const { pathToFileURL } = require('url');
const { createProtocolConnection, StreamMessageReader, StreamMessageWriter } = require('vscode-languageserver-protocol/node');
const { generate, mulberry32 } = require('./generate');

const ROOT = path.join(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'declint.js');
const TARGET_P95_MS = 30;


const { values } = parseArgs({
  options: {
    edits: { type: 'string', default: '500' },
    lines: { type: 'string', default: '2000' },
    'memory-edits': { type: 'string', default: '10000' },
    debounce: { type: 'string' },
    seed: { type: 'string', default: '42' },
    keep: { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const EDITS = Number(values.edits);
const MEMORY_EDITS = Number(values['memory-edits']);
const SEED = Number(values.seed);
const BIG_LINES = Number(values.lines);

function bigModule() {
  const lines = ['{ config, lib, pkgs, ... }:', '', '{', '  services.openssh.enable = true;', '  services.openssh.settings.PermitRootLogin = "yes";'];
  for (let i = lines.length; lines.length < BIG_LINES - 1; i++) lines.push(`  environment.etc."bench/file-${i}".text = "generated line ${i} of the benchmark module";`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

async function main() {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'declint-bench-lsp-')));
  const summary = generate({ dir, files: 199, seed: SEED });
  const host = fs.readdirSync(path.join(dir, 'hosts')).sort()[0];
  const hostFile = path.join(dir, 'hosts', host, 'configuration.nix');
  fs.writeFileSync(hostFile, fs.readFileSync(hostFile, 'utf8').replace('imports = [', 'imports = [\n    ../../modules/big.nix'));
  const bigText = bigModule();
  fs.writeFileSync(path.join(dir, 'modules', 'big.nix'), bigText);
  const fileCount = summary.nixFiles + 1;

  const nodeArgs = ['--expose-gc', '-r', path.join(__dirname, 'heap-probe.js'), ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values.profile)}`] : [])];
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'lsp', '--stdio'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  // The heap probe's answers come on standard error; everything else there is passed through.
  let heapAnswer;
  let stderrRest = '';
  child.stderr.on('data', (chunk) => {
    stderrRest += chunk;
    let newline;
    while ((newline = stderrRest.indexOf('\n')) >= 0) {
      const line = stderrRest.slice(0, newline);
      stderrRest = stderrRest.slice(newline + 1);
      const heap = /^DECLINT_HEAP (\d+) (\d+)$/.exec(line);
      if (heap && heapAnswer) heapAnswer({ heapMb: Number(heap[1]) / 2 ** 20, externalMb: Number(heap[2]) / 2 ** 20 });
      else process.stderr.write(`${line}\n`);
    }
  });
  const liveHeap = () => new Promise((resolve) => {
    heapAnswer = resolve;
    child.kill('SIGUSR2');
  });
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const waiting = new Map();
  let indexed;
  const indexedPromise = new Promise((resolve) => (indexed = resolve));
  connection.onNotification('textDocument/publishDiagnostics', (params) => {
    const w = waiting.get(`${params.uri}#${params.version}`);
    if (w) w(process.hrtime.bigint());
  });
  connection.onNotification('$/progress', (p) => {
    if (p.value.kind === 'end') indexed(process.hrtime.bigint());
  });
  connection.onRequest('window/workDoneProgress/create', () => null);
  connection.onRequest('client/registerCapability', () => null);
  connection.onNotification('window/logMessage', () => {});
  connection.listen();
  const waitFor = (uri, version) => new Promise((resolve) => waiting.set(`${uri}#${version}`, resolve));

  const started = process.hrtime.bigint();
  await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(dir).href,
    capabilities: { window: { workDoneProgress: true }, textDocument: { publishDiagnostics: { versionSupport: true } } },
    initializationOptions: values.debounce !== undefined ? { debounceMs: Number(values.debounce) } : {},
  });
  await connection.sendNotification('initialized', {});
  const indexEnd = await indexedPromise;
  const indexMs = Number(indexEnd - started) / 1e6;
  const rssIndexed = rssMb(child.pid);

  const uri = pathToFileURL(path.join(dir, 'modules', 'big.nix')).href;
  let version = 1;
  let opened = waitFor(uri, version);
  await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'nix', version, text: bigText } });
  await opened;

  const rng = mulberry32(SEED);
  const lines = bigText.split('\n');
  let pending; // the inserted character to delete next: {line, character}
  const nextEdit = () => {
    if (pending) {
      const at = pending;
      pending = undefined;
      return { range: { start: at, end: { line: at.line, character: at.character + 1 } }, text: '' };
    }
    const line = 5 + Math.floor(rng() * (BIG_LINES - 8));
    const quote = lines[line].lastIndexOf('"');
    const character = quote - 1 - Math.floor(rng() * 10);
    pending = { line, character };
    return { range: { start: pending, end: pending }, text: String.fromCharCode(97 + Math.floor(rng() * 26)) };
  };

  const latencies = [];
  for (let i = 0; i < EDITS; i++) {
    version++;
    const published = waitFor(uri, version);
    const sent = process.hrtime.bigint();
    await connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [nextEdit()] });
    latencies.push(Number((await published) - sent) / 1e6);
  }
  const rssAfterEdits = rssMb(child.pid);
  const heapAfterEdits = await liveHeap();
  latencies.sort((a, b) => a - b);

  // Other keystrokes, each undone by the next: a letter typed into an option's name (the module is read again),
  // and a quote typed into a value (the file stops parsing for a moment, and parses again after the undo).
  const otherKinds = {};
  for (const [kind, character, text] of [['name', 8, 'a'], ['syntax slip', 50, '"']]) {
    const typed = [];
    const undone = [];
    for (let i = 0; i < 20; i++) {
      const at = { line: 10 + i * 97, character };
      for (const [change, into] of [[{ range: { start: at, end: at }, text }, typed], [{ range: { start: at, end: { line: at.line, character: character + 1 } }, text: '' }, undone]]) {
        version++;
        const published = waitFor(uri, version);
        const sent = process.hrtime.bigint();
        await connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [change] });
        into.push(Number((await published) - sent) / 1e6);
      }
    }
    typed.sort((a, b) => a - b);
    undone.sort((a, b) => a - b);
    otherKinds[kind] = { typedP50: +percentile(typed, 50).toFixed(1), undoneP50: +percentile(undone, 50).toFixed(1) };
  }

  const memory = [];
  for (let i = 1; i <= MEMORY_EDITS; i++) {
    version++;
    const last = i % 10 === 0 || i === MEMORY_EDITS;
    const published = last ? waitFor(uri, version) : undefined;
    await connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [nextEdit()] });
    if (published) await published;
    if (i % 1000 === 0) {
      const heap = await liveHeap();
      memory.push({ edits: i, rssMb: Math.round(rssMb(child.pid)), heapMb: Math.round(heap.heapMb), externalMb: Math.round(heap.externalMb) });
    }
  }

  await connection.sendRequest('shutdown');
  await connection.sendNotification('exit');
  await new Promise((resolve) => child.once('exit', resolve));
  connection.dispose();
  if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });

  const result = {
    files: fileCount,
    hosts: summary.hosts,
    moduleLines: BIG_LINES,
    edits: EDITS,
    debounceMs: values.debounce !== undefined ? Number(values.debounce) : 'server default',
    indexMs: Math.round(indexMs),
    latencyMs: { p50: +percentile(latencies, 50).toFixed(1), p95: +percentile(latencies, 95).toFixed(1), p99: +percentile(latencies, 99).toFixed(1), max: +latencies[latencies.length - 1].toFixed(1) },
    rssMb: { indexed: Math.round(rssIndexed), afterEdits: Math.round(rssAfterEdits) },
    heapMbAfterEdits: Math.round(heapAfterEdits.heapMb),
    otherKeystrokesMs: otherKinds,
    memoryEdits: memory,
    targetP95Ms: TARGET_P95_MS,
  };
  console.log(`workspace: ${fileCount} files (${summary.hosts} hosts), module of ${BIG_LINES} lines${values.keep ? ` in ${dir}` : ''}`);
  console.log(`index: ${result.indexMs} ms, RSS ${result.rssMb.indexed} MB`);
  console.log(`didChange -> publishDiagnostics over ${EDITS} edits (debounce ${result.debounceMs}): p50 ${result.latencyMs.p50} ms, p95 ${result.latencyMs.p95} ms, p99 ${result.latencyMs.p99} ms, max ${result.latencyMs.max} ms (target p95 <= ${TARGET_P95_MS} ms)`);
  console.log(`RSS after the edits: ${result.rssMb.afterEdits} MB; live heap ${result.heapMbAfterEdits} MB`);
  console.log(`other keystrokes, p50 of 20 (typed / undone): ${Object.entries(otherKinds).map(([k, v]) => `${k} ${v.typedP50} / ${v.undoneP50} ms`).join(', ')}`);
  if (memory.length) console.log(`across ${MEMORY_EDITS} more edits, RSS / live heap / external: ${memory.map((m) => `${m.edits}: ${m.rssMb} / ${m.heapMb} / ${m.externalMb} MB`).join(', ')}`);
  console.log(`BENCH_JSON ${JSON.stringify(result)}`);
}

main().catch((error) => {
  console.error(`bench:lsp: ${error.stack || error}`);
  process.exit(1);
});
