import type { Node as JsonNode, ParseError } from 'jsonc-parser';
import { LineIndex, Range } from '../source/position';
import { depthExceeded } from '../source/json-depth';
import { isRecord } from '../source/records';

/** What a lock holds, without positions: its root, its nodes and the root's inputs (`lockValues`; a FlakeLock is one). */
export interface LockValues {
  root: string;
  nodes: { key: string; data: Record<string, unknown> }[];
  /** Input name → node key (or follows path) of the root node. */
  rootInputs: Record<string, string | string[]>;
}

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
  | { kind: 'syntax-error'; message: string; range: Range }
  /** Nested deeper than any lock file is: not read, said where (a limit, not an error of the file). */
  | { kind: 'too-deep'; message: string; range: Range };

/** A real lock nests six levels (nodes, node, inputs, follows path); far deeper is not a lock, and would overflow the parser's recursion. */
export const MAX_LOCK_DEPTH = 64;

/**
 * Parses a `flake.lock` keeping positions (jsonc-parser in strict JSON mode:
 * no comments, no trailing commas). A file of that name that Nix could not
 * read as a lock (no `nodes`, a node that is not an object, an input that is
 * neither a node name nor a follows path) is a located error, never skipped.
 */
export function readFlakeLock(text: string, lines: LineIndex = new LineIndex(text)): FlakeLockReadResult {
  const deep = depthExceeded(text, MAX_LOCK_DEPTH);
  if (deep !== undefined) {
    return { kind: 'too-deep', message: `This file nests arrays and objects more than ${MAX_LOCK_DEPTH} levels deep, which no flake.lock does; it is not checked.`, range: lines.range(deep, deep + 1) };
  }
  // Required here, not at the top: a reader of the values alone (`lockValues`) does not load the parser.
  const { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode } = require('jsonc-parser') as typeof import('jsonc-parser');
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0 || !tree) {
    const error = errors[0];
    const offset = error?.offset ?? 0;
    const message = error ? `invalid JSON: ${describeJsonError(printParseErrorCode(error.error))}` : 'empty file';
    return { kind: 'syntax-error', message, range: lines.range(offset, offset + (error?.length || 1)) };
  }
  const shapeError = lockShapeError(tree);
  if (shapeError) return { kind: 'syntax-error', message: `not a lock file Nix can read: ${shapeError.message}`, range: rangeOf(shapeError.node, lines) };

  const nodes: LockNode[] = [];
  for (const property of findNodeAtLocation(tree, ['nodes'])!.children ?? []) {
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

/**
 * The first thing that makes a parsed lock unreadable for Nix (lockfile.cc):
 * the file, `nodes` and each node are objects, `root` a string, `inputs`
 * an object whose entries are a node name or a follows path (a list of input
 * names), `locked` and `original` objects with a string `type`. Everything a
 * rule reads is then of the shape it expects.
 */
function lockShapeError(tree: JsonNode): { node: JsonNode; message: string } | undefined {
  if (tree.type !== 'object') return { node: tree, message: `the file is a JSON ${tree.type}, not an object with "nodes", "root" and "version"` };
  const member = (object: JsonNode, name: string) => object.children?.find((p) => p.children?.[0]?.value === name);
  const nodes = member(tree, 'nodes');
  if (!nodes) return { node: tree, message: 'it has no "nodes"' };
  const nodesValue = nodes.children![1];
  if (nodesValue?.type !== 'object') return { node: nodesValue ?? nodes, message: `"nodes" is a JSON ${nodesValue?.type ?? 'nothing'}, not an object` };
  const root = member(tree, 'root')?.children?.[1];
  if (root && root.type !== 'string') return { node: root, message: `"root" is a JSON ${root.type}, not a node name` };
  for (const property of nodesValue.children ?? []) {
    const [key, node] = property.children ?? [];
    const name = String(key?.value);
    if (!node || node.type !== 'object') return { node: node ?? property, message: `node "${name}" is a JSON ${node?.type ?? 'nothing'}, not an object` };
    for (const part of ['locked', 'original']) {
      const value = member(node, part)?.children?.[1];
      if (!value) continue;
      if (value.type !== 'object') return { node: value, message: `nodes.${name}.${part} is a JSON ${value.type}, not an object` };
      const type = member(value, 'type')?.children?.[1];
      if (type && type.type !== 'string') return { node: type, message: `nodes.${name}.${part}.type is a JSON ${type.type}, not a string` };
    }
    const inputs = member(node, 'inputs')?.children?.[1];
    if (!inputs) continue;
    if (inputs.type !== 'object') return { node: inputs, message: `nodes.${name}.inputs is a JSON ${inputs.type}, not an object` };
    for (const entry of inputs.children ?? []) {
      const target = entry.children?.[1];
      const follows = target?.type === 'array' && (target.children ?? []).every((segment) => segment.type === 'string');
      if (target?.type !== 'string' && !follows) {
        return { node: target ?? entry, message: `input "${String(entry.children?.[0]?.value)}" of node "${name}" is neither a node name nor a follows path (a list of input names)` };
      }
    }
  }
  return undefined;
}

function rangeOf(node: JsonNode, lines: LineIndex): Range {
  return lines.range(node.offset, node.offset + node.length);
}

function describeJsonError(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/**
 * A lock's values without their positions, for a reader that reports
 * nothing in the file (the NixOS release its hosts build from, read by every
 * run that evaluates a host): a plain JSON parse, where the positioned
 * reading the rules need (`readFlakeLock`) cost a pre-commit hook run 18 ms.
 * Undefined where the text is not JSON or has no `nodes` object; nodes that
 * are not objects are left out, and the values inside are read defensively
 * by whoever reads them (a lock Nix cannot read is reported by the rules).
 */
export function lockValues(text: string): LockValues | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(json) || !isRecord(json.nodes)) return undefined;
  const root = typeof json.root === 'string' ? json.root : 'root';
  const nodes = Object.entries(json.nodes).flatMap(([key, data]) => (isRecord(data) ? [{ key, data }] : []));
  const inputs = nodes.find((n) => n.key === root)?.data.inputs;
  return { root, nodes, rootInputs: (isRecord(inputs) ? inputs : {}) as Record<string, string | string[]> };
}

