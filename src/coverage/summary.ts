import { Coverage, countCoverage, CoverageEntry, formatSite, KIND_LABELS, UnreadSource } from './coverage';

/**
 * Coverage in words, for the end of `check` and the report's summary: what
 * was checked, what was declared but not resolved, what was partly read,
 * and which sources produced nothing, each at its file and line.
 */

/** The one-line count: "Coverage: 3 NixOS hosts and 6 Talos nodes checked (2 partly read); 1 declared but not resolved; …". */
export function coverageHeadline(coverage: Coverage): string {
  const c = countCoverage(coverage);
  const checked = (counts: typeof c.hosts) => counts.evaluated + counts.partial;
  const parts: string[] = [];
  const found = [
    checked(c.hosts) > 0 ? count(checked(c.hosts), KIND_LABELS['nixos-host']) : '',
    checked(c.nodes) > 0 ? count(checked(c.nodes), KIND_LABELS['talos-node']) : '',
  ].filter(Boolean);
  const partial = c.hosts.partial + c.nodes.partial;
  if (found.length > 0) parts.push(`${found.join(' and ')} checked${partial > 0 ? ` (${partial} partly read)` : ''}`);
  const unresolved = c.hosts.unresolved + c.nodes.unresolved;
  if (unresolved > 0) parts.push(`${unresolved} declared but not resolved`);
  if (c.unread > 0) {
    const alone = c.checkedAlone > 0 ? ` (${c.checkedAlone} checked on ${c.checkedAlone === 1 ? 'its' : 'their'} own)` : '';
    parts.push(`${c.unread} source${c.unread === 1 ? '' : 's'} produced no host or node${alone}`);
  }
  if (parts.length === 0) return 'Coverage: no NixOS host or Talos node found.';
  return `Coverage: ${parts.join('; ')}.`;
}

/**
 * The headline, then one line for each gap, worst first (not resolved, not
 * read, partly read, checked on its own), at most `max` of them.
 */
export function coverageLines(coverage: Coverage, max = 20): string[] {
  const unresolved = coverage.entries.filter((e) => e.status === 'unresolved');
  const partial = coverage.entries.filter((e) => e.status === 'partial');
  const notRead = coverage.unread.filter((u) => !u.checkedAlone);
  const alone = coverage.unread.filter((u) => u.checkedAlone);
  const details = [
    ...unresolved.map((e) => entryLine('not resolved', e)),
    ...notRead.map((u) => unreadLine('not read', u)),
    ...partial.map((e) => entryLine('partly read', e)),
    ...alone.map((u) => unreadLine('no node', u)),
  ];
  const shown = details.slice(0, max);
  const more = details.length - shown.length;
  return [coverageHeadline(coverage), ...shown, ...(more > 0 ? [`  … and ${more} more (--format json lists them all)`] : [])];
}

function entryLine(label: string, e: CoverageEntry): string {
  const [first, ...rest] = e.reasons;
  const why = first ? `: ${first.message}${rest.length > 0 ? ` (+${rest.length} more)` : ''}` : '';
  return `  ${label.padEnd(12)}  ${formatSite(e.site) || '-'}  ${KIND_LABELS[e.kind].one} ${e.name}${why}`;
}

function unreadLine(label: string, u: UnreadSource): string {
  return `  ${label.padEnd(12)}  ${formatSite(u.site) || u.file}  ${u.reason}`;
}

function count(n: number, label: { one: string; many: string }): string {
  return `${n} ${n === 1 ? label.one : label.many}`;
}
