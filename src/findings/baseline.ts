import { semanticFingerprint } from './fingerprint';
import type { Finding } from './finding';
import { LocatedError } from '../source/errors';
import { LineIndex } from '../source/position';
import { depthExceeded } from '../source/json-depth';
import { compareText } from '../source/compare-text';

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
    .sort((a, b) => compareText(a.file, b.file) || compareText(a.ruleId, b.ruleId) || compareText(a.fingerprint, b.fingerprint));
  const unique = entries.filter((e, i) => i === 0 || e.fingerprint !== entries[i - 1].fingerprint);
  return { version: 1, tool: 'declint', findings: unique };
}

/**
 * Reads a baseline file; anything else stops with `file:line:col: what is
 * wrong` at the place: not JSON, not `{"version": 1, "findings": [...]}`,
 * an entry without its four strings.
 */
export function parseBaseline(text: string, display: string): BaselineFile {
  // Required here: the JSON parser with positions is loaded only when a baseline is read.
  const { getNodeValue, parseTree, printParseErrorCode } = require('jsonc-parser') as typeof import('jsonc-parser');
  const lines = new LineIndex(text);
  const fail = (offset: number, message: string): never => {
    const at = lines.position(offset);
    throw new LocatedError(display, at.line, at.column, message);
  };
  const deep = depthExceeded(text, 16);
  if (deep !== undefined) fail(deep, 'not a declint baseline: nested too deeply');
  const errors: import('jsonc-parser').ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (errors.length > 0 || !tree) return fail(errors[0]?.offset ?? 0, `not a declint baseline: invalid JSON (${printParseErrorCode(errors[0]?.error ?? 0)})`);
  const member = (node: import('jsonc-parser').Node, name: string) => node.children?.find((p) => p.children?.[0]?.value === name)?.children?.[1];
  const version = tree.type === 'object' ? member(tree, 'version') : undefined;
  const findings = tree.type === 'object' ? member(tree, 'findings') : undefined;
  if (version?.value !== 1 || findings?.type !== 'array') fail((version ?? findings ?? tree).offset, 'not a declint baseline (expected {"version": 1, "findings": [...]})');
  for (const [i, entry] of (findings!.children ?? []).entries()) {
    const missing = ENTRY_FIELDS.find((field) => entry.type !== 'object' || member(entry, field)?.type !== 'string');
    if (missing) fail(entry.offset, `findings[${i}] must be an object with the strings ${ENTRY_FIELDS.join(', ')} (${missing} is ${entry.type === 'object' ? 'missing or not a string' : `a JSON ${entry.type}`})`);
  }
  return getNodeValue(tree) as BaselineFile;
}

const ENTRY_FIELDS = ['fingerprint', 'ruleId', 'file', 'message'] as const;

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
