import { Finding, messageWithHosts } from '../findings/finding';
import { CheckResult, countBySeverity } from './result';
import { KIND_LABELS } from '../coverage/coverage';
import { coverageHeadline } from '../coverage/summary';

const COMMAND: Record<Finding['severity'], string> = { error: 'error', warning: 'warning', note: 'notice' };

/** Workflow-command escaping: `%`, CR and LF in data; also `:` and `,` in properties. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * GitHub Actions workflow commands: one annotation per finding on its file
 * and lines (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=RULE::message`),
 * and a warning for each declared host or node not resolved and each source
 * not read (coverage).
 */
export function formatGithub(result: CheckResult): string {
  return findingAnnotations(result) + coverageAnnotations(result);
}

function coverageAnnotations(result: CheckResult): string {
  const coverage = result.coverage;
  if (!coverage) return '';
  const annotate = (file: string | undefined, line: number | undefined, message: string) =>
    `::warning ${[...(file ? [`file=${escapeProperty(file)}`] : []), ...(file && line ? [`line=${line}`] : []), 'title=declint coverage'].join(',')}::${escapeData(message)}\n`;
  return [
    ...coverage.entries
      .filter((e) => e.status === 'unresolved')
      .map((e) => annotate(e.site?.file, e.site?.line, `${KIND_LABELS[e.kind].one} ${e.name} is declared but not resolved: ${e.reasons.map((r) => r.message).join('; ')}`)),
    ...coverage.unread.filter((u) => !u.checkedAlone).map((u) => annotate(u.file, u.site?.line, `No ${KIND_LABELS[u.kind].one} read from this file: ${u.reason}`)),
  ].join('');
}

function findingAnnotations(result: CheckResult): string {
  return result.findings
    .filter((f) => !f.suppressed)
    .map((f) => {
      const { start, end } = f.location.range;
      const props = [
        `file=${escapeProperty(f.location.file)}`,
        `line=${start.line}`,
        `col=${start.column}`,
        `endLine=${end.line}`,
        ...(end.line === start.line ? [`endColumn=${end.column}`] : []),
        `title=${escapeProperty(f.ruleId)}`,
      ].join(',');
      return `::${COMMAND[f.severity]} ${props}::${escapeData(messageWithHosts(f))}\n`;
    })
    .join('');
}

/** The Markdown summary written to `$GITHUB_STEP_SUMMARY`: counts, then a table of findings. */
export function githubStepSummary(result: CheckResult): string {
  const shown = result.findings.filter((f) => !f.suppressed);
  const counts = countBySeverity(shown);
  const titles = new Map(result.rules.map((r) => [r.id, r.title]));
  const rows = shown.map((f) => `| ${f.severity} | \`${f.ruleId}\` ${titles.get(f.ruleId) ?? ''} | \`${f.location.file}:${f.location.range.start.line}\` | ${messageWithHosts(f).replace(/\|/g, '\\|')} |`);
  return [
    '## declint',
    '',
    `${shown.length} finding${shown.length === 1 ? '' : 's'}: ${counts.error} errors, ${counts.warning} warnings, ${counts.note} notes; ${result.filesScanned} files checked${result.findings.length > shown.length ? `; ${result.findings.length - shown.length} suppressed or excepted` : ''}.`,
    '',
    ...(result.coverage ? [coverageHeadline(result.coverage), ''] : []),
    ...(rows.length ? ['| Severity | Rule | Where | Finding |', '| --- | --- | --- | --- |', ...rows] : []),
    '',
  ].join('\n');
}
