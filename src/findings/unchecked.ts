import type { Range } from '../source/position';
import type { Finding } from './finding';

/**
 * Findings about what declint did not check, so that a run never reports
 * "No findings" over a file it could not read or judge:
 * - `internal-error`: declint itself failed on the file (a bug); the other
 *   files are still checked;
 * - `declint-unreadable`: a file or directory of the scan could not be read;
 * - `declint-limit`: a resource limit was reached (size, nesting, evaluation
 *   budget); what lies beyond it is not judged, the rest of the file is.
 */
export const INTERNAL_ERROR_RULE_ID = 'internal-error';
export const UNREADABLE_RULE_ID = 'declint-unreadable';
export const LIMIT_RULE_ID = 'declint-limit';

const START: Range = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };

export function internalErrorFinding(file: string, error: unknown, range: Range = START): Finding {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    ruleId: INTERNAL_ERROR_RULE_ID,
    severity: 'error',
    message: `declint failed while checking this file (${firstLine(detail)}); its findings may be incomplete. Please report this with the file if you can share it.`,
    location: { file, range },
    related: [],
    subject: `internal-error:${firstLine(detail)}`,
  };
}

export function unreadableFinding(file: string, reason: string): Finding {
  return {
    ruleId: UNREADABLE_RULE_ID,
    severity: 'warning',
    message: `declint could not read ${file} (${reason}), so nothing in it was checked.`,
    location: { file, range: START },
    related: [],
    subject: `unreadable:${reason}`,
  };
}

export function limitFinding(file: string, message: string, range: Range = START): Finding {
  return { ruleId: LIMIT_RULE_ID, severity: 'note', message, location: { file, range }, related: [], subject: `limit:${message}` };
}

/** Whether a finding says that part of the scan was not checked (a bug, an unreadable file, a limit). */
export function isUncheckedFinding(finding: Finding): boolean {
  return finding.ruleId === INTERNAL_ERROR_RULE_ID || finding.ruleId === UNREADABLE_RULE_ID || finding.ruleId === LIMIT_RULE_ID;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0];
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
