import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathWithoutCompiler, Release, releaseTree } from './support/release';

/**
 * declint as users install it: the tarball of the release tree, built from a
 * clean copy of this checkout (support/release.ts), installed into empty
 * directories.
 */
let release: Release;
beforeAll(() => {
  release = releaseTree();
}, 1_200_000);

const DEMO = path.resolve(__dirname, '../fixtures/demo-fleet');

/** `npm install TARBALL` in an empty project; `allowScripts` approves declint's install script (npm 11.19 runs it either way, and warns where it is not approved). */
function install(tarball: string, env: NodeJS.ProcessEnv, allowScripts = false) {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-prefix-'));
  if (allowScripts) fs.writeFileSync(path.join(prefix, 'package.json'), JSON.stringify({ private: true, allowScripts: { declint: true } }));
  const started = Date.now();
  const run = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', tarball], { cwd: prefix, encoding: 'utf8', env: { ...process.env, ...env } });
  const seconds = (Date.now() - started) / 1000;
  return { prefix, run, seconds, bin: path.join(prefix, 'node_modules', '.bin', 'declint') };
}

describe('the packed package', () => {
  test('npm ci works on a clean copy and leaves its tree clean', () => {
    expect(release.statusAfterCi).toBe('');
  });

  test('ships the built code, the rules, the schemas, the prebuilt bindings and what a fallback build needs; nothing else', () => {
    const entries = execFileSync('tar', ['-tzf', release.tarball], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((e) => e.replace(/^package\//, ''));
    const top = [...new Set(entries.map((e) => (e.startsWith('grammars/') ? e.split('/').slice(0, 3).join('/') : e.startsWith('node_modules/') ? e.split('/').slice(0, 2).join('/') : e.split('/')[0])))].sort();
    expect(top).toEqual([
      'LICENSE',
      'README.md',
      'bin',
      'binding.gyp',
      'dist',
      'grammars/nix/binding.cc',
      'grammars/nix/index.js',
      'grammars/nix/src',
      'node_modules/node-addon-api',
      'node_modules/node-gyp-build',
      'node_modules/tree-sitter',
      'package.json',
      'prebuilds',
      'rules',
      'schemas',
    ]);
    expect(entries).toEqual(expect.arrayContaining(['dist/bundle/main.js', 'dist/bundle/check-worker.js', 'dist/cli/main.js', 'dist/rules/builtin.js', 'schemas/report.schema.json', `prebuilds/linux-x64/declint.glibc.node`]));
    expect(entries).toContain(`node_modules/tree-sitter/prebuilds/${process.platform}-${process.arch}/tree-sitter.node`);
    expect(entries.filter((e) => e.endsWith('.ts') && !e.endsWith('.d.ts'))).toEqual([]);
    expect(entries.filter((e) => e.includes('tsbuildinfo'))).toEqual([]);

    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', release.tarball, 'package/package.json'], { encoding: 'utf8' }));
    expect(manifest.private).toBeUndefined();
    expect(manifest.license).toBe('MIT');
    expect(manifest.engines).toEqual({ node: '>=20' });
    expect(manifest.scripts).toEqual({ install: 'node-gyp-build' });
    expect(manifest.devDependencies).toBeUndefined();
    expect(Object.keys(manifest.dependencies)).not.toEqual(expect.arrayContaining(['node-gyp']));
    expect(Object.keys(manifest.dependencies)).not.toContain('tree-sitter-nix');
    expect(manifest.bundleDependencies).toEqual(['tree-sitter']);
  });

  test('installs into an empty prefix with no compiler on PATH, compiles nothing, and checks a tree', () => {
    const { prefix, run, seconds, bin } = install(release.tarball, { PATH: pathWithoutCompiler(), CC: '', CXX: '' });
    expect(run.stderr).not.toMatch(/gyp ERR|npm error/);
    expect(run.status).toBe(0);
    console.log(`packed package: ${(fs.statSync(release.tarball).size / 1e6).toFixed(2)} MB, installed without a compiler in ${seconds.toFixed(1)} s`);
    expect(fs.existsSync(path.join(prefix, 'node_modules', 'declint', 'build'))).toBe(false);
    const check = spawnSync(bin, ['check', '.'], { cwd: DEMO, encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(/20 findings \(5 errors, 4 warnings, 11 notes\)\. 22 files checked/);
  });

  test('where no prebuilt grammar fits, the install compiles it (scripts allowed, a compiler present)', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-noprebuild-'));
    execFileSync('tar', ['-xzf', release.tarball, '-C', work]);
    fs.rmSync(path.join(work, 'package', 'prebuilds'), { recursive: true });
    const tarball = path.join(work, execFileSync('npm', ['pack', '--silent', '--pack-destination', work, path.join(work, 'package')], { encoding: 'utf8' }).trim());
    const { prefix, run, seconds, bin } = install(tarball, {}, true);
    expect(run.status).toBe(0);
    console.log(`packed package without a prebuilt grammar: compiled and installed in ${seconds.toFixed(1)} s`);
    expect(fs.existsSync(path.join(prefix, 'node_modules', 'declint', 'build', 'Release', 'tree_sitter_nix.node'))).toBe(true);
    const check = spawnSync(bin, ['check', 'hosts/bastion/configuration.nix'], { cwd: DEMO, encoding: 'utf8' });
    expect(check.stdout).toContain('NIX-SSH-001');
  });

  test('the vendored grammar sources are those of the pinned tree-sitter-nix', () => {
    const vendored = path.resolve(__dirname, '../grammars/nix/src');
    const pinned = path.dirname(require.resolve('tree-sitter-nix/package.json'));
    for (const file of ['parser.c', 'scanner.c', 'node-types.json', 'tree_sitter/parser.h']) {
      expect({ file, same: fs.readFileSync(path.join(vendored, file)).equals(fs.readFileSync(path.join(pinned, 'src', file))) }).toEqual({ file, same: true });
    }
  });
});
