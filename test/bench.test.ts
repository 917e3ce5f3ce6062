import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, spawnCli } from './support/cli';

/**
 * The benchmarks are not tests, but what they print is read by people deciding where to cut:
 * their command lines, the columns they print, the per-phase timing they rely on and the shape
 * of the synthetic tree must not rot. Figures are never asserted, only that they are there.
 */
const DEMO = path.join(ROOT, 'fixtures/demo-fleet');

function bench(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bench', script), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  const json = r.stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: json ? JSON.parse(json.slice('BENCH_JSON '.length)) : undefined };
}

describe('npm run bench', () => {
  test('on a directory: the bare parse of the files declint reads, both job settings and the hook, with CPU, wall, RSS and phases', () => {
    const r = bench('run.js', ['--dir', DEMO, '--runs', '1', '--hook', 'modules/ssh.nix']);
    expect(r.stderr).not.toMatch(/Error|error:/);
    expect(r.code).toBe(0);
    const header = r.stdout.split('\n').find((l) => l.includes('CPU ms'));
    expect(header?.split(/\s{2,}/).map((c) => c.trim()).filter(Boolean)).toEqual(['CPU ms', 'wall ms', 'peak RSS MB', 'CPU / bare', 'wall / bare', 'start-up CPU ms']);
    for (const row of ['bare parse', 'check -j 1', 'check (default jobs)', 'hook: check modules/ssh.nix']) expect(r.stdout).toMatch(new RegExp(`^${row.replace(/[()]/g, '\\$&')}\\s+[\\d,]+ \\([\\d,]+–[\\d,]+\\)`, 'm'));
    expect(r.stdout).toMatch(/^check -j 1 \/ bare parse, CPU\s+[\d.]+×/m);
    for (const row of ['check --cache, cold', 'check --cache, warm', 'hook, warm cache: check modules/ssh.nix', 'hook, edited file, warm cache: check modules/ssh.nix']) {
      expect(r.stdout).toMatch(new RegExp(`^${row.replace(/[()]/g, '\\$&')}\\s+[\\d,]+ \\([\\d,]+–[\\d,]+\\)`, 'm'));
    }
    expect(r.stdout).toMatch(/^cache: cold \/ warm, CPU\s+[\d.]+×/m);
    expect(r.stdout).toMatch(/^check -j 1 phases, ms wall\/CPU: startup [\d,]+\/[\d,]+, load rules .*discovery .*files .*hosts .*output/m);
    // The bare parse reads exactly what declint's discovery lists: every file of the fleet but its README.
    const files = fs.readdirSync(DEMO, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name !== 'README.md');
    expect(r.json.files).toBe(files.length);
    expect(r.json.nixFiles).toBe(files.filter((e) => e.name.endsWith('.nix')).length);
    expect(r.json.report.nixosHosts.evaluated).toBe(3);
    expect(Object.keys(r.json.commands['check -j 1'].phases)).toEqual(['startup', 'load rules', 'discovery', 'files', 'hosts', 'talos', 'flakes', 'combine', 'output']);
  });

  test.each([
    [['--runs', '0'], /--runs must be a whole number >= 1/],
    [['--dir', '/nonexistent/declint-bench'], /--dir \/nonexistent\/declint-bench: not a directory/],
    [['--dir', DEMO, '--files', '100'], /--files is for a synthetic tree/],
    [['--dir', DEMO, '--hook', 'nope.nix'], /--hook nope.nix: no such file/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
  ])('%j is a usage error (exit 2)', (args, message) => {
    const r = bench('run.js', args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('the synthetic tree', () => {
  test('has the proportions bench/README.md gives, as declint itself sees them: most files in no host, every host evaluated', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-bench-shape-'));
    try {
      const gen = spawnSync(process.execPath, [path.join(ROOT, 'bench/generate.js'), '--dir', dir, '--files', '400'], { encoding: 'utf8' });
      expect(gen.status).toBe(0);
      const summary = JSON.parse(gen.stdout);
      expect(summary).toMatchObject({ nixFiles: 400, hosts: 10, filesInNoHost: 300 });
      const shape = bench('shape.js', [dir]);
      expect(shape.code).toBe(0);
      const [seen] = shape.json;
      expect(seen).toMatchObject({ nixFiles: 400, hosts: 10, filesInNoHost: 300 });
      expect(seen.modulesPerHost).toEqual(summary.modulesPerHost);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DECLINT_TIMING', () => {
  test('writes the phases of a check (wall and CPU) and the work inside them to a file, and nothing to the output', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'declint-timing-')), 'timing.json');
    const plain = spawnCli(['check', '.', '-j', '1'], { cwd: DEMO });
    const timed = spawnCli(['check', '.', '-j', '1'], { cwd: DEMO, env: { DECLINT_TIMING: file } });
    expect(timed.code).toBe(plain.code);
    const duration = (text: string) => text.replace(/checked in [\d.]+s/, 'checked in …s');
    expect(duration(timed.stdout)).toBe(duration(plain.stdout));
    expect(timed.stderr).toBe(plain.stderr);
    const report = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(Object.keys(report.phases)).toEqual(['startup', 'load rules', 'discovery', 'files', 'hosts', 'talos', 'flakes', 'combine', 'output']);
    for (const phase of Object.values(report.phases) as { ms: number; cpuMs: number; maxRssMb: number }[]) {
      expect(phase.ms).toBeGreaterThanOrEqual(0);
      expect(phase.maxRssMb).toBeGreaterThan(0);
    }
    const nix = fs.readdirSync(DEMO, { recursive: true }).filter((p) => String(p).endsWith('.nix')).length;
    // Every .nix file is parsed once, in the per-file phase: the host phase reads those parses.
    expect(report.counters['files.parse'].calls).toBe(nix);
    expect(report.counters['hosts.parse']).toBeUndefined();
    expect(report.counters['hosts.evaluate'].calls).toBe(3);
    expect(report.totalMs).toBeGreaterThan(0);
  });

  test('DECLINT_TIMING=1 writes one line to standard error', () => {
    const r = spawnCli(['check', 'modules/ssh.nix'], { cwd: DEMO, env: { DECLINT_TIMING: '1' } });
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('declint timing: '));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0].slice('declint timing: '.length)).phases).toHaveProperty('hosts');
  });
});

