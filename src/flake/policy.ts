/**
 * The organisation's flake policy, from `.declint.yaml` `flakes:`: how old a
 * nixpkgs pin may get (FLK-006) and which sources are approved (FLK-010,
 * FLK-011).
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
}

export const DEFAULT_FLAKE_POLICY: FlakePolicy = { staleAfterDays: 30, errorAfterDays: 90 };

type Part = Record<string, unknown> | undefined;

/** Whether a lock node's source (its `locked`, else `original`) is on the allow-list; undefined without one. */
export function approvedSource(node: { locked?: Part; original?: Part }, policy: FlakePolicy | undefined): boolean | undefined {
  const list = policy?.approvedSources;
  if (!list) return undefined;
  const part = node.locked ?? node.original;
  if (!part) return undefined;
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
  if (type === 'path') return true;
  if (names.length === 0) return undefined;
  const wanted = new Set(list.map((s) => s.toLowerCase()));
  return names.some((n) => wanted.has(n.toLowerCase()));
}
