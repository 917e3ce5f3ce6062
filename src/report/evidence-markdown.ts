import type { EvidenceLocation, EvidenceReport, FrameworkReport } from '../compliance/evidence-report';
import { FRAMEWORK_LABELS } from './controls-label';
import { evidenceLayout, openPorts, ResultLine, subjectList } from './evidence-layout';
import { STATUS_LABELS, SUBJECT_KIND_LABELS, shortHash } from './evidence-labels';
import { coverageMarkdown } from './evidence-coverage';
import { coverageHeadline } from '../coverage/summary';
import { escapeMarkdown, markdownCodeSpan, markdownLink } from './markup';

/**
 * A table cell: plain text (escaped when the row is written), or Markdown
 * already rendered from escaped parts (a link, a code span).
 */
type Cell = string | { md: string };

/**
 * The compliance evidence report as Markdown, summary first: document
 * control and sign-off, the controls' status, the failing and excepted
 * results in full, the rest one line per rule and outcome, then the
 * configuration in force, the inventory, the audit period's change log and
 * the limitations. Every result of every control is in the JSON form.
 */
export function formatEvidenceMarkdown(report: EvidenceReport): string {
  const layout = evidenceLayout(report, label);
  const out: string[] = [];
  out.push('# Compliance evidence report', '');
  out.push(...documentControl(report), ...signOff(report));

  out.push('## Summary', '');
  out.push(row(['Framework', 'Controls', 'Checked by rules', 'Fail', 'Excepted', 'Not evaluated', 'Pass', 'Not applicable', 'No host or node in scope', 'Not statically verifiable']));
  out.push(row(Array(10).fill('---')));
  for (const f of report.frameworks) {
    const s = f.summary.byStatus;
    out.push(row([f.title, f.summary.controls, f.summary.covered, s.fail, s.excepted, s['not-evaluated'], s.pass, s['not-applicable'], s['no-subjects'], s['not-covered']].map(String)));
  }
  out.push('');
  for (const f of report.frameworks) out.push(...controlTable(f));

  out.push(`## Failing and excepted results (${layout.attention.length})`, '');
  if (layout.attention.length === 0) out.push('No result fails and none is excepted.', '');
  else {
    out.push(row(['Rule', 'Subject', 'Status', 'Evidence', 'Detail', 'Last change', 'Controls']), row(Array(7).fill('---')));
    for (const l of layout.attention) out.push(row([`${l.rule} ${l.ruleTitle}`, subjectList(l, kind), STATUS_LABELS[l.status], wheres(l.evidence), detail(l), l.evidence.map((e) => change(e)).join(', ') || '—', l.controls.join(', ')]));
    out.push('');
  }
  out.push(`## Other results, one line per rule and outcome (${layout.collapsed.length})`, '');
  out.push('Hosts and nodes with the same result share a line; the evidence is the first subject’s. The JSON form lists every result of every control.', '');
  out.push(row(['Rule', 'Status', 'Subjects', 'Detail', 'Evidence', 'Last change']), row(Array(6).fill('---')));
  for (const l of layout.collapsed) out.push(row([l.rule, STATUS_LABELS[l.status], subjectList(l, kind), l.detail, wheres(l.evidence), l.evidence.map((e) => change(e)).join(', ') || '—']));
  out.push('');

  out.push('## Not statically verifiable', '');
  out.push('No declint rule checks these controls; they need other evidence (policies, procedures, records).', '');
  for (const f of report.frameworks) {
    const uncovered = f.controls.filter((c) => c.status === 'not-covered');
    out.push(`- **${inline(f.title)}** (${uncovered.length}): ${inline(uncovered.map((c) => c.id).join(', ') || 'none')}`);
    if (!f.registryComplete) out.push(`  declint's registry holds the ${inline(f.title)} controls its rules map to, not the whole framework.`);
  }
  out.push('');

  out.push(...declared(report));
  out.push(...configuration(report));
  out.push(...inventory(report));
  out.push(...changeLog(report));
  if (layout.commits.length > 0) {
    out.push('## Commits referenced', '');
    out.push('Each evidence line’s last change, once: the tables above give only the short hash.', '');
    out.push(row(['Commit', 'Date', 'Author', 'Subject']), row(Array(4).fill('---')));
    for (const c of layout.commits) out.push(row([shortHash(c.hash), c.date, c.author, c.subject]));
    out.push('');
  }

  out.push('## Control annotations to review', '');
  if (report.annotationProblems.length === 0) out.push('Every control ID named in a comment exists in its framework.', '');
  else {
    out.push(row(['Location', 'Written', 'Problem']), row(Array(3).fill('---')));
    for (const p of report.annotationProblems) out.push(row([`${p.file}:${p.line}`, p.written, p.message]));
    out.push('');
  }
  out.push(...limitations(report));
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

function documentControl(report: EvidenceReport): string[] {
  const d = report.document;
  const git = report.git.available ? `HEAD ${shortHash(report.git.head.hash)} (${report.git.head.date}, ${report.git.head.subject})` : `no change evidence: ${report.git.note}`;
  const rows: [string, string][] = [
    ['Organisation', d.organisation ?? '—'],
    ['System', d.system ?? '—'],
    ['Scope statement', d.scope ?? '—'],
    ['Scanned', `${report.scope.paths.join(', ')} (${report.scope.filesScanned} files, ${report.scope.rules} rules)`],
    ['Frameworks', report.frameworks.map((f) => f.title).join('; ')],
    ['Coverage', coverageHeadline(report.coverage).replace(/^Coverage: /, '')],
    ['Prepared by', d.preparer ?? '—'],
    ['Reviewed by', d.reviewer ?? '—'],
    ['Generated', report.generatedAt],
    ['Tool', `declint ${report.tool.version}`],
    ['Rule set (SHA-256)', d.ruleSetHash],
    ['Git', git],
    ...(d.repository ? ([['Repository', d.repository]] as [string, string][]) : []),
    ...(report.period ? ([['Audit period', `${report.period.since} to ${report.period.until} (author dates, both days included)`]] as [string, string][]) : []),
  ];
  return ['## Document control', '', row(['Field', 'Value']), row(['---', '---']), ...rows.map(([k, v]) => row([k, v])), ''];
}

function signOff(report: EvidenceReport): string[] {
  return [
    '## Sign-off',
    '',
    row(['Role', 'Name', 'Signature', 'Date']),
    row(Array(4).fill('---')),
    row(['Prepared by', report.document.preparer ?? '', '', '']),
    row(['Reviewed by', report.document.reviewer ?? '', '', '']),
    row(['Approved by', '', '', '']),
    '',
  ];
}

function controlTable(f: FrameworkReport): string[] {
  const verifiable = f.controls.filter((c) => c.status !== 'not-covered');
  const out = [`### ${inline(f.title)}: controls checked by rules (${verifiable.length})`, '', `Reference: ${f.url ? markdownLink(f.url, f.url) : '—'}`, ''];
  out.push(row(['Control', 'Title', 'Status', 'Fail', 'Excepted', 'Pass', 'Rules']), row(Array(7).fill('---')));
  for (const c of verifiable) {
    const n = (s: string) => String(c.results.filter((r) => r.status === s).length);
    out.push(row([c.id, c.title, STATUS_LABELS[c.status], n('fail'), n('excepted'), n('pass'), c.rules.map((r) => r.id).join(', ')]));
  }
  out.push('');
  return out;
}

function declared(report: EvidenceReport): string[] {
  const rows = report.frameworks.flatMap((f) =>
    f.controls.flatMap((c): Cell[][] => [
      ...c.annotations.map((a) => [
        `${label(f.key)} ${c.id}`,
        `${a.file}:${a.line}`,
        { md: `"${inline(a.comment)}"${a.setting ? ` on ${markdownCodeSpan(a.setting)}` : ''}${a.writtenAs2013 ? ` (written with the 2013 number ${inline(a.writtenAs2013)})` : ''}` },
      ]),
      ...(c.commits.length ? [[`${label(f.key)} ${c.id}`, 'commits', c.commits.map((k) => shortHash(k.hash)).join(', ')]] : []),
    ]),
  );
  if (rows.length === 0) return [];
  return ['## Declared by the team', '', 'Comments and commit messages that name a control.', '', row(['Control', 'Where', 'What']), row(Array(3).fill('---')), ...rows.map(row), ''];
}

function configuration(report: EvidenceReport): string[] {
  const c = report.configuration;
  const out = ['## Configuration in force', ''];
  out.push(`- **Source:** ${inline(c.source)}`);
  out.push(`- **Frameworks:** ${inline(c.frameworks.map((f) => `${f.title}${Object.keys(f.variant).length ? ` (${Object.entries(f.variant).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`).join('; '))}`);
  out.push(`- **Level:** ${inline(c.level)}; **mode:** ${inline(c.mode)}`);
  out.push(`- **Host types:** ${inline(Object.entries(c.hostTypes).map(([h, t]) => `${h} ${t}`).join(', ') || 'none set (every rule runs on every host)')}`);
  out.push(`- **Rules switched off or changed:** ${inline(Object.entries(c.ruleOverrides).map(([r, s]) => `${r} ${s}`).join(', ') || 'none')}`);
  out.push(`- **Tags excluded:** ${inline(c.excludeTags.join(', ') || 'none')}; **paths ignored:** ${inline(c.ignore.join(', ') || 'none')}`);
  out.push('');
  out.push(`### Exceptions (${c.exceptions.length})`, '');
  if (c.exceptions.length === 0) out.push('No exception is configured.', '');
  else {
    out.push(row(['Rule', 'Scope', 'Rationale', 'Owner', 'Ticket', 'Expires', 'Where']), row(Array(7).fill('---')));
    for (const e of c.exceptions) {
      const scope = [e.hosts && `hosts ${e.hosts.join(', ')}`, e.paths && `paths ${e.paths.join(', ')}`].filter(Boolean).join('; ') || 'everywhere';
      out.push(row([e.rule, scope, e.rationale, e.owner ?? '—', e.ticket ?? '—', e.expires ? `${e.expires}${e.expired ? ' (expired: no longer applied)' : ''}` : 'never', `${e.file}:${e.line}`]));
    }
    out.push('');
  }
  return out;
}

