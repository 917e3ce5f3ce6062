import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * The fuzz suite's short run, as CI runs it: the campaign's reproducers
 * first, then seeded mutations of every kind of input (Nix, Talos YAML,
 * flake.lock, .declint.yaml, rule files, JSON-RPC). No crash, no hang, no
 * wrong exit code, no lost canary, no printed secret, no rendered markup.
 * The long run is `npm run fuzz` (100,000 inputs).
 */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { runFuzz } = require('../fuzz/run') as { runFuzz: (options: Record<string, unknown>) => Promise<FuzzSummary> };

interface FuzzSummary {
  byKind: Record<string, { inputs: number; failed: number }>;
  crashes: number;
  hangs: number;
  wrongExit: number;
  lostCanaries: number;
  leaks: number;
  failures: { index: number; kind: string; problems: string[] }[];
}

test('a short fuzz run (seed 18, 300 inputs) finds nothing', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-fuzz-ci-'));
  const lines: string[] = [];
  const summary = await runFuzz({ count: 300, seed: 18, out, log: (line: string) => lines.push(line) });
  expect(summary.failures).toEqual([]);
  expect({ crashes: summary.crashes, hangs: summary.hangs, wrongExit: summary.wrongExit, lostCanaries: summary.lostCanaries, leaks: summary.leaks }).toEqual({ crashes: 0, hangs: 0, wrongExit: 0, lostCanaries: 0, leaks: 0 });
  // Every kind of input was tried.
  expect(Object.keys(summary.byKind).sort()).toEqual(['config', 'flake-lock', 'jsonrpc', 'nix', 'rule', 'yaml']);
  fs.rmSync(out, { recursive: true, force: true });
}, 900_000);
