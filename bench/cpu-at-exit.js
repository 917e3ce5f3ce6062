'use strict';
/**
 * Preloaded into a declint run by bench/cache.js (`node --require bench/cpu-at-exit.js …`):
 * writes the process's CPU time (user + system, all threads) to $DECLINT_BENCH_CPU at exit.
 */
const fs = require('fs');

process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  fs.writeFileSync(process.env.DECLINT_BENCH_CPU, JSON.stringify({ cpuMs: (user + system) / 1000 }));
});