type NodeOf<L extends LockValues> = L['nodes'][number];

const indexes = new WeakMap<LockValues, Map<string, NodeOf<LockValues>>>();

/** The lock's nodes by key, built once per lock (every reference of every rule is resolved through it). */
export function nodeIndex<L extends LockValues>(lock: L): Map<string, NodeOf<L>> {
  let index = indexes.get(lock);
  if (!index) indexes.set(lock, (index = new Map(lock.nodes.map((n) => [n.key, n]))));
  return index as Map<string, NodeOf<L>>;
}

/** How many references one resolution may follow: far more than a real lock needs, and no cycle or long path can run away. */
const MAX_RESOLUTION_STEPS = 1024;

/**
 * Resolves a reference the way Nix reads a lock: a node key, or a follows
 * path walked from the root's inputs (whose segments may themselves be
 * follows). A cycle, or a path longer than any lock has, resolves to nothing.
 */
export function resolveReference<L extends LockValues>(lock: L, target: unknown): NodeOf<L> | undefined {
  const byKey = nodeIndex(lock);
  // Follows paths being walked, innermost last: each waits for the node its current segment names.
  const walking: { path: string[]; at: number; node: NodeOf<L> | undefined }[] = [];
  let reference = target;
  for (let steps = 0; steps < MAX_RESOLUTION_STEPS; steps++) {
    const followsPath = Array.isArray(reference) && reference.every((s) => typeof s === 'string') ? (reference as string[]) : undefined;
    if (followsPath && followsPath.length > MAX_RESOLUTION_STEPS) return undefined;
    if (followsPath && followsPath.length > 0) walking.push({ path: followsPath, at: 0, node: byKey.get(lock.root) });
    else {
      // A node name, or an empty follows path (`follows = ""`, a common way to drop an input): the root.
      const node = typeof reference === 'string' ? byKey.get(reference) : followsPath ? byKey.get(lock.root) : undefined;
      if (!node) return undefined;
      const waiting = walking[walking.length - 1];
      if (!waiting) return node;
      waiting.node = node;
      waiting.at++;
    }
    const top = walking[walking.length - 1];
    const next = (top.node?.data.inputs as Record<string, unknown> | undefined)?.[top.path[top.at]];
    if (next === undefined) return undefined;
    // The last segment's target is what the whole path resolves to: its walk is done.
    if (top.at === top.path.length - 1) walking.pop();
    reference = next;
  }
  return undefined;
}

