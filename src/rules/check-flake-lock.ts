import { FlakeLock, LockNode, resolveReference } from '../flake/lock';
import { lastModifiedDate } from '../flake/last-modified';
import type { LineIndex, Range } from '../source/position';
import type { Finding, RelatedLocation } from '../findings/finding';
import { describePlain } from '../nix/value';
import { isNixpkgsNode } from './named/flake-lock';
import type { PredicateContext } from './predicates';
import type { Rule } from './rule';
import { firstExplicitViolation, violationFinding } from './violation';

/** Every non-root node of a lock file, judged as a whole (`locked`, `original`, `flake`), or the lock graph. */
export function checkFlakeLock(file: string, lock: FlakeLock, rule: Rule, ctx: PredicateContext, lines: LineIndex): Finding[] {
  if ('lockField' in rule.subject) {
    const value = lock.version ?? null;
    const violation = firstExplicitViolation(rule, value, ctx);
    if (!violation) return [];
    const range = lock.versionRange ?? lines.range(0, 1);
    return [violationFinding(rule, violation, value, { path: rule.subject.lockField }, { file, range, subject: `lock:${rule.subject.lockField}` })];
  }
  if ('lockGraph' in rule.subject) {
    return rule.subject.lockGraph === 'references' ? checkReferences(file, lock, rule, ctx, lines) : checkNixpkgsCopies(file, lock, rule, ctx);
  }
  if (!('node' in rule.subject)) return [];
  const out: Finding[] = [];
  for (const node of lock.nodes) {
    if (node.key === lock.root) continue;
    const violation = firstExplicitViolation(rule, node.data, ctx);
    if (!violation) continue;
    const locked = (node.data.locked ?? {}) as Record<string, unknown>;
    const vars = { node: node.key, type: typeof locked.type === 'string' ? locked.type : 'unknown', ...ageVars(locked, ctx) };
    const range = rule.subject.at === 'locked' && node.lockedRange ? node.lockedRange : node.keyRange;
    out.push(violationFinding(rule, violation, node.key, vars, { file, range, subject: `node:${node.key}` }));
  }
  return out;
}

/** `{date}` (YYYY-MM-DD) and `{age}` (days) of a locked revision's `lastModified`. */
function ageVars(locked: Record<string, unknown>, ctx: PredicateContext): Record<string, string> {
  const date = lastModifiedDate(locked);
  if (!date) return {};
  return { date: date.toISOString().slice(0, 10), age: String(Math.floor((ctx.now.getTime() - date.getTime()) / 86_400_000)) };
}

/** A lock reference: `root`, or an `inputs` entry (a node key, or a `follows` path from the root). */
export interface LockReference {
  from: string;
  input: string;
  target: string | string[];
  /** Whether Nix finds the node it names (lockfile.cc: "lock file references missing node"). */
  resolves: boolean;
}

function checkReferences(file: string, lock: FlakeLock, rule: Rule, ctx: PredicateContext, lines: LineIndex): Finding[] {
  const out: Finding[] = [];
  const refs: { ref: LockReference; range: Range }[] = [
    { ref: { from: 'the lock file', input: 'root', target: lock.root, resolves: lock.nodes.some((n) => n.key === lock.root) }, range: lock.rootRange ?? lines.range(0, 1) },
  ];
  for (const node of lock.nodes) {
    for (const [input, target] of Object.entries((node.data.inputs ?? {}) as Record<string, unknown>)) {
      // The reader checked the shape: a node name or a follows path.
      const shaped = target as string | string[];
      refs.push({ ref: { from: node.key, input, target: shaped, resolves: resolveReference(lock, target) !== undefined }, range: node.inputRanges[input] ?? node.keyRange });
    }
  }
  for (const { ref, range } of refs) {
    const violation = firstExplicitViolation(rule, ref, ctx);
    if (!violation) continue;
    const target = describePlain(ref.target);
    out.push(violationFinding(rule, violation, target, { node: ref.from, input: ref.input, target }, { file, range, subject: `ref:${ref.from}/${ref.input}` }));
  }
  return out;
}

/** A nixpkgs node whose revision differs from the root's nixpkgs, with the nodes that pull it in. */
export interface NixpkgsCopy {
  node: string;
  rev: string;
  primaryRev: string;
  users: { node: string; input: string }[];
}

