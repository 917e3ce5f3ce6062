#!/usr/bin/env node
'use strict';
/**
 * declint's fuzz suite: deterministic, seeded mutations of the fixtures, the
 * built-in rules, configurations and the campaign's reproducers (first, as
 * written), run through `declint check` (every output format) and, for some,
 * `declint report`, in worker threads with a watchdog; and JSON-RPC sessions
 * with mangled messages against `declint lsp --stdio`. It reports crashes,
 * hangs, wrong exit codes, lost canaries, printed secrets and rendered markup.
 *
 *   npm run fuzz -- [--count 100000] [--seed 18] [--jobs 2] [--out DIR]
 *
 * Exit code 1 when any input failed; each failing input is saved in --out.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { fork } = require('child_process');
const { inputRandom } = require('./random');
const { mutate } = require('./mutate');
const { loadSeeds, ROOT } = require('./seeds');
const { REPRODUCERS } = require('./reproducers');

/** Shares of the inputs by kind (JSON-RPC messages are counted as inputs too). */
const KINDS = [
  ['nix', 36],
  ['yaml', 22],
  ['flake-lock', 18],
  ['config', 7],
  ['rule', 7],
  ['jsonrpc', 10],
];

/**
 * Past this an input is a hang. Its check is bounded by the per-file
 * evaluation budget (5 s, twice: the file alone and in its hosts); the rest
 * is writing five output formats, and room for a machine shared with other
 * work (wall time, not CPU time, is what the watchdog can see).
 */
const HANG_MS = 120_000;
/** A worker's heap: an input that needs more is a crash, not a machine brought down. */
const WORKER_HEAP_MB = 3072;

function kindOf(rng) {
  let r = rng.int(KINDS.reduce((sum, [, w]) => sum + w, 0));
  for (const [kind, weight] of KINDS) {
    if (r < weight) return kind;
    r -= weight;
  }
  return 'nix';
}

/** Input `index` of a run: the reproducers first, as written, then mutations of seeds. */
function makeInput(seeds, seed, index) {
  const rng = inputRandom(seed, index);
  if (index < REPRODUCERS.length) {
    const r = REPRODUCERS[index];
    const kind = r.path.endsWith('.nix') ? 'nix' : r.path.endsWith('flake.lock') ? 'flake-lock' : 'yaml';
    // The report of a file with tens of thousands of findings is slow by its size, not by a fault: small ones only.
    return { kind, file: `case/${r.path}`, text: r.text, report: r.text.length < 100_000, name: r.name };
  }
  const kind = kindOf(rng);
  if (kind === 'jsonrpc') return { kind };
  const pool = seeds[kind];
  const base = rng.pick(pool);
  const text = rng.chance(0.05) ? base.text : mutate(rng, base.text, kind, rng.pick(pool).text).slice(0, 3 * 1024 * 1024);
  const report = rng.chance(0.04);
  switch (kind) {
    case 'config':
      return { kind, file: '.declint.yaml', text, report };
    case 'rule':
      return { kind, file: `case-rules/${base.target}/${base.name}`, text, args: ['--rules-dir', 'case-rules'], report };
    case 'flake-lock':
      if (base.tree && rng.chance(0.3)) return inTree(base, text, kind, report);
      return { kind, file: 'case/flake.lock', text, report };
    default:
      // A module or config in its project (a flake, its hosts and modules, a talhelper project): mutated there.
      if (base.tree && rng.chance(0.3)) return inTree(base, text, kind, report);
      // Some modules as a configuration.nix, so that the host phase evaluates them too.
      return { kind, file: `case/${kind === 'nix' && rng.chance(0.3) ? 'configuration.nix' : base.name}`, text, report };
  }
}

/** A seed's whole project, with the seed replaced by its mutation. */
function inTree(base, text, kind, report) {
  const files = Object.fromEntries(Object.entries(base.tree).map(([file, content]) => [`case/${file}`, file === base.at ? text : content]));
  return { kind, files, file: `case/${base.at}`, report };
}

