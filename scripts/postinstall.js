'use strict';
// Builds the TypeScript sources after `npm install` in a checkout of declint.
// A packed declint (`npm pack`, which is how pre-commit installs the hook)
// ships dist/ already built and no src/: then there is nothing to build.
// The build is not a `prepare` script on purpose: npm prints a lifecycle
// script's banner on the standard output of `npm pack`, where pre-commit
// reads the name of the tarball.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
if (!fs.existsSync(path.join(root, 'src')) || !fs.existsSync(path.join(root, 'tsconfig.build.json'))) process.exit(0);
const run = (args) => execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
run([require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
run([path.join(root, 'dist', 'rules', 'builtin.js')]);
