import { FlakeLock, nodeIndex, resolveReference } from './lock';

/** How the flake reaches one lock node. */
export interface LockReach {
  /** The flake's own inputs that resolve to the node (directly or through `follows`). */
  roots: string[];
  /**
   * The shortest input path from the flake to the node (`['hydra', 'nix',
   * 'nixpkgs']`); empty when nothing reaches it, or when it is longer than
   * any worth printing (`depth` says how long: a 20,000-node chain would
   * otherwise hold a path per node as long as the chain).
   */
  path: string[];
  /** How many inputs lead from the flake to the node (0 for the root, or a node nothing reaches). */
  depth: number;
  /** The names of all inputs, of any node, that resolve to the node (`nixpkgs-lib`, `nixpkgs`). */
  via: string[];
}

/** Longer input paths are not shown: no real lock nests inputs that deep. */
const MAX_SHOWN_PATH = 16;

const cache = new WeakMap<FlakeLock, Map<string, LockReach>>();

/** Every node's reach, walking the graph breadth first from the root (so paths are shortest). */
export function lockReach(lock: FlakeLock): Map<string, LockReach> {
  const cached = cache.get(lock);
  if (cached) return cached;
  const reach = new Map<string, LockReach>(lock.nodes.map((n) => [n.key, { roots: [], path: [], depth: 0, via: [] }]));
  const byKey = nodeIndex(lock);
  const queue: string[] = [lock.root];
  const seen = new Set(queue);
  for (let next = 0; next < queue.length; next++) {
    const key = queue[next];
    const from = reach.get(key);
    for (const [input, ref] of Object.entries((byKey.get(key)?.data.inputs ?? {}) as Record<string, unknown>)) {
      const target = resolveReference(lock, ref);
      const to = target && reach.get(target.key);
      if (!target || !to) continue;
      if (!to.via.includes(input)) to.via.push(input);
      if (key === lock.root && !to.roots.includes(input)) to.roots.push(input);
      if (seen.has(target.key)) continue;
      seen.add(target.key);
      to.depth = (from?.depth ?? 0) + 1;
      to.path = to.depth <= MAX_SHOWN_PATH ? [...(from?.path ?? []), input] : [];
      queue.push(target.key);
    }
  }
  cache.set(lock, reach);
  return reach;
}

/** How a message names a node: "the root input `nixpkgs`", "the input `hydra → nix → nixpkgs`". */
export function describeReach(reach: LockReach | undefined, key: string): string {
  if (reach && reach.roots.length > 0) {
    return `the root input${reach.roots.length > 1 ? 's' : ''} ${reach.roots.map((r) => `\`${r}\``).join(', ')}`;
  }
  if (reach && reach.path.length > 0) return `the input \`${reach.path.join(' → ')}\``;
  if (reach && reach.depth > 0) return `the lock node \`${key}\` (${reach.depth} inputs deep)`;
  return `the lock node \`${key}\` (no input of the flake reaches it)`;
}
