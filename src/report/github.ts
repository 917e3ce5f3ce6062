import { Finding, messageWithHosts } from '../findings/finding';
import { CheckResult, countBySeverity } from './result';
import { escapeMarkdown, markdownCodeSpan, terminalSafe } from './markup';

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
 * and lines (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=RULE::message`).
 */
export function formatGithub(result: CheckResult): string {
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
      // Control characters of a value would be interpreted by the log viewer: shown as \xNN.
      return `::${COMMAND[f.severity]} ${props}::${escapeData(terminalSafe(messageWithHosts(f)))}\n`;
    })
    .join('');
}

/** The Markdown summary written to `$GITHUB_STEP_SUMMARY`: counts, then a table of findings. */
export function githubStepSummary(result: CheckResult): string {
  const shown = result.findings.filter((f) => !f.suppressed);
  const counts = countBySeverity(shown);
  const titles = new Map(result.rules.map((r) => [r.id, r.title]));
  const rows = shown.map(
    (f) => `| ${f.severity} | ${markdownCodeSpan(f.ruleId)} ${escapeMarkdown(titles.get(f.ruleId) ?? '')} | ${markdownCodeSpan(`${f.location.file}:${f.location.range.start.line}`)} | ${escapeMarkdown(messageWithHosts(f))} |`,
  );
  return [
    '## declint',
    '',
    `${shown.length} finding${shown.length === 1 ? '' : 's'}: ${counts.error} errors, ${counts.warning} warnings, ${counts.note} notes; ${result.filesScanned} files checked${result.findings.length > shown.length ? `; ${result.findings.length - shown.length} suppressed or excepted` : ''}.`,
    '',
    ...(rows.length ? ['| Severity | Rule | Where | Finding |', '| --- | --- | --- | --- |', ...rows] : []),
    '',
  ].join('\n');
}
