'use strict';
/**
 * Preloaded into the language server by `npm run bench:lsp` (node --expose-gc -r bench/heap-probe.js):
 * on SIGUSR2 it runs a full garbage collection and writes the live heap to standard error as
 * `DECLINT_HEAP <bytes used> <bytes external>`, so that the benchmark measures what the server
 * keeps, not what the collector has not reclaimed yet. Benchmark only: the product has no such hook.
 */
process.on('SIGUSR2', () => {
  global.gc();
  const { heapUsed, external } = process.memoryUsage();
  process.stderr.write(`DECLINT_HEAP ${heapUsed} ${external}\n`);
});
