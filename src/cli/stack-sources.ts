import * as fs from 'fs';
import Module from 'module';
import * as path from 'path';
import { PACKAGE_ROOT } from '../package-root';

/** Node's source-map reader (`module.SourceMap`, Node 18.8 and later). */
interface SourceMapReader {
  findEntry(line: number, column: number): { originalSource?: string; originalLine?: number; originalColumn?: number };
}
type SourceMapClass = new (payload: unknown) => SourceMapReader;

/** `(/…/dist/bundle/main.js:1:23456)` or `at /…/dist/bundle/main.js:1:23456` in a stack frame. */
const BUNDLE_FRAME = /([^\s()]*[\\/]dist[\\/]bundle[\\/][^\s():]+\.js):(\d+):(\d+)/g;

/**
 * A stack trace whose frames in declint's bundle (scripts/bundle.js: one
 * minified line) name the source file, line and column they come from
 * (`src/flake/lock.ts:49:40`), read from the bundle's source map, so that
 * an internal error a user reports points at declint's code. A frame whose
 * map cannot be read stays as it was.
 */
export function sourceMappedStack(stack: string): string {
  const SourceMap = (Module as unknown as { SourceMap?: SourceMapClass }).SourceMap;
  if (!SourceMap) return stack;
  const maps = new Map<string, SourceMapReader | undefined>();
  const mapOf = (file: string) => {
    if (!maps.has(file)) maps.set(file, readMap(SourceMap, file));
    return maps.get(file);
  };
  return stack.replace(BUNDLE_FRAME, (frame, file: string, line: string, column: string) => {
    const entry = mapOf(file)?.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry?.originalSource || entry.originalLine === undefined || entry.originalColumn === undefined) return frame;
    const source = path.resolve(path.dirname(file), entry.originalSource.replace(/^file:\/\//, ''));
    return `${path.relative(PACKAGE_ROOT, source).split(path.sep).join('/')}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

function readMap(SourceMap: SourceMapClass, file: string): SourceMapReader | undefined {
  try {
    return new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')));
  } catch {
    return undefined;
  }
}
