'use strict';
/**
 * `npm run bench:profile`: where `declint check` spends its CPU, by area.
 *
 *   npm run bench:profile -- --dir PATH [--jobs N] [--keep DIR]
 *   npm run bench:profile -- --summarize FILE.cpuprofile
 *
 * Runs `node --cpu-prof bin/declint.js check PATH -j N -o /dev/null` (N default 1: a profile
 * of worker threads is one file per thread) and sums the profile's samples by area. A sample
 * goes to the innermost frame of its stack that belongs to an area (AREAS below, first match
 * per frame), so time spent in tree-sitter's native calls lands on the declint code that made
 * them: a cursor walk under `copyChildren` is tree conversion, the native `parse` is parsing.
 * `--summarize` reads an existing profile instead (for example one from `bench:lsp --profile`).
 * Prints the areas (ms, %) and the 25 functions with the most self time.
 */

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseArgs } = require('util');

const ROOT = path.join(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'declint.js');
const { BundleSources } = require('../dist/cli/stack-sources.js');

const SYNTAX_ERROR_SEARCH = new Set(['firstSyntaxError', 'describeSyntaxError', 'findError', 'isTrailingCommaRecovery']);

/** [area, test(url, functionName)]: the first area whose test accepts a frame is that frame's area. */
const AREAS = [
  ['garbage collection', (url, fn) => fn === '(garbage collector)'],
  // The parse runs in callbacks that parser.js hands to its budget check (anonymous frames), so
  // parser.js is the parse but for the functions that search a tree for its first syntax error.
  ['syntax-error search', (url, fn) => url.endsWith('/dist/nix/parser.js') && SYNTAX_ERROR_SEARCH.has(fn)],
  ['tree-sitter parse', (url, fn) => url.endsWith('/dist/nix/parser.js') || (url.includes('/tree-sitter/') && fn === 'parse')],
  ['tree conversion (syntax.js)', (url) => url.endsWith('/dist/nix/syntax.js')],
  ['duplicate attributes', (url) => url.endsWith('/dist/nix/duplicate-attributes.js')],
  ['module model (readModule)', (url) => url.endsWith('/dist/nix/module.js')],
  ['discovery', (url) => /\/dist\/discover\/|\/node_modules\/(fast-glob|ignore|picomatch|micromatch|@nodelib)\//.test(url)],
  // fs calls that read a file's bytes; readdir and stat are left to their caller (discovery, or the host loader).
  ['reading files', (url, fn) => (url === 'node:fs' && /^(readFile\w*|tryReadSync|readSync|openSync|closeSync|tryStatSync|tryCreateBuffer)$/.test(fn)) || fn === 'readIfPresent'],
  ['rules', (url) => /\/dist\/(rules|findings)\//.test(url)],
  ['host evaluation', (url) => /\/dist\/(nix|hosts|flake|pipeline\/(check-hosts|source-loader|tree-io))/.test(url)],
  ['talos / yaml', (url) => /\/dist\/(talos|terraform)\/|\/node_modules\/yaml\//.test(url)],
  ['output and fixes', (url) => /\/dist\/(report|fix)\/|\/dist\/pipeline\/fix-tree\.js/.test(url)],
  ['line index / positions', (url) => url.endsWith('/dist/source/position.js')],
  ['pipeline (other)', (url) => /\/dist\/(pipeline|coverage|config)\//.test(url)],
  ['module loading', (url, fn) => url.startsWith('node:internal/modules') || fn === 'compileFunction'],
];
const UNATTRIBUTED = 'other (native, idle, node internals)';

function fail(message) {
  console.error(`bench:profile: ${message}`);
  process.exit(2);
}

/**
 * A frame of the bundle (dist/bundle/*.js, scripts/bundle.js) named by the module it was
 * bundled from, through the bundle's source map (`BundleSources`, src/cli/stack-sources.ts):
 * `src/nix/host.ts` becomes `dist/nix/host.js`, as in a run of the modules tsc wrote, so that
 * the areas above hold for both.
 */
function unbundle(profile) {
  const sources = new BundleSources();
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    const file = frame.url.replace(/^file:\/\//, '');
    if (!/\/dist\/bundle\/[^/]+\.js$/.test(file)) continue;
    const origin = sources.origin(file, frame.lineNumber, frame.columnNumber);
    if (!origin) continue;
    const inSrc = path.relative(path.join(ROOT, 'src'), origin.source);
    const module = inSrc.startsWith('..') ? origin.source : path.join(ROOT, 'dist', inSrc.replace(/\.ts$/, '.js'));
    node.callFrame = { ...frame, url: `file://${module}`, lineNumber: origin.line, columnNumber: origin.column };
  }
  return profile;
}

/** Sums a .cpuprofile's samples by area and by function (self time). */
function summarize(profile) {
  unbundle(profile);
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const areaOfNode = new Map();
  const areaOf = (id) => {
    if (areaOfNode.has(id)) return areaOfNode.get(id);
    const { url, functionName } = nodes.get(id).callFrame;
    const own = AREAS.find(([, test]) => test(url, functionName));
    const area = own ? own[0] : parent.has(id) ? areaOf(parent.get(id)) : UNATTRIBUTED;
    areaOfNode.set(id, area);
    return area;
  };
  const byArea = new Map();
  const bySelf = new Map();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] || 0;
    totalUs += us;
    const area = areaOf(id);
    byArea.set(area, (byArea.get(area) || 0) + us);
    const { url, functionName, lineNumber } = nodes.get(id).callFrame;
    const key = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^file:\/\//, '').replace(ROOT + '/', '')}:${lineNumber + 1}` : ''}`.trim();
    const self = bySelf.get(key) || { us: 0, area };
    self.us += us;
    bySelf.set(key, self);
  });
  const areas = [...byArea].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, ms: us / 1000, share: us / totalUs }));
  const top = [...bySelf].sort((a, b) => b[1].us - a[1].us).slice(0, 25).map(([fn, v]) => ({ fn, area: v.area, ms: v.us / 1000, share: v.us / totalUs }));
  return { totalMs: totalUs / 1000, areas, top };
}

