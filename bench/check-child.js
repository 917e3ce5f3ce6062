'use strict';
/**
 * Full check for `npm run bench`: runs the product's CLI entry in-process on DIR, in a process
 * of its own so its peak RSS is its own.
 *
 *   node bench/check-child.js DIR [OUT]
 *
 * OUT defaults to the null device (the timed runs); run.js passes a file once to count findings.
 * Prints one line: BENCH_RESULT {"exitCode","ms","loadMs","maxRssKb"} or {"error"}. The
 * product's own output (if any) may appear around it; run.js only reads the BENCH_RESULT line.
 */

const fs = require('fs');
const os = require('os');
const path = require('path');

const MAIN = path.join(__dirname, '..', 'dist', 'cli', 'main.js');

let reported = false;
function report(result) {
  reported = true;
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

// If the product calls process.exit() itself, say so instead of leaving run.js without a result.
// (Writes to a pipe are synchronous on Linux and macOS, so this line is not lost.)
process.on('exit', (code) => {
  if (!reported) report({ error: `declint exited the process (code ${code}) before main() resolved` });
});

async function run() {
  const dir = process.argv[2];
  const out = process.argv[3] || os.devNull;
  if (!dir) return { error: 'usage: node bench/check-child.js DIR [OUT]' };
  if (!fs.existsSync(MAIN)) return { error: 'dist/cli/main.js not found: run npm run build first' };

  const l0 = process.hrtime.bigint();
  let mod;
  try {
    mod = require(MAIN);
  } catch (err) {
    return { error: `loading dist/cli/main.js failed: ${(err && err.stack) || err}` };
  }
  const loadMs = Number(process.hrtime.bigint() - l0) / 1e6;
  if (typeof mod.main !== 'function') return { error: 'dist/cli/main.js does not export main(argv)' };

  const t0 = process.hrtime.bigint();
  const exitCode = await mod.main(['check', dir, '--format', 'json', '-o', out]);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { exitCode, ms, loadMs, maxRssKb: process.resourceUsage().maxRSS };
}

run()
  .catch((err) => ({ error: `main() threw: ${(err && err.stack) || err}` }))
  .then((result) => {
    report(result);
    // Exit explicitly once the line is flushed: a handle the product left open (timer, worker)
    // must not hang the benchmark. The child's status is about the measurement, not the findings.
    process.stdout.write('', () => process.exit(result.error ? 1 : 0));
  });
