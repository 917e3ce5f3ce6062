import * as path from 'path';
import type ParserType from 'tree-sitter';

/**
 * The tree-sitter runtime, shared by the Nix and HCL parsers.
 *
 * The tree-sitter wrapper patches its native classes when it is evaluated; a
 * second evaluation in the same process (test runners with a module registry
 * per test file do this) replaces the patches with broken ones. The native
 * binding is shared by the whole process, so the evaluated wrapper is kept on
 * it and reused.
 */
export function loadTreeSitter(): typeof ParserType {
  const key = Symbol.for('declint.tree-sitter');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const nodeGypBuild = require(require.resolve('node-gyp-build', { paths: [path.dirname(require.resolve('tree-sitter'))] }));
  const binding = nodeGypBuild(path.dirname(require.resolve('tree-sitter'))) as Record<symbol, typeof ParserType | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  binding[key] ??= require('tree-sitter') as typeof ParserType;
  return binding[key]!;
}
