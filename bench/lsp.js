'use strict';
/**
 * `npm run bench:lsp`: latency and memory of `declint lsp --stdio` while typing.
 *
 *   npm run bench:lsp -- [--edits N] [--kind-edits K] [--memory-edits M] [--lines L] [--debounce MS] [--seed S] [--keep] [--profile DIR]
 *   npm run bench:lsp -- --dir PATH --file FILE [same options but --lines, --keep]
 *
 * The workspace is either generated (bench/generate.js: 199 files, seed 42, plus a 2,000-line
 * module, `--lines`, imported by the first host) or, with `--dir`, an existing directory (a
 * fetched fleet) with `--file` the module to type in, relative to it. An existing workspace is
 * only read: the edits live in the editor's buffer, never on disk.
 *
 * Starts the built server as a child process, waits for the workspace index, opens the module,
 * then types one keystroke at a time, each undone by the next, and records for each the time
 * from sending `didChange` to receiving the `publishDiagnostics` of that version:
 *   - value: N (default 500) letters typed into string values and deleted again;
 *   - name: K (default 40) letters typed into an option's name (the binding's definitions move);
 *   - syntax slip: K quotes typed into string values (the file stops parsing), each undone.
 * Sites are found in the module's text: `name = "…";` lines for values and quotes, any
 * `name… =` binding whose path starts with a plain identifier for names. Each kind reports
 * p50/p95 of the keystrokes and of their undoing, in wall time and in the server's CPU time
 * (every thread, from /proc/PID/task/TID/schedstat on Linux: what a shared machine's load does not
 * change). `--debounce` sets the server's `debounceMs` (default: the server's own).
 *
 * Then M more value edits (default 10,000; 0 to skip) sent in groups of 10, waiting for the
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
    dir: { type: 'string' },
    file: { type: 'string' },
    edits: { type: 'string', default: '500' },
    'kind-edits': { type: 'string', default: '40' },
    lines: { type: 'string', default: '2000' },
    'memory-edits': { type: 'string', default: '10000' },
    debounce: { type: 'string' },
    seed: { type: 'string', default: '42' },
    keep: { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const EDITS = Number(values.edits);
const KIND_EDITS = Number(values['kind-edits']);
const MEMORY_EDITS = Number(values['memory-edits']);
const SEED = Number(values.seed);
const BIG_LINES = Number(values.lines);

function bigModule() {
  const lines = ['{ config, lib, pkgs, ... }:', '', '{', '  services.openssh.enable = true;', '  services.openssh.settings.PermitRootLogin = "yes";'];
  for (let i = lines.length; lines.length < BIG_LINES - 1; i++) lines.push(`  environment.etc."bench/file-${i}".text = "generated line ${i} of the benchmark module";`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/**
 * Where keystrokes go in a module's text: inside the string of a `name = "…";` line (values and
 * quotes), and at the end of the first identifier of a binding's path (names). Lines before the
 * first `{` line (the module's arguments) are left out.
 */
