import * as fs from 'fs';
import * as path from 'path';
import type { LoadedSource, SourceLoader } from '../nix/host';
import { firstSyntaxError, parseNix } from '../nix/parser';
import { convertTree } from '../nix/syntax';
import { isInside, reportPath } from '../source/paths';
import { LineIndex } from '../source/position';

/**
 * Reads and parses `.nix` files for host evaluation, once each. A directory
 * means its `default.nix`; a file that resolves (through symlinks) outside
 * the scanned roots is refused.
 */
export class NixSourceLoader implements SourceLoader {
  private readonly cache = new Map<string, LoadedSource | { error: string }>();
  private readonly lineTables = new Map<string, LineIndex>();
  private readonly realRoots: string[];

  constructor(
    roots: string[],
    private readonly base: string,
  ) {
    this.realRoots = roots.map((r) => fs.realpathSync(r));
  }

  load(absolutePath: string): LoadedSource | { error: string } {
    const cached = this.cache.get(absolutePath);
    if (cached) return cached;
    const loaded = this.read(absolutePath);
    this.cache.set(absolutePath, loaded);
    return loaded;
  }

  /** The line table of a loaded file (by report path), for turning spans into ranges. */
  lines(file: string): LineIndex {
    let table = this.lineTables.get(file);
    if (!table) {
      const text = fs.readFileSync(path.resolve(this.base, file), 'utf8');
      table = new LineIndex(text);
      this.lineTables.set(file, table);
    }
    return table;
  }

  private read(absolutePath: string): LoadedSource | { error: string } {
    let target = absolutePath;
    let real: string;
    try {
      if (fs.statSync(target).isDirectory()) target = path.join(target, 'default.nix');
      real = fs.realpathSync(target);
    } catch {
      return { error: `${this.display(absolutePath)} does not exist` };
    }
    if (!this.realRoots.some((root) => isInside(root, real))) {
      return { error: `${this.display(absolutePath)} is outside the scanned tree and is not followed` };
    }
    const text = fs.readFileSync(real, 'utf8');
    const tree = parseNix(text);
    const file = this.display(target);
    if (firstSyntaxError(tree)) return { error: `${file} does not parse` };
    this.lineTables.set(file, new LineIndex(text));
    // Copied whole, so that the native tree is freed: host evaluation keeps the syntax of every module.
    return { absolutePath: target, file, text, root: convertTree(tree, text, false) };
  }

  private display(absolutePath: string): string {
    return reportPath(this.base, absolutePath);
  }
}
