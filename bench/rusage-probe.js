'use strict';
/**
 * Preloaded (`node -r bench/rusage-probe.js …`) into every process `npm run bench` times: when
 * the process exits it writes its own resource usage, every thread included, to the file named by
 * DECLINT_BENCH_RUSAGE: {"userMs","systemMs","maxRssKb"}. This is getrusage(RUSAGE_SELF) of the
 * child, which Node gives its parent no way to read. Benchmark only: the product has no such hook.
 */
const fs = require('fs');
const { isMainThread } = require('worker_threads');

const file = process.env.DECLINT_BENCH_RUSAGE;
if (file && isMainThread) {
  process.on('exit', () => {
    const r = process.resourceUsage();
    fs.writeFileSync(file, JSON.stringify({ userMs: r.userCPUTime / 1000, systemMs: r.systemCPUTime / 1000, maxRssKb: r.maxRSS }));
  });
}
