import { FlakeLock, LockNode, resolveReference } from '../flake/lock';
import { lastModifiedDate } from '../flake/last-modified';
import { describeReach, LockReach, lockReach } from '../flake/lock-graph';
import { LockEntry, nonUpstreamOwners } from '../flake/nixpkgs';
import { daysBetween, isoDay } from '../flake/channels';
import { reached, utcDay, wholeDaysSince } from '../source/watched-date';
import { DEFAULT_FLAKE_POLICY, unapprovedSources } from '../flake/policy';
import type { LineIndex, Range } from '../source/position';
import type { Finding, RelatedLocation } from '../findings/finding';
import { describePlain } from '../nix/value';
import { branchVerdict, isNixpkgsNode } from './named/flake-lock';
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
  const entries = lockEntries(lock);
  for (const node of lock.nodes) {
    if (node.key === lock.root) continue;
    const entry = entries.get(node.key)!;
    const violation = firstExplicitViolation(rule, entry, ctx);
    if (!violation) continue;
    const range = rule.subject.at === 'locked' && node.lockedRange ? node.lockedRange : node.keyRange;
    out.push(violationFinding(rule, violation, node.key, entryVars(entry, ctx), { file, range, subject: `node:${node.key}` }));
  }
  return out;
}

/**
 * The reference date must not be before the lock was written: judged as of a
 * day before its newest revision, every age is negative and every release
 * still in the future, so nothing would be reported. Nix builds and
 * `nix develop` shells set `SOURCE_DATE_EPOCH` to 1980 (315532800), which
 * makes this easy to get wrong without noticing.
 */
export function referenceDateFindings(file: string, lock: FlakeLock, ctx: PredicateContext): Finding[] {
  let newest: { node: LockNode; at: Date } | undefined;
  for (const node of lock.nodes) {
    // A date out of range (`lastModified: 1e300`) is no date.
    const at = lastModifiedDate(node.data.locked);
    if (at && (!newest || at > newest.at)) newest = { node, at };
  }
  if (!newest || reached(ctx.now, newest.at.getTime())) return [];
  const day = isoDay(newest.at);
  return [
    {
      ruleId: 'declint-reference-date',
      severity: 'error',
      message: `This lock was written after the reference date ${utcDay(ctx.now)} (its newest revision, ${newest.node.key}, is from ${day}): ages and channel status cannot be judged as of a day before the lock existed. Pass --now, or unset SOURCE_DATE_EPOCH (Nix builds and nix develop set it to 1980).`,
      location: { file, range: newest.node.keyRange },
      related: [],
      subject: 'reference-date',
    },
  ];
}

const entryCache = new WeakMap<FlakeLock, Map<string, LockEntry>>();

/** Every node's entry, built once per lock for all the rules that judge it. */
function lockEntries(lock: FlakeLock): Map<string, LockEntry> {
  let entries = entryCache.get(lock);
  if (!entries) {
    const reach = lockReach(lock);
    entries = new Map(lock.nodes.map((n) => [n.key, lockEntry(n, reach.get(n.key))]));
    entryCache.set(lock, entries);
  }
  return entries;
}

/** What a `node: inputs` rule judges: the node's data, and how the flake reaches it. */
function lockEntry(node: LockNode, reach: LockReach | undefined): LockEntry {
  return { ...node.data, key: node.key, roots: reach?.roots ?? [], path: reach?.path ?? [], depth: reach?.depth ?? 0, via: reach?.via ?? [] };
}

/** The variables of a lock-node message: the input, its type, age, branch, and who the sources are. */
function entryVars(entry: LockEntry, ctx: PredicateContext): Record<string, string> {
  const key = entry.key ?? '';
  const input = describeReach({ roots: entry.roots ?? [], path: entry.path ?? [], depth: entry.depth ?? 0, via: entry.via ?? [] }, key);
  const policy = ctx.flakePolicy ?? DEFAULT_FLAKE_POLICY;
  const locked = entry.locked ?? {};
  return {
    node: key,
    input,
    Input: input.charAt(0).toUpperCase() + input.slice(1),
    type: typeof locked.type === 'string' ? locked.type : 'unknown',
    today: utcDay(ctx.now),
    staleAge: String(policy.staleAfterDays),
    errorAge: String(policy.errorAfterDays),
    ...ageVars(locked, ctx),
    ...branchVars(entry, ctx),
    ...ownerVars(entry, ctx),
    ...sourceVars(entry, ctx),
  };
}

