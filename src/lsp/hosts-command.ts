import type { Location } from 'vscode-languageserver';
import type { Host, HostRole, SourceSite } from '../nix/host';
import type { LineIndex } from '../source/position';
import { fileUri, toLspRange } from './diagnostics';
import { compareText } from '../source/compare-text';

/**
 * The `workspace/executeCommand` an editor sends to learn which hosts a file
 * belongs to (arguments: the document's URI). It answers from the live index,
 * unsaved buffers included, so it agrees with the diagnostics on screen.
 */
export const HOSTS_OF_COMMAND = 'declint.hostsOf';

/** One host whose modules include the file. */
export interface FileHost {
  /** The host's name (`web`, or `web/<specialisation>` for a specialisation). */
  name: string;
  role?: HostRole;
  /** Where the host is declared: its `nixosSystem { … }` call, or the top of its `configuration.nix`. */
  declaredAt: Location;
  /** The module list entry or `imports` element that brings the file into this host. */
  importedAt?: Location;
}

/** The answer to `declint.hostsOf`: the file as declint reports it, and its hosts, by name. */
export interface HostsOfResult {
  file: string;
  hosts: FileHost[];
}

export function hostsOfResult(root: string, file: string, hosts: Host[], lines: (file: string) => LineIndex): HostsOfResult {
  const location = (site: SourceSite): Location => ({ uri: fileUri(root, site.file), range: toLspRange(lines(site.file).rangeOf(site.span)) });
  const found = hosts.map((host): FileHost => {
    const imported = host.importSites.get(file);
    return {
      name: host.name,
      ...(host.spec.role ? { role: host.spec.role } : {}),
      declaredAt: location(host.spec.root),
      ...(imported ? { importedAt: location(imported) } : {}),
    };
  });
  return { file, hosts: found.sort((a, b) => compareText(a.name, b.name)) };
}
