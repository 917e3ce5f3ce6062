import { Random } from '../fuzz/random';
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
      const random = new Random(seed);
      const randomPath = () => Array.from({ length: 1 + random.int(4) }, () => random.pick(names));
      const paths = new Map<string, string[]>();
      for (let i = 0; i < 12; i++) {
        const p = randomPath();
        paths.set(key(p), p);
      }
      const before = trieOf([...paths.values()]);
      const beforeShape = shape(before);
      const removed = [...paths.values()].filter(() => random.chance(0.3));
      for (const p of removed) paths.delete(key(p));
      const added = Array.from({ length: random.int(4) }, randomPath);
      for (const p of added) paths.set(key(p), p);
      const after = updatedTrie(before, added, removed, (p) => paths.has(key(p)));
      expect([seed, shape(after)]).toEqual([seed, shape(trieOf([...paths.values()]))]);
      expect([seed, shape(before)]).toEqual([seed, beforeShape]);
    }
  });
});
