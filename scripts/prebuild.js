'use strict';
// `npm run prebuilds`: the native parts of the packed package, for this
// platform, so that installing declint needs no compiler (prebuildify writes
// prebuilds/<platform>-<arch>/, node-gyp-build loads it and compiles only
// where none fits). Two bindings:
// - the Nix grammar (binding.gyp), tagged with its libc (glibc or musl);
// - the tree-sitter runtime, bundled in the package (bundleDependencies):
//   the linux-x64 prebuild tree-sitter 0.25.1 publishes needs the libstdc++
//   of GCC 13 (GLIBCXX_3.4.31), so on Debian 12, Ubuntu 22.04 and older it
//   does not load and npm compiles the runtime at install. Its prebuild is
//   rebuilt here, from the same sources, against this machine's libstdc++
//   (the release workflow builds on an older distribution than users run).
const { execFileSync } = require('child_process');
const path = require('path');

const root = path.resolve(__dirname, '..');
const prebuildify = require.resolve('prebuildify/bin.js');
const run = (cwd, ...args) => execFileSync(process.execPath, [prebuildify, '--napi', '--strip', ...args], { cwd, stdio: 'inherit' });

run(root, '--tag-libc');
run(path.dirname(require.resolve('tree-sitter/package.json', { paths: [root] })));
