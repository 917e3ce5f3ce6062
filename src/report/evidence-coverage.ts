import type { CoverageReport } from '../coverage/coverage';
import { formatSite, KIND_LABELS } from '../coverage/coverage';
import { coverageHeadline } from '../coverage/summary';
import { escapeMarkdown, escapeMarkup } from './markup';

/**
 * The coverage part of the evidence report's Limitations, in Markdown and
 * HTML: every host and node in scope with how it was found and whether it
 * was fully read, then the sources that produced none. Self-contained, so
 * that the report's layout can change around it.
 */

const STATUS: Record<CoverageReport['entries'][number]['status'], string> = {
  evaluated: 'evaluated',
  partial: 'partly read',
  unresolved: 'not resolved',
};

interface Rows {
  headline: string;
  entries: string[][];
  unread: string[][];
}

/** The facts both forms show, as plain text cells. */
function rows(coverage: CoverageReport): Rows {
  return {
    headline: coverageHeadline(coverage),
    entries: coverage.entries.map((e) => [e.name, KIND_LABELS[e.kind].one, STATUS[e.status], e.construct, e.reasons.map((r) => `${r.message}${r.site ? ` (${formatSite(r.site)})` : ''}`).join('; ') || '—']),
    unread: coverage.unread.map((u) => [formatSite(u.site) || u.file, u.reason, u.checkedAlone ? 'yes' : 'no']),
  };
}

const ENTRY_HEAD = ['Host or node', 'Kind', 'Status', 'Found as', 'Not read, or why not resolved'];
const UNREAD_HEAD = ['Source', 'Why it produced no host or node', 'Checked on its own'];

export function coverageMarkdown(coverage: CoverageReport): string[] {
  const r = rows(coverage);
  const table = (head: string[], body: string[][]) => [head, head.map(() => '---'), ...body].map((cells) => `| ${cells.map(escapeMarkdown).join(' | ')} |`);
  const out = ['### Coverage of hosts and nodes', '', escapeMarkdown(r.headline), ''];
  if (r.entries.length > 0) out.push(...table(ENTRY_HEAD, r.entries), '');
  if (r.unread.length > 0) out.push(...table(UNREAD_HEAD, r.unread), '');
  return out;
}

export function coverageHtml(coverage: CoverageReport): string {
  const r = rows(coverage);
  const table = (head: string[], body: string[][]) =>
    `<table><thead><tr>${head.map((h) => `<th>${escapeMarkup(h)}</th>`).join('')}</tr></thead><tbody>${body.map((cells) => `<tr>${cells.map((c) => `<td>${escapeMarkup(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  return `<section id="coverage"><h3>Coverage of hosts and nodes</h3><p>${escapeMarkup(r.headline)}</p>${r.entries.length > 0 ? table(ENTRY_HEAD, r.entries) : ''}${r.unread.length > 0 ? table(UNREAD_HEAD, r.unread) : ''}</section>`;
}
