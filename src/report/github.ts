import { Finding, messageWithHosts, SEVERITIES, Severity, severityRank } from '../findings/finding';
import { CheckResult, countBySeverity } from './result';
import { escapeMarkdown, markdownCodeSpan, terminalSafe } from './markup';
import { KIND_LABELS } from '../coverage/coverage';
import { coverageHeadline } from '../coverage/summary';

const COMMAND: Record<Finding['severity'], string> = { error: 'error', warning: 'warning', note: 'notice' };

/** GitHub shows 10 annotations of each kind (error, warning, notice) per step and drops the rest. */
export const ANNOTATIONS_PER_LEVEL = 10;

/** GitHub refuses a step summary larger than 1 MiB; the table stops below it, with room for its last lines. */
export const STEP_SUMMARY_BYTES = 1024 * 1024 - 16 * 1024;

/** Workflow-command escaping: `%`, CR and LF in data; also `:` and `,` in properties. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Unsuppressed findings, most severe first (a stable sort: same-severity findings keep their order). */
function bySeverity(result: CheckResult): Finding[] {
  return result.findings
    .filter((f) => !f.suppressed)
    .map((f, i) => ({ f, i }))
    .sort((a, b) => severityRank(a.f.severity) - severityRank(b.f.severity) || a.i - b.i)
    .map(({ f }) => f);
}

/**
 * GitHub Actions workflow commands: one annotation per finding on its file
 * and lines (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=RULE::message`),
 * most severe first, at most what GitHub shows of each kind; a last notice
 * says how many more there are and where they are; then a warning for each
 * coverage gap (a declared host or node not resolved, a source not read).
 * Coverage warnings count against GitHub's warnings of the step: up to
 * COVERAGE_ANNOTATIONS of them each get their own, more are one warning that
 * says how many and where the list is.
 */
export function formatGithub(result: CheckResult): string {
  const coverage = coverageAnnotations(result);
  return findingAnnotations(result, ANNOTATIONS_PER_LEVEL - coverage.length) + coverage.join('');
}

/** Above this many coverage gaps, one warning stands for them all. */
const COVERAGE_ANNOTATIONS = 3;

/** A warning for each declared host or node not resolved and each source not read (coverage), or one for them all. */
function coverageAnnotations(result: CheckResult): string[] {
  const coverage = result.coverage;
  if (!coverage) return [];
  const annotate = (file: string | undefined, line: number | undefined, message: string) =>
    `::warning ${[...(file ? [`file=${escapeProperty(file)}`] : []), ...(file && line ? [`line=${line}`] : []), 'title=declint coverage'].join(',')}::${escapeData(terminalSafe(message))}\n`;
  const gaps = [
    ...coverage.entries
      .filter((e) => e.status === 'unresolved')
      .map((e) => annotate(e.site?.file, e.site?.line, `${KIND_LABELS[e.kind].one} ${e.name} is declared but not resolved: ${e.reasons.map((r) => r.message).join('; ')}`)),
    ...coverage.unread.filter((u) => !u.checkedAlone).map((u) => annotate(u.file, u.site?.line, `No ${KIND_LABELS[u.kind].one} read from this file: ${u.reason}`)),
  ];
  if (gaps.length <= COVERAGE_ANNOTATIONS) return gaps;
  return [annotate(undefined, undefined, `${coverageHeadline(coverage)} The ${gaps.length} hosts, nodes and sources not read are listed, each at its file and line, in the check's output and in the SARIF file's notifications.`)];
}

