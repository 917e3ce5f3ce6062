import type { ControlReport, ControlResult, EvidenceLocation, EvidenceReport, FrameworkReport } from '../compliance/evidence-report';
import type { Commit } from '../compliance/git-history';
import { escapeMarkup } from './markup';
import { STATUS_LABELS, SUBJECT_KIND_LABELS, shortHash } from './evidence-labels';

/**
 * The compliance evidence report as one self-contained HTML file: inline
 * style and script, no external asset, no network. Filters by framework,
 * host or node, and status; prints with every section expanded.
 */
export function formatEvidenceHtml(report: EvidenceReport): string {
  const subjects = [...new Set(report.frameworks.flatMap((f) => f.summary.bySubject.map((s) => s.subject)))].sort();
  const statuses = ['fail', 'excepted', 'not-evaluated', 'pass', 'not-applicable'] as const;
  const body = [
    `<header><h1>Compliance evidence report</h1>${headerList(report)}</header>`,
    `<nav class="filters" aria-label="Filters">
<label>Framework <select id="f-framework"><option value="">all</option>${report.frameworks.map((f) => `<option value="${escapeMarkup(f.key)}">${escapeMarkup(f.title)}</option>`).join('')}</select></label>
<label>Host or node <select id="f-subject"><option value="">all</option>${subjects.map((s) => `<option value="${escapeMarkup(s)}">${escapeMarkup(s)}</option>`).join('')}</select></label>
<label>Status <select id="f-status"><option value="">all</option>${statuses.map((s) => `<option value="${s}">${STATUS_LABELS[s]}</option>`).join('')}</select></label>
<span id="f-count" role="status"></span>
</nav>`,
    summary(report),
    inventory(report),
    ...report.frameworks.map(framework),
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

function headerList(report: EvidenceReport): string {
  const items = [
    `<dt>Tool</dt><dd>declint ${escapeMarkup(report.tool.version)}${report.generatedAt ? `, generated <time>${escapeMarkup(report.generatedAt)}</time>` : ''}</dd>`,
    `<dt>Scope</dt><dd>${escapeMarkup(report.scope.paths.join(', '))} (${report.scope.filesScanned} files, ${report.scope.rules} rules)</dd>`,
    `<dt>Frameworks</dt><dd>${escapeMarkup(report.frameworks.map((f) => f.title).join('; '))}</dd>`,
    report.git.available
      ? `<dt>Git</dt><dd>HEAD <code>${escapeMarkup(shortHash(report.git.head.hash))}</code> (${escapeMarkup(report.git.head.date)}, ${escapeMarkup(report.git.head.subject)}); each evidence line shows the last commit that changed it</dd>`
      : `<dt>Git</dt><dd>No change evidence: ${escapeMarkup(report.git.note)}</dd>`,
  ];
  return `<dl class="meta">${items.join('')}</dl>`;
}

function summary(report: EvidenceReport): string {
  const rows = report.frameworks
    .map((f) => {
      const s = f.summary.byStatus;
      return `<tr data-framework="${escapeMarkup(f.key)}"><th scope="row">${escapeMarkup(f.title)}</th>${[f.summary.controls, f.summary.covered, s.fail, s.excepted, s['not-evaluated'], s.pass, s['not-applicable'], s['no-subjects'], s['not-covered']].map((n) => `<td>${n}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const perSubject = report.frameworks
    .filter((f) => f.summary.bySubject.length > 0)
    .map(
      (f) => `<section class="by-subject" data-framework="${escapeMarkup(f.key)}"><h3>${escapeMarkup(f.title)}: results by host and node</h3>
<table><thead><tr><th>Subject</th><th>Kind</th><th>Pass</th><th>Fail</th><th>Excepted</th><th>Not evaluated</th><th>Not applicable</th></tr></thead><tbody>
${f.summary.bySubject
  .map((s) => {
    const c = s.counts;
    return `<tr data-subject="${escapeMarkup(s.subject)}"><th scope="row">${escapeMarkup(s.subject)}</th><td>${SUBJECT_KIND_LABELS[s.kind]}</td><td>${c.pass}</td><td class="${c.fail ? 'bad' : ''}">${c.fail}</td><td>${c.excepted}</td><td>${c['not-evaluated']}</td><td>${c['not-applicable']}</td></tr>`;
  })
  .join('\n')}
</tbody></table></section>`,
    )
    .join('\n');
  return `<section id="summary"><h2>Summary</h2>
<table><thead><tr><th>Framework</th><th>Controls</th><th>Checked by rules</th><th>Fail</th><th>Excepted</th><th>Not evaluated</th><th>Pass</th><th>Not applicable</th><th>No host or node in scope</th><th>Not statically verifiable</th></tr></thead>
<tbody>${rows}</tbody></table>
${perSubject}</section>`;
}

function inventory(report: EvidenceReport): string {
  const { hosts, talosNodes, inputs } = report.inventory;
  const hostTable =
    hosts.length === 0
      ? '<p>No NixOS hosts found.</p>'
      : table(
          ['Host', 'Root', 'Module files', 'Modules not read (flake inputs, modulesPath)'],
          hosts.map((h) => [escapeMarkup(h.name), loc(h.root), String(h.modules), escapeMarkup(h.unreadModules.join(', ') || '—')]),
        );
  const nodeTable =
    talosNodes.length === 0
      ? '<p>No complete Talos machine configs found.</p>'
      : table(
          ['Node', 'Type', 'Talos version', 'Config', 'Last change'],
          talosNodes.map((n) => [escapeMarkup(n.name), escapeMarkup(n.type ?? '—'), escapeMarkup(n.talosVersion ?? '—'), `<code>${escapeMarkup(n.file)}:${n.line}</code>`, commit(n.change)]),
        );
  const inputTable =
    inputs.length === 0
      ? '<p>No flake.lock found.</p>'
      : table(
          ['Input', 'Type', 'Source', 'Revision', 'Date', 'Lock file'],
          inputs.map((i) => [escapeMarkup(i.name), escapeMarkup(i.type), escapeMarkup(i.source || '—'), i.rev ? `<code>${escapeMarkup(shortHash(i.rev))}</code>` : '—', escapeMarkup(i.date ?? '—'), `<code>${escapeMarkup(i.lockFile)}:${i.line}</code>`]),
        );
  return `<section id="inventory"><h2>Inventory</h2>
<h3>NixOS hosts</h3>${hostTable}
<h3>Talos nodes</h3>${nodeTable}
<h3>Pinned inputs (flake.lock)</h3>${inputTable}</section>`;
}

function framework(f: FrameworkReport): string {
  const verifiable = f.controls.filter((c) => c.status !== 'not-covered');
  const uncovered = f.controls.filter((c) => c.status === 'not-covered');
  const partial = f.registryComplete
    ? ''
    : `<p class="note">declint's registry holds the ${escapeMarkup(f.title)} controls its rules map to, not the whole framework: controls outside it are not listed.</p>`;
  const list =
    uncovered.length === 0
      ? '<p>Every control of the registry is checked by at least one rule.</p>'
      : `<p>No declint rule checks these controls; they need other evidence (policies, procedures, records).</p><ul>${uncovered
          .map((c) => {
            const extra = [...c.annotations.map((a) => `declared at ${a.file}:${a.line}`), ...c.commits.map((k) => `commit ${shortHash(k.hash)}`)]; // escaped below
            return `<li><strong>${escapeMarkup(c.id)}</strong> ${escapeMarkup(c.title)}${extra.length ? ` (${escapeMarkup(extra.join('; '))})` : ''}</li>`;
          })
          .join('')}</ul>`;
  return `<section class="framework" data-framework="${escapeMarkup(f.key)}" id="fw-${escapeMarkup(f.key)}"><h2>${escapeMarkup(f.title)}</h2>
<p>Reference: <a href="${escapeMarkup(f.url)}">${escapeMarkup(f.url)}</a></p>${partial}
${verifiable.map(control).join('\n')}
<section class="uncovered" data-status="not-covered"><h3>Not statically verifiable (${uncovered.length})</h3>${list}</section></section>`;
}

function control(c: ControlReport): string {
  const results =
    c.results.length === 0
      ? '<p>No host, Talos node or flake.lock in scope for these rules.</p>'
      : `<table class="results"><colgroup><col class="c-subject"><col class="c-rule"><col class="c-status"><col class="c-where"><col class="c-detail"><col class="c-change"></colgroup><thead><tr><th>Subject</th><th>Rule</th><th>Status</th><th>Evidence</th><th>Detail</th><th>Last change</th></tr></thead><tbody>
${c.results.map(result).join('\n')}
</tbody></table>`;
  const declared =
    c.annotations.length === 0
      ? ''
      : `<h4>Declared by the team</h4><ul class="declared">${c.annotations
          .map((a) => {
            const setting = a.setting ? ` on <code>${escapeMarkup(a.setting)}</code> (line ${a.settingLine})` : '';
            const old = a.writtenAs2013 ? ` (written with the 2013 number ${escapeMarkup(a.writtenAs2013)})` : '';
            return `<li><code>${escapeMarkup(a.file)}:${a.line}</code>: “${escapeMarkup(a.comment)}”${setting}${old}</li>`;
          })
          .join('')}</ul>`;
  const commits = c.commits.length === 0 ? '' : `<h4>Commits naming this control</h4><ul>${c.commits.map((k) => `<li>${commit(k)}</li>`).join('')}</ul>`;
  return `<details class="control" open data-status="${c.status}"><summary><span class="id">${escapeMarkup(c.id)}</span> ${escapeMarkup(c.title)} <span class="status s-${c.status}">${STATUS_LABELS[c.status]}</span></summary>
<p class="rules">Rules: ${c.rules.map((r) => `<code>${escapeMarkup(r.id)}</code> ${escapeMarkup(r.title)}`).join('; ')}</p>
${results}${declared}${commits}</details>`;
}

function result(r: ControlResult): string {
  const kind = r.subjectKind === 'host' ? '' : ` <small>(${SUBJECT_KIND_LABELS[r.subjectKind]})</small>`;
  const exception = r.exception
    ? `<div class="exception">${r.exception.kind === 'inline' ? 'Suppressed' : 'Excepted'} at <code>${escapeMarkup(r.exception.file)}:${r.exception.line}</code>: ${escapeMarkup(r.exception.justification)}${[
        r.exception.owner && ` · owner ${escapeMarkup(r.exception.owner)}`,
        r.exception.ticket && ` · ticket ${escapeMarkup(r.exception.ticket)}`,
        r.exception.expires && ` · expires ${escapeMarkup(r.exception.expires)}`,
      ]
        .filter(Boolean)
        .join('')}</div>`
    : '';
  const text = r.finding ? r.finding.message : r.reason;
  return `<tr data-subject="${escapeMarkup(r.subject)}" data-status="${r.status}"><td>${escapeMarkup(r.subject)}${kind}</td><td class="rule"><code>${escapeMarkup(r.rule)}</code></td><td><span class="status s-${r.status}">${STATUS_LABELS[r.status]}</span></td><td class="where">${r.evidence ? loc(r.evidence) : '—'}</td><td>${escapeMarkup(text)}${exception}</td><td class="change">${commit(r.evidence?.change)}</td></tr>`;
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
      : `<ul>${report.limitations.map((l) => `<li>${l.file ? `<code>${escapeMarkup(l.file)}${l.line ? `:${l.line}` : ''}</code>: ` : ''}${escapeMarkup(l.message)}</li>`).join('')}</ul>`;
  return `<section id="limitations"><h2>Limitations</h2>${body}</section>`;
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${escapeMarkup(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function loc(l: EvidenceLocation): string {
  return `<code>${escapeMarkup(l.file)}:${l.line}:${l.column}</code>`;
}

function commit(c: Commit | undefined): string {
  return c ? `<code>${escapeMarkup(shortHash(c.hash))}</code> ${escapeMarkup(c.date)} ${escapeMarkup(c.author)}<br><small>${escapeMarkup(c.subject)}</small>` : '—';
}

const STYLE = `
:root { --fail: #b42318; --pass: #067647; --warn: #b54708; --muted: #475467; --line: #d0d5dd; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #101828; }
body { margin: 0 auto; max-width: 1200px; padding: 1.5rem; line-height: 1.45; }
h1 { margin: 0 0 .5rem; font-size: 1.6rem; } h2 { margin-top: 2rem; border-bottom: 2px solid var(--line); padding-bottom: .25rem; } h3 { margin-bottom: .4rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; } dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; }
.filters { position: sticky; top: 0; background: #f9fafb; border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; margin: 1rem 0; display: flex; gap: 1rem; flex-wrap: wrap; align-items: center; z-index: 1; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .9rem; } th, td { border: 1px solid var(--line); padding: .3rem .45rem; text-align: left; vertical-align: top; } thead th { background: #f2f4f7; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85em; overflow-wrap: anywhere; }
table.results { table-layout: fixed; } table.results td { overflow-wrap: anywhere; } table.results col.c-subject { width: 11%; } table.results col.c-rule { width: 9%; } table.results col.c-status { width: 11%; } table.results col.c-where { width: 16.5%; } table.results col.c-change { width: 15%; }
td.rule { white-space: nowrap; } td.change { font-size: .8rem; } td.change small { color: var(--muted); display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
details.control { border: 1px solid var(--line); border-radius: 6px; padding: .4rem .75rem; margin: .6rem 0; } details.control > summary { cursor: pointer; font-weight: 600; }
.id { font-family: ui-monospace, monospace; } .rules { color: var(--muted); font-size: .9rem; }
.status { display: inline-block; border-radius: 999px; padding: 0 .55rem; font-size: .8rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.s-fail { color: var(--fail); } .s-pass { color: var(--pass); } .s-excepted, .s-not-evaluated { color: var(--warn); } .s-not-applicable, .s-no-subjects, .s-not-covered { color: var(--muted); }
td.bad { color: var(--fail); font-weight: 600; } .exception { color: var(--warn); font-size: .85rem; margin-top: .2rem; } .note { color: var(--muted); }
[hidden] { display: none !important; }
@media print { .filters { display: none; } details.control { break-inside: avoid; } body { max-width: none; padding: 0; } a { color: inherit; } }
`;

/** Filtering: hides rows, controls and frameworks that do not match; counts what is shown. */
const SCRIPT = `
(function () {
  var fw = document.getElementById('f-framework'), su = document.getElementById('f-subject'), st = document.getElementById('f-status'), count = document.getElementById('f-count');
  function apply() {
    var f = fw.value, s = su.value, t = st.value, shown = 0;
    document.querySelectorAll('[data-framework]').forEach(function (el) { el.hidden = f !== '' && el.getAttribute('data-framework') !== f; });
    document.querySelectorAll('tr[data-subject]').forEach(function (tr) {
      var ok = (s === '' || tr.getAttribute('data-subject') === s) && (t === '' || !tr.hasAttribute('data-status') || tr.getAttribute('data-status') === t);
      tr.hidden = !ok;
    });
    document.querySelectorAll('details.control').forEach(function (d) {
      var rows = d.querySelectorAll('tr[data-subject]'), any = false;
      rows.forEach(function (tr) { if (!tr.hidden) any = true; });
      d.hidden = (s !== '' || t !== '') && !any;
      if (!d.hidden && !d.closest('[hidden]')) shown++;
    });
    document.querySelectorAll('section.uncovered').forEach(function (u) { u.hidden = s !== '' || (t !== '' && t !== 'not-covered'); });
    count.textContent = shown + ' controls shown';
  }
  [fw, su, st].forEach(function (el) { el.addEventListener('change', apply); });
  window.addEventListener('beforeprint', function () { document.querySelectorAll('details').forEach(function (d) { d.open = true; }); });
  apply();
})();
`;
