import { findNodeAtLocation, getNodeValue, Node as JsonNode, parseTree, ParseError, printParseErrorCode } from 'jsonc-parser';
import { LineIndex, Range } from '../source/position';

/** One node of the lock graph (`nodes.<key>`). */
export interface LockNode {
  key: string;
  /** The node object as plain JSON (`locked`, `original`, `inputs`, `flake`). */
  data: Record<string, unknown>;
  /** Range of the node's key (`"nixpkgs": {`). */
  keyRange: Range;
  /** Range of the `"locked"` member, when present. */
  lockedRange?: Range;
  /** Range of each `inputs` entry's key (`"nixpkgs": "nixpkgs_2"`), by input name. */
  inputRanges: Record<string, Range>;
}

export interface FlakeLock {
  version: unknown;
  versionRange?: Range;
  root: string;
  rootRange?: Range;
  nodes: LockNode[];
  /** Input name → node key (or follows path) of the root node. */
  rootInputs: Record<string, string | string[]>;
}

export type FlakeLockReadResult =
  | { kind: 'flake-lock'; lock: FlakeLock }
  | { kind: 'not-flake-lock' }
  | { kind: 'syntax-error'; message: string; range: Range };

/**
 * Parses a `flake.lock` keeping positions (jsonc-parser in strict JSON mode:
 * no comments, no trailing commas). A JSON file without `nodes`/`root`/
 * `version` is not a lock file.
 */
export function readFlakeLock(text: string, lines: LineIndex = new LineIndex(text)): FlakeLockReadResult {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0 || !tree) {
    const error = errors[0];
    const offset = error?.offset ?? 0;
    const message = error ? `invalid JSON: ${describeJsonError(printParseErrorCode(error.error))}` : 'empty file';
    return { kind: 'syntax-error', message, range: lines.range(offset, offset + (error?.length || 1)) };
  }
  if (tree.type !== 'object') return { kind: 'not-flake-lock' };
  const nodesNode = findNodeAtLocation(tree, ['nodes']);
  const hasVersion = findNodeAtLocation(tree, ['version']) !== undefined;
  const hasRoot = findNodeAtLocation(tree, ['root']) !== undefined;
  if (!nodesNode || nodesNode.type !== 'object' || (!hasVersion && !hasRoot)) return { kind: 'not-flake-lock' };

  const nodes: LockNode[] = [];
  for (const property of nodesNode.children ?? []) {
    const [keyNode, valueNode] = property.children ?? [];
    if (!keyNode || !valueNode || valueNode.type !== 'object') continue;
    const lockedProperty = valueNode.children?.find((p) => p.children?.[0]?.value === 'locked');
    const inputsObject = valueNode.children?.find((p) => p.children?.[0]?.value === 'inputs')?.children?.[1];
    const inputRanges: Record<string, Range> = {};
    for (const entry of inputsObject?.type === 'object' ? (inputsObject.children ?? []) : []) {
      const name = entry.children?.[0];
      if (name) inputRanges[String(name.value)] = rangeOf(entry, lines);
    }
    nodes.push({
      key: String(keyNode.value),
      data: getNodeValue(valueNode) as Record<string, unknown>,
      keyRange: rangeOf(keyNode, lines),
      inputRanges,
      ...(lockedProperty ? { lockedRange: rangeOf(lockedProperty.children![0], lines) } : {}),
    });
  }
  const versionNode = findNodeAtLocation(tree, ['version']);
  const rootNode = findNodeAtLocation(tree, ['root']);
  const root = typeof rootNode?.value === 'string' ? rootNode.value : 'root';
  const rootInputs = (nodes.find((n) => n.key === root)?.data.inputs ?? {}) as Record<string, string | string[]>;
  return {
    kind: 'flake-lock',
    lock: {
      version: versionNode?.value,
      ...(versionNode ? { versionRange: rangeOf(versionNode.parent!, lines) } : {}),
      root,
      ...(rootNode ? { rootRange: rangeOf(rootNode.parent!, lines) } : {}),
      nodes,
      rootInputs,
    },
  };
}

function rangeOf(node: JsonNode, lines: LineIndex): Range {
  return lines.range(node.offset, node.offset + node.length);
}

function describeJsonError(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

const indexes = new WeakMap<FlakeLock, Map<string, LockNode>>();

/** The lock's nodes by key, built once per lock (every reference of every rule is resolved through it). */
export function nodeIndex(lock: FlakeLock): Map<string, LockNode> {
  let index = indexes.get(lock);
  if (!index) indexes.set(lock, (index = new Map(lock.nodes.map((n) => [n.key, n]))));
  return index;
}

/** Resolves a reference the way Nix reads a lock: a node key, or a follows path walked from the root's inputs. */
export function resolveReference(lock: FlakeLock, target: unknown): LockNode | undefined {
  const byKey = nodeIndex(lock);
  let current: unknown = target;
  for (let hops = 0; hops < 64; hops++) {
    if (typeof current === 'string') return byKey.get(current);
    if (!Array.isArray(current) || !current.every((s) => typeof s === 'string')) return undefined;
    let node = byKey.get(lock.root);
    // An empty follows path (`inputs.x.inputs.y.follows = "";`, a common way to drop an input) is the root itself.
    if (current.length === 0) return node;
    let next: unknown;
    for (const [i, segment] of (current as string[]).entries()) {
      const inputs = (node?.data.inputs ?? {}) as Record<string, unknown>;
      next = inputs[segment];
      if (next === undefined) return undefined;
      if (i < current.length - 1) {
        node = resolveReference(lock, next);
        if (!node) return undefined;
      }
    }
    current = next;
  }
  return undefined;
}
