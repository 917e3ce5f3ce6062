import type { Coverage } from '../coverage/coverage';
import type { Finding, Severity } from '../findings/finding';
import type { Range } from '../source/position';
import type { Rule } from '../rules/rule';

/** Everything a reporter needs: the findings and the context they came from. */
export interface CheckResult {
  findings: Finding[];
  /** The rules that ran, sorted by id. */
  rules: Rule[];
  filesScanned: number;
  durationMs: number;
  /** Absolute directory that finding paths are relative to. */
  base: string;
  toolVersion: string;
  /** `report`: findings do not fail the run (`.declint.yaml` `mode`). */
  mode?: 'enforce' | 'report';
  /** Frameworks the config selects: reporters show only their controls. */
  frameworks?: string[];
  /** "Today" of the run (ISO time): what lock ages, channel statuses and exception expiry were judged against. */
  referenceDate?: string;
  /** The hosts and nodes found, evaluated or not, and the sources that produced none. */
  coverage?: Coverage;
  /** The fix of each finding that has one declint can write (JSON and SARIF carry them). */
  fixes?: Map<Finding, ReportedFix>;
}

/** A finding's fix with the places it edits as ranges of the files as they are. */
export interface ReportedFix {
  description: string;
  /** Applied by `check --fix`; unsafe ones only with `--unsafe-fixes`, for the reason given. */
  safe: boolean;
  unsafe?: string;
  edits: { file: string; range: Range; text: string }[];
}

export function countBySeverity(findings: Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, note: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}
