import * as fs from 'fs';
import Module from 'module';
import * as path from 'path';
import { getHeapCodeStatistics } from 'v8';
import * as vm from 'vm';
import { contentHash } from '../source/content-hash';
import { fileStatus, settled } from '../source/file-status';
import { ownDirectory, userCacheDirectory } from '../source/user-cache';
import { writeWhole } from '../source/write-whole';

/**
 * V8's code cache for declint's own modules: compiling the JavaScript of
 * `dist/` is about a fifth of the CPU of a pre-commit hook's run (1.2 MB of
 * it for a check that evaluates a host). The first run keeps what V8
 * compiled, per module, and the next runs start from it: a hook that
 * re-evaluates one host takes about 40 ms less CPU (bench/README.md).
 *
 * Node 22.1 and later do this themselves (`module.enableCompileCache`);
 * there it is Node's cache that is enabled, in the same directory. On older
 * Node the modules of `dist/` are compiled here with `vm.Script` and its
 * `cachedData`. V8 refuses data made by another V8, with other flags or
 * for a source of another length; the files are named after each module's
 * path and content as well (its status, once that has settled:
 * `sourceIdentity`), so a stale or damaged file costs a compilation, never
 * a wrong program.
 *
 * The cache is per user: `NODE_COMPILE_CACHE` names its directory (as for
 * Node's own), by default `declint-code-cache-<uid>` in the temporary
 * directory, used only while it is a directory of this user that nobody
 * else may write to. `NODE_DISABLE_COMPILE_CACHE=1` turns it off.
 */
export function enableCodeCache(): void {
  const dir = userCacheDirectory();
  if (!dir) return;
  const nodes = Module as unknown as { enableCompileCache?: (dir: string) => unknown };
  if (typeof nodes.enableCompileCache === 'function') {
    nodes.enableCompileCache(dir);
    return;
  }
  const versionDir = path.join(dir, `declint-${process.version}-${process.arch}`);
  if (!ownDirectory(versionDir)) return;
  compileWithCache(path.resolve(__dirname, '..') + path.sep, versionDir);
}

interface CjsModule {
  _compile(content: string, filename: string): unknown;
  exports: unknown;
}

/**
 * V8 keeps in a code cache the functions compiled when it is made: the data
 * of a run that compiled little (`declint --version` first after an
 * install) would spare later runs little. Each file says how much bytecode
 * the process held when it was written, and a run that ends holding this
 * much more writes it again (a check after `--version`: 323 KB, then
 * 797 KB; a check or a hook from the data of a check stays within 5 %).
 */
const RICHER = 1.25;

/** Compiles the modules under `root` through V8's code cache in `dir`; the data of those compiled without it, or with data from a run that compiled much less, is written there when the process ends. */
function compileWithCache(root: string, dir: string): void {
  const prototype = (Module as unknown as { prototype: CjsModule }).prototype;
  const compile = prototype._compile;
  const made: { script: vm.Script; file: string }[] = [];
  const taken: { script: vm.Script; file: string; bytecode: number }[] = [];
  const now = Date.now();
  prototype._compile = function (this: CjsModule, content: string, filename: string): unknown {
    if (!filename.startsWith(root) || !filename.endsWith('.js')) return compile.call(this, content, filename);
    const file = path.join(dir, cacheFileName(filename, sourceIdentity(filename, content, now)));
    const cached = readCached(file);
    const script = new vm.Script(Module.wrap(content), { filename, ...(cached ? { cachedData: cached.data } : {}) });
    if (!cached || script.cachedDataRejected) made.push({ script, file });
    else taken.push({ script, file, bytecode: cached.bytecode });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, Module.createRequire(filename), this, filename, path.dirname(filename));
  };
  process.once('exit', () => {
    const bytecode = getHeapCodeStatistics().bytecode_and_metadata_size;
    const richer = taken.filter((t) => bytecode > t.bytecode * RICHER);
    for (const { script, file } of [...made, ...richer]) writeCached(file, script, bytecode);
    if (made.length > 0) removeReplaced(dir, new Set(made.map(({ file }) => path.basename(file))));
  });
}

/** `<path key>.<source key>.bin`: the data of one module's source; the path key finds those it replaces. */
function cacheFileName(filename: string, identity: string): string {
  return `${contentHash(filename).slice(0, 22)}.${contentHash(identity).slice(0, 22)}.bin`;
}

const CACHE_FILE_NAME = /^([\w-]{22})\.[\w-]{22}\.bin$/;

/**
 * Each module keeps one file: once this run has written the data of a
 * module's new source (a rebuild, another version), the files of its
 * earlier sources are removed, and so are files named as no declint names
 * them now, so that the directory does not grow with every build. A
 * temporary file (another run writing) is left alone.
 */
function removeReplaced(dir: string, written: Set<string>): void {
  try {
    const replacedPaths = new Set([...written].map((name) => CACHE_FILE_NAME.exec(name)?.[1]));
    for (const name of fs.readdirSync(dir)) {
      if (written.has(name) || !name.endsWith('.bin')) continue;
      const pathKey = CACHE_FILE_NAME.exec(name)?.[1];
      if (pathKey === undefined || replacedPaths.has(pathKey)) fs.rmSync(path.join(dir, name), { force: true });
    }
  } catch {
    // Left for the next run that writes.
  }
}

/**
 * What names a module's source: its status where that had settled (as git
 * trusts its index: a write changes the change time, which no program can
 * set back), else its content. Hashing the status spares hashing the whole
 * bundle on every run; the content is hashed only for a module written in
 * the last seconds, whose status a coarse clock could leave unchanged by a
 * second write.
 */
function sourceIdentity(filename: string, content: string, taken: number): string {
  const status = fileStatus(filename);
  return status && settled(status, taken) ? `status\0${status.join('\0')}` : `content\0${content}`;
}

/** A file of the cache: the bytecode the process that wrote it held (a double, 8 bytes), then V8's data. */
const BYTECODE_BYTES = 8;

function readCached(file: string): { data: Buffer; bytecode: number } | undefined {
  try {
    const bytes = fs.readFileSync(file);
    // Shorter is no file of this format: V8 is given nothing, compiles, and the file is written again.
    return bytes.length > BYTECODE_BYTES ? { bytecode: bytes.readDoubleLE(0), data: bytes.subarray(BYTECODE_BYTES) } : undefined;
  } catch {
    return undefined;
  }
}

/** Written whole: a run that reads it meanwhile finds the whole data or none. */
function writeCached(file: string, script: vm.Script, bytecode: number): void {
  try {
    const head = Buffer.alloc(BYTECODE_BYTES);
    head.writeDoubleLE(bytecode);
    writeWhole(file, Buffer.concat([head, script.createCachedData()]), 0o600);
  } catch {
    // The cache only spares compilations: a run goes on without it.
  }
}
