/**
 * The option paths a host defines, as a tree of maps (`services` → `openssh`
 * → …): what wildcard rules and reads of a whole set walk. A node exists for
 * every prefix of a defined path.
 */
export type TrieNode = Map<string, TrieNode>;

/** Adds a path (and every prefix of it) to a trie, in place. */
export function addPath(root: TrieNode, optionPath: readonly string[]): void {
  let node = root;
  for (let i = 0; i < optionPath.length; i++) {
    let child = node.get(optionPath[i]);
    if (!child) node.set(optionPath[i], (child = new Map()));
    node = child;
  }
}

/**
 * A trie with some paths added and some taken away, sharing every node the
 * change does not touch with `previous` (left as it was): an edit in the
 * editor renames one option of a host that defines thousands. A path taken
 * away goes with the prefixes of it that nothing else needs, a node with no
 * names below it and no definition of its own (`defined`).
 */
export function updatedTrie(previous: TrieNode, added: readonly (readonly string[])[], removed: readonly (readonly string[])[], defined: (optionPath: readonly string[]) => boolean): TrieNode {
  const root: TrieNode = new Map(previous);
  const copies = new Set<TrieNode>([root]);
  /** The child of a node this update owns, copied from the previous trie on first touch. */
  const owned = (node: TrieNode, segment: string): TrieNode | undefined => {
    const child = node.get(segment);
    if (!child || copies.has(child)) return child;
    const copy: TrieNode = new Map(child);
    copies.add(copy);
    node.set(segment, copy);
    return copy;
  };
  for (const optionPath of added) {
    let node = root;
    for (const segment of optionPath) {
      let child = owned(node, segment);
      if (!child) {
        node.set(segment, (child = new Map()));
        copies.add(child);
      }
      node = child;
    }
  }
  for (const optionPath of removed) {
    if (defined(optionPath)) continue;
    const parents: TrieNode[] = [];
    let node: TrieNode | undefined = root;
    for (const segment of optionPath) {
      parents.push(node);
      node = owned(node, segment);
      if (!node) break;
    }
    if (!node) continue;
    for (let depth = optionPath.length; depth > 0; depth--) {
      const parent = parents[depth - 1];
      const child = parent.get(optionPath[depth - 1])!;
      if (child.size > 0 || (depth < optionPath.length && defined(optionPath.slice(0, depth)))) break;
      parent.delete(optionPath[depth - 1]);
    }
  }
  return root;
}
