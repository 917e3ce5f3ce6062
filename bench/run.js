'use strict';
/**
 * `npm run bench`: what `declint check` costs on a tree, next to a bare tree-sitter parse of
 * exactly the files declint reads.
 *
 *   npm run bench -- --dir PATH [--runs R] [--hook FILE]     any directory (read only)
 *   npm run bench -- [--files N] [--seed S] [--tree D] [--keep] [--runs R] [--hook FILE]
 *                                                            a synthetic tree (bench/generate.js)
 *
 *   --dir PATH   measure this directory as it is; nothing is written into it
 *   --files N    synthetic tree of N .nix files (default 10000); --seed S (default 42)
 *   --tree D     generate the synthetic tree into D, or reuse it if it already holds it; D is kept
 *   --keep       keep the synthetic tree generated in a temporary directory
 *   --runs R     rounds (default 5); every command runs once per round, commands interleaved
 *   --hook FILE  a file (relative to the tree) to check the way a pre-commit hook does,
 *                `declint check FILE` in the tree; default: a role module of the synthetic tree
 *
 * Each command runs in a process of its own, `node -r bench/rusage-probe.js …`: its CPU time
 * (user + system, every thread) and peak RSS are the child's own getrusage at exit; its wall time
 * is seen from here. The commands of a round run one after the other, and each round starts one
 * command later than the one before, so that a noisy neighbour or a warm page cache favours none.
 * Figures are medians of the rounds, with the smallest and largest.
 *
 * Commands: the bare parse (bench/bare-parse.js over the list declint's own discovery finds),
 * `check -j 1`, `check` with its default jobs, the hook, and, when this build has `--cache`
 * (`declint check --help` says so), a cold and a warm cached check, the hook with a warm cache,
 * and the hook after an edit of its file (in a copy of the tree). Every check runs with
 * DECLINT_TIMING, whose phases (discovery, files, hosts, …) are reported as medians too.
 * After the rounds, one untimed `check --format json` counts findings and evaluated hosts.
 * The last line of output is `BENCH_JSON {...}` with every figure.
 */

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseArgs } = require('util');
const { ensureTree } = require('./generate');

const ROOT = path.join(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const BIN = path.join(ROOT, 'bin', 'declint.js');
const PROBE = path.join(__dirname, 'rusage-probe.js');

const CHILD_TIMEOUT_MS = 30 * 60 * 1000;
const MB = 1024 * 1024; // sizes and RSS are reported in MiB, labelled MB

/** The goals of issue 15. */
const GOALS = { ratio: 1.5, hookMs: 300, warmSpeedup: 10, peakRssMb: 300, peakRssAtFiles: 20000 };

const USAGE = `usage: npm run bench -- --dir PATH [--runs R] [--hook FILE]
       npm run bench -- [--files N] [--seed S] [--tree D] [--keep] [--runs R] [--hook FILE]`;

class BenchError extends Error {}
/** A bad command line: exit code 2. */
class UsageError extends BenchError {}

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function tail(text, lines = 20) {
  return (text || '').trimEnd().split('\n').slice(-lines).join('\n');
}

function fmt(n, digits = 0) {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Plain-text table; `align` has one letter per column, 'l' or 'r'. */
function table(rows, align) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const cell = (text, c) => (align[c] === 'r' ? String(text).padStart(widths[c]) : String(text).padEnd(widths[c]));
  return rows.map((r) => r.map(cell).join('   ').trimEnd()).join('\n');
}

function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        dir: { type: 'string' },
        files: { type: 'string' },
        seed: { type: 'string' },
        tree: { type: 'string' },
        keep: { type: 'boolean', default: false },
        runs: { type: 'string', default: '5' },
        hook: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(`${err.message}\n${USAGE}`);
  }
  if (values.help) return { help: true };
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs must be a whole number >= 1 (got ${values.runs})`);
  if (values.dir !== undefined) {
    for (const o of ['files', 'seed', 'tree', 'keep']) if (values[o]) throw new UsageError(`--${o} is for a synthetic tree; --dir measures a directory as it is`);
    const dir = path.resolve(values.dir);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`--dir ${values.dir}: not a directory`);
    return { dir, runs, hook: values.hook };
  }
  const files = Number(values.files ?? '10000');
  const seed = Number(values.seed ?? '42');
  if (!Number.isInteger(files) || files < 40) throw new UsageError(`--files must be a whole number >= 40 (got ${values.files})`);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be a whole number (got ${values.seed})`);
  return { synthetic: { files, seed, tree: values.tree && path.resolve(values.tree), keep: values.keep }, runs, hook: values.hook };
}