describe('npm run bench:lsp', () => {
  test('on an existing workspace: typed in the editor only, p50 and p95 for each kind of keystroke', () => {
    const before = fs.readFileSync(path.join(DEMO, 'modules/ssh.nix'), 'utf8');
    const r = bench('lsp.js', ['--dir', DEMO, '--file', 'modules/ssh.nix', '--edits', '4', '--kind-edits', '2', '--memory-edits', '0']);
    expect(r.stderr).not.toMatch(/bench:lsp:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^didChange -> publishDiagnostics, value keystrokes \(4, .*p50 [\d.]+ ms, p95 [\d.]+ ms/m);
    for (const kind of ['name', 'syntax slip']) {
      expect(r.stdout).toMatch(new RegExp(`^${kind} keystrokes \\(2\\): typed p50 [\\d.]+ ms, p95 [\\d.]+ ms; undone p50 [\\d.]+ ms, p95 [\\d.]+ ms; server CPU typed p50 [\\d.]+ ms, p95 [\\d.]+ ms, undone p50 [\\d.]+ ms, p95 [\\d.]+ ms$`, 'm'));
    }
    expect(fs.readFileSync(path.join(DEMO, 'modules/ssh.nix'), 'utf8')).toBe(before);
  });

  test('--dir without --file says what is missing', () => {
    const r = bench('lsp.js', ['--dir', DEMO]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--dir needs --file FILE/);
  });
});
