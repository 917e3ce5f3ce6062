import * as path from 'path';
import { isInside } from '../src/source/paths';

/** What isInside means, by path.relative (what the string comparison must agree with). */
function insideByRelative(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

describe('isInside', () => {
  it('says which paths lie at or below a directory', () => {
    expect(isInside('/srv/fleet', '/srv/fleet')).toBe(true);
    expect(isInside('/srv/fleet', '/srv/fleet/hosts/web.nix')).toBe(true);
    expect(isInside('/srv/fleet/', '/srv/fleet/hosts')).toBe(true);
    expect(isInside('/', '/etc/nixos')).toBe(true);
    // A sibling that shares the name's start is not inside.
    expect(isInside('/srv/fleet', '/srv/fleet-old/flake.nix')).toBe(false);
    expect(isInside('/srv/fleet/hosts', '/srv/fleet')).toBe(false);
    // Through `..`, a path below the root by its text lies outside it.
    expect(isInside('/srv/fleet', '/srv/fleet/../secrets/key')).toBe(false);
    expect(isInside('/srv/fleet/./hosts', '/srv/fleet/hosts/a.nix')).toBe(true);
  });

  it('agrees with path.relative on every pair of a set of awkward paths', () => {
    const parts = ['', 'a', 'ab', 'a/b', 'a/b/', 'a/./b', 'a/../b', 'a//b', '..', '.', 'a/..', 'b/a', 'a/b/c.nix'];
    const paths = [...parts.map((p) => `/${p}`), ...parts.map((p) => `/x/${p}`), 'a', 'a/b', './a', '../a'];
    for (const root of paths) for (const target of paths) expect([root, target, isInside(root, target)]).toEqual([root, target, insideByRelative(root, target)]);
  });
});