function inventory(report: EvidenceReport): string[] {
  const out = ['## Inventory', '', '### NixOS hosts', ''];
  const { hosts, talosNodes, inputs } = report.inventory;
  if (hosts.length === 0) out.push('No NixOS hosts found.', '');
  for (const h of hosts) {
    out.push(`#### ${inline(h.name)}`, '');
    out.push(`- **Root:** ${where(h.root).md}; ${h.modules} module files read`);
    out.push(`- **NixOS release:** ${inline(h.release ?? 'not known (no flake.lock)')}${h.stateVersion ? `; system.stateVersion ${inline(h.stateVersion)}` : ''}`);
    out.push(`- **Packages (environment.systemPackages, as written):** ${inline(h.packages.join(', ') || 'none read')}`);
    out.push(`- **Services enabled:** ${inline(h.services.join(', ') || 'none read')}`);
    out.push(`- **Open ports:** ${inline(openPorts(h))}`);
    out.push(`- **Users:** ${inline(h.users.map((u) => `${u.name}${u.groups.length ? ` (${u.groups.join(', ')})` : ''}`).join(', ') || 'none read')}`);
    if (h.unread.length > 0) out.push(`- **Modules not read:** ${h.unread.map((u) => `${markdownCodeSpan(u.module)} (${inline(u.reason)}; imported by ${inline(u.importedBy)})`).join('; ')}`);
    out.push('');
  }
  out.push('### Talos nodes', '');
  if (talosNodes.length === 0) out.push('No complete Talos machine configs found.', '');
  else {
    out.push(row(['Node', 'Type', 'Talos version', 'Installer image', 'Extensions', 'Config', 'Last change']), row(Array(7).fill('---')));
    for (const n of talosNodes) out.push(row([n.name, n.type ?? '—', n.talosVersion ?? '—', n.installImage ?? '—', n.extensions?.join(', ') || '—', `${n.file}:${n.line}`, n.change ? shortHash(n.change.hash) : '—']));
    out.push('');
  }
  out.push('### Pinned inputs (flake.lock)', '');
  if (inputs.length === 0) out.push('No flake.lock found.', '');
  else {
    out.push('The same inputs as a CycloneDX SBOM: `declint sbom` or `declint report --format cyclonedx`.', '');
    out.push(row(['Input', 'Type', 'Source', 'Revision', 'Date', 'Lock file']), row(Array(6).fill('---')));
    for (const i of inputs) out.push(row([i.name, i.type, i.source || '—', i.rev ? shortHash(i.rev) : '—', i.date ?? '—', `${i.lockFile}:${i.line}`]));
    out.push('');
  }
  return out;
}

