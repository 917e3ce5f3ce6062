import ignore, { Ignore } from 'ignore';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Git's ignore files as the directory walk reads them, for a tree git cannot
 * list (git missing, not a repository, git refusing it): each directory's
 * `.gitignore`, `.git/info/exclude` of a repository, and the `.gitignore`
 * files above a scanned subdirectory up to the top of its work tree.
 */

/** The rules of one ignore file and the directory they are relative to. */
export interface IgnoreScope {
  rules: Ignore;
  /** A path relative to the scanned root, made relative to the rules' directory. */
  inner: (relative: string) => string;
}

/** Rules in gitignore syntax; `...` and other dot names are names (git reads them so), not invalid paths. */
export function gitignoreRules(patterns: string | readonly string[]): Ignore {
  return ignore({ allowRelativePaths: true }).add(patterns);
}

/**
 * Whether git would ignore `relative` (a path under the scanned root): the
 * deepest scope with a verdict decides, so a child's `!keep.nix` re-includes
 * what a parent excluded, and `.gitignore` overrides `info/exclude` (pushed
 * before it). Scopes are ordered outermost first.
 */
export function isIgnored(relative: string, scopes: readonly IgnoreScope[], directory: boolean): boolean {
  return ignoredBy(scopes, directory ? `${relative}/` : relative);
}

function ignoredBy(scopes: readonly IgnoreScope[], tested: string): boolean {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const verdict = scopes[i].rules.test(scopes[i].inner(tested));
    if (verdict.ignored) return true;
    if (verdict.unignored) return false;
  }
  return false;
}

/**
 * The scope of an ignore file in the directory `relative` (`''` for the
 * root); none when it is missing, unreadable or not a regular file (git does
 * not follow a symlinked `.gitignore` either).
 */
export function ignoreFileScope(file: string, relative: string): IgnoreScope | undefined {
  let text: string;
  try {
    if (!fs.lstatSync(file).isFile()) return undefined;
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const strip = relative.length + 1;
  return { rules: gitignoreRules(text), inner: relative ? (p) => p.slice(strip) : (p) => p };
}

/** The nearest directory at or above `realDirectory` holding `.git` (a directory, or a file for a submodule or linked work tree). */
export function repositoryTop(realDirectory: string): string | undefined {
  for (let dir = realDirectory; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The ignore files between the top of the work tree and a scanned
 * subdirectory (both real paths), as git applies them to the subdirectory:
 * `info/exclude` first, then each `.gitignore` from the top down. None when
 * they ignore the scanned directory itself: a directory named on the command
 * line is scanned, with the ignore files inside it.
 */
export function ancestorScopes(top: string, realRoot: string): IgnoreScope[] {
  if (top === realRoot) return [];
  const scopes: IgnoreScope[] = [];
  const scopeAt = (dir: string, file: string): IgnoreScope | undefined => {
    const prefix = path.relative(dir, realRoot).split(path.sep).join('/');
    const own = ignoreFileScope(file, '');
    return own && { rules: own.rules, inner: (p) => `${prefix}/${p}` };
  };
  const exclude = isDirectory(path.join(top, '.git')) ? scopeAt(top, path.join(top, '.git', 'info', 'exclude')) : undefined;
  if (exclude) scopes.push(exclude);
  const below = path.relative(top, realRoot).split(path.sep);
  for (let depth = 0; depth < below.length; depth++) {
    const dir = path.join(top, ...below.slice(0, depth));
    const scope = scopeAt(dir, path.join(dir, '.gitignore'));
    if (scope) scopes.push(scope);
  }
  // The root itself, as a directory: `inner('')` is its path from each scope's directory, with a trailing slash.
  return ignoredBy(scopes, '') ? [] : scopes;
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}
