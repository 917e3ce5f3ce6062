'use strict';
/**
 * `npm run bench`: throughput, memory and cold-start benchmark of `declint check` against a
 * bare tree-sitter parse of the same synthetic NixOS repository.
 *
 *   npm run bench -- [--files N] [--seed S] [--dir D] [--keep]
 *
 *   --files N  number of .nix files to generate (default 10000)
 *   --seed S   PRNG seed (default 42); same seed and N give a byte-identical tree
 *   --dir D    generate into D, or reuse D if it already holds the tree for (N, S); D is kept
 *   --keep     keep the generated tree (default: a fresh dir under the OS temp dir, removed after)
 *
 * Every measurement runs in a child process of its own, so each peak RSS belongs to one
 * measurement. Bare parse and full check run 3 times each (median time, max peak RSS); the cold
 * start is `node bin/declint.js check <one module>` timed from here, 10 times (min, median).
 * The last line of output is `BENCH_JSON {...}` with every figure.
 */

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseArgs } = require('util');
const { ensureTree } = require('./generate');

const ROOT = path.join(__dirname, '..');
const MAIN = path.join(ROOT, 'dist', 'cli', 'main.js');
const BIN = path.join(ROOT, 'bin', 'declint.js');

const RUNS = 3;
const COLD_RUNS = 10;
const CHILD_TIMEOUT_MS = 30 * 60 * 1000;

const TARGETS = { ratio: 1.5, peakRssMb: 500, peakRssAtFiles: 10000, coldStartMs: 300 };

const MB = 1024 * 1024; // sizes and RSS are both reported in MiB, labelled MB

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function tail(text, lines = 20) {
  const all = (text || '').trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

/** Runs `node <script> ...args`, returns its BENCH_RESULT object plus the wall time seen from here. */
function runChild(script, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [path.join(__dirname, script), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * MB,
    timeout: CHILD_TIMEOUT_MS,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw new Error(`${script}: ${r.error.message}`);
  const line = (r.stdout || '').split('\n').reverse().find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) {
    const how = r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`;
    throw new Error(`${script} printed no result (${how})\n${tail(r.stderr)}`);
  }
  const result = JSON.parse(line.slice('BENCH_RESULT '.length));
  if (result.error) throw new Error(`${script}: ${result.error}\n${tail(r.stderr)}`);
  return { ...result, wallMs, stderr: r.stderr };
}

function runCheck(dir, out) {
  const r = runChild('check-child.js', out ? [dir, out] : [dir]);
  // 0 = clean, 1 = findings (expected here); anything else is a usage error or a crash.
  if (r.exitCode !== 0 && r.exitCode !== 1) {
    throw new Error(`declint check returned exit code ${JSON.stringify(r.exitCode)} (expected 0 or 1)\n${tail(r.stderr)}`);
  }
  return r;
}

/** Best-effort summary of the JSON report; the format belongs to the product, so stay lenient. */
function summarizeReport(file) {
  let data;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    return { parsed: false, reason: err.message };
  }
  const list = Array.isArray(data) ? data
    : Array.isArray(data.findings) ? data.findings
    : Array.isArray(data.results) ? data.results
    : null;
  if (!list) return { parsed: true, topLevelKeys: Object.keys(data).slice(0, 12) };
  const byRule = {};
  const files = new Set();
  for (const f of list) {
    const rule = f.ruleId || (f.rule && (f.rule.id || f.rule)) || f.id || '?';
    byRule[rule] = (byRule[rule] || 0) + 1;
    const file = (f.location && f.location.file) || f.file;
    if (file) files.add(file);
  }
  const sorted = Object.fromEntries(Object.entries(byRule).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
  return { parsed: true, total: list.length, filesWithFindings: files.size, byRule: sorted };
}

function coldStart(file) {
  const times = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [BIN, 'check', file], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * MB,
      timeout: 60 * 1000,
    });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.error) throw new Error(`cold start: ${r.error.message}`);
    if (r.status !== 0 && r.status !== 1) {
      const how = r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`;
      throw new Error(`cold start: bin/declint.js check ${file} failed (${how})\n${tail(r.stderr)}`);
    }
  }
  return { minMs: Math.min(...times), medianMs: median(times), runsMs: times };
}

// ---------------------------------------------------------------------------------------------