/** The files `declint check` reads in `dir`, from the built product's own discovery. */
async function discovered(dir) {
  let walk;
  try {
    walk = require(path.join(DIST, 'discover', 'walk.js'));
  } catch (err) {
    throw new BenchError(`cannot load dist/discover/walk.js (${err.message}): the bare parse needs declint's file list`);
  }
  return (await walk.discoverFiles(['.'], { base: dir, ignore: [] })).map((f) => f.absolutePath);
}

function supportsCache() {
  const r = spawnSync(process.execPath, [BIN, 'check', '--help'], { encoding: 'utf8' });
  return /--cache\b/.test(r.stdout || '');
}

/**
 * Runs `node -r rusage-probe <args>` in `cwd`; resolves to its CPU, wall, peak RSS, timing report
 * and output. `ok(status)` says which exit statuses are a measurement (not a crash).
 */
function runChild(work, args, { cwd, ok, timing }) {
  const rusageFile = path.join(work, 'rusage.json');
  const timingFile = path.join(work, 'timing.json');
  fs.rmSync(rusageFile, { force: true });
  fs.rmSync(timingFile, { force: true });
  const env = { ...process.env, DECLINT_BENCH_RUSAGE: rusageFile, NO_COLOR: '1' };
  delete env.DECLINT_TIMING;
  if (timing) env.DECLINT_TIMING = timingFile;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-r', PROBE, ...args], { cwd, env, encoding: 'utf8', maxBuffer: 256 * MB, timeout: CHILD_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const shown = args.map((a) => path.relative(ROOT, a).startsWith('..') ? a : path.relative(ROOT, a)).join(' ');
  if (r.error) throw new BenchError(`${shown}: ${r.error.message}`);
  if (!ok(r.status)) {
    const how = r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`;
    throw new BenchError(`${shown} (in ${cwd}): ${how}\n${tail(r.stderr)}`);
  }
  if (!fs.existsSync(rusageFile)) throw new BenchError(`${shown}: the process wrote no resource usage`);
  const usage = JSON.parse(fs.readFileSync(rusageFile, 'utf8'));
  const report = timing && fs.existsSync(timingFile) ? JSON.parse(fs.readFileSync(timingFile, 'utf8')) : undefined;
  const startupCpuMs = report?.phases?.startup?.cpuMs;
  return { cpuMs: usage.userMs + usage.systemMs, userMs: usage.userMs, systemMs: usage.systemMs, wallMs, maxRssKb: usage.maxRssKb, timing: report, startupCpuMs, stdout: r.stdout, status: r.status };
}

/**
 * The units of a round: each a list of [label, run] steps run in order (a warm run needs its
 * cold one first). Rounds rotate the units.
 */
function plan({ work, dir, listFile, hook, cache }) {
  const check = (label, args, cwd = dir) => [label, () => runChild(work, [BIN, 'check', ...args, '-o', os.devNull], { cwd, ok: (s) => s === 0 || s === 1, timing: true })];
  const units = [
    [['bare parse', () => {
      const r = runChild(work, [path.join(__dirname, 'bare-parse.js'), '--list', listFile], { cwd: dir, ok: (s) => s === 0, timing: false });
      const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      const bare = JSON.parse(line.slice('BENCH_RESULT '.length));
      return { ...r, bare, startupCpuMs: bare.startupCpuMs };
    }]],
    [check('check -j 1', ['.', '-j', '1'])],
    [check('check (default jobs)', ['.'])],
  ];
  if (hook) units.push([check(`hook: check ${hook}`, [hook])]);
  if (cache) {
    const location = path.join(work, 'declint-cache');
    const cached = ['--cache', '--cache-location', location];
    const cold = check('check --cache, cold', ['.', ...cached]);
    units.push([
      [cold[0], () => {
        // The cache file and the parses kept beside it (src/cache/parse-store.ts).
        for (const file of [location, `${location}.parses`]) fs.rmSync(file, { recursive: true, force: true });
        return cold[1]();
      }],
      check('check --cache, warm', ['.', ...cached]),
      ...(hook ? [check(`hook, warm cache: check ${hook}`, [hook, ...cached])] : []),
    ]);
    if (hook) {
      // The hook after an edit of its file, in a copy of the tree: the cache must re-check that
      // file and the hosts that read it, and nothing else.
      const copy = path.join(work, 'tree');
      const copyLocation = path.join(work, 'declint-cache-edited');
      let edits = 0;
      const edited = check(`hook, edited file, warm cache: check ${hook}`, [hook, '--cache', '--cache-location', copyLocation], copy);
      units.push([[edited[0], () => {
        if (edits === 0) {
          fs.cpSync(dir, copy, { recursive: true, verbatimSymlinks: true });
          runChild(work, [BIN, 'check', '.', '--cache', '--cache-location', copyLocation, '-o', os.devNull], { cwd: copy, ok: (s) => s === 0 || s === 1, timing: false });
        }
        fs.appendFileSync(path.join(copy, hook), `\n# declint bench edit ${++edits}\n`);
        return edited[1]();
      }]]);
    }
  }
  return units;
}