/** `{date}` (YYYY-MM-DD) and `{age}` (days) of a locked revision's `lastModified`. */
function ageVars(locked: Record<string, unknown>, ctx: PredicateContext): Record<string, string> {
  const date = lastModifiedDate(locked);
  if (!date) return {};
  return { date: date.toISOString().slice(0, 10), age: String(wholeDaysSince(ctx.now, date.getTime())) };
}

/** `{ref}`, and for a release `{release}`, `{eol}` (its end of life), `{days}` (from today to it) and `{successor}`. */
function branchVars(entry: LockEntry, ctx: PredicateContext): Record<string, string> {
  const verdict = branchVerdict(entry, ctx);
  if (!verdict) return {};
  const vars: Record<string, string> = { ref: verdict.implicit ? `${verdict.ref} (no branch is named, so the default branch)` : verdict.ref };
  const release = verdict.release;
  if (release?.known) {
    vars.release = release.release.release;
    vars.eol = release.release.endOfLife;
    vars.days = String(daysBetween(utcDay(ctx.now), release.release.endOfLife));
    vars.successor = release.successor?.released !== undefined ? `NixOS ${release.successor.release}` : 'its successor';
  } else if (release && !release.newer && verdict.branch.kind === 'release') {
    vars.release = verdict.branch.release;
    vars.eol = `or before ${release.endedBy}`;
  }
  return vars;
}

/** `{source}`: the sources of an input that are not on the approved list. */
function sourceVars(entry: LockEntry, ctx: PredicateContext): Record<string, string> {
  const parts = unapprovedSources(entry, ctx.flakePolicy);
  if (parts.length === 0) return {};
  if (parts.length === 2 && parts[0].source === parts[1].source) return { source: parts[0].source };
  return { source: parts.map((p) => (p.part === 'original' ? `${p.source} (what the next update fetches)` : `${p.source} (locked)`)).join(' and ') };
}

/** `{owner}`: the non-NixOS owners of a nixpkgs input, saying which one the next update fetches. */
function ownerVars(entry: LockEntry, ctx: PredicateContext): Record<string, string> {
  const owners = nonUpstreamOwners(entry, ctx.flakePolicy);
  if (owners.length === 0) return {};
  const original = owners.find((o) => o.part === 'original');
  const locked = owners.find((o) => o.part === 'locked');
  const describe = (o: { owner: string; repo: string }) => `${o.owner}/${o.repo}`;
  if (original && locked) return { owner: original.owner === locked.owner ? describe(original) : `${describe(locked)} (locked) and ${describe(original)} (what the next update fetches)` };
  if (original) return { owner: `${describe(original)} (what the next update fetches; the lock still pins NixOS/nixpkgs)` };
  return { owner: `${describe(locked!)} (pinned in the lock, though flake.nix names NixOS)` };
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
  const reach = lockReach(lock);
  const entries = lockEntries(lock);
  const nixpkgs = lock.nodes.filter((n) => n.key !== lock.root && isNixpkgsNode(entries.get(n.key), ctx));
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
        const via = pathTo(reach, lock, u.node);
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
          input: describeReach(reach.get(node.key), node.key),
          users: dependents.map((u) => (pathTo(reach, lock, u.node) ?? [u.node]).join(' → ')).join(', '),
          rev: nodeRev.slice(0, 12),
          primary: describeReach(reach.get(primary.key), primary.key),
          fix: fix || 'point the duplicate input at the same nixpkgs',
        },
        { file, range: node.keyRange, related, subject: `nixpkgs-copy:${node.key}` },
      ),
    );
  }
  return out;
}

/** The input names leading from the root to a node (`['home-manager']`, `['nix-darwin', 'home-manager']`), shortest first. */
function pathTo(reach: Map<string, LockReach>, lock: FlakeLock, key: string): string[] | undefined {
  if (key === lock.root) return [];
  const path = reach.get(key)?.path;
  return path && path.length > 0 ? path : undefined;
}
