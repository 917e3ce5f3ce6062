import { addPath, TrieNode, updatedTrie } from '../src/nix/path-trie';

/** A trie as nested plain objects, names sorted: two tries with the same paths print the same. */
function shape(node: TrieNode): unknown {
  return Object.fromEntries([...node.keys()].sort().map((name) => [name, shape(node.get(name)!)]));
}

function trieOf(paths: string[][]): TrieNode {
  const root: TrieNode = new Map();
  for (const p of paths) addPath(root, p);
  return root;
}

const key = (p: readonly string[]) => p.join('.');

/** A small deterministic generator (mulberry32), so that a failure names its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('updatedTrie', () => {
  it('renames one option of a host: the new name is there, the old one and its now empty sets are gone', () => {
    const before = trieOf([['services', 'openssh', 'enable'], ['services', 'openssh', 'settings', 'PermitRootLogin'], ['networking', 'hostName']]);
    const defined = new Set(['services.openssh.enable', 'services.openssh.settings.PermitRootLogin2', 'networking.hostName']);
    const after = updatedTrie(before, [['services', 'openssh', 'settings', 'PermitRootLogin2']], [['services', 'openssh', 'settings', 'PermitRootLogin']], (p) => defined.has(key(p)));
    expect(shape(after)).toEqual({ networking: { hostName: {} }, services: { openssh: { enable: {}, settings: { PermitRootLogin2: {} } } } });
    // The previous host's trie is left as it was.
    expect(shape(before)).toEqual({ networking: { hostName: {} }, services: { openssh: { enable: {}, settings: { PermitRootLogin: {} } } } });
    // A path taken away whose set is still defined keeps that set.
    const kept = new Set(['services.openssh', 'networking.hostName']);
    expect(shape(updatedTrie(before, [], [['services', 'openssh', 'enable'], ['services', 'openssh', 'settings', 'PermitRootLogin']], (p) => kept.has(key(p))))).toEqual({ networking: { hostName: {} }, services: { openssh: {} } });
  });

  it('gives the same trie as a full rebuild from the new paths, and leaves the previous one as it was, over random edits', () => {
    const names = ['a', 'b', 'c', 'd'];
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed);
      const randomPath = () => Array.from({ length: 1 + Math.floor(next() * 4) }, () => names[Math.floor(next() * names.length)]);
      const paths = new Map<string, string[]>();
      for (let i = 0; i < 12; i++) {
        const p = randomPath();
        paths.set(key(p), p);
      }
      const before = trieOf([...paths.values()]);
      const beforeShape = shape(before);
      const removed = [...paths.values()].filter(() => next() < 0.3);
      for (const p of removed) paths.delete(key(p));
      const added = Array.from({ length: Math.floor(next() * 4) }, randomPath);
      for (const p of added) paths.set(key(p), p);
      const after = updatedTrie(before, added, removed, (p) => paths.has(key(p)));
      expect([seed, shape(after)]).toEqual([seed, shape(trieOf([...paths.values()]))]);
      expect([seed, shape(before)]).toEqual([seed, beforeShape]);
    }
  });
});