function changeLog(report: EvidenceReport): string[] {
  const p = report.period;
  if (!p) return [];
  const out = [`## Change log, ${inline(p.since)} to ${inline(p.until)} (${p.commits.length} commits)`, ''];
  if (p.commits.length === 0) return [...out, report.git.available ? 'No commit changed the scanned files in this period.' : `No change evidence: ${inline(report.git.note)}.`, ''];
  out.push('Every commit that changed a scanned file in the period; evidence lines whose last change falls in it are marked ◆ above.', '');
  out.push(row(['Commit', 'Date', 'Author', 'Subject', 'Files', 'Controls named']), row(Array(6).fill('---')));
  for (const c of p.commits) out.push(row([shortHash(c.hash), c.date, c.author, c.subject, c.files.join(', '), c.controls.join(', ') || '—']));
  out.push('', '### By control', '');
  out.push(row(['Control', 'Commits in the period']), row(['---', '---']));
  for (const f of report.frameworks) for (const c of f.controls) if (c.periodChanges?.length) out.push(row([`${label(f.key)} ${c.id}`, c.periodChanges.map(shortHash).join(', ')]));
  out.push('');
  return out;
}

function limitations(report: EvidenceReport): string[] {
  const out = ['## Limitations', ''];
  // Each kind of limitation is a subsection; the coverage of hosts declint could not resolve goes here too.
  out.push('### Files and hosts not analysed', '');
  if (report.limitations.length === 0) out.push('Every file parsed and every host was evaluated.', '');
  else for (const l of report.limitations) out.push(`- ${l.file ? `${inline(l.file)}${l.line ? `:${l.line}` : ''}: ` : ''}${inline(l.message)}`);
  out.push('', ...coverageMarkdown(report.coverage));
  return out;
}