/** Runs the fuzz suite; resolves to its summary. */
async function runFuzz(options) {
  const count = options.count ?? 1000;
  const seed = options.seed ?? 18;
  const jobs = options.jobs ?? Math.max(1, Math.min(2, os.availableParallelism()));
  const out = options.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'declint-fuzz-out-'));
  fs.mkdirSync(out, { recursive: true });
  const log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run npm run build first');
  const seeds = loadSeeds();
  const summary = { seed, count, byKind: {}, crashes: 0, hangs: 0, wrongExit: 0, lostCanaries: 0, leaks: 0, warnings: 0, limitNotes: 0, inputsWithNotes: 0, maxMs: 0, slowest: undefined, failures: [], seconds: 0 };
  const started = Date.now();
  const kindStats = (kind) => (summary.byKind[kind] ??= { inputs: 0, failed: 0 });
  const record = (index, input, outcome) => {
    const stats = kindStats(input.kind);
    stats.inputs++;
    summary.limitNotes += outcome.notes ?? 0;
    if (outcome.notes) summary.inputsWithNotes++;
    if ((outcome.ms ?? 0) > summary.maxMs) {
      summary.maxMs = Math.round(outcome.ms);
      summary.slowest = `${index} ${input.kind} ${input.name ?? input.file ?? ''}`;
    }
    if (outcome.problems.length === 0) return;
    stats.failed++;
    for (const problem of outcome.problems) {
      if (problem.startsWith('crash')) summary.crashes++;
      else if (problem.startsWith('hang')) summary.hangs++;
      else if (problem.startsWith('wrong exit')) summary.wrongExit++;
      else if (problem.startsWith('lost canary')) summary.lostCanaries++;
      else if (problem.startsWith('warning')) summary.warnings++;
      else summary.leaks++;
    }
    const saved = path.join(out, `${index}-${input.kind}.json`);
    fs.writeFileSync(saved, JSON.stringify({ index, seed, input, problems: outcome.problems }, null, 2));
    summary.failures.push({ index, kind: input.kind, problems: outcome.problems.slice(0, 3), saved });
    log(`input ${index} (${input.kind}${input.name ? ` ${input.name}` : ''}): ${outcome.problems[0]}`);
  };

  const indices = Array.from({ length: count }, (_, i) => i);
  const fileInputs = [];
  const rpcInputs = [];
  for (const index of indices) {
    const input = makeInput(seeds, seed, index);
    (input.kind === 'jsonrpc' ? rpcInputs : fileInputs).push({ index, input });
  }
  await Promise.all([runFileInputs(fileInputs, jobs, record, log, count), runRpcInputs(rpcInputs, seeds, seed, record)]);
  summary.seconds = Math.round((Date.now() - started) / 1000);
  fs.writeFileSync(path.join(out, 'summary.json'), JSON.stringify(summary, null, 2));
  summary.out = out;
  return summary;
}

/** File inputs through the worker threads, each watched for a hang. */
async function runFileInputs(queue, jobs, record, log, total) {
  let next = 0;
  let done = 0;
  const runner = () =>
    new Promise((resolve) => {
      let worker;
      let current;
      let timer;
      let stopped = false;
      const spawnWorker = () => {
        // A process, not a thread: a check stopped in native code (a parse) cannot take the runner down with it.
        const child = fork(path.join(__dirname, 'check-worker.js'), [], { execArgv: [`--max-old-space-size=${WORKER_HEAP_MB}`], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        worker = child;
        child.on('message', (message) => {
          if (worker !== child) return;
          if (message.kind === 'done') {
            clearTimeout(timer);
            record(current.index, current.input, message);
            done++;
            if (done % 1000 === 0) log(`${done}/${total} inputs`);
          }
          feed();
        });
        child.on('exit', (code, signal) => {
          if (worker !== child || stopped) return;
          clearTimeout(timer);
          if (current) {
            record(current.index, current.input, { problems: [`crash: the worker process died (${signal ?? `exit code ${code}`})`], notes: 0, ms: 0 });
            done++;
          }
          current = undefined;
          spawnWorker();
        });
      };
      const feed = () => {
        if (next >= queue.length) {
          current = undefined;
          stopped = true;
          worker.send({ kind: 'stop' });
          resolve();
          return;
        }
        current = queue[next++];
        const job = current;
        timer = setTimeout(() => {
          record(job.index, job.input, { problems: [`hang: no result after ${HANG_MS / 1000} s`], notes: 0, ms: HANG_MS });
          done++;
          current = undefined;
          const hung = worker;
          worker = undefined;
          hung.kill('SIGKILL');
          spawnWorker();
        }, HANG_MS);
        worker.send({ kind: 'check', index: job.index, input: job.input });
      };
      spawnWorker();
    });
  await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, runner));
}

