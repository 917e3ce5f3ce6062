import * as path from 'path';

/**
 * The path findings, hosts and reports use for a file: relative to the
 * report base with `/` separators, or absolute when it lies outside the base.
 */
export function reportPath(base: string, absolute: string): string {
  const relative = path.relative(base, absolute);
  return (relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative).split(path.sep).join('/');
}

/** Whether `target` is `root` itself or lies below it. */
export function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
