import type { Finding, Location } from './finding';

/**
 * Inline suppressions: `# declint-ignore RULE-ID: reason` at the end of the
 * reported line or alone on the line above it, and `# declint-ignore-file
 * RULE-ID: reason` anywhere in the file. The reason is mandatory. A
 * suppression binds to the definition a finding points at (its first line),
 * so reformatting the value does not detach it.
 */
export interface SuppressionComment {
  file: string;
  line: number;
  column: number;
  /** The comment is alone on its line (so it covers the line below). */
  ownLine: boolean;
  fileWide: boolean;
  rules: string[];
  reason?: string;
}

const COMMENT = /#\s*declint-ignore(-file)?\b\s*([^:\n]*?)\s*(?::\s*(.*?))?\s*$/;

/** The suppression comments of one file's text. */
export function parseSuppressions(file: string, text: string): SuppressionComment[] {
  if (!text.includes('declint-ignore')) return [];
  const out: SuppressionComment[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const match = COMMENT.exec(line);
    if (!match) return;
    const column = match.index + 1;
    const rules = match[2].split(/[\s,]+/).filter(Boolean);
    const reason = match[3]?.trim();
    out.push({ file, line: index + 1, column, ownLine: line.slice(0, match.index).trim() === '', fileWide: Boolean(match[1]), rules, ...(reason ? { reason } : {}) });
  });
  return out;
}

export interface SuppressionResult {
  findings: Finding[];
  /** Problems with the suppressions themselves (no reason, unknown rule, nothing suppressed). */
  problems: Finding[];
}

/** Marks suppressed findings (kept, for reports and SARIF) and reports the suppressions that are wrong. */
export function applySuppressions(findings: Finding[], comments: SuppressionComment[], knownRules: Set<string>): SuppressionResult {
  const used = new Set<SuppressionComment>();
  const problems: Finding[] = [];
  const valid = comments.filter((c) => {
    const at: Location = { file: c.file, range: { start: { line: c.line, column: c.column, offset: 0 }, end: { line: c.line, column: c.column, offset: 0 } } };
    const problem = (message: string) => problems.push({ ruleId: 'declint-suppression', severity: 'warning', message, location: at, related: [] });
    if (c.rules.length === 0) {
      problem('This suppression names no rule: write `# declint-ignore RULE-ID: reason`.');
      return false;
    }
    const unknown = c.rules.filter((r) => !knownRules.has(r));
    if (unknown.length > 0) {
      problem(`This suppression names ${unknown.length > 1 ? 'rules that do' : 'a rule that does'} not exist: ${unknown.join(', ')}.`);
      return false;
    }
    if (!c.reason) {
      problem(`This suppression of ${c.rules.join(', ')} gives no reason, so it does not apply: write \`# declint-ignore ${c.rules.join(', ')}: why this is acceptable\`.`);
      return false;
    }
    return true;
  });
  const marked = findings.map((f) => {
    const line = f.location.range.start.line;
    const comment = valid.find(
      (c) => c.file === f.location.file && c.rules.includes(f.ruleId) && (c.fileWide || c.line === line || (c.ownLine && c.line === line - 1)),
    );
    if (!comment) return f;
    used.add(comment);
    return { ...f, suppressed: { kind: 'inline' as const, justification: comment.reason!, location: { file: comment.file, line: comment.line } } };
  });
  for (const c of valid) {
    if (used.has(c)) continue;
    problems.push({
      ruleId: 'declint-suppression',
      severity: 'warning',
      message: `This suppression of ${c.rules.join(', ')} suppresses nothing; remove it.`,
      location: { file: c.file, range: { start: { line: c.line, column: c.column, offset: 0 }, end: { line: c.line, column: c.column, offset: 0 } } },
      related: [],
    });
  }
  return { findings: marked, problems };
}