function fmt(n, digits = 0) {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Plain-text table; `align` has one letter per column, 'l' or 'r'. */
function table(rows, align) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const cell = (text, c) => (align[c] === 'r' ? String(text).padStart(widths[c]) : String(text).padEnd(widths[c]));
  return rows.map((r) => r.map(cell).join('   ').trimEnd()).join('\n');
}

function verdict(ok) {
  return ok ? 'OK' : 'MISSED';
}

function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        files: { type: 'string', default: '10000' },
        seed: { type: 'string', default: '42' },
        dir: { type: 'string' },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    fail(err.message);
  }
  if (values.help) {
    console.log('usage: npm run bench -- [--files N] [--seed S] [--dir D] [--keep]');
    return;
  }
  const files = Number(values.files);
  const seed = Number(values.seed);
  if (!Number.isInteger(files) || files < 40) fail(`--files must be an integer >= 40 (got ${values.files})`);
  if (!Number.isInteger(seed)) fail(`--seed must be an integer (got ${values.seed})`);

  // The product must be built: the check child and the cold start load dist/ through bin/.
  if (!fs.existsSync(MAIN)) fail('dist/cli/main.js not found: run npm run build first');
  if (!fs.existsSync(BIN)) fail('bin/declint.js not found (needed for the cold-start measurement)');

  const tempDir = !values.dir;
  const dir = values.dir ? path.resolve(values.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'declint-bench-'));
  const keep = values.keep || !tempDir;
  try {
    bench({ dir, files, seed });
  } catch (err) {
    console.error(`bench: ${err.message}`);
    process.exitCode = 1;
  } finally {
    if (keep) console.error(`bench: tree kept in ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

function bench({ dir, files, seed }) {
  const log = (msg) => console.error(`bench: ${msg}`);

  const g0 = process.hrtime.bigint();
  const { summary, reused } = ensureTree({ dir, files, seed });
  const genMs = Number(process.hrtime.bigint() - g0) / 1e6;
  log(`${reused ? 'reusing' : 'generated'} ${fmt(summary.nixFiles)} .nix files (${fmt(summary.nixBytes / MB, 1)} MB) `
    + `+ ${summary.otherFiles} other files in ${dir}${reused ? '' : ` (${fmt(genMs)} ms)`}`);

  // Interleave bare and check runs so that drift in machine speed (VM neighbours, thermal,
  // page cache) affects both sides of the ratio alike.
  const bareRuns = [];
  const checkRuns = [];
  for (let i = 1; i <= RUNS; i++) {
    const b = runChild('bare-parse.js', [dir]);
    log(`bare parse ${i}/${RUNS}: ${fmt(b.ms)} ms, peak RSS ${fmt(b.maxRssKb / 1024)} MB`);
    if (i === 1 && b.parseErrors > 0) log(`warning: ${b.parseErrors} generated files have syntax errors`);
    bareRuns.push(b);
    const c = runCheck(dir);
    log(`full check ${i}/${RUNS}: ${fmt(c.ms)} ms, peak RSS ${fmt(c.maxRssKb / 1024)} MB, exit ${c.exitCode}`);
    checkRuns.push(c);
  }

  // One untimed run writing the report to a file, to show the check saw the planted settings.
  const reportFile = path.join(os.tmpdir(), `declint-bench-report-${process.pid}.json`);
  let report;
  try {
    runCheck(dir, reportFile);
    report = summarizeReport(reportFile);
  } finally {
    fs.rmSync(reportFile, { force: true });
  }

  const sample = path.join(dir, summary.sampleFile);
  const cold = coldStart(sample);
  log(`cold start: ${COLD_RUNS} runs on ${summary.sampleFile}`);

  // Figures. Throughput for both uses the .nix count and bytes (the check also reads
  // flake.lock and a few YAML files, a negligible share).
  const nixFiles = bareRuns[0].files;
  const bytes = bareRuns[0].bytes;
  const bareMs = median(bareRuns.map((r) => r.ms));
  const checkMs = median(checkRuns.map((r) => r.ms));
  const side = (runs, ms) => ({
    ms,
    wallMs: median(runs.map((r) => r.wallMs)),
    runsMs: runs.map((r) => Math.round(r.ms)),
    filesPerSec: nixFiles / (ms / 1000),
    mbPerSec: bytes / MB / (ms / 1000),
    peakRssMb: Math.max(...runs.map((r) => r.maxRssKb)) / 1024,
  });
  const bare = side(bareRuns, bareMs);
  const check = { ...side(checkRuns, checkMs), loadMs: median(checkRuns.map((r) => r.loadMs)), exitCode: checkRuns[0].exitCode };
  const ratio = checkMs / bareMs;
  // Same ratio from the fastest runs: less sensitive to a noisy machine, reported alongside.
  const ratioOfMins = Math.min(...checkRuns.map((r) => r.ms)) / Math.min(...bareRuns.map((r) => r.ms));
  const targets = {
    ratio: { limit: TARGETS.ratio, value: ratio, ok: ratio <= TARGETS.ratio },
    peakRssMb: { limit: TARGETS.peakRssMb, atFiles: TARGETS.peakRssAtFiles, value: check.peakRssMb, ok: check.peakRssMb < TARGETS.peakRssMb },
    coldStartMs: { limit: TARGETS.coldStartMs, value: cold.medianMs, ok: cold.medianMs < TARGETS.coldStartMs },
  };

  const cpus = os.cpus();
  console.log('');
  console.log(`declint bench: ${fmt(nixFiles)} .nix files, ${fmt(bytes / MB, 1)} MB, seed ${seed}`);
  console.log(`node ${process.version}, ${cpus.length} x ${cpus[0] ? cpus[0].model.trim() : 'unknown CPU'}, ${os.platform()}/${os.arch()}`);
  console.log('');
  console.log(table([
    ['', 'files/s', 'MB/s', 'time ms', 'process wall ms', 'peak RSS MB'],
    ['bare parse', fmt(bare.filesPerSec), fmt(bare.mbPerSec, 1), fmt(bare.ms), fmt(bare.wallMs), fmt(bare.peakRssMb)],
    ['full check', fmt(check.filesPerSec), fmt(check.mbPerSec, 1), fmt(check.ms), fmt(check.wallMs), fmt(check.peakRssMb)],
  ], 'lrrrrr'));
  console.log(`(time: median of ${RUNS} in-process runs; runs: bare ${bare.runsMs.join('/')} ms, check ${check.runsMs.join('/')} ms; `
    + `loading dist/ took ${fmt(check.loadMs)} ms more. Peak RSS: max of the ${RUNS} runs.)`);
  console.log('');
  const rssNote = nixFiles === TARGETS.peakRssAtFiles ? '' : ` (the target is for ${fmt(TARGETS.peakRssAtFiles)} files; this run has ${fmt(nixFiles)})`;
  console.log(table([
    ['check / bare time ratio', fmt(ratio, 2), `target <= ${TARGETS.ratio}`, `${verdict(targets.ratio.ok)} (medians; ratio of fastest runs ${fmt(ratioOfMins, 2)})`],
    ['full check peak RSS', `${fmt(check.peakRssMb)} MB`, `target < ${TARGETS.peakRssMb} MB`, verdict(targets.peakRssMb.ok) + rssNote],
    ['cold start, 1 file', `min ${fmt(cold.minMs)} / median ${fmt(cold.medianMs)} ms`, `target < ${TARGETS.coldStartMs} ms`, verdict(targets.coldStartMs.ok) + ' (median)'],
  ], 'lrll'));
  console.log('');
  const planted = `${summary.insecureFiles} .nix files and ${summary.talosInsecure.length} Talos file carry planted insecure settings`;
  if (report.parsed && report.total !== undefined) {
    const top = Object.entries(report.byRule).slice(0, 8).map(([k, v]) => `${k} ${v}`).join(', ');
    console.log(`report: ${fmt(report.total)} findings in ${fmt(report.filesWithFindings)} files (${planted}); ${top}`);
  } else if (report.parsed) {
    console.log(`report: JSON with keys ${report.topLevelKeys.join(', ')} (no findings list recognised); ${planted}`);
  } else {
    console.log(`report: not readable as JSON (${report.reason})`);
  }
  console.log('');

  const json = {
    files: nixFiles,
    mb: bytes / MB,
    seed,
    node: process.version,
    cpus: cpus.length,
    bare: { ...bare, parseErrors: bareRuns[0].parseErrors },
    check,
    ratio,
    ratioOfMins,
    coldStart: { ...cold, file: summary.sampleFile },
    report,
    planted: { nixFiles: summary.insecureFiles, byKind: summary.insecure, talos: summary.talosInsecure },
    targets,
  };
  console.log(`BENCH_JSON ${JSON.stringify(json, (k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 100) / 100 : v))}`);
}

main();
