import type { ControlReport, EvidenceLocation, EvidenceReport } from '../compliance/evidence-report';
import type { Commit } from '../compliance/git-history';
import { escapeMarkup, isWebUrl } from './markup';
import { STATUS_LABELS, SUBJECT_KIND_LABELS, shortHash } from './evidence-labels';
import { coverageHtml } from './evidence-coverage';
import { coverageHeadline } from '../coverage/summary';
import { FRAMEWORK_LABELS } from './controls-label';
import { EvidenceLayout, evidenceLayout, openPorts, ResultLine, subjectList } from './evidence-layout';

/**
 * The compliance evidence report as one self-contained HTML file (inline
 * style and script, no external asset), summary first like the Markdown
 * form: document control and sign-off, controls by status, the failing and
 * excepted results in full, the rest one line per rule and outcome, then
 * configuration, inventory, change log and limitations. Filters by
 * framework, host or node, and status; prints to a short, readable PDF.
 */
export function formatEvidenceHtml(report: EvidenceReport): string {
  const layout = evidenceLayout(report, (k) => FRAMEWORK_LABELS[k] ?? k);
  const subjects = [...new Set(report.frameworks.flatMap((f) => f.summary.bySubject.map((s) => s.subject)))].sort();
  const statuses = ['fail', 'excepted', 'not-evaluated', 'pass', 'not-applicable'] as const;
  const body = [
    `<header><h1>Compliance evidence report</h1>${documentControl(report)}${signOff(report)}</header>`,
    `<nav class="filters" aria-label="Filters">
<label>Framework <select id="f-framework"><option value="">all</option>${report.frameworks.map((f) => `<option value="${escapeMarkup(f.key)}">${escapeMarkup(f.title)}</option>`).join('')}</select></label>
<label>Host or node <select id="f-subject"><option value="">all</option>${subjects.map((s) => `<option value="${escapeMarkup(s)}">${escapeMarkup(s)}</option>`).join('')}</select></label>
<label>Status <select id="f-status"><option value="">all</option>${statuses.map((s) => `<option value="${s}">${STATUS_LABELS[s]}</option>`).join('')}</select></label>
<span id="f-count" role="status"></span>
</nav>`,
    summary(report),
    attention(layout),
    collapsed(layout),
    uncovered(report),
    declared(report),
    configuration(report),
    inventory(report),
    changeLog(report),
    commitIndex(layout),
    annotationProblems(report),
    limitations(report),
  ].join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="declint ${escapeMarkup(report.tool.version)}">
<title>Compliance evidence report: ${escapeMarkup(report.frameworks.map((f) => f.title).join(', '))}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function documentControl(report: EvidenceReport): string {
  const d = report.document;
  const git = report.git.available
    ? `HEAD <code>${escapeMarkup(shortHash(report.git.head.hash))}</code> (${escapeMarkup(report.git.head.date)}, ${escapeMarkup(report.git.head.subject)})`
    : `No change evidence: ${escapeMarkup(report.git.note)}`;
  const rows: [string, string][] = [
    ['Organisation', escapeMarkup(d.organisation ?? '—')],
    ['System', escapeMarkup(d.system ?? '—')],
    ['Scope statement', escapeMarkup(d.scope ?? '—')],
    ['Scanned', `${escapeMarkup(report.scope.paths.join(', '))} (${report.scope.filesScanned} files, ${report.scope.rules} rules)`],
    ['Frameworks', escapeMarkup(report.frameworks.map((f) => f.title).join('; '))],
    ['Coverage', escapeMarkup(coverageHeadline(report.coverage).replace(/^Coverage: /, ''))],
    ['Generated', `<time>${escapeMarkup(report.generatedAt)}</time> by declint ${escapeMarkup(report.tool.version)}`],
    ['Rule set (SHA-256)', `<code>${escapeMarkup(d.ruleSetHash)}</code>`],
    ['Git', git],
    ...(d.repository ? ([['Repository', htmlLink(d.repository, escapeMarkup(d.repository))]] as [string, string][]) : []),
    ...(report.period ? ([['Audit period', `${escapeMarkup(report.period.since)} to ${escapeMarkup(report.period.until)} (author dates, both days included)`]] as [string, string][]) : []),
  ];
  return `<section id="document"><h2>Document control</h2><dl class="meta">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl></section>`;
}

function signOff(report: EvidenceReport): string {
  const line = (role: string, name?: string) => `<tr><th scope="row">${role}</th><td>${escapeMarkup(name ?? '')}</td><td class="sign"></td><td class="sign"></td></tr>`;
  return `<section id="sign-off"><h2>Sign-off</h2><table class="signoff"><thead><tr><th>Role</th><th>Name</th><th>Signature</th><th>Date</th></tr></thead><tbody>${line('Prepared by', report.document.preparer)}${line('Reviewed by', report.document.reviewer)}${line('Approved by')}</tbody></table></section>`;
}

function summary(report: EvidenceReport): string {
  const rows = report.frameworks
    .map((f) => {
      const s = f.summary.byStatus;
      return `<tr data-framework="${escapeMarkup(f.key)}"><th scope="row">${escapeMarkup(f.title)}</th>${[f.summary.controls, f.summary.covered, s.fail, s.excepted, s['not-evaluated'], s.pass, s['not-applicable'], s['no-subjects'], s['not-covered']].map((n) => `<td>${n}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const controls = report.frameworks
    .map((f) => {
      const verifiable = f.controls.filter((c) => c.status !== 'not-covered');
      const n = (c: ControlReport, s: string) => c.results.filter((r) => r.status === s).length;
      return `<section class="controls" data-framework="${escapeMarkup(f.key)}"><h3>${escapeMarkup(f.title)}: controls checked by rules (${verifiable.length})</h3>
<table class="controls"><thead><tr><th>Control</th><th>Title</th><th>Status</th><th>Fail</th><th>Excepted</th><th>Pass</th><th>Rules</th></tr></thead><tbody>
${verifiable
  .map((c) => `<tr data-status="${c.status}"><th scope="row" class="id">${escapeMarkup(c.id)}</th><td>${escapeMarkup(c.title)}</td><td><span class="status s-${c.status}">${STATUS_LABELS[c.status]}</span></td><td>${n(c, 'fail')}</td><td>${n(c, 'excepted')}</td><td>${n(c, 'pass')}</td><td class="rules">${c.rules.map((r) => escapeMarkup(r.id)).join(', ')}</td></tr>`)
  .join('\n')}
</tbody></table></section>`;
    })
    .join('\n');
  return `<section id="summary"><h2>Summary</h2>
<table><thead><tr><th>Framework</th><th>Controls</th><th>Checked by rules</th><th>Fail</th><th>Excepted</th><th>Not evaluated</th><th>Pass</th><th>Not applicable</th><th>No host or node in scope</th><th>Not statically verifiable</th></tr></thead>
<tbody>${rows}</tbody></table>
${controls}</section>`;
}

function attention(layout: EvidenceLayout): string {
  const rows = layout.attention.map((l) => resultRow(l, true)).join('\n');
  const body = layout.attention.length === 0 ? '<p>No result fails and none is excepted.</p>' : `<table class="results"><colgroup><col class="c-rule"><col class="c-subject"><col class="c-status"><col class="c-where"><col class="c-detail"><col class="c-change"></colgroup><thead><tr><th>Rule</th><th>Subject</th><th>Status</th><th>Evidence</th><th>Detail and controls</th><th>Last change</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
  return `<section id="attention"><h2>Failing and excepted results (${layout.attention.length})</h2>${body}</section>`;
}

function collapsed(layout: EvidenceLayout): string {
  return `<section id="collapsed"><h2>Other results, one line per rule and outcome (${layout.collapsed.length})</h2>
<p class="note">Hosts and nodes with the same result share a line; the evidence is the first subject’s. The JSON form lists every result of every control.</p>
<table class="results"><colgroup><col class="c-rule"><col class="c-subject"><col class="c-status"><col class="c-where"><col class="c-detail"><col class="c-change"></colgroup><thead><tr><th>Rule</th><th>Subjects</th><th>Status</th><th>Evidence</th><th>Detail</th><th>Last change</th></tr></thead><tbody>
${layout.collapsed.map((l) => resultRow(l, false)).join('\n')}
</tbody></table></section>`;
}

function resultRow(l: ResultLine, full: boolean): string {
  const subjects = subjectList(l, (k) => SUBJECT_KIND_LABELS[k]);
  const exception = l.exception
    ? `<div class="exception">${l.exception.kind === 'inline' ? 'Suppressed' : 'Excepted'} at <code>${escapeMarkup(l.exception.file)}:${l.exception.line}</code>: ${richText(l.exception.justification)}${[
        l.exception.owner && ` · owner ${escapeMarkup(l.exception.owner)}`,
        l.exception.ticket && ` · ticket ${escapeMarkup(l.exception.ticket)}`,
        l.exception.expires && ` · expires ${escapeMarkup(l.exception.expires)}`,
      ]
        .filter(Boolean)
        .join('')}</div>`
    : '';
  const controls = full ? `<div class="controls-list">${escapeMarkup(l.controls.join(', '))}</div>` : '';
  return `<tr data-subject="${escapeMarkup(l.subjects.map((s) => s.name).join('\n'))}" data-status="${l.status}"><td class="rule"><code>${escapeMarkup(l.rule)}</code>${full ? `<br><small>${escapeMarkup(l.ruleTitle)}</small>` : ''}</td><td>${escapeMarkup(subjects)}</td><td><span class="status s-${l.status}">${STATUS_LABELS[l.status]}</span></td><td class="where">${l.evidence.map(loc).join('<br>') || '—'}</td><td>${richText(l.detail)}${exception}${controls}</td><td class="change">${l.evidence.map((e) => change(e)).join('<br>') || '—'}</td></tr>`;
}

function uncovered(report: EvidenceReport): string {
  const items = report.frameworks
    .map((f) => {
      const list = f.controls.filter((c) => c.status === 'not-covered');
      const partial = f.registryComplete ? '' : ` <span class="note">(declint's registry holds the controls its rules map to, not the whole framework)</span>`;
      return `<li data-framework="${escapeMarkup(f.key)}"><strong>${escapeMarkup(f.title)}</strong> (${list.length})${partial}: ${escapeMarkup(list.map((c) => c.id).join(', ') || 'none')}</li>`;
    })
    .join('');
  return `<section id="uncovered" class="uncovered"><h2>Not statically verifiable</h2><p>No declint rule checks these controls; they need other evidence (policies, procedures, records).</p><ul>${items}</ul></section>`;
}

function declared(report: EvidenceReport): string {
  const rows = report.frameworks.flatMap((f) =>
    f.controls.flatMap((c) => [
      ...c.annotations.map(
        (a) =>
          `<tr><td>${escapeMarkup(`${FRAMEWORK_LABELS[f.key] ?? f.key} ${c.id}`)}</td><td><code>${escapeMarkup(a.file)}:${a.line}</code></td><td>“${escapeMarkup(a.comment)}”${a.setting ? ` on <code>${escapeMarkup(a.setting)}</code>` : ''}${a.writtenAs2013 ? ` (written with the 2013 number ${escapeMarkup(a.writtenAs2013)})` : ''}</td></tr>`,
      ),
      ...(c.commits.length ? [`<tr><td>${escapeMarkup(`${FRAMEWORK_LABELS[f.key] ?? f.key} ${c.id}`)}</td><td>commits</td><td>${c.commits.map((k) => `<code>${escapeMarkup(shortHash(k.hash))}</code>`).join(', ')}</td></tr>`] : []),
    ]),
  );
  if (rows.length === 0) return '';
  return `<section id="declared"><h2>Declared by the team</h2><p class="note">Comments and commit messages that name a control.</p><table><thead><tr><th>Control</th><th>Where</th><th>What</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function configuration(report: EvidenceReport): string {
  const c = report.configuration;
  const frameworks = c.frameworks.map((f) => `${escapeMarkup(f.title)}${Object.keys(f.variant).length ? ` (${escapeMarkup(Object.entries(f.variant).map(([k, v]) => `${k} ${v}`).join(', '))})` : ''}`).join('; ');
  const list: [string, string][] = [
    ['Source', `<code>${escapeMarkup(c.source)}</code>`],
    ['Frameworks', frameworks],
    ['Level and mode', `${escapeMarkup(c.level)}, ${escapeMarkup(c.mode)}`],
    ['Host types', escapeMarkup(Object.entries(c.hostTypes).map(([h, t]) => `${h} ${t}`).join(', ') || 'none set (every rule runs on every host)')],
    ['Rules switched off or changed', escapeMarkup(Object.entries(c.ruleOverrides).map(([r, s]) => `${r} ${s}`).join(', ') || 'none')],
    ['Tags excluded, paths ignored', `${escapeMarkup(c.excludeTags.join(', ') || 'none')}; ${escapeMarkup(c.ignore.join(', ') || 'none')}`],
  ];
  const exceptions =
    c.exceptions.length === 0
      ? '<p>No exception is configured.</p>'
      : table(
          ['Rule', 'Scope', 'Rationale', 'Owner', 'Ticket', 'Expires', 'Where'],
          c.exceptions.map((e) => [
            `<code>${escapeMarkup(e.rule)}</code>`,
            escapeMarkup([e.hosts && `hosts ${e.hosts.join(', ')}`, e.paths && `paths ${e.paths.join(', ')}`].filter(Boolean).join('; ') || 'everywhere'),
            richText(e.rationale),
            escapeMarkup(e.owner ?? '—'),
            escapeMarkup(e.ticket ?? '—'),
            e.expires ? `${escapeMarkup(e.expires)}${e.expired ? ' <strong class="bad">(expired: no longer applied)</strong>' : ''}` : 'never',
            `<code>${escapeMarkup(e.file)}:${e.line}</code>`,
          ]),
        );
  return `<section id="configuration"><h2>Configuration in force</h2><dl class="meta">${list.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl><h3>Exceptions (${c.exceptions.length})</h3>${exceptions}</section>`;
}

function inventory(report: EvidenceReport): string {
  const { hosts, talosNodes, inputs } = report.inventory;
  const hostBlocks =
    hosts.length === 0
      ? '<p>No NixOS hosts found.</p>'
      : hosts
          .map((h) => {
            const rows: [string, string][] = [
              ['Root', `${loc(h.root)}; ${h.modules} module files read`],
              ['NixOS release', `${escapeMarkup(h.release ?? 'not known (no flake.lock)')}${h.stateVersion ? `; system.stateVersion ${escapeMarkup(h.stateVersion)}` : ''}`],
              ['Packages', escapeMarkup(h.packages.join(', ') || 'none read')],
              ['Services enabled', escapeMarkup(h.services.join(', ') || 'none read')],
              ['Open ports', escapeMarkup(openPorts(h))],
              ['Users', escapeMarkup(h.users.map((u) => `${u.name}${u.groups.length ? ` (${u.groups.join(', ')})` : ''}`).join(', ') || 'none read')],
              ...(h.unread.length ? ([['Modules not read', h.unread.map((u) => `<code>${escapeMarkup(u.module)}</code> (${escapeMarkup(u.reason)}; imported by <code>${escapeMarkup(u.importedBy)}</code>)`).join('<br>')]] as [string, string][]) : []),
            ];
            return `<section class="host" data-subject="${escapeMarkup(h.name)}"><h4>${escapeMarkup(h.name)}</h4><dl class="meta">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl></section>`;
          })
          .join('');
  const nodeTable =
    talosNodes.length === 0
      ? '<p>No complete Talos machine configs found.</p>'
      : table(
          ['Node', 'Type', 'Talos version', 'Installer image', 'Extensions', 'Config', 'Last change'],
          talosNodes.map((n) => [escapeMarkup(n.name), escapeMarkup(n.type ?? '—'), escapeMarkup(n.talosVersion ?? '—'), `<code>${escapeMarkup(n.installImage ?? '—')}</code>`, escapeMarkup(n.extensions?.join(', ') || '—'), `<code>${escapeMarkup(n.file)}:${n.line}</code>`, n.change ? commitRef(n.change) : '—']),
        );
  const inputTable =
    inputs.length === 0
      ? '<p>No flake.lock found.</p>'
      : `<p class="note">The same inputs as a CycloneDX SBOM: <code>declint sbom</code> or <code>declint report --format cyclonedx</code>.</p>${table(
          ['Input', 'Type', 'Source', 'Revision', 'Date', 'Lock file'],
          inputs.map((i) => [escapeMarkup(i.name), escapeMarkup(i.type), escapeMarkup(i.source || '—'), i.rev ? `<code>${escapeMarkup(shortHash(i.rev))}</code>` : '—', escapeMarkup(i.date ?? '—'), `<code>${escapeMarkup(i.lockFile)}:${i.line}</code>`]),
        )}`;
  return `<section id="inventory"><h2>Inventory</h2>
<h3>NixOS hosts</h3>${hostBlocks}
<h3>Talos nodes</h3>${nodeTable}
<h3>Pinned inputs (flake.lock)</h3>${inputTable}</section>`;
}

function changeLog(report: EvidenceReport): string {
  const p = report.period;
  if (!p) return '';
  const head = `<h2>Change log, ${escapeMarkup(p.since)} to ${escapeMarkup(p.until)} (${p.commits.length} commits)</h2>`;
  if (p.commits.length === 0) return `<section id="change-log">${head}<p>${report.git.available ? 'No commit changed the scanned files in this period.' : `No change evidence: ${escapeMarkup(report.git.note)}.`}</p></section>`;
  const byControl = report.frameworks.flatMap((f) => f.controls.filter((c) => c.periodChanges?.length).map((c) => [escapeMarkup(`${FRAMEWORK_LABELS[f.key] ?? f.key} ${c.id}`), c.periodChanges!.map((h) => `<a href="#p-${escapeMarkup(h)}"><code>${escapeMarkup(shortHash(h))}</code></a>`).join(', ')]));
  return `<section id="change-log">${head}<p class="note">Every commit that changed a scanned file in the period; evidence lines whose last change falls in it are marked ◆.</p>
<table class="changes"><thead><tr><th>Commit</th><th>Date</th><th>Author</th><th>Subject</th><th>Files</th><th>Controls named</th></tr></thead><tbody>${p.commits
    .map((c) => `<tr id="p-${escapeMarkup(c.hash)}"><td><code>${escapeMarkup(shortHash(c.hash))}</code></td><td>${escapeMarkup(c.date)}</td><td>${escapeMarkup(c.author)}</td><td>${escapeMarkup(c.subject)}</td><td>${escapeMarkup(c.files.join(', '))}</td><td>${escapeMarkup(c.controls.join(', ') || '—')}</td></tr>`)
    .join('')}</tbody></table><h3>By control</h3>${table(['Control', 'Commits in the period'], byControl)}</section>`;
}

function commitIndex(layout: EvidenceLayout): string {
  if (layout.commits.length === 0) return '';
  return `<section id="commits"><h2>Commits referenced</h2><p class="note">Each evidence line’s last change, once: the tables above give only the short hash.</p><table><thead><tr><th>Commit</th><th>Date</th><th>Author</th><th>Subject</th></tr></thead><tbody>${layout.commits
    .map((c) => `<tr id="c-${escapeMarkup(c.hash)}"><td><code>${escapeMarkup(shortHash(c.hash))}</code></td><td>${escapeMarkup(c.date)}</td><td>${escapeMarkup(c.author)}</td><td>${escapeMarkup(c.subject)}</td></tr>`)
    .join('')}</tbody></table></section>`;
}

function annotationProblems(report: EvidenceReport): string {
  const body =
    report.annotationProblems.length === 0
      ? '<p>Every control ID named in a comment exists in its framework.</p>'
      : table(
          ['Location', 'Written', 'Problem'],
          report.annotationProblems.map((p) => [`<code>${escapeMarkup(p.file)}:${p.line}</code>`, escapeMarkup(p.written), escapeMarkup(p.message)]),
        );
  return `<section id="annotations"><h2>Control annotations to review</h2>${body}</section>`;
}

function limitations(report: EvidenceReport): string {
  const body =
    report.limitations.length === 0
      ? '<p>Every file parsed and every host was evaluated.</p>'
      : `<ul>${report.limitations.map((l) => `<li>${l.file ? `<code>${escapeMarkup(l.file)}${l.line ? `:${l.line}` : ''}</code>: ` : ''}${richText(l.message)}</li>`).join('')}</ul>`;
  // One subsection per kind of limitation: the coverage of hosts declint could not resolve belongs here too.
  return `<section id="limitations"><h2>Limitations</h2><section id="not-analysed"><h3>Files and hosts not analysed</h3>${body}</section>${coverageHtml(report.coverage)}</section>`;
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${escapeMarkup(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** Escaped text whose Markdown code spans (`x`) become code elements, so no backtick shows raw. */
function richText(text: string): string {
  return escapeMarkup(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function loc(l: EvidenceLocation): string {
  const text = `<code>${escapeMarkup(l.file)}:${l.line}:${l.column}</code>`;
  return l.url ? htmlLink(l.url, text) : text;
}

function commitRef(c: Commit): string {
  return `<a href="#c-${escapeMarkup(c.hash)}"><code>${escapeMarkup(shortHash(c.hash))}</code></a>`;
}

/** The last change as a reference into the commit index, ◆ when it falls in the audit period. */
function change(l: EvidenceLocation): string {
  return l.change ? `${commitRef(l.change)} ${escapeMarkup(l.change.date)}${l.changedInPeriod ? ' <span class="in-period" title="changed in the audit period">◆</span>' : ''}` : '—';
}

const STYLE = `
:root { --fail: #b42318; --pass: #067647; --warn: #b54708; --muted: #475467; --line: #d0d5dd; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #101828; }
body { margin: 0 auto; max-width: 1200px; padding: 1.5rem; line-height: 1.4; }
h1 { margin: 0 0 .5rem; font-size: 1.6rem; } h2 { margin-top: 1.6rem; border-bottom: 2px solid var(--line); padding-bottom: .2rem; font-size: 1.3rem; } h3 { margin-bottom: .4rem; font-size: 1.05rem; } h4 { margin: .8rem 0 .2rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: 0; } dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.filters { position: sticky; top: 0; background: #f9fafb; border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; margin: 1rem 0; display: flex; gap: 1rem; flex-wrap: wrap; align-items: center; z-index: 1; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 .8rem; font-size: .85rem; } th, td { border: 1px solid var(--line); padding: .2rem .4rem; text-align: left; vertical-align: top; } thead th { background: #f2f4f7; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85em; overflow-wrap: anywhere; }
table.results { table-layout: fixed; } table.results td { overflow-wrap: anywhere; } table.results col.c-rule { width: 12%; } table.results col.c-subject { width: 13%; } table.results col.c-status { width: 9%; } table.results col.c-where { width: 20%; } table.results col.c-change { width: 12%; }
table.signoff td.sign { width: 25%; height: 2.2rem; } .controls-list { color: var(--muted); font-size: .75rem; margin-top: .2rem; }
td.change { font-size: .75rem; } .in-period { color: var(--warn); font-weight: 700; } td.rules, .id { font-family: ui-monospace, monospace; font-size: .8rem; }
.status { display: inline-block; border-radius: 999px; padding: 0 .5rem; font-size: .75rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.s-fail { color: var(--fail); } .s-pass { color: var(--pass); } .s-excepted, .s-not-evaluated { color: var(--warn); } .s-not-applicable, .s-no-subjects, .s-not-covered { color: var(--muted); }
.bad { color: var(--fail); } .exception { color: var(--warn); font-size: .8rem; margin-top: .2rem; } .note { color: var(--muted); }
a { color: #1849a9; } [hidden] { display: none !important; }
@media print { @page { size: A4; margin: 12mm; } .filters { display: none; } body { max-width: none; padding: 0; font-size: 10pt; } table { font-size: 8pt; } tr { break-inside: avoid; } h2, h3 { break-after: avoid; } a { color: inherit; text-decoration: none; } }
`;

/** Filtering: hides rows and sections that do not match; counts the result lines shown. */
const SCRIPT = `
(function () {
  var fw = document.getElementById('f-framework'), su = document.getElementById('f-subject'), st = document.getElementById('f-status'), count = document.getElementById('f-count');
  function apply() {
    var f = fw.value, s = su.value, t = st.value, shown = 0;
    document.querySelectorAll('[data-framework]').forEach(function (el) { el.hidden = f !== '' && el.getAttribute('data-framework') !== f; });
    document.querySelectorAll('tr[data-status]').forEach(function (tr) {
      var subjects = tr.hasAttribute('data-subject') ? tr.getAttribute('data-subject').split('\\n') : null;
      var ok = (s === '' || subjects === null || subjects.indexOf(s) >= 0) && (t === '' || tr.getAttribute('data-status') === t);
      tr.hidden = !ok;
      if (ok && subjects !== null) shown++;
    });
    document.querySelectorAll('section.host').forEach(function (h) { h.hidden = s !== '' && h.getAttribute('data-subject') !== s; });
    count.textContent = shown + ' result lines shown';
  }
  [fw, su, st].forEach(function (el) { el.addEventListener('change', apply); });
  apply();
})();
`;

/** A link to a web address around already escaped content; any other target (`javascript:`) leaves the content unlinked. */
function htmlLink(url: string, content: string): string {
  return isWebUrl(url) ? `<a href="${escapeMarkup(url)}">${content}</a>` : content;
}
