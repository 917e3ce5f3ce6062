import type { Range } from '../source/position';
import { compareText } from '../source/compare-text';

export type Severity = 'error' | 'warning' | 'note';

/** Severities from most to least severe; the index is the rank. */
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'note'];

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** Framework short name → control IDs, e.g. `{ iso27001: ['A.8.5'], nis2: ['21(2)(j)'] }`. */
export type ControlMap = Record<string, string[]>;

export interface Location {
  /** Path relative to the scan root, with `/` separators. */
  file: string;
  range: Range;
}

export interface RelatedLocation extends Location {
  message: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  location: Location;
  related: RelatedLocation[];
  /** The NixOS hosts or Talos nodes the finding applies to, when it is about them. */
  hosts?: string[];
  /** A stable identity for the finding that does not depend on line numbers. */
  subject?: string;
  /** For a finding on a host's defaults: the options left at the insecure default (what a fix adds). */
  defaults?: string[];
  /** Set when an inline suppression or a config exception covers the finding: it is kept, but does not fail the run. */
  suppressed?: {
    kind: 'inline' | 'exception' | 'baseline';
    justification: string;
    location: { file: string; line: number };
    owner?: string;
    ticket?: string;
    expires?: string;
  };
}

/** The message with the hosts it applies to: `… (hosts web-01, db-01).` */
export function messageWithHosts(finding: Finding): string {
  if (!finding.hosts || finding.hosts.length === 0) return finding.message;
  const list = `${finding.hosts.length === 1 ? 'host' : 'hosts'} ${finding.hosts.join(', ')}`;
  return `${finding.message.replace(/\.$/, '')} [${list}].`;
}

/** The built-in rule for files that do not parse. */
export const PARSE_ERROR_RULE_ID = 'parse-error';

export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareText(a.location.file, b.location.file) ||
    a.location.range.start.line - b.location.range.start.line ||
    a.location.range.start.column - b.location.range.start.column ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.message, b.message)
  );
}