function checkNixpkgsCopies(file: string, lock: FlakeLock, rule: Rule, ctx: PredicateContext): Finding[] {
  const nixpkgs = lock.nodes.filter((n) => n.key !== lock.root && isNixpkgsNode(n.data));
  const rootInputs = lock.rootInputs as Record<string, unknown>;
  const primary = (rootInputs.nixpkgs !== undefined ? resolveReference(lock, rootInputs.nixpkgs) : undefined) ?? nixpkgs.find((n) => n.key === 'nixpkgs');
  const rev = (n: LockNode) => ((n.data.locked ?? {}) as Record<string, unknown>).rev;
  const primaryRev = primary ? rev(primary) : undefined;
  if (!primary || typeof primaryRev !== 'string') return [];
  const out: Finding[] = [];
  // Who takes each node as a direct input, and how each node is reached from the root: indexed once, not per copy.
  const usersOf = new Map<string, { node: string; input: string; range: Range }[]>();
  for (const n of lock.nodes) {
    for (const [input, target] of Object.entries((n.data.inputs ?? {}) as Record<string, unknown>)) {
      if (typeof target !== 'string') continue;
      const list = usersOf.get(target) ?? [];
      list.push({ node: n.key, input, range: n.inputRanges[input] ?? n.keyRange });
      usersOf.set(target, list);
    }
  }
  const inputPath = inputPaths(lock);
  for (const node of nixpkgs) {
    const nodeRev = rev(node);
    if (node === primary || typeof nodeRev !== 'string') continue;
    const users = usersOf.get(node.key) ?? [];
    // A second nixpkgs the flake declares itself (nixpkgs-unstable, nixpkgs-old) is deliberate: only dependencies' copies are judged.
    if (users.length === 0 || users.some((u) => u.node === lock.root)) continue;
    const copy: NixpkgsCopy = { node: node.key, rev: nodeRev, primaryRev, users: users.map(({ node: n, input }) => ({ node: n, input })) };
    const violation = firstExplicitViolation(rule, copy, ctx);
    if (!violation) continue;
    const dependents = users;
    const fix = dependents
      .map((u) => {
        const via = inputPath(u.node);
        return via ? `${[...via, u.input].map((name) => `inputs.${name}`).join('.')}.follows = "nixpkgs";` : undefined;
      })
      .filter((f): f is string => f !== undefined)
      .join(' ');
    const related: RelatedLocation[] = users.map((u) => ({ file, range: u.range, message: `${u.node === lock.root ? 'the flake' : u.node} takes this copy as its input ${u.input}` }));
    out.push(
      violationFinding(
        rule,
        violation,
        node.key,
        {
          node: node.key,
          users: dependents.map((u) => (inputPath(u.node) ?? [u.node]).join(' → ')).join(', '),
          rev: nodeRev.slice(0, 12),
          primary: primary.key,
          fix: fix || 'point the duplicate input at the same nixpkgs',
        },
        { file, range: node.keyRange, related, subject: `nixpkgs-copy:${node.key}` },
      ),
    );
  }
  return out;
}

const MAX_SHOWN_PATH = 16;

/**
 * The input names leading from the root to each node (`['home-manager']`,
 * `['nix-darwin', 'home-manager']`), shortest first: one breadth-first walk
 * of the lock graph, asked per node.
 */
function inputPaths(lock: FlakeLock): (target: string) => string[] | undefined {
  const byKey = new Map(lock.nodes.map((n) => [n.key, n]));
  const reached = new Map<string, { from: string; input: string } | null>([[lock.root, null]]);
  const queue = [lock.root];
  for (let next = 0; next < queue.length; next++) {
    const key = queue[next];
    for (const [input, ref] of Object.entries((byKey.get(key)?.data.inputs ?? {}) as Record<string, unknown>)) {
      if (typeof ref !== 'string' || reached.has(ref)) continue;
      reached.set(ref, { from: key, input });
      queue.push(ref);
    }
  }
  return (target) => {
    if (!reached.has(target)) return undefined;
    const path: string[] = [];
    for (let step = reached.get(target); step; step = reached.get(step.from)) {
      // Deeper than any real lock: no path worth printing (and each would be as long as the chain).
      if (path.length >= MAX_SHOWN_PATH) return undefined;
      path.push(step.input);
    }
    return path.reverse();
  };
}