function findingAnnotations(result: CheckResult, warnings: number): string {
  const shown = bySeverity(result);
  const counts = countBySeverity(shown);
  // The closing notice is a notice too: it takes the place of the last note.
  const base: Record<Severity, number> = { error: ANNOTATIONS_PER_LEVEL, warning: warnings, note: ANNOTATIONS_PER_LEVEL };
  const omitted = SEVERITIES.reduce((n, s) => n + Math.max(0, counts[s] - base[s]), 0);
  const limit: Record<Severity, number> = { ...base, note: omitted > 0 ? ANNOTATIONS_PER_LEVEL - 1 : ANNOTATIONS_PER_LEVEL };
  const emitted: Record<Severity, number> = { error: 0, warning: 0, note: 0 };
  const lines: string[] = [];
  for (const f of shown) {
    if (emitted[f.severity]++ >= limit[f.severity]) continue;
    const { start, end } = f.location.range;
    const props = [
      `file=${escapeProperty(f.location.file)}`,
      `line=${start.line}`,
      `col=${start.column}`,
      `endLine=${end.line}`,
      ...(end.line === start.line ? [`endColumn=${end.column}`] : []),
      `title=${escapeProperty(f.ruleId)}`,
    ].join(',');
    // Control characters of a value would be interpreted by the log viewer: shown as \xNN.
    lines.push(`::${COMMAND[f.severity]} ${props}::${escapeData(terminalSafe(messageWithHosts(f)))}\n`);
  }
  const notAnnotated = shown.length - lines.length;
  if (notAnnotated > 0) {
    const what = `${counts.error} errors, ${counts.warning} warnings, ${counts.note} notes`;
    lines.push(
      `::notice title=declint::${notAnnotated} more findings are not annotated (GitHub shows ${ANNOTATIONS_PER_LEVEL} of each kind per step; all ${shown.length}: ${what}). They are in the SARIF file (code scanning alerts) and the step summary.\n`,
    );
  }
  return lines.join('');
}

/**
 * The Markdown summary written to `$GITHUB_STEP_SUMMARY`, under GitHub's
 * 1 MiB: the counts, a table per rule and per host, then the findings, most
 * severe first, as long as they fit, and how many more there are.
 */
export function githubStepSummary(result: CheckResult, budget = STEP_SUMMARY_BYTES): string {
  const shown = bySeverity(result);
  const counts = countBySeverity(shown);
  const titles = new Map(result.rules.map((r) => [r.id, r.title]));
  const perRule = new Map<string, Record<Severity, number>>();
  const perHost = new Map<string, Record<Severity, number>>();
  const tally = (map: Map<string, Record<Severity, number>>, key: string, severity: Severity) => {
    const row = map.get(key) ?? { error: 0, warning: 0, note: 0 };
    row[severity]++;
    map.set(key, row);
  };
  for (const f of shown) {
    tally(perRule, f.ruleId, f.severity);
    for (const host of f.hosts ?? []) tally(perHost, host, f.severity);
  }
  const countCells = (c: Record<Severity, number>) => `${c.error} | ${c.warning} | ${c.note}`;
  const head = [
    '## declint',
    '',
    ...(result.coverage ? [coverageHeadline(result.coverage), ''] : []),
    `${shown.length} finding${shown.length === 1 ? '' : 's'}: ${counts.error} errors, ${counts.warning} warnings, ${counts.note} notes; ${result.filesScanned} files checked${result.findings.length > shown.length ? `; ${result.findings.length - shown.length} suppressed or excepted` : ''}.`,
    '',
  ];
  if (shown.length > 0) {
    head.push('| Rule | Errors | Warnings | Notes |', '| --- | --- | --- | --- |');
    for (const [id, c] of [...perRule].sort(([a], [b]) => (a < b ? -1 : 1))) head.push(`| ${markdownCodeSpan(id)} ${escapeMarkdown(titles.get(id) ?? '')} | ${countCells(c)} |`);
    head.push('');
  }
  if (perHost.size > 0) {
    head.push('| Host | Errors | Warnings | Notes |', '| --- | --- | --- | --- |');
    for (const [host, c] of [...perHost].sort(([a], [b]) => (a < b ? -1 : 1))) head.push(`| ${escapeMarkdown(host)} | ${countCells(c)} |`);
    head.push('');
  }
  const lines = [...head];
  let size = Buffer.byteLength(lines.join('\n'));
  if (shown.length > 0) {
    const tableHead = ['| Severity | Rule | Where | Finding |', '| --- | --- | --- | --- |'];
    lines.push(...tableHead);
    size += Buffer.byteLength(tableHead.join('\n')) + 2;
    let written = 0;
    for (const f of shown) {
      const row = `| ${f.severity} | ${markdownCodeSpan(f.ruleId)} ${escapeMarkdown(titles.get(f.ruleId) ?? '')} | ${markdownCodeSpan(`${f.location.file}:${f.location.range.start.line}`)} | ${escapeMarkdown(messageWithHosts(f))} |`;
      const rowSize = Buffer.byteLength(row) + 1;
      if (size + rowSize > budget) break;
      lines.push(row);
      size += rowSize;
      written++;
    }
    if (written < shown.length) lines.push('', `${shown.length - written} more findings are not listed here (a step summary holds at most 1 MiB): see the SARIF file or the code scanning alerts.`);
  }
  lines.push('');
  return lines.join('\n');
}
