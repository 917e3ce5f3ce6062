'use strict';
// The last step of `npm run build`: declint's own modules, bundled by esbuild
// into one file per entry point in dist/bundle/, which bin/declint.js loads:
//   dist/bundle/main.js          the command line (check, report, lsp, …)
//   dist/bundle/check-worker.js  a worker thread of `check` (check-files-threads.ts)
// Loading 150 modules one by one (resolving, reading, wrapping and compiling
// each) was a quarter of a pre-commit hook's CPU (76 ms in a profile of one on
// ryan4yin/nix-config); the bundle loads in about 50.
// The modules tsc wrote to dist/ stay: the benches and the fuzzer load them.
//
// The libraries declint uses are not bundled: Node loads them from
// node_modules when they are needed, as before. Bundled too, they kept the
// heap's live size 10-15 MB larger on a 20,000-file tree and its peak RSS
// 20-25 MB higher, for no CPU saved. Native code (the tree-sitter runtime,
// its grammars) could not be bundled anyway; grammars/nix is reached by its
// path from the package root, which dist/bundle/ sits two levels below, as
// every module of dist/ does. The JSON caches `npm run build` wrote beside
// the modules that read them are copied beside the bundle, where those
// modules now look (`__dirname`). A source map beside each bundle maps it
// back to src/ (bench/profile.js reads it).
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const outdir = path.join(root, 'dist', 'bundle');

/** Imports by a relative path of a directory outside src/ (the grammar's binding): left as written, to be resolved from dist/bundle/. */
const outsideSources = {
  name: 'outside-sources',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = path.resolve(args.resolveDir, args.path);
      if (args.resolveDir.startsWith(path.join(root, 'src')) && !target.startsWith(path.join(root, 'src') + path.sep)) return { path: args.path, external: true };
      return undefined;
    });
  },
};

async function bundle() {
  fs.rmSync(outdir, { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: 'src/cli/main.ts', 'check-worker': 'src/pipeline/check-worker.ts' },
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    plugins: [outsideSources],
    // Without whitespace or comments: 30 % smaller, and all ASCII (a comment with one non-ASCII character made
    // the whole source a two-byte string, decoded at 4 ms a run). Names are kept, for stack traces and profiles.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
  });
  for (const name of fs.readdirSync(outdir).filter((n) => n.endsWith('.js'))) {
    const text = fs.readFileSync(path.join(outdir, name), 'latin1');
    const at = text.search(/[^\x00-\x7f]/);
    if (at >= 0) {
      throw new Error(`dist/bundle/${name} is not ASCII at offset ${at} (${JSON.stringify(text.slice(Math.max(0, at - 40), at + 20))}): write the character as an escape in its source`);
    }
  }
  for (const cache of ['rules/builtin-rules.json', 'flake/nixpkgs-channels.json']) {
    fs.copyFileSync(path.join(root, 'dist', cache), path.join(outdir, path.basename(cache)));
  }
}

// esbuild prints its own errors; the build fails with them.
bundle().catch((error) => {
  if (!error.errors) process.stderr.write(`bundle: ${error.message}\n`);
  process.exitCode = 1;
});
