import { compareText } from '../source/compare-text';
/**
 * Coverage: which NixOS hosts and Talos nodes declint found and evaluated,
 * which it found declared but could not resolve, and which sources that
 * look like they declare some produced none — so that a short report says
 * what it did not look at instead of passing in silence. Every output
 * carries it: the `check` summary, JSON, SARIF tool notifications, the
 * evidence report's Limitations, `hosts`, and `--require-hosts`.
 */

export type CoverageKind = 'nixos-host' | 'talos-node';

/** A place in a scanned file: report path, 1-based line and column. */
export interface CoverageSite {
  file: string;
  line: number;
  column: number;
}

/**
 * - `evaluated`: built and checked from everything it is made of;
 * - `partial`: built and checked, but some of its parts were not read (an
 *   external module, a patch file that is missing, a value set by an
 *   expression declint does not resolve);
 * - `unresolved`: declared, but not built: nothing about it was checked.
 */
export type CoverageStatus = 'evaluated' | 'partial' | 'unresolved';

export interface CoverageReason {
  message: string;
  site?: CoverageSite;
}

export interface CoverageEntry {
  kind: CoverageKind;
  /** The host or node name. */
  name: string;
  status: CoverageStatus;
  /** How it was found: "Omni Workers template at cluster.yaml:12", "talhelper node", "nixosConfigurations.web at flake.nix:40". */
  construct: string;
  /** Where it is declared. */
  site?: CoverageSite;
  /** Why it is unresolved, or what of it was not read. */
  reasons: CoverageReason[];
}

/**
 * A source that looks like it declares hosts or nodes but produced none: a
 * Talos-looking file that does not parse or whose template cannot be read,
 * a flake whose hosts cannot be resolved, a Talos patch no node in the scan
 * applies. `checkedAlone` says the file was still checked on its own (a
 * patch judged on what it writes); otherwise nothing in it was checked.
 */
export interface UnreadSource {
  kind: CoverageKind;
  file: string;
  site?: CoverageSite;
  reason: string;
  checkedAlone: boolean;
}

export interface Coverage {
  entries: CoverageEntry[];
  unread: UnreadSource[];
}

export function emptyCoverage(): Coverage {
  return { entries: [], unread: [] };
}

/** Several producers' coverage as one, in a stable order: by kind, then file and line, then name. */
export function combineCoverage(...parts: Coverage[]): Coverage {
  const entries = parts.flatMap((p) => p.entries);
  const unread = parts.flatMap((p) => p.unread);
  const kind = (k: CoverageKind) => (k === 'nixos-host' ? 0 : 1);
  const at = (s: CoverageSite | undefined) => [s?.file ?? '', s?.line ?? 0, s?.column ?? 0] as const;
  const bySite = (a: CoverageSite | undefined, b: CoverageSite | undefined) => {
    const [fa, la, ca] = at(a);
    const [fb, lb, cb] = at(b);
    return compareText(fa, fb) || la - lb || ca - cb;
  };
  entries.sort((a, b) => kind(a.kind) - kind(b.kind) || bySite(a.site, b.site) || compareText(a.name, b.name));
  unread.sort((a, b) => kind(a.kind) - kind(b.kind) || compareText(a.file, b.file) || bySite(a.site, b.site) || compareText(a.reason, b.reason));
  return { entries, unread };
}

export interface CoverageCounts {
  hosts: Record<CoverageStatus, number>;
  nodes: Record<CoverageStatus, number>;
  /** Sources that produced no host or node, and of those, the files checked on their own. */
  unread: number;
  checkedAlone: number;
}

export function countCoverage(coverage: Coverage): CoverageCounts {
  const zero = (): Record<CoverageStatus, number> => ({ evaluated: 0, partial: 0, unresolved: 0 });
  const counts: CoverageCounts = { hosts: zero(), nodes: zero(), unread: coverage.unread.length, checkedAlone: coverage.unread.filter((u) => u.checkedAlone).length };
  for (const e of coverage.entries) (e.kind === 'nixos-host' ? counts.hosts : counts.nodes)[e.status]++;
  return counts;
}

/** Coverage as the JSON report and the evidence report carry it (schemas/coverage.schema.json): counts, then every entry and source. */
export interface CoverageReport {
  summary: { nixosHosts: Record<CoverageStatus, number>; talosNodes: Record<CoverageStatus, number>; unread: number; checkedAlone: number };
  entries: CoverageEntry[];
  unread: UnreadSource[];
}

export function coverageReport(coverage: Coverage): CoverageReport {
  const c = countCoverage(coverage);
  return { summary: { nixosHosts: c.hosts, talosNodes: c.nodes, unread: c.unread, checkedAlone: c.checkedAlone }, entries: coverage.entries, unread: coverage.unread };
}

/** What `--require-hosts` fails on: a declared host or node not resolved, or a source that produced none. */
export function coverageGaps(coverage: Coverage): { unresolved: CoverageEntry[]; unread: UnreadSource[] } {
  return { unresolved: coverage.entries.filter((e) => e.status === 'unresolved'), unread: coverage.unread };
}

export function formatSite(site: CoverageSite | undefined): string {
  return site ? `${site.file}:${site.line}:${site.column}` : '';
}

export const KIND_LABELS: Record<CoverageKind, { one: string; many: string }> = {
  'nixos-host': { one: 'NixOS host', many: 'NixOS hosts' },
  'talos-node': { one: 'Talos node', many: 'Talos nodes' },
};
