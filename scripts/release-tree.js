'use strict';
// `npm run release -- OUT`: the tree a release tag points at, built from this
// checkout once `npm run prebuilds` has run for every platform (the release
// workflow, .github/workflows/release.yml, gathers them):
//
//   OUT/declint-X.Y.Z.tgz   the npm package: dist/, rules/, schemas/, the prebuilt
//                           bindings and the bundled tree-sitter runtime; its
//                           manifest keeps only what installing needs
//   OUT/package.json        a wrapper package that depends on that tarball, so
//   OUT/bin/declint.js      that pre-commit (which runs `npm install` in the hook's
//                           repository) installs the package and nothing else
//   OUT/action.yml          the GitHub Action, which installs the tarball
//   OUT/.pre-commit-hooks.yaml, README.md, LICENSE
//
// A checkout of the source is not installable without its dev dependencies
// (TypeScript builds dist/), which is why the hook and the Action use this tree.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const out = path.resolve(process.argv[2] ?? 'release');
const npm = (cwd, ...args) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

if (!fs.existsSync(path.join(root, 'prebuilds'))) {
  process.stderr.write('release-tree: no prebuilds/ (run npm run prebuilds first): the package would need a compiler to install\n');
  process.exit(2);
}
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(path.join(out, 'bin'), { recursive: true });

// Pack the checkout, then pack it again with the manifest a user installs: no
// dev dependencies, no build or test scripts (npm lists every script it skips).
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-release-'));
try {
  const [packed] = JSON.parse(npm(root, 'pack', '--json', '--pack-destination', work));
  execFileSync('tar', ['-xzf', path.join(work, packed.filename), '-C', work]);
  const dir = path.join(work, 'package');
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  delete manifest.devDependencies;
  delete manifest.allowScripts;
  manifest.scripts = { install: manifest.scripts.install };
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  npm(dir, 'pack', '--json', '--pack-destination', out);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

const { name, version, description, license, homepage, repository, engines } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const tarball = `${name}-${version}.tgz`;
const wrapper = {
  name: `${name}-dist`,
  version,
  private: true,
  description: `${description} (release tree: the packed package with its GitHub Action and pre-commit hook)`,
  license,
  homepage,
  repository,
  engines,
  bin: { declint: 'bin/declint.js' },
  files: ['bin/'],
  dependencies: { [name]: `file:${tarball}` },
};
fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(wrapper, null, 2)}\n`);
fs.writeFileSync(path.join(out, 'bin', 'declint.js'), "#!/usr/bin/env node\n'use strict';\nrequire('declint/bin/declint.js');\n", { mode: 0o755 });
for (const file of ['action.yml', '.pre-commit-hooks.yaml', 'README.md', 'LICENSE']) fs.copyFileSync(path.join(root, file), path.join(out, file));
process.stdout.write(`${path.join(out, tarball)}\n`);
