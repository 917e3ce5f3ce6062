import * as fs from 'fs';
import { SourceMap } from 'module';
import * as path from 'path';
import { PACKAGE_ROOT } from '../package-root';

/** `(/…/dist/bundle/main.js:1:23456)` or `at /…/dist/bundle/main.js:1:23456` in a stack frame. */
const BUNDLE_FRAME = /([^\s()]*[\\/]dist[\\/]bundle[\\/][^\s():]+\.js):(\d+):(\d+)/g;

/**
 * Where a position in declint's bundle (scripts/bundle.js: one minified
 * line) comes from, read from the source map beside it: the absolute path
 * of the source module, and the line and column there (0-based, as the
 * position asked for). Each map is read once. Used for stack traces here
 * and by bench/profile.js for CPU profiles.
 */
export class BundleSources {
  private readonly maps = new Map<string, SourceMap | undefined>();

  origin(bundleFile: string, line: number, column: number): { source: string; line: number; column: number } | undefined {
    const entry = this.mapOf(bundleFile)?.findEntry(line, column);
    if (!entry || !('originalSource' in entry)) return undefined;
    const source = path.resolve(path.dirname(bundleFile), entry.originalSource.replace(/^file:\/\//, ''));
    return { source, line: entry.originalLine, column: entry.originalColumn };
  }

  private mapOf(bundleFile: string): SourceMap | undefined {
    if (!this.maps.has(bundleFile)) this.maps.set(bundleFile, readMap(bundleFile));
    return this.maps.get(bundleFile);
  }
}

function readMap(bundleFile: string): SourceMap | undefined {
  try {
    return new SourceMap(JSON.parse(fs.readFileSync(`${bundleFile}.map`, 'utf8')));
  } catch {
    return undefined; // no map: positions stay the bundle's
  }
}

/**
 * A stack trace whose frames in the bundle name the source file, line and
 * column they come from (`src/flake/lock.ts:49:40`), so that an internal
 * error a user reports points at declint's code. A frame the map cannot
 * place stays as it was.
 */
export function sourceMappedStack(stack: string): string {
  const sources = new BundleSources();
  return stack.replace(BUNDLE_FRAME, (frame, file: string, line: string, column: string) => {
    const origin = sources.origin(file, Number(line) - 1, Number(column) - 1);
    if (!origin) return frame;
    return `${path.relative(PACKAGE_ROOT, origin.source).split(path.sep).join('/')}:${origin.line + 1}:${origin.column + 1}`;
  });
}
