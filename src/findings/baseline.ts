import { semanticFingerprint } from './fingerprint';
import type { Finding } from './finding';

/**
 * A baseline: the findings a team has accepted for now, by semantic
 * fingerprint (rule, file, what the finding is about, hosts), so that moving
 * code, reformatting or adding lines does not make them new. `check
 * --baseline` reports only new findings, counts the baselined ones, and lists
 * the entries that no longer match so the file can shrink.
 */
export interface BaselineFile {
  version: 1;
  tool: 'declint';
  findings: { fingerprint: string; ruleId: string; file: string; message: string }[];
}

export function createBaseline(findings: Finding[]): BaselineFile {
  const entries = findings
    .filter((f) => !f.suppressed)
    .map((f) => ({ fingerprint: semanticFingerprint(f), ruleId: f.ruleId, file: f.location.file, message: f.message }))
    .sort((a, b) => a.file.localeCompare(b.file) || a.ruleId.localeCompare(b.ruleId) || a.fingerprint.localeCompare(b.fingerprint));
  const unique = entries.filter((e, i) => i === 0 || e.fingerprint !== entries[i - 1].fingerprint);
  return { version: 1, tool: 'declint', findings: unique };
}

export function parseBaseline(text: string): BaselineFile | undefined {
  try {
    const data = JSON.parse(text) as BaselineFile;
    return data && data.version === 1 && Array.isArray(data.findings) ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Marks baselined findings and reports the entries that matched nothing (fixed since). */
export function applyBaseline(findings: Finding[], baseline: BaselineFile, baselineFile: string): { findings: Finding[]; fixed: Finding[] } {
  const known = new Map(baseline.findings.map((e) => [e.fingerprint, e]));
  const matched = new Set<string>();
  const marked = findings.map((f) => {
    if (f.suppressed) return f;
    const fingerprint = semanticFingerprint(f);
    if (!known.has(fingerprint)) return f;
    matched.add(fingerprint);
    return { ...f, suppressed: { kind: 'baseline' as const, justification: 'in the baseline', location: { file: baselineFile, line: 1 } } };
  });
  const fixed = baseline.findings
    .filter((e) => !matched.has(e.fingerprint))
    .map((e) => ({
      ruleId: 'declint-baseline-fixed',
      severity: 'note' as const,
      message: `Fixed since the baseline: ${e.ruleId} in ${e.file} (${e.message.replace(/\.$/, '')}); update the baseline to drop it (--update-baseline).`,
      location: { file: baselineFile, range: { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } } },
      related: [],
      subject: `baseline-fixed:${e.fingerprint}`,
    }));
  return { findings: marked, fixed };
}
