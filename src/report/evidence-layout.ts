import type { ControlResult, EvidenceLocation, EvidenceReport, ResultStatus } from '../compliance/evidence-report';
import type { Commit } from '../compliance/git-history';
import { compareText } from '../source/compare-text';

/**
 * The summary-first reading of the evidence report that the Markdown and
 * HTML forms print (the JSON keeps every result under every control):
 * - each rule's failing and excepted results once, in full, with every
 *   control they bear on;
 * - the other results collapsed to one line per rule and outcome, the
 *   subjects with that same outcome grouped on it;
 * - each commit once, in an index the rows refer to by hash.
 */
export interface ResultLine {
  rule: string;
  ruleTitle: string;
  status: ResultStatus;
  /** The subjects (hosts, nodes, files) with this result, sorted. */
  subjects: { name: string; kind: ControlResult['subjectKind'] }[];
  detail: string;
  exception?: ControlResult['exception'];
  /** The evidence of each subject (one per subject in full lines; the first one in collapsed lines). */
  evidence: EvidenceLocation[];
  /** `ISO 27001 A.8.5`-style labels of the selected frameworks' controls. */
  controls: string[];
}

export interface EvidenceLayout {
  /** Failing and excepted results, one line per rule and subject. */
  attention: ResultLine[];
  /** Everything else, one line per rule, status and reason. */
  collapsed: ResultLine[];
  /** Every commit a row refers to, newest first. */
  commits: Commit[];
}

export function evidenceLayout(report: EvidenceReport, frameworkLabel: (key: string) => string): EvidenceLayout {
  const ruleTitles = new Map(report.frameworks.flatMap((f) => f.controls.flatMap((c) => c.rules.map((r) => [r.id, r.title] as const))));
  // One result per rule, subject and evidence, with the controls of every framework it appears under.
  const unique = new Map<string, { result: ControlResult; controls: string[] }>();
  for (const f of report.frameworks) {
    for (const c of f.controls) {
      for (const r of c.results) {
        const key = `${r.rule}|${r.subjectKind}|${r.subject}|${r.evidence?.file ?? ''}:${r.evidence?.line ?? ''}|${r.reason}`;
        const entry = unique.get(key) ?? { result: r, controls: [] };
        entry.controls.push(`${frameworkLabel(f.key)} ${c.id}`);
        unique.set(key, entry);
      }
    }
  }
  const attention: ResultLine[] = [];
  const groups = new Map<string, ResultLine>();
  for (const { result: r, controls } of unique.values()) {
    const detail = r.finding ? r.finding.message.replace(/\.$/, '') : r.reason;
    const subject = { name: r.subject, kind: r.subjectKind };
    if (r.status === 'fail' || r.status === 'excepted') {
      attention.push({ rule: r.rule, ruleTitle: ruleTitles.get(r.rule) ?? r.rule, status: r.status, subjects: [subject], detail, ...(r.exception ? { exception: r.exception } : {}), evidence: r.evidence ? [r.evidence] : [], controls });
      continue;
    }
    // Hosts with identical results: same rule, same outcome, same reason.
    const key = `${r.rule}|${r.status}|${r.reason}`;
    const line = groups.get(key);
    if (line) {
      line.subjects.push(subject);
      for (const c of controls) if (!line.controls.includes(c)) line.controls.push(c);
    } else groups.set(key, { rule: r.rule, ruleTitle: ruleTitles.get(r.rule) ?? r.rule, status: r.status, subjects: [subject], detail, evidence: r.evidence ? [r.evidence] : [], controls: [...controls] });
  }
  const bySubjects = (a: ResultLine, b: ResultLine) => compareText(a.rule, b.rule) || compareText(a.subjects[0].name, b.subjects[0].name) || compareText(a.detail, b.detail);
  attention.sort((a, b) => (a.status === b.status ? 0 : a.status === 'fail' ? -1 : 1) || bySubjects(a, b));
  const collapsed = [...groups.values()].sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || bySubjects(a, b));
  for (const line of collapsed) line.subjects.sort((a, b) => compareText(a.name, b.name));
  const commits = new Map<string, Commit>();
  for (const line of [...attention, ...collapsed]) for (const e of line.evidence) if (e.change) commits.set(e.change.hash, e.change);
  return { attention, collapsed, commits: [...commits.values()].sort((a, b) => compareText(b.date, a.date) || compareText(a.hash, b.hash)) };
}

const STATUS_RANK: Record<ResultStatus, number> = { fail: 0, excepted: 1, 'not-evaluated': 2, pass: 3, 'not-applicable': 4 };

/** The hosts of a line: `bastion, db-01, web-01`, with the kind for what is not a host. */
export function subjectList(line: ResultLine, kindLabel: (kind: ControlResult['subjectKind']) => string): string {
  return line.subjects.map((s) => (s.kind === 'host' ? s.name : `${s.name} (${kindLabel(s.kind)})`)).join(', ');
}

/** The firewall's state and the ports it opens. */
export function openPorts(h: EvidenceReport['inventory']['hosts'][number]): string {
  const listed = h.ports.map((p) => `${p.protocol.toUpperCase()} ${p.ports.join(' ')} (${p.scope})`).join('; ');
  if (h.firewall === 'off') return `firewall off: every listening port is reachable${listed ? ` (also listed: ${listed})` : ''}`;
  return `${listed || 'none'}${h.firewall === 'unknown' ? ' (whether the firewall runs could not be resolved)' : ''}`;
}