function print(summary, title) {
  const pct = (x) => `${(x * 100).toFixed(1)} %`;
  console.log(`${title}: ${Math.round(summary.totalMs)} ms of samples`);
  console.log('');
  const w = Math.max(...summary.areas.map((a) => a.area.length));
  for (const a of summary.areas) console.log(`  ${a.area.padEnd(w)}  ${String(Math.round(a.ms)).padStart(7)} ms  ${pct(a.share).padStart(7)}`);
  console.log('');
  console.log('top self time:');
  for (const t of summary.top) console.log(`  ${String(Math.round(t.ms)).padStart(6)} ms  ${pct(t.share).padStart(6)}  ${t.fn}  [${t.area}]`);
  console.log(`BENCH_JSON ${JSON.stringify(summary, (k, v) => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : v))}`);
}

function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        dir: { type: 'string' },
        jobs: { type: 'string', short: 'j', default: '1' },
        keep: { type: 'string' },
        summarize: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    fail(err.message);
  }
  if (values.help) {
    console.log('usage: npm run bench:profile -- --dir PATH [--jobs N] [--keep DIR] | --summarize FILE.cpuprofile');
    return;
  }
  if (values.summarize) {
    print(summarize(JSON.parse(fs.readFileSync(values.summarize, 'utf8'))), values.summarize);
    return;
  }
  if (!values.dir) fail('--dir PATH is required (or --summarize FILE)');
  const dir = path.resolve(values.dir);
  if (!fs.existsSync(path.join(ROOT, 'dist', 'bundle', 'main.js'))) fail('dist/bundle/main.js not found: run npm run build first');
  const out = values.keep ? path.resolve(values.keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'declint-prof-'));
  fs.mkdirSync(out, { recursive: true });
  const before = new Set(fs.readdirSync(out));
  const r = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${out}`, BIN, 'check', dir, '-j', values.jobs, '-o', os.devNull], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0 && r.status !== 1) fail(`declint check exited with ${r.status}${r.signal ? ` (${r.signal})` : ''}\n${r.stderr}`);
  const files = fs.readdirSync(out).filter((f) => f.endsWith('.cpuprofile') && !before.has(f));
  if (files.length === 0) fail(`no profile written in ${out}`);
  // With workers there is one profile per thread: the largest is the main thread's or a worker's; print each.
  for (const f of files.sort()) print(summarize(JSON.parse(fs.readFileSync(path.join(out, f), 'utf8'))), `check ${dir} -j ${values.jobs} (${f})`);
  if (values.keep) console.error(`bench:profile: profiles kept in ${out}`);
  else fs.rmSync(out, { recursive: true, force: true });
}

if (require.main === module) main();

module.exports = { summarize };
