import type { HostNote, SourceSite } from '../nix/host';
import type { HostCoverage } from '../pipeline/check-hosts';
import type { Coverage, CoverageEntry, CoverageReason, CoverageSite, UnreadSource } from './coverage';

/**
 * NixOS hosts in coverage, from what host discovery and the host phase
 * (pipeline/check-hosts) record of each host: evaluated, partly read (with
 * the parts of the tree it could not read), or declared and not resolved
 * (with why). A whole set of hosts that could not be read (a
 * `nixosConfigurations` built by another flake's function) has no names:
 * it is a source that produced none.
 */
export function nixosHostCoverage(hosts: HostCoverage[], site: (s: SourceSite) => CoverageSite | undefined): Coverage {
  const entries: CoverageEntry[] = [];
  const unread: UnreadSource[] = [];
  const reason = (n: HostNote): CoverageReason => {
    const at = site(n.site);
    return { message: n.message, ...(at ? { site: at } : {}) };
  };
  for (const host of hosts) {
    const at = site(host.site);
    if (host.name === undefined) {
      unread.push({ kind: 'nixos-host', file: host.site.file, ...(at ? { site: at } : {}), reason: host.reasons.map((r) => r.message).join('; '), checkedAlone: false });
      continue;
    }
    entries.push({ kind: 'nixos-host', name: host.name, status: host.status, construct: host.construct, ...(at ? { site: at } : {}), reasons: host.reasons.map(reason) });
  }
  return { entries, unread };
}