/** Medians of one command's runs: CPU, wall, peak RSS, and the phases of its timing reports. */
function summarizeRuns(runs) {
  const stat = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
  const timed = runs.filter((r) => r.timing);
  const phases = {};
  const counters = {};
  if (timed.length > 0) {
    for (const name of Object.keys(timed[0].timing.phases)) {
      const of = (key) => median(timed.map((r) => r.timing.phases[name]?.[key] ?? 0));
      phases[name] = { ms: of('ms'), cpuMs: of('cpuMs'), ...(timed[0].timing.phases[name].maxRssMb !== undefined ? { maxRssMb: of('maxRssMb') } : {}) };
    }
    for (const name of Object.keys(timed[0].timing.counters)) {
      const of = (key) => median(timed.map((r) => r.timing.counters[name]?.[key] ?? 0));
      counters[name] = { ms: of('ms'), cpuMs: of('cpuMs'), calls: of('calls') };
    }
  }
  return {
    runs: runs.length,
    cpuMs: stat(runs.map((r) => r.cpuMs)),
    // The CPU after the process's start-up (Node, module loading): the work itself.
    ...(runs.every((r) => r.startupCpuMs !== undefined) ? { workCpuMs: stat(runs.map((r) => r.cpuMs - r.startupCpuMs)) } : {}),
    wallMs: stat(runs.map((r) => r.wallMs)),
    peakRssMb: stat(runs.map((r) => r.maxRssKb / 1024)),
    ...(timed.length > 0 ? { phases, counters } : {}),
  };
}

/** Best-effort summary of a JSON report: findings and evaluated hosts. */
function summarizeReport(file) {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8'));
    const findings = Array.isArray(data.findings) ? data.findings : [];
    const byRule = {};
    for (const f of findings) byRule[f.ruleId] = (byRule[f.ruleId] || 0) + 1;
    const top = Object.entries(byRule).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 6);
    const hosts = data.coverage?.summary?.nixosHosts;
    return { findings: findings.length, filesWithFindings: new Set(findings.map((f) => f.file)).size, topRules: Object.fromEntries(top), ...(hosts ? { nixosHosts: hosts } : {}) };
  } catch (err) {
    return { error: err.message };
  }
}

async function bench(options, log) {
  if (!fs.existsSync(path.join(DIST, 'bundle', 'main.js'))) throw new BenchError('dist/bundle/main.js not found: run npm run build first');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-bench-work-'));
  let generatedIn;
  try {
    let dir = options.dir;
    let synthetic;
    if (!dir) {
      const { files, seed, tree } = options.synthetic;
      dir = tree ?? fs.mkdtempSync(path.join(os.tmpdir(), 'declint-bench-'));
      if (!tree && !options.synthetic.keep) generatedIn = dir;
      else if (!tree) log(`the tree is kept in ${dir}`);
      const g0 = process.hrtime.bigint();
      const made = ensureTree({ dir, files, seed });
      synthetic = made.summary;
      log(`${made.reused ? 'reusing' : 'generated'} a synthetic tree of ${fmt(synthetic.nixFiles)} .nix files in ${dir}${made.reused ? '' : ` (${fmt(Number(process.hrtime.bigint() - g0) / 1e6)} ms)`}`);
    }
    const hook = options.hook ?? synthetic?.sampleFile;
    if (hook && !fs.existsSync(path.join(dir, hook))) throw new UsageError(`--hook ${hook}: no such file in ${dir}`);

    const list = await discovered(dir);
    const listFile = path.join(work, 'files.txt');
    fs.writeFileSync(listFile, `${list.join('\n')}\n`);
    const nix = list.filter((f) => f.endsWith('.nix'));
    const bytes = nix.reduce((n, f) => n + fs.statSync(f).size, 0);
    const cache = supportsCache();
    log(`${fmt(list.length)} files to read (${fmt(nix.length)} .nix, ${fmt(bytes / MB, 1)} MB); cache: ${cache ? 'supported' : 'not supported by this build'}; ${options.runs} rounds`);

    const units = plan({ work, dir, listFile, hook, cache });
    const results = new Map();
    for (let round = 0; round < options.runs; round++) {
      for (let u = 0; u < units.length; u++) {
        for (const [label, run] of units[(u + round) % units.length]) {
          const r = run();
          if (!results.has(label)) results.set(label, []);
          results.get(label).push(r);
          log(`round ${round + 1}/${options.runs} ${label}: CPU ${fmt(r.cpuMs)} ms, wall ${fmt(r.wallMs)} ms, peak RSS ${fmt(r.maxRssKb / 1024)} MB`);
        }
      }
    }

    // One untimed run for the findings: shows the check saw the tree (hosts evaluated, planted settings found).
    const reportFile = path.join(work, 'report.json');
    runChild(work, [BIN, 'check', '.', '--format', 'json', '-o', reportFile], { cwd: dir, ok: (s) => s === 0 || s === 1, timing: false });
    const report = summarizeReport(reportFile);

    const commands = Object.fromEntries([...results].map(([label, runs]) => [label, summarizeRuns(runs)]));
    const bareRun = results.get('bare parse')[0].bare;
    return { dir, synthetic, hook, cache, files: list.length, nixFiles: nix.length, nixBytes: bytes, parseErrors: bareRun.parseErrors, runs: options.runs, commands, report };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    if (generatedIn) fs.rmSync(generatedIn, { recursive: true, force: true });
  }
}

