'use strict';
/**
 * The result cache (`check --cache`) measured on real trees: a run without the cache, a cold
 * run (no cache file yet), a warm re-run of the unchanged tree, and a pre-commit hook run
 * (`check --cache FILE` from the tree's root) on a file just edited and on an unchanged one.
 *
 *   node bench/cache.js [--runs N] [--hook RELATIVE-FILE] DIR...
 *
 * Each run is a child process of its own (`node bin/declint.js …`); its CPU time (user +
 * system, every thread) is reported by the child at exit, its wall time is measured here. The
 * kinds of run are interleaved (each round runs plain, cold, warm, hook edited, hook unchanged
 * in turn) and the medians of N rounds (default 5) are printed. The cache file is kept outside
 * the scanned tree (a temporary directory), so DIR may be read-only; the hook runs use a
 * temporary copy of DIR, in which the hook file gets one more comment line each round. The
 * last line is `BENCH_JSON {...}` with every figure.
 */

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseArgs } = require('util');

const ROOT = path.join(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'declint.js');
const CPU_AT_EXIT = path.join(__dirname, 'cpu-at-exit.js');

const { values, positionals } = parseArgs({ options: { runs: { type: 'string', default: '5' }, hook: { type: 'string' } }, allowPositionals: true });
const runs = Number(values.runs);
if (positionals.length === 0 || !(runs >= 1)) {
  console.error('usage: node bench/cache.js [--runs N] [--hook RELATIVE-FILE] DIR...');
  process.exit(2);
}
if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) {
  console.error('bench: dist/ not found: run npm run build first');
  process.exit(1);
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-cache-bench-'));
process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));

/** One declint run in a child process: its CPU milliseconds (all threads) and wall milliseconds. */
function declint(args, cwd) {
  const cpuFile = path.join(scratch, 'cpu.json');
  fs.rmSync(cpuFile, { force: true });
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ['--require', CPU_AT_EXIT, BIN, ...args], { cwd, env: { ...process.env, DECLINT_BENCH_CPU: cpuFile }, encoding: 'utf8', maxBuffer: 1 << 30 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0 && run.status !== 1) throw new Error(`declint ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  const { cpuMs } = JSON.parse(fs.readFileSync(cpuFile, 'utf8'));
  return { cpuMs, wallMs, stderr: run.stderr };
}

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The file to edit in the hook runs: the one given, else a module only one host loads (the
 * largest such host's), read from the cache a first run wrote: each host's entry lists the
 * modules it loaded.
 */
function hookFile(dir, cacheFile) {
  if (values.hook) return values.hook;
  const text = fs.readFileSync(cacheFile, 'utf8');
  const payload = JSON.parse(text.slice(text.indexOf('\n') + 1));
  const loads = Object.values(payload.hosts).map((h) => h.reads.map((i) => payload.reads[i]).filter((r) => r.startsWith('load\u0000') && !r.includes('\u0000error ')).map((r) => r.split('\u0000')[2]));
  const readers = new Map();
  for (const files of loads) for (const f of new Set(files)) readers.set(f, (readers.get(f) || 0) + 1);
  const own = loads.sort((a, b) => b.length - a.length).flatMap((files) => files.filter((f) => readers.get(f) === 1 && f.startsWith(dir + path.sep)));
  return own.length ? path.relative(dir, own[own.length - 1]) : undefined;
}

const results = [];
for (const given of positionals) {
  const dir = path.resolve(given);
  const name = path.basename(dir);
  const cache = path.join(scratch, `${name}.cache`);
  const copy = path.join(scratch, `${name}-copy`);
  fs.cpSync(dir, copy, { recursive: true });
  const hookCache = path.join(scratch, `${name}-hook.cache`);
  declint(['check', '.', '--cache', '--cache-location', hookCache, '--format', 'json', '-o', os.devNull], copy);
  const hook = hookFile(copy, hookCache);
  const figures = { plain: [], cold: [], warm: [], hookEdited: [], hookUnchanged: [] };
  for (let round = 0; round < runs; round++) {
    figures.plain.push(declint(['check', dir, '--format', 'json', '-o', os.devNull], scratch));
    fs.rmSync(cache, { force: true });
    figures.cold.push(declint(['check', dir, '--cache', '--cache-location', cache, '--format', 'json', '-o', os.devNull], scratch));
    figures.warm.push(declint(['check', dir, '--cache', '--cache-location', cache, '--format', 'json', '-o', os.devNull, '--verbose'], scratch));
    if (hook) {
      fs.appendFileSync(path.join(copy, hook), `# edited by bench/cache.js, round ${round}\n`);
      figures.hookEdited.push(declint(['check', '--cache', '--cache-location', hookCache, hook, '--verbose'], copy));
      figures.hookUnchanged.push(declint(['check', '--cache', '--cache-location', hookCache, hook, '--verbose'], copy));
    }
  }
  const summary = Object.fromEntries(
    Object.entries(figures)
      .filter(([, xs]) => xs.length > 0)
      .map(([kind, xs]) => [kind, { cpuMs: Math.round(median(xs.map((x) => x.cpuMs))), wallMs: Math.round(median(xs.map((x) => x.wallMs))) }]),
  );
  const lastLine = (xs) => (xs.length ? xs[xs.length - 1].stderr.split('\n').find((l) => l.startsWith('declint: cache ')) : undefined);
  const result = { dir, hook, ...summary, warmCache: lastLine(figures.warm), hookCache: lastLine(figures.hookEdited) };
  results.push(result);
  const row = (label, f) => (f ? `  ${label.padEnd(16)} cpu ${String(f.cpuMs).padStart(6)} ms   wall ${String(f.wallMs).padStart(6)} ms` : '');
  console.log(`${dir}${hook ? ` (hook file ${hook})` : ''}`);
  console.log([row('no cache', summary.plain), row('cold cache', summary.cold), row('warm cache', summary.warm), row('hook, edited', summary.hookEdited), row('hook, unchanged', summary.hookUnchanged)].filter(Boolean).join('\n'));
  console.log(`  cold/warm: cpu ${(summary.cold.cpuMs / summary.warm.cpuMs).toFixed(1)}×, wall ${(summary.cold.wallMs / summary.warm.wallMs).toFixed(1)}×`);
  if (result.warmCache) console.log(`  warm: ${result.warmCache.replace(/^declint: cache \S+ /, '')}`);
  if (result.hookCache) console.log(`  hook: ${result.hookCache.replace(/^declint: cache \S+ /, '')}`);
}
console.log(`BENCH_JSON ${JSON.stringify({ runs, results })}`);
