import * as fs from 'fs';
import Module from 'module';
import * as path from 'path';
import { RACY_MS } from '../src/source/file-status';
import { makeTree, ROOT, spawnCli } from './support/cli';

/**
 * The code cache (src/cli/code-cache.ts) spares the compilation of
 * declint's modules from the second run on: what a run reports must be the
 * same with it, without it, and with a damaged one.
 */

const DEMO = path.join(ROOT, 'fixtures/demo-fleet');
/** Node 22.1 and later keep their own cache in the directory; older Node, declint's files. */
const OWN_CACHE = typeof (Module as unknown as { enableCompileCache?: unknown }).enableCompileCache !== 'function';

const check = (env: NodeJS.ProcessEnv) => spawnCli(['check', '.', '--format', 'json'], { cwd: DEMO, env: { ...env, NODE_DISABLE_COMPILE_CACHE: env.NODE_DISABLE_COMPILE_CACHE ?? '' } });

/**
 * The cache's files (declint's own: one per module compiled, under a directory per Node version), by name, with their
 * content; not the note the same directory keeps on the built-in rule files (rules/builtin.ts).
 */
function cached(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, entry);
    if (fs.statSync(file).isFile() && !/^rules-[\w-]{22}\.json$/.test(entry)) files.set(entry, fs.readFileSync(file));
  }
  return files;
}

/** Each file's inode and modification time: a file written again (a new file renamed over it) has another. */
function written(dir: string): Map<string, string> {
  return new Map([...cached(dir).keys()].map((name) => {
    const stat = fs.statSync(path.join(dir, name));
    return [name, `${stat.ino} ${stat.mtimeMs}`];
  }));
}

describe('code cache', () => {
  const plain = check({ NODE_DISABLE_COMPILE_CACHE: '1' });

  // A module written in the last seconds is named by its content, after that by its status (code-cache.ts,
  // `sourceIdentity`): the runs compared below must all see the bundle on the same side of that line.
  beforeAll(async () => {
    const bundle = fs.statSync(path.join(ROOT, 'dist/bundle/main.js'));
    const wait = Math.max(bundle.mtimeMs, bundle.ctimeMs) + RACY_MS + 100 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  });

  it('reports the same on the first run, which fills the cache, and on the next, which reads it', () => {
    const dir = makeTree({});
    expect(check({ NODE_COMPILE_CACHE: dir })).toEqual(plain);
    const first = cached(dir);
    if (OWN_CACHE) {
      // One file per module of dist/ the run loaded (the bundle, scripts/bundle.js), in a directory only its owner may open.
      expect([...first.keys()].filter((name) => name.endsWith('.bin'))).toHaveLength(1);
      const versionDir = path.join(dir, `declint-${process.version}-${process.arch}`);
      if (process.platform !== 'win32') expect(fs.statSync(versionDir).mode & 0o777).toBe(0o700);
    } else {
      expect(first.size).toBeGreaterThan(0);
    }
    const files = written(dir);
    expect(check({ NODE_COMPILE_CACHE: dir })).toEqual(plain);
    // V8 took every file as it was: none was written again.
    if (OWN_CACHE) expect(written(dir)).toEqual(files);
  });

  (OWN_CACHE ? it : it.skip)('compiles again where a file of the cache is damaged, and mends it', () => {
    const dir = makeTree({});
    check({ NODE_COMPILE_CACHE: dir });
    const names = [...cached(dir).keys()].sort();
    const damaged = Buffer.from('not what V8 wrote');
    for (const name of names) fs.writeFileSync(path.join(dir, name), damaged);
    expect(check({ NODE_COMPILE_CACHE: dir })).toEqual(plain);
    const mended = cached(dir);
    expect([...mended.keys()].sort()).toEqual(names);
    expect([...mended.values()].filter((data) => data.equals(damaged))).toEqual([]);
    // And V8 takes the mended files.
    const files = written(dir);
    expect(check({ NODE_COMPILE_CACHE: dir })).toEqual(plain);
    expect(written(dir)).toEqual(files);
  });

  (OWN_CACHE ? it : it.skip)('a cache a run that compiled little wrote (declint --version first) is written again by a check, which compiles much more; the next check keeps it', () => {
    const dir = makeTree({});
    spawnCli(['--version'], { cwd: DEMO, env: { NODE_COMPILE_CACHE: dir, NODE_DISABLE_COMPILE_CACHE: '' } });
    const thin = cached(dir);
    const thinFiles = written(dir);
    expect(thin.size).toBe(1);
    expect(check({ NODE_COMPILE_CACHE: dir })).toEqual(plain);
    const rich = cached(dir);
    expect([...rich.keys()]).toEqual([...thin.keys()]);
    // Written again, with the functions the check compiled besides those --version did.
    expect(written(dir)).not.toEqual(thinFiles);
    const [name] = [...rich.keys()];
    expect(rich.get(name)!.length).toBeGreaterThan(thin.get(name)!.length * 1.5);
    const richFiles = written(dir);
    expect(check({ NODE_COMPILE_CACHE: dir })).toEqual(plain);
    expect(written(dir)).toEqual(richFiles);
  });

  (OWN_CACHE ? it : it.skip)('keeps one file per module: a new source replaces the files of earlier ones', () => {
    const dir = makeTree({});
    check({ NODE_COMPILE_CACHE: dir });
    const [name] = [...cached(dir).keys()];
    const versionDir = path.dirname(path.join(dir, name));
    const [pathKey] = path.basename(name).split('.');
    const plant = (file: string) => {
      fs.writeFileSync(path.join(versionDir, file), 'data');
      return file;
    };
    const earlierSource = plant(`${pathKey}.${'A'.repeat(22)}.bin`);
    const oldName = plant(`${'B'.repeat(43)}.bin`);
    const otherModule = plant(`${'C'.repeat(22)}.${'D'.repeat(22)}.bin`);
    const beingWritten = plant(`${path.basename(name)}.4242.abcd.tmp`);
    // The module's own file gone, the next run compiles it and writes it again.
    fs.rmSync(path.join(dir, name));
    expect(check({ NODE_COMPILE_CACHE: dir })).toEqual(plain);
    const left = fs.readdirSync(versionDir);
    expect(left).toContain(path.basename(name));
    expect(left).not.toContain(earlierSource);
    expect(left).not.toContain(oldName);
    expect(left).toEqual(expect.arrayContaining([otherModule, beingWritten]));
  });

  (OWN_CACHE && process.platform !== 'win32' ? it : it.skip)('keeps nothing in a directory other users may write to', () => {
    const dir = makeTree({});
    fs.chmodSync(dir, 0o777);
    expect(check({ NODE_COMPILE_CACHE: dir })).toEqual(plain);
    expect(cached(dir).size).toBe(0);
  });

  it('keeps nothing with NODE_DISABLE_COMPILE_CACHE', () => {
    const dir = makeTree({});
    expect(check({ NODE_COMPILE_CACHE: dir, NODE_DISABLE_COMPILE_CACHE: '1' })).toEqual(plain);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