function editSites(text) {
  const lines = text.split('\n');
  const values = [];
  const names = [];
  const body = lines.findIndex((l) => /^\s*\{\s*$|\{\s*$/.test(l)) + 1;
  for (let line = Math.max(1, body); line < lines.length; line++) {
    const l = lines[line];
    const value = /=\s*"([^"\\$]+)"\s*;/.exec(l);
    if (value) values.push({ line, start: value.index + value[0].indexOf('"') + 1, length: value[1].length });
    const name = /^(\s*)([A-Za-z_][A-Za-z0-9_'-]*)(\.[A-Za-z0-9_'".\/-]+)?\s*=[^=>]/.exec(l);
    if (name && !['let', 'in', 'inherit', 'with', 'rec', 'if', 'then', 'else'].includes(name[2])) names.push({ line, character: name[1].length + name[2].length });
  }
  return { values, names };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** {p50, p95} of a list of numbers, to a tenth. */
function percentiles(list, ps = [50, 95]) {
  const sorted = list.slice().sort((a, b) => a - b);
  return Object.fromEntries(ps.map((p) => [`p${p}`, +percentile(sorted, p).toFixed(1)]));
}

/**
 * CPU milliseconds the server has run so far, every thread (GC helpers included), from the
 * scheduler's nanosecond counters (Linux); undefined elsewhere. Wall latency on a shared machine
 * follows the neighbours' load; the server's CPU per keystroke does not.
 */
function serverCpuMs(pid) {
  try {
    let ns = 0;
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    }
    return ns / 1e6;
  } catch {
    return undefined;
  }
}

function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

/** The generated workspace: 199 files and the big module, imported by the first host. */
function generatedWorkspace() {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'declint-bench-lsp-')));
  const summary = generate({ dir, files: 199, seed: SEED });
  const host = fs.readdirSync(path.join(dir, 'hosts')).sort()[0];
  const hostFile = path.join(dir, 'hosts', host, 'configuration.nix');
  fs.writeFileSync(hostFile, fs.readFileSync(hostFile, 'utf8').replace('imports = [', 'imports = [\n    ../../modules/big.nix'));
  const text = bigModule();
  fs.writeFileSync(path.join(dir, 'modules', 'big.nix'), text);
  return { dir, file: path.join(dir, 'modules', 'big.nix'), text, generated: true, describe: `${summary.nixFiles + 1} files (${summary.hosts} hosts), module of ${BIG_LINES} lines` };
}

/** An existing workspace, read only. */
function existingWorkspace() {
  if (!values.file) throw new Error('--dir needs --file FILE, the module to type in (relative to the directory)');
  const dir = fs.realpathSync(path.resolve(values.dir));
  const file = path.join(dir, values.file);
  if (!fs.existsSync(file)) throw new Error(`--file ${values.file}: no such file in ${dir}`);
  const text = fs.readFileSync(file, 'utf8');
  const nix = fs.readdirSync(dir, { recursive: true }).filter((p) => p.endsWith('.nix')).length;
  return { dir, file, text, generated: false, describe: `${dir}: ${nix} .nix files, module ${values.file} of ${text.split('\n').length} lines` };
}

