import type { ControlReport, ControlResult, EvidenceLocation, EvidenceReport, FrameworkReport } from '../compliance/evidence-report';
import type { Commit } from '../compliance/git-history';
import { STATUS_LABELS, SUBJECT_KIND_LABELS, shortHash } from './evidence-labels';
import { escapeMarkdown, markdownCodeSpan } from './markup';

/** The compliance evidence report as Markdown: the same facts as the JSON and HTML forms, in the same order. */
export function formatEvidenceMarkdown(report: EvidenceReport): string {
  const out: string[] = [];
  out.push('# Compliance evidence report', '');
  out.push(header(report), '');
  out.push('## Summary', '');
  out.push(row(['Framework', 'Controls', 'Checked by rules', 'Fail', 'Excepted', 'Not evaluated', 'Pass', 'Not applicable', 'No host or node in scope', 'Not statically verifiable']));
  out.push(row(Array(10).fill('---')));
  for (const f of report.frameworks) {
    const s = f.summary.byStatus;
    out.push(row([f.title, f.summary.controls, f.summary.covered, s.fail, s.excepted, s['not-evaluated'], s.pass, s['not-applicable'], s['no-subjects'], s['not-covered']].map(String)));
  }
  out.push('');
  for (const f of report.frameworks) {
    if (f.summary.bySubject.length === 0) continue;
    out.push(`### ${f.title}: results by host and node`, '');
    out.push(row(['Subject', 'Kind', 'Pass', 'Fail', 'Excepted', 'Not evaluated', 'Not applicable']), row(Array(7).fill('---')));
    for (const s of f.summary.bySubject) {
      const c = s.counts;
      out.push(row([s.subject, SUBJECT_KIND_LABELS[s.kind], c.pass, c.fail, c.excepted, c['not-evaluated'], c['not-applicable']].map(String)));
    }
    out.push('');
  }

  out.push('## Inventory', '');
  out.push('### NixOS hosts', '');
  if (report.inventory.hosts.length === 0) out.push('No NixOS hosts found.', '');
  else {
    out.push(row(['Host', 'Root', 'Module files', 'Modules not read (flake inputs, modulesPath)']), row(Array(4).fill('---')));
    for (const h of report.inventory.hosts) out.push(row([h.name, where(h.root), String(h.modules), h.unreadModules.join(', ') || '—']));
    out.push('');
  }
  out.push('### Talos nodes', '');
  if (report.inventory.talosNodes.length === 0) out.push('No complete Talos machine configs found.', '');
  else {
    out.push(row(['Node', 'Type', 'Talos version', 'Config', 'Last change']), row(Array(5).fill('---')));
    for (const n of report.inventory.talosNodes) out.push(row([n.name, n.type ?? '—', n.talosVersion ?? '—', `${n.file}:${n.line}`, commit(n.change)]));
    out.push('');
  }
  out.push('### Pinned inputs (flake.lock)', '');
  if (report.inventory.inputs.length === 0) out.push('No flake.lock found.', '');
  else {
    out.push(row(['Input', 'Type', 'Source', 'Revision', 'Date', 'Lock file']), row(Array(6).fill('---')));
    for (const i of report.inventory.inputs) out.push(row([i.name, i.type, i.source || '—', i.rev ? shortHash(i.rev) : '—', i.date ?? '—', `${i.lockFile}:${i.line}`]));
    out.push('');
  }

  for (const f of report.frameworks) out.push(...framework(f));

  out.push('## Control annotations to review', '');
  if (report.annotationProblems.length === 0) out.push('Every control ID named in a comment exists in its framework.', '');
  else {
    out.push(row(['Location', 'Written', 'Problem']), row(Array(3).fill('---')));
    for (const p of report.annotationProblems) out.push(row([`${p.file}:${p.line}`, p.written, p.message]));
    out.push('');
  }

  out.push('## Limitations', '');
  if (report.limitations.length === 0) out.push('Every file parsed and every host was evaluated.', '');
  else for (const l of report.limitations) out.push(`- ${l.file ? `${inline(l.file)}${l.line ? `:${l.line}` : ''}: ` : ''}${inline(l.message)}`);
  out.push('');
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

function header(report: EvidenceReport): string {
  const lines = [
    `- **Tool:** declint ${report.tool.version}${report.generatedAt ? `, generated ${report.generatedAt}` : ''}`,
    `- **Scope:** ${inline(report.scope.paths.join(', '))} (${report.scope.filesScanned} files, ${report.scope.rules} rules)`,
    `- **Frameworks:** ${report.frameworks.map((f) => f.title).join('; ')}`,
    report.git.available
      ? `- **Git:** HEAD ${inline(shortHash(report.git.head.hash))} (${inline(report.git.head.date)}, ${inline(report.git.head.subject)}); each evidence line shows the last commit that changed it`
      : `- **Git:** no change evidence: ${inline(report.git.note)}`,
  ];
  return lines.join('\n');
}

function framework(f: FrameworkReport): string[] {
  const out = [`## ${f.title}`, ''];
  out.push(`Reference: ${f.url}`, '');
  if (!f.registryComplete) {
    out.push(`declint's registry holds the ${f.title} controls its rules map to, not the whole framework: controls outside it are not listed.`, '');
  }
  const verifiable = f.controls.filter((c) => c.status !== 'not-covered');
  for (const c of verifiable) out.push(...control(c));
  const uncovered = f.controls.filter((c) => c.status === 'not-covered');
  out.push(`### Not statically verifiable (${uncovered.length})`, '');
  if (uncovered.length === 0) out.push('Every control of the registry is checked by at least one rule.', '');
  else {
    out.push('No declint rule checks these controls; they need other evidence (policies, procedures, records).', '');
    for (const c of uncovered) {
      const extra = [...c.annotations.map((a) => `declared at ${a.file}:${a.line}`), ...c.commits.map((k) => `commit ${shortHash(k.hash)}`)];
      out.push(`- **${inline(c.id)}** ${inline(c.title)}${extra.length ? ` (${inline(extra.join('; '))})` : ''}`);
    }
    out.push('');
  }
  return out;
}

function control(c: ControlReport): string[] {
  const out = [`### ${inline(c.id)} ${inline(c.title)}: ${STATUS_LABELS[c.status]}`, ''];
  out.push(`Rules: ${c.rules.map((r) => `${inline(r.id)} (${inline(r.title)})`).join(', ')}`, '');
  if (c.results.length === 0) out.push('No host, Talos node or flake.lock in scope for these rules.', '');
  else {
    out.push(row(['Subject', 'Rule', 'Status', 'Evidence', 'Detail', 'Last change']), row(Array(6).fill('---')));
    for (const r of c.results) out.push(row([subject(r), r.rule, STATUS_LABELS[r.status], r.evidence ? where(r.evidence) : '—', detail(r), commit(r.evidence?.change)]));
    out.push('');
  }
  if (c.annotations.length > 0) {
    out.push('Declared by the team:', '');
    for (const a of c.annotations) {
      const setting = a.setting ? ` on ${markdownCodeSpan(a.setting)} (line ${a.settingLine})` : '';
      const old = a.writtenAs2013 ? ` (written with the 2013 number ${a.writtenAs2013})` : '';
      out.push(`- ${inline(a.file)}:${a.line}: "${inline(a.comment)}"${setting}${inline(old)}`);
    }
    out.push('');
  }
  if (c.commits.length > 0) {
    out.push('Commits naming this control:', '');
    for (const k of c.commits) out.push(`- ${inline(commit(k))}`);
    out.push('');
  }
  return out;
}

function subject(r: ControlResult): string {
  return r.subjectKind === 'host' ? r.subject : `${r.subject} (${SUBJECT_KIND_LABELS[r.subjectKind]})`;
}

function detail(r: ControlResult): string {
  const parts = [r.finding ? r.finding.message.replace(/\.$/, '') : r.reason];
  if (r.exception) {
    const e = r.exception;
    const who = [e.owner && `owner ${e.owner}`, e.ticket && `ticket ${e.ticket}`, e.expires && `expires ${e.expires}`].filter(Boolean).join(', ');
    parts.push(`${e.kind === 'inline' ? 'suppressed' : 'excepted'} at ${e.file}:${e.line}: ${e.justification}${who ? ` (${who})` : ''}`);
  }
  return parts.join('; ');
}

function where(l: EvidenceLocation): string {
  return `${l.file}:${l.line}:${l.column}`;
}

function commit(c: Commit | undefined): string {
  return c ? `${shortHash(c.hash)} ${c.date} ${c.author}: ${c.subject}` : '—';
}

function row(cells: string[]): string {
  return `| ${cells.map(inline).join(' | ')} |`;
}

/** Text from the scanned files (and everything else shown), escaped: on one line, shown as written, never rendered as Markdown or HTML. */
function inline(text: string): string {
  return escapeMarkdown(text);
}
