import type { EvidenceReport } from '../compliance/evidence-report';

/**
 * The evidence report as CSV (RFC 4180: comma-separated, CRLF, fields quoted
 * where needed), for the spreadsheets audits are run in: one row per control
 * and subject result, and the audit period's change log as a second file.
 * Columns are documented in the README (*CSV columns*).
 */
export const RESULT_COLUMNS = [
  'framework',
  'control',
  'control_title',
  'control_status',
  'rule',
  'subject',
  'subject_kind',
  'status',
  'detail',
  'evidence_file',
  'evidence_line',
  'evidence_url',
  'last_change_commit',
  'last_change_date',
  'last_change_author',
  'changed_in_period',
  'exception_kind',
  'exception_justification',
  'exception_owner',
  'exception_expires',
] as const;

export const CHANGE_COLUMNS = ['commit', 'date', 'author', 'subject', 'files', 'controls'] as const;

export function evidenceCsv(report: EvidenceReport): string {
  const rows: string[][] = [[...RESULT_COLUMNS]];
  for (const f of report.frameworks) {
    for (const c of f.controls) {
      for (const r of c.results) {
        const e = r.evidence;
        rows.push([
          f.key,
          c.id,
          c.title,
          c.status,
          r.rule,
          r.subject,
          r.subjectKind,
          r.status,
          r.finding ? r.finding.message : r.reason,
          e?.file ?? '',
          e ? String(e.line) : '',
          e?.url ?? '',
          e?.change?.hash ?? '',
          e?.change?.date ?? '',
          e?.change?.author ?? '',
          e?.changedInPeriod ? 'yes' : report.period ? 'no' : '',
          r.exception?.kind ?? '',
          r.exception?.justification ?? '',
          r.exception?.owner ?? '',
          r.exception?.expires ?? '',
        ]);
      }
    }
  }
  return csv(rows);
}

export function changeLogCsv(report: EvidenceReport): string {
  const rows: string[][] = [[...CHANGE_COLUMNS]];
  for (const c of report.period?.commits ?? []) rows.push([c.hash, c.date, c.author, c.subject, c.files.join('; '), c.controls.join('; ')]);
  return csv(rows);
}

function csv(rows: string[][]): string {
  return rows.map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}

/**
 * A field quoted where it holds a comma, quote or line break; a leading
 * `=`, `+`, `-` or `@` is prefixed with `'` so that a spreadsheet does not
 * run it as a formula (values come from scanned files and commit messages).
 */
function field(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
