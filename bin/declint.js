#!/usr/bin/env node
'use strict';
// A reader that stops early (`declint … | head`) closes the pipe: that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// V8 optimizes a function once about 66 KB of its bytecode has run, and again after its optimized code
// meets a value of a shape it did not expect: compilations that cost a run of declint a sixth to a quarter
// of its CPU time on real fleets and gain it no wall time (bench/README.md, "Optimizing later").
// Eight times that budget lets each function see more of its values first. Set before declint loads.
require('v8').setFlagsFromString('--interrupt-budget=540672');

// What V8 compiled of declint's own modules is kept for the next run (src/cli/code-cache.ts).
require('../dist/cli/code-cache.js').enableCodeCache();

// declint's own modules in one file (scripts/bundle.js): one module to load instead of 150.
const { main } = require('../dist/bundle/main.js');

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // Exit once what was written has left for standard output and error (a write's callback runs after it): left to
  // itself the event loop first lets V8 finish a collection it began, about a tenth of the CPU of a pre-commit hook
  // that evaluated a host again (bench/README.md, "The hook after an edit"). The language server's promise never
  // settles: it exits when its input closes.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
});