function detail(l: ResultLine): string {
  const parts = [l.detail];
  if (l.exception) {
    const e = l.exception;
    const who = [e.owner && `owner ${e.owner}`, e.ticket && `ticket ${e.ticket}`, e.expires && `expires ${e.expires}`].filter(Boolean).join(', ');
    parts.push(`${e.kind === 'inline' ? 'suppressed' : 'excepted'} at ${e.file}:${e.line}: ${e.justification}${who ? ` (${who})` : ''}`);
  }
  return parts.join('; ');
}

/** An evidence location, a permalink where the repository's web address is known. */
function where(l: EvidenceLocation): { md: string } {
  const text = `${l.file}:${l.line}:${l.column}`;
  return { md: l.url ? markdownLink(text, l.url) : inline(text) };
}

function wheres(locations: EvidenceLocation[]): Cell {
  return locations.length === 0 ? '—' : { md: locations.map((l) => where(l).md).join(', ') };
}

/** The short hash of the last change (the subject is in *Commits referenced*), ◆ when it falls in the audit period. */
function change(l: EvidenceLocation): string {
  return l.change ? `${shortHash(l.change.hash)} ${l.change.date}${l.changedInPeriod ? ' ◆' : ''}` : '—';
}

function label(key: string): string {
  return FRAMEWORK_LABELS[key] ?? key;
}

function kind(k: keyof typeof SUBJECT_KIND_LABELS): string {
  return SUBJECT_KIND_LABELS[k];
}

function row(cells: Cell[]): string {
  return `| ${cells.map((c) => (typeof c === 'string' ? inline(c) : c.md)).join(' | ')} |`;
}

/** Text from the scanned files (and everything else shown), escaped: on one line, shown as written, never rendered as Markdown or HTML. */
function inline(text: string): string {
  return escapeMarkdown(text);
}