function print(result) {
  const c = result.commands;
  const bare = c['bare parse'];
  const spread = (s) => `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
  const cpus = os.cpus();
  console.log('');
  console.log(`declint bench: ${result.synthetic ? `synthetic tree (seed ${result.synthetic.seed})` : result.dir}`);
  console.log(`${fmt(result.files)} files read by declint: ${fmt(result.nixFiles)} .nix (${fmt(result.nixBytes / MB, 1)} MB) parsed by the bare parse too, ${fmt(result.files - result.nixFiles)} others only read by it`);
  if (result.synthetic) {
    const s = result.synthetic;
    console.log(`shape: ${s.hosts} hosts, ${fmt(s.filesInNoHost)} of ${fmt(s.nixFiles)} .nix files in no host, modules per host ${s.modulesPerHost.min}/${s.modulesPerHost.median}/${s.modulesPerHost.max} (min/median/max)`);
  }
  console.log(`node ${process.version}, ${cpus.length} x ${cpus[0] ? cpus[0].model.trim() : 'unknown CPU'} (available parallelism ${os.availableParallelism()}), ${result.runs} interleaved rounds; medians (min–max)`);
  console.log('');
  const rows = [['', 'CPU ms', 'wall ms', 'peak RSS MB', 'CPU / bare', 'wall / bare', 'start-up CPU ms']];
  for (const [label, s] of Object.entries(c)) {
    const startup = s.workCpuMs ? fmt(s.cpuMs.median - s.workCpuMs.median) : '';
    rows.push([label, spread(s.cpuMs), spread(s.wallMs), fmt(s.peakRssMb.max), `${fmt(s.cpuMs.median / bare.cpuMs.median, 2)}×`, `${fmt(s.wallMs.median / bare.wallMs.median, 2)}×`, startup]);
  }
  console.log(table(rows, 'lrrrrrr'));
  console.log('(CPU: user + system of the whole process, every thread, from its getrusage; wall: the process from spawn to exit; peak RSS: the largest');
  console.log(' of the rounds; start-up: CPU before the work began (Node, loading dist/ or tree-sitter), included in the CPU column)');
  console.log('');

  const goals = [];
  const j1 = c['check -j 1'];
  const jd = c['check (default jobs)'];
  const ratio = j1.cpuMs.median / bare.cpuMs.median;
  const workRatio = j1.workCpuMs && bare.workCpuMs ? ` (after start-up: ${fmt(j1.workCpuMs.median / bare.workCpuMs.median, 2)}×)` : '';
  goals.push(['check -j 1 / bare parse, CPU', `${fmt(ratio, 2)}×${workRatio}`, `≤ ${GOALS.ratio}×`, ratio <= GOALS.ratio]);
  const jobsWall = jd.wallMs.median / j1.wallMs.median;
  goals.push(['default jobs / -j 1, wall', `${fmt(jobsWall, 2)}× (CPU ${fmt(jd.cpuMs.median / j1.cpuMs.median, 2)}×; / bare parse CPU ${fmt(jd.cpuMs.median / bare.cpuMs.median, 2)}×)`, '≤ 1× (never slower)', jobsWall <= 1]);
  const hookLabel = Object.keys(c).find((l) => l.startsWith('hook: '));
  const warmHookLabel = Object.keys(c).find((l) => l.startsWith('hook, warm cache'));
  const editedHookLabel = Object.keys(c).find((l) => l.startsWith('hook, edited file'));
  if (result.cache) {
    const cold = c['check --cache, cold'];
    const warm = c['check --cache, warm'];
    const speedup = cold.cpuMs.median / warm.cpuMs.median;
    goals.push(['cache: cold / warm, CPU', `${fmt(speedup, 1)}×`, `≥ ${GOALS.warmSpeedup}×`, speedup >= GOALS.warmSpeedup]);
    for (const label of [warmHookLabel, editedHookLabel].filter(Boolean)) {
      goals.push([label.split(':')[0], `CPU ${fmt(c[label].cpuMs.median)} ms, wall ${fmt(c[label].wallMs.median)} ms`, `≤ ${GOALS.hookMs} ms`, c[label].cpuMs.median <= GOALS.hookMs]);
    }
  } else {
    goals.push(['cache', 'not supported by this build', `warm ≥ ${GOALS.warmSpeedup}× faster than cold; hook ≤ ${GOALS.hookMs} ms`, undefined]);
  }
  if (hookLabel) goals.push([`hook, no cache (${result.hook})`, `CPU ${fmt(c[hookLabel].cpuMs.median)} ms, wall ${fmt(c[hookLabel].wallMs.median)} ms`, `≤ ${GOALS.hookMs} ms with a warm cache`, undefined]);
  const rss = Math.max(j1.peakRssMb.max, jd.peakRssMb.max);
  const rssNote = result.nixFiles === GOALS.peakRssAtFiles ? '' : ` (the goal is at ${fmt(GOALS.peakRssAtFiles)} files; this tree has ${fmt(result.nixFiles)})`;
  goals.push(['check peak RSS', `${fmt(rss)} MB`, `≤ ${GOALS.peakRssMb} MB`, result.nixFiles === GOALS.peakRssAtFiles ? rss <= GOALS.peakRssMb : undefined, rssNote]);
  console.log(table(goals.map(([what, value, goal, met, note = '']) => [what, value, `goal ${goal}`, (met === undefined ? '' : met ? 'MET' : 'MISSED') + note]), 'lrll'));
  console.log('');

  for (const label of Object.keys(c).filter((l) => c[l].phases)) {
    const s = c[label];
    const phases = Object.entries(s.phases).map(([name, p]) => `${name} ${fmt(p.ms)}/${fmt(p.cpuMs)}`).join(', ');
    const rss = Object.entries(s.phases).filter(([, p]) => p.maxRssMb !== undefined).map(([name, p]) => `${name} ${fmt(p.maxRssMb)}`).join(', ');
    const counters = Object.entries(s.counters).map(([name, p]) => `${name} ${fmt(p.ms)}/${fmt(p.cpuMs)} (${fmt(p.calls)})`).join(', ');
    console.log(`${label} phases, ms wall/CPU: ${phases}`);
    if (rss) console.log(`  peak RSS MB at the end of each phase: ${rss}`);
    if (counters) console.log(`  inside them, ms wall/CPU (calls), main thread only: ${counters}`);
  }
  if (!Object.values(c).some((s) => s.phases)) console.log('phases: this build reports no DECLINT_TIMING');
  console.log('');
  const r = result.report;
  if (r.error) console.log(`report: not readable (${r.error})`);
  else {
    const hosts = r.nixosHosts ? `; NixOS hosts ${r.nixosHosts.evaluated} evaluated, ${r.nixosHosts.partial} partly, ${r.nixosHosts.unresolved} unresolved` : '';
    const planted = result.synthetic ? ` (${result.synthetic.insecureFiles} .nix files carry a planted insecure setting)` : '';
    console.log(`report: ${fmt(r.findings)} findings in ${fmt(r.filesWithFindings)} files${planted}${hosts}; ${Object.entries(r.topRules).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  console.log('');
  const json = { ...result, synthetic: result.synthetic ? { ...result.synthetic, insecure: undefined } : undefined, node: process.version, cpus: cpus.length, goals: Object.fromEntries(goals.map(([what, value, goal, met]) => [what, { value, goal, met: met ?? null }])) };
  console.log(`BENCH_JSON ${JSON.stringify(json, (k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 10) / 10 : v))}`);
}

async function main() {
  const log = (msg) => console.error(`bench: ${msg}`);
  try {
    const options = parseOptions(process.argv.slice(2));
    if (options.help) {
      console.log(USAGE);
      return;
    }
    print(await bench(options, log));
  } catch (err) {
    log(err instanceof BenchError ? err.message : (err && err.stack) || String(err));
    process.exitCode = err instanceof UsageError ? 2 : 1;
  }
}

main();