/**
 * JSON-RPC inputs, in language-server sessions of up to 50 messages: each a
 * mangled message (broken framing, broken JSON, wrong shapes, documents of
 * mutated text), followed by a probe request the server must answer. Each
 * session ends with `shutdown` and the end of standard input, after which
 * the server must exit with 0.
 */
async function runRpcInputs(inputs, seeds, seed, record) {
  for (let start = 0; start < inputs.length; start += 50) await rpcSession(inputs.slice(start, start + 50), seeds, seed, record);
}

function rpcSession(batch, seeds, seed, record) {
  return new Promise((resolve) => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-fuzz-lsp-'));
    fs.writeFileSync(path.join(workspace, 'ssh.nix'), '{ services.openssh.settings.PermitRootLogin = "yes"; }\n');
    const server = spawn(process.execPath, [path.join(ROOT, 'bin', 'declint.js'), 'lsp', '--stdio'], { cwd: workspace, stdio: ['pipe', 'pipe', 'pipe'] });
    let buffer = '';
    let stderr = '';
    const waiting = new Map();
    let exited;
    server.stdout.on('data', (chunk) => {
      buffer += chunk;
      for (const match of buffer.matchAll(/"id":(\d+),"(?:result|error)"/g)) {
        const resolveWait = waiting.get(Number(match[1]));
        if (resolveWait) resolveWait(true);
      }
      if (buffer.length > 1 << 20) buffer = buffer.slice(-4096);
    });
    server.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
    server.on('exit', (code) => {
      exited = code;
      for (const resolveWait of waiting.values()) resolveWait(false);
    });
    const frame = (body) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const send = (text) => {
      if (exited === undefined) server.stdin.write(text);
    };
    const answered = (id, ms) =>
      new Promise((resolveWait) => {
        if (exited !== undefined) return resolveWait(false);
        const timer = setTimeout(() => resolveWait(false), ms);
        waiting.set(id, (ok) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolveWait(ok);
        });
      });
    const uri = (name) => `file://${workspace}/${name}`;
    (async () => {
      send(frame(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: `file://${workspace}`, capabilities: {} } })));
      const initialized = await answered(1, 30_000);
      send(frame(JSON.stringify({ jsonrpc: '2.0', method: 'initialized', params: {} })));
      let version = 1;
      for (const [k, { index }] of batch.entries()) {
        const rng = inputRandom(seed, index);
        const kind = rng.chance(0.6) ? 'nix' : 'yaml';
        const doc = rng.pick(seeds[kind]);
        const name = kind === 'nix' ? `doc${k % 3}.nix` : `doc${k % 3}.yaml`;
        const text = mutate(rng, doc.text, kind, rng.pick(seeds[kind]).text).slice(0, 256 * 1024);
        const messages = [
          { jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: uri(name), languageId: kind, version: version++, text } } },
          { jsonrpc: '2.0', method: 'textDocument/didChange', params: { textDocument: { uri: uri(name), version: version++ }, contentChanges: [{ range: { start: { line: rng.int(40), character: rng.int(80) }, end: { line: rng.int(40), character: rng.int(80) } }, text: mutate(rng, 'x = "y";', 'nix') }] } },
          { jsonrpc: '2.0', id: 10_000 + k, method: 'textDocument/hover', params: { textDocument: { uri: uri(rng.pick([name, 'ssh.nix'])) }, position: { line: rng.int(60), character: rng.int(120) } } },
          { jsonrpc: '2.0', id: 20_000 + k, method: 'textDocument/codeAction', params: { textDocument: { uri: uri('ssh.nix') }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: rng.int(60) } }, context: { diagnostics: [] } } },
          { jsonrpc: '2.0', method: 'workspace/didChangeWatchedFiles', params: { changes: [{ uri: uri(rng.pick(['ssh.nix', '.declint.yaml', name])), type: 1 + rng.int(3) }] } },
          { jsonrpc: '2.0', id: 30_000 + k, method: rng.pick(['textDocument/hover', 'no/such/method', '$/cancelRequest']), params: rng.pick([null, [], 'x', { textDocument: 7 }]) },
        ];
        let body = JSON.stringify(rng.pick(messages));
        if (rng.chance(0.3)) body = mutate(rng, body, 'json');
        let wire = frame(body);
        const framing = rng.int(10);
        if (framing === 0) wire = `Content-Length: ${rng.pick(['abc', '-5', '99999999999', ''])}\r\n\r\n${body}`;
        else if (framing === 1) wire = `Content-Length: ${Math.max(0, Buffer.byteLength(body) + rng.pick([-7, -1, 1, 40]))}\r\n\r\n${body}`;
        else if (framing === 2) wire = mutate(rng, wire, 'text');
        send(wire);
        const probe = 40_000 + k;
        send(frame(JSON.stringify({ jsonrpc: '2.0', id: probe, method: 'declint/probe', params: {} })));
        const ok = initialized && (await answered(probe, 30_000));
        record(index, { kind: 'jsonrpc', text: wire.slice(0, 4096) }, { problems: ok ? [] : [exited !== undefined ? `crash: the server exited (${exited}): ${stderr.split('\n').slice(-3).join(' | ')}` : 'hang: no answer to the request after a message'], notes: 0, ms: 0 });
        if (!ok) break;
      }
      send(frame(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'shutdown' })));
      await answered(2, 30_000);
      server.stdin.end();
      const code = await new Promise((resolveExit) => {
        if (exited !== undefined) return resolveExit(exited);
        const timer = setTimeout(() => resolveExit('still running'), 10_000);
        server.on('exit', (c) => {
          clearTimeout(timer);
          resolveExit(c);
        });
      });
      if (code !== 0) {
        const last = batch[batch.length - 1];
        record(last.index, { kind: 'jsonrpc-exit' }, { problems: [`wrong exit code at the end of a session: ${code}`], notes: 0, ms: 0 });
        if (code === 'still running') server.kill('SIGKILL');
      }
      fs.rmSync(workspace, { recursive: true, force: true });
      resolve();
    })();
  });
}

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === '--count') (options.count = Number(value)), i++;
    else if (argv[i] === '--seed') (options.seed = Number(value)), i++;
    else if (argv[i] === '--jobs') (options.jobs = Number(value)), i++;
    else if (argv[i] === '--out') (options.out = path.resolve(value)), i++;
    else throw new Error(`unknown option ${argv[i]} (options: --count N --seed S --jobs J --out DIR)`);
  }
  return options;
}

if (require.main === module) {
  runFuzz(parseArgs(process.argv.slice(2))).then(
    (summary) => {
      const { failures, ...rest } = summary;
      process.stdout.write(`${JSON.stringify({ ...rest, failures: failures.length }, null, 2)}\n`);
      process.exitCode = failures.length > 0 ? 1 : 0;
    },
    (error) => {
      process.stderr.write(`fuzz: ${error.message}\n`);
      process.exitCode = 2;
    },
  );
}

module.exports = { runFuzz, makeInput };
