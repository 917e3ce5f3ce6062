import * as fs from 'fs';
import * as path from 'path';

/**
 * The directory of declint's `package.json`, where `rules/`, `schemas/` and
 * `grammars/` are: the nearest directory with a `package.json` above this
 * module's own, which is `src/` when declint runs from its TypeScript
 * sources, `dist/` when it runs from the modules tsc wrote and
 * `dist/bundle/` when it runs from the bundle that `bin/declint.js` loads
 * (scripts/bundle.js). Paths to the package's data are made from it, never
 * from a module's own directory, whose depth the bundle changes.
 */
export const PACKAGE_ROOT = findPackageRoot(__dirname);

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`declint: no package.json above ${start}`);
  }
}
