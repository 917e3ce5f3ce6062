import type { HostNote, SourceSite } from '../nix/host';
import type { Coverage, CoverageEntry, CoverageReason, CoverageSite, UnreadSource } from './coverage';

/**
 * NixOS hosts in coverage, from what the host phase (pipeline/check-hosts)
 * knows today: each host it built or declined to build, and the flake
 * notes that say hosts could not be resolved. The one producer of NixOS
 * coverage: host discovery replaces it as a whole.
 */

/** What happened to one host spec in the host phase. */
export interface HostOutcome {
  name: string;
  root: SourceSite;
  /** Built: how many module files were read, the modules not read, and the host's notes. */
  built?: { files: number; external: { site: SourceSite; name: string }[]; notes: HostNote[]; tooLarge: boolean };
  /** Not built, and why. */
  skipped?: string;
}

/** The flake notes that name one host the flake declares but declint cannot read (discover-hosts.ts words them). */
const UNREADABLE_HOST = /^nixosConfigurations\.(.+?) is not a nixosSystem call declint can read/;

export function nixosHostCoverage(outcomes: HostOutcome[], flakeNotes: HostNote[], site: (s: SourceSite) => CoverageSite | undefined): Coverage {
  const entries: CoverageEntry[] = [];
  const unread: UnreadSource[] = [];
  const reason = (n: { site: SourceSite; message: string }): CoverageReason => {
    const at = site(n.site);
    return { message: n.message, ...(at ? { site: at } : {}) };
  };
  const sameSite = (a: SourceSite, b: SourceSite) => a.file === b.file && a.span.start === b.span.start && a.span.end === b.span.end;
  for (const o of outcomes) {
    const at = site(o.root);
    const base = { kind: 'nixos-host' as const, name: o.name, construct: construct(o.name, o.root, at), ...(at ? { site: at } : {}) };
    // Notes the flake reader raised about this host (its module list or arguments) are the host's.
    const own = flakeNotes.filter((n) => sameSite(n.site, o.root)).map(reason);
    if (o.skipped || !o.built) {
      entries.push({ ...base, status: 'unresolved', reasons: [{ message: o.skipped ?? 'not evaluated' }, ...own.filter((r) => r.message !== o.skipped)] });
      continue;
    }
    const b = o.built;
    const reasons = [...own, ...b.external.map((e) => reason({ site: e.site, message: `module not read: ${e.name}` })), ...b.notes.map(reason)];
    if (b.tooLarge || b.files === 0) {
      entries.push({ ...base, status: 'unresolved', reasons: b.files === 0 && !b.tooLarge ? [{ message: 'none of its module files could be read' }, ...reasons] : reasons });
    } else entries.push({ ...base, status: reasons.length > 0 ? 'partial' : 'evaluated', reasons });
  }
  for (const note of flakeNotes) {
    if (outcomes.some((o) => sameSite(note.site, o.root))) continue;
    const at = site(note.site);
    const named = UNREADABLE_HOST.exec(note.message);
    if (named) {
      entries.push({ kind: 'nixos-host', name: named[1], status: 'unresolved', construct: `nixosConfigurations.${named[1]}${at ? ` at ${at.file}:${at.line}` : ''}`, ...(at ? { site: at } : {}), reasons: [reason(note)] });
    } else unread.push({ kind: 'nixos-host', file: note.site.file, ...(at ? { site: at } : {}), reason: note.message, checkedAlone: false });
  }
  return { entries, unread };
}

function construct(name: string, root: SourceSite, at: CoverageSite | undefined): string {
  const where = at ? ` at ${at.file}:${at.line}` : '';
  if (/(^|\/)flake\.nix$/.test(root.file)) return `nixosConfigurations.${name}${where}`;
  if (/(^|\/)configuration\.nix$/.test(root.file)) return `configuration.nix root ${root.file}`;
  return `module root ${root.file} (--root)`;
}