async function main() {
  const workspace = values.dir ? existingWorkspace() : generatedWorkspace();
  const { dir } = workspace;
  const sites = editSites(workspace.text);
  if (sites.values.length === 0) throw new Error(`${workspace.file}: no \`name = "…";\` line to type into`);
  if (sites.names.length === 0) throw new Error(`${workspace.file}: no binding whose name starts with an identifier`);

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

  const uri = pathToFileURL(workspace.file).href;
  let version = 1;
  const opened = waitFor(uri, version);
  await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'nix', version, text: workspace.text } });
  await opened;

  const rng = mulberry32(SEED);
  const pick = (list) => list[Math.floor(rng() * list.length)];
  const letter = () => String.fromCharCode(97 + Math.floor(rng() * 26));
  let pending; // the inserted character to delete next: {line, character}
  const nextEdit = () => {
    if (pending) {
      const at = pending;
      pending = undefined;
      return { range: { start: at, end: { line: at.line, character: at.character + 1 } }, text: '' };
    }
    // A letter somewhere in the last ten characters of a string value.
    const site = pick(sites.values);
    pending = { line: site.line, character: site.start + site.length - 1 - Math.floor(rng() * Math.min(10, site.length)) };
    return { range: { start: pending, end: pending }, text: letter() };
  };

  /** Sends one change and waits for its diagnostics: wall ms, and the server's CPU ms meanwhile. */
  const keystroke = async (change) => {
    version++;
    const published = waitFor(uri, version);
    const cpu = serverCpuMs(child.pid);
    const sent = process.hrtime.bigint();
    await connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [change] });
    const ms = Number((await published) - sent) / 1e6;
    return { ms, cpuMs: cpu === undefined ? undefined : serverCpuMs(child.pid) - cpu };
  };
  const cpuKnown = serverCpuMs(child.pid) !== undefined;

  const latencies = [];
  const cpuTimes = [];
  for (let i = 0; i < EDITS; i++) {
    const { ms, cpuMs } = await keystroke(nextEdit());
    latencies.push(ms);
    cpuTimes.push(cpuMs);
  }
  const rssAfterEdits = rssMb(child.pid);
  const heapAfterEdits = await liveHeap();
  latencies.sort((a, b) => a - b);

  // Other keystrokes, each undone by the next: a letter typed into an option's name (the binding's definitions move),
  // and a quote typed into a value (the file stops parsing for a moment, and parses again after the undo).
  const otherKinds = {};
  const kinds = [
    ['name', () => ({ at: pick(sites.names), text: letter() })],
    ['syntax slip', () => {
      const site = pick(sites.values);
      return { at: { line: site.line, character: site.start + Math.floor(rng() * site.length) }, text: '"' };
    }],
  ];
  for (const [kind, site] of kinds) {
    const typed = [];
    const undone = [];
    for (let i = 0; i < KIND_EDITS; i++) {
      const { at, text } = site();
      typed.push(await keystroke({ range: { start: at, end: at }, text }));
      undone.push(await keystroke({ range: { start: at, end: { line: at.line, character: at.character + 1 } }, text: '' }));
    }
    otherKinds[kind] = {
      typed: percentiles(typed.map((k) => k.ms)),
      undone: percentiles(undone.map((k) => k.ms)),
      ...(cpuKnown ? { serverCpu: { typed: percentiles(typed.map((k) => k.cpuMs)), undone: percentiles(undone.map((k) => k.cpuMs)) } } : {}),
    };
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
  if (workspace.generated && !values.keep) fs.rmSync(dir, { recursive: true, force: true });

  const result = {
    workspace: workspace.describe,
    edits: EDITS,
    debounceMs: values.debounce !== undefined ? Number(values.debounce) : 'server default',
    indexMs: Math.round(indexMs),
    latencyMs: { ...percentiles(latencies, [50, 95, 99]), max: +latencies[latencies.length - 1].toFixed(1) },
    ...(cpuKnown ? { serverCpuMs: percentiles(cpuTimes) } : {}),
    rssMb: { indexed: Math.round(rssIndexed), afterEdits: Math.round(rssAfterEdits) },
    heapMbAfterEdits: Math.round(heapAfterEdits.heapMb),
    otherKeystrokesMs: otherKinds,
    memoryEdits: memory,
    targetP95Ms: TARGET_P95_MS,
  };
  console.log(`workspace: ${workspace.describe}${workspace.generated && values.keep ? ` in ${dir}` : ''}`);
  console.log(`index: ${result.indexMs} ms, RSS ${result.rssMb.indexed} MB`);
  const cpu = (c) => (c ? `; server CPU p50 ${c.p50} ms, p95 ${c.p95} ms` : '');
  console.log(`didChange -> publishDiagnostics, value keystrokes (${EDITS}, typed and deleted; debounce ${result.debounceMs}): p50 ${result.latencyMs.p50} ms, p95 ${result.latencyMs.p95} ms, p99 ${result.latencyMs.p99} ms, max ${result.latencyMs.max} ms (target p95 <= ${TARGET_P95_MS} ms)${cpu(result.serverCpuMs)}`);
  console.log(`RSS after the edits: ${result.rssMb.afterEdits} MB; live heap ${result.heapMbAfterEdits} MB`);
  for (const [k, v] of Object.entries(otherKinds)) {
    const serverCpu = v.serverCpu ? `; server CPU typed p50 ${v.serverCpu.typed.p50} ms, p95 ${v.serverCpu.typed.p95} ms, undone p50 ${v.serverCpu.undone.p50} ms, p95 ${v.serverCpu.undone.p95} ms` : '';
    console.log(`${k} keystrokes (${KIND_EDITS}): typed p50 ${v.typed.p50} ms, p95 ${v.typed.p95} ms; undone p50 ${v.undone.p50} ms, p95 ${v.undone.p95} ms${serverCpu}`);
  }
  if (memory.length) console.log(`across ${MEMORY_EDITS} more edits, RSS / live heap / external: ${memory.map((m) => `${m.edits}: ${m.rssMb} / ${m.heapMb} / ${m.externalMb} MB`).join(', ')}`);
  console.log(`BENCH_JSON ${JSON.stringify(result)}`);
}

main().catch((error) => {
  console.error(`bench:lsp: ${error.stack || error}`);
  process.exit(1);
});
