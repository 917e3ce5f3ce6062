/**
 * The organisation's flake policy, from `.declint.yaml` `flakes:`: how old a
 * nixpkgs pin may get (FLK-006), which root inputs are nixpkgs and which
 * branches they may follow (FLK-013), and which sources are approved
 * (FLK-010, FLK-011).
 */
export interface FlakePolicy {
  /** A nixpkgs pin older than this many days is stale (warning). */
  staleAfterDays: number;
  /** Older than this many days it is an error. */
  errorAfterDays: number;
  /**
   * Approved sources: a forge owner (`NixOS`), `owner/repo`, `github:owner`,
   * or a host of git/tarball URLs (`git.example.com`). Absent: no allow-list,
   * and unapproved sources are not judged.
   */
  approvedSources?: string[];
  /**
   * Root inputs that are nixpkgs whatever their source (a fork, a mirror),
   * like flake-checker's `--nixpkgs-keys`: judged for age and branch like
   * upstream nixpkgs. Each must be a root input of a scanned lock.
   */
  nixpkgsKeys?: string[];
  /** Branches nixpkgs inputs may (`allow`) or may not (`deny`) follow; `*` matches any run of characters. */
  nixpkgsRefs?: { allow?: string[]; deny?: string[] };
}

export const DEFAULT_FLAKE_POLICY: FlakePolicy = { staleAfterDays: 30, errorAfterDays: 90 };

type Part = Record<string, unknown> | undefined;

/**
 * Whether a lock node's sources are on the allow-list; undefined without one.
 * Both `locked` (what is pinned now) and `original` (what the next
 * `nix flake update` fetches) must be approved.
 */
export function approvedSource(node: { locked?: Part; original?: Part }, policy: FlakePolicy | undefined): boolean | undefined {
  const list = policy?.approvedSources;
  if (!list) return undefined;
  const verdicts = [node.locked, node.original].map((part) => (part ? partApproved(part, list) : undefined)).filter((v) => v !== undefined);
  if (verdicts.length === 0) return undefined;
  return verdicts.every((v) => v);
}

/** The parts of a node whose source is not approved, each with the name it goes by (`numtide/flake-utils`, `git.example.com`). */
export function unapprovedSources(node: { locked?: Part; original?: Part }, policy: FlakePolicy | undefined): { part: 'locked' | 'original'; source: string }[] {
  const list = policy?.approvedSources;
  if (!list) return [];
  return (['locked', 'original'] as const).flatMap((part) => {
    const data = node[part];
    if (!data || partApproved(data, list) !== false) return [];
    const names = sourceNames(data);
    // owner/repo where there is one (the third name), else the owner or the host.
    return [{ part, source: names[2] ?? names[0] }];
  });
}

/** The approved-list names a source part goes by: `owner`, `type:owner`, `owner/repo`, `type:owner/repo`, or a URL's host. */
export function sourceNames(part: Record<string, unknown>): string[] {
  const type = typeof part.type === 'string' ? part.type : '';
  const names: string[] = [];
  if (typeof part.owner === 'string') {
    const owner = part.owner.replace(/^~/, '');
    names.push(owner, `${type}:${owner}`);
    if (typeof part.repo === 'string') names.push(`${owner}/${part.repo}`, `${type}:${owner}/${part.repo}`);
  }
  if (typeof part.url === 'string') {
    const m = /^(?:[a-z0-9+]+:\/\/)?(?:[^@/]+@)?([^/:]+)/i.exec(part.url.replace(/^(git|tarball|file)\+/, ''));
    if (m) names.push(m[1]);
  }
  return names;
}

function partApproved(part: Record<string, unknown>, list: string[]): boolean | undefined {
  if (part.type === 'path') return true;
  // A registry name is resolved elsewhere (FLK-004 judges it); the other part says where it came from.
  if (part.type === 'indirect') return undefined;
  const names = sourceNames(part);
  if (names.length === 0) return undefined;
  const wanted = new Set(list.map((s) => s.toLowerCase()));
  return names.some((n) => wanted.has(n.toLowerCase()));
}

/** What `flakes.nixpkgsRefs` says of a branch: denied, explicitly allowed, or neither. */
export function refPolicy(ref: string, policy: FlakePolicy | undefined): 'denied' | 'allowed' | undefined {
  const refs = policy?.nixpkgsRefs;
  if (!refs) return undefined;
  // An allowed ref is never denied: `deny: ['*']` with an `allow` list is an exclusive list.
  if ((refs.allow ?? []).some((p) => refMatches(ref, p))) return 'allowed';
  if ((refs.deny ?? []).some((p) => refMatches(ref, p))) return 'denied';
  return undefined;
}

/** Whether a ref matches a `.declint.yaml` pattern (`*` matches any run of characters). */
export function refMatches(ref: string, pattern: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`);
  return regex.test(ref.replace(/^refs\/heads\//, ''));
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The configured nixpkgs keys that are a root input of none of the lock files scanned (typos): their names. */
export function missingNixpkgsKeys(keys: string[], rootInputsOfEachLock: string[][]): string[] {
  if (rootInputsOfEachLock.length === 0) return [];
  const present = new Set(rootInputsOfEachLock.flat());
  return keys.filter((k) => !present.has(k));
}
