import { ControlMap, Finding, messageWithHosts, Severity } from '../findings/finding';
import { controlsLabel } from './controls-label';
import { CheckResult, countBySeverity } from './result';
import { terminalSafe } from './markup';
import { coverageLines } from '../coverage/summary';

export interface StylishOptions {
  color: boolean;
}

const COLORS = { red: 31, yellow: 33, blue: 34, gray: 90, bold: 1, underline: 4 } as const;

/**
 * Findings grouped by file, one line each —
 * `line:col  severity  message  RULE-ID  [controls]` — then a summary line.
 */
/** With frameworks selected in the config, only their controls are shown. */
function shownControls(controls: ControlMap | undefined, frameworks: string[] | undefined): ControlMap | undefined {
  if (!controls || !frameworks) return controls;
  const kept = Object.fromEntries(Object.entries(controls).filter(([f]) => frameworks.includes(f)));
  return Object.keys(kept).length ? kept : undefined;
}

export function formatStylish(result: CheckResult, options: StylishOptions): string {
  const paint = (code: keyof typeof COLORS, text: string) => (options.color ? `\u001b[${COLORS[code]}m${text}\u001b[0m` : text);
  const severityColor: Record<Severity, keyof typeof COLORS> = { error: 'red', warning: 'yellow', note: 'blue' };
  const rules = new Map(result.rules.map((r) => [r.id, r]));
  const shownFindings = result.findings.filter((f) => !f.suppressed);
  const suppressed = result.findings.length - shownFindings.length;
  const byFile = new Map<string, Finding[]>();
  for (const f of shownFindings) {
    const list = byFile.get(f.location.file) ?? [];
    list.push(f);
    byFile.set(f.location.file, list);
  }
  const lines: string[] = [];
  for (const [file, findings] of byFile) {
    lines.push(paint('underline', terminalSafe(file)));
    const positions = findings.map((f) => `${f.location.range.start.line}:${f.location.range.start.column}`);
    const width = Math.max(...positions.map((p) => p.length));
    findings.forEach((f, i) => {
      const controls = shownControls(rules.get(f.ruleId)?.controls, result.frameworks);
      const tail = controls ? `  ${paint('gray', `[${controlsLabel(controls)}]`)}` : '';
      lines.push(
        `  ${paint('gray', positions[i].padEnd(width))}  ${paint(severityColor[f.severity], f.severity.padEnd(7))}  ${terminalSafe(messageWithHosts(f))}  ${paint('gray', terminalSafe(f.ruleId))}${tail}`,
      );
    });
    lines.push('');
  }
  const counts = countBySeverity(shownFindings);
  const total = shownFindings.length;
  const seconds = (result.durationMs / 1000).toFixed(2);
  const files = `${result.filesScanned} file${result.filesScanned === 1 ? '' : 's'} checked in ${seconds}s${suppressed ? `, ${suppressed} suppressed, excepted or baselined` : ''}`;
  if (total === 0) {
    lines.push(`No findings. ${files}.`);
  } else {
    const parts = (['error', 'warning', 'note'] as const).map((s) => `${counts[s]} ${s}${counts[s] === 1 ? '' : 's'}`);
    const summary = `${total} finding${total === 1 ? '' : 's'} (${parts.join(', ')}). ${files}.`;
    lines.push(paint('bold', counts.error > 0 ? paint('red', summary) : summary));
  }
  // What was and was not looked at: a short result means little without it.
  if (result.coverage) lines.push(...coverageLines(result.coverage).map((line, i) => (i === 0 ? terminalSafe(line) : paint('gray', terminalSafe(line)))));
  return `${lines.join('\n')}\n`;
}
