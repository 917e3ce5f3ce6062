import type { Framework } from '../controls/registry';
import { coverageReport, CoverageReport, emptyCoverage } from '../coverage/coverage';
import { Finding, PARSE_ERROR_RULE_ID } from '../findings/finding';
import type { Judgement } from '../findings/judgement';
import type { TreeAnalysis } from '../pipeline/check';
import type { Rule } from '../rules/rule';
import type { ControlAnnotation } from './annotations';
import type { EvidenceSources, LockModel, TalosModel } from './sources';
import { checkMention, ControlIndex, findControlMentions } from './control-mentions';
import type { ChangedCommit, Commit, GitHistory } from './git-history';
import { createHash } from 'crypto';
import { Config, DEFAULT_CONFIG } from '../config/config';
import { HostInventory, hostInventory } from './inventory';
import { judgeTalosView } from '../rules/check-talos';
import { fileView, TalosView } from '../talos/views';
import { judgeFlakeFile, judgeLockFile, PinnedInput, pinnedInputs, TalosNode, talosNode } from './subjects';
import { compareText } from '../source/compare-text';

/**
 * The compliance evidence report: per framework and control, what each rule
 * concluded on each host, Talos node and lock file, with the evidence (the
 * defining line and the commit that last changed it), the team's own control
 * annotations, and the controls no rule can check. Built from one analysis of
 * the tree and what `readEvidenceSources` read from its files, with git as an
 * injected reader; the same tree gives the same report (no timestamp unless asked).
 */
export const EVIDENCE_REPORT_VERSION = 1;

export type ResultStatus = 'pass' | 'fail' | 'excepted' | 'not-evaluated' | 'not-applicable';
/** A control's status: the worst of its results, or `not-covered` when no rule maps to it (not statically verifiable). */
export type ControlStatus = ResultStatus | 'no-subjects' | 'not-covered';

export interface EvidenceLocation {
  file: string;
  line: number;
  column: number;
  /** The last commit that changed this line (absent without git, or for uncommitted lines). */
  change?: Commit;
  /** Set when that commit falls inside the audit period. */
  changedInPeriod?: true;
  /** A permalink to the line at the reported commit, when the repository's web address is known. */
  url?: string;
}

export interface ControlResult {
  rule: string;
  subject: string;
  subjectKind: Judgement['subjectKind'];
  status: ResultStatus;
  reason: string;
  evidence?: EvidenceLocation;
  finding?: { severity: Finding['severity']; message: string };
  exception?: { kind: 'inline' | 'exception' | 'baseline'; justification: string; file: string; line: number; owner?: string; ticket?: string; expires?: string };
}

export interface DeclaredEvidence {
  file: string;
  line: number;
  comment: string;
  written: string;
  /** The code the comment annotates. */
  setting?: string;
  settingLine?: number;
  /** Set when the annotation names the control in the superseded ISO/IEC 27001:2013 numbering. */
  writtenAs2013?: string;
}

export interface ControlReport {
  id: string;
  title: string;
  status: ControlStatus;
  rules: { id: string; title: string }[];
  results: ControlResult[];
  annotations: DeclaredEvidence[];
  /** Commits whose message names the control. */
  commits: Commit[];
  /** With an audit period: the hashes of its commits that name the control or change a file holding its evidence. */
  periodChanges?: string[];
}

export interface SubjectSummary {
  subject: string;
  kind: Judgement['subjectKind'];
  counts: Record<ResultStatus, number>;
}

export interface FrameworkReport {
  key: string;
  title: string;
  /** Where the framework is published (a team's own framework may have none). */
  url?: string;
  /** Whether declint's registry holds every control of the framework (else only those its rules map to). */
  registryComplete: boolean;
  summary: {
    controls: number;
    /** Controls at least one rule checks. */
    covered: number;
    byStatus: Record<ControlStatus, number>;
    bySubject: SubjectSummary[];
  };
  controls: ControlReport[];
}

export interface AnnotationProblem {
  file: string;
  line: number;
  column: number;
  framework: string;
  written: string;
  status: 'unknown' | 'superseded' | 'unverified';
  /** What to write instead (the 2022 equivalent of a 2013 ID). */
  replacement?: string[];
  message: string;
}

/** Document control: who the report is for and by, and what produced it (`.declint.yaml` `report:`). */
export interface DocumentControl {
  organisation?: string;
  system?: string;
  scope?: string;
  preparer?: string;
  reviewer?: string;
  /** SHA-256 of the rules that ran (their definitions, sorted by ID): the same hash, the same checks. */
  ruleSetHash: string;
  /** The repository's web address evidence links point into. */
  repository?: string;
}

/** What was checked and what was excluded, as configured: an auditor must see both. */
export interface ConfigurationInForce {
  /** The config file, or `(defaults)`. */
  source: string;
  frameworks: { key: string; title: string; variant: Record<string, string> }[];
  level: string;
  mode: 'enforce' | 'report';
  hostTypes: Record<string, string>;
  /** Rules switched off or given another severity. */
  ruleOverrides: Record<string, string>;
  excludeTags: string[];
  ignore: string[];
  exceptions: { rule: string; rationale: string; hosts?: string[]; paths?: string[]; owner?: string; ticket?: string; expires?: string; expired: boolean; file: string; line: number }[];
}

/** A commit of the audit period that changed scanned files, with the controls its message names. */
export interface PeriodCommit extends Commit {
  files: string[];
  /** `framework:id` of each control the message names (2013 ISO numbers given as their 2022 equivalents). */
  controls: string[];
}

export interface EvidenceReport {
  reportVersion: number;
  tool: { name: 'declint'; version: string };
  /** The pipeline's reference date (now, or `SOURCE_DATE_EPOCH` / `--now`), ISO 8601 to the second. */
  generatedAt: string;
  document: DocumentControl;
  configuration: ConfigurationInForce;
  /** `report --since --until`: the change log of the scanned configuration in that period (author dates, both days included). */
  period?: { since: string; until: string; commits: PeriodCommit[] };
  scope: { paths: string[]; filesScanned: number; rules: number; frameworks: string[] };
  git: { available: true; head: Commit } | { available: false; note: string };
  inventory: {
    hosts: ({ name: string; root: EvidenceLocation; modules: number; unreadModules: string[]; unread: { module: string; reason: string; importedBy: string }[] } & HostInventory)[];
    talosNodes: (TalosNode & { change?: Commit })[];
    inputs: PinnedInput[];
  };
  frameworks: FrameworkReport[];
  annotationProblems: AnnotationProblem[];
  /** What the analysis could not do: files that do not parse, hosts that could not be evaluated. */
  limitations: { file?: string; line?: number; message: string }[];
  /** The hosts and nodes in scope, evaluated or not, and the sources that produced none. */
  coverage: CoverageReport;
}

export interface EvidenceInput {
  /** `.declint.yaml` in force (its `report:` section is the document control); the defaults when there is none. */
  config?: Config;
  /** The audit period, `YYYY-MM-DD` both. */
  period?: { since: string; until: string };
  /** The repository's web address (`--repo-url`, `report.repoUrl`), else read from git's remote. */
  repoUrl?: string;
  analysis: TreeAnalysis;
  /** The Talos and lock models and the control annotations, read from the scanned files (see sources.ts). */
  sources: EvidenceSources;
  paths: string[];
  frameworks: Framework[];
  index: ControlIndex;
  git: GitHistory | { unavailable: string };
  /** "Today", for the rules that judge ages (as in the check), and the report's generation date. */
  now: Date;
}

const STATUS_ORDER: ControlStatus[] = ['fail', 'excepted', 'not-evaluated', 'pass', 'not-applicable', 'no-subjects', 'not-covered'];

export function buildEvidenceReport(input: EvidenceInput): EvidenceReport {
  const { analysis } = input;
  const { result } = analysis;
  const git = 'unavailable' in input.git ? undefined : input.git;
  const change = (file: string, line: number) => git?.lastChange(file, line);
  const repository = input.repoUrl ?? input.config?.report?.repoUrl ?? git?.webUrl();
  const link = repository && git ? permalink(repository, git.head.hash, git.prefix) : undefined;
  const inPeriod = (c: Commit) => input.period !== undefined && c.date >= input.period.since && c.date <= input.period.until;
  const located = (file: string, line: number, column: number): EvidenceLocation => {
    const c = change(file, line);
    return { file, line, column, ...(c ? { change: c } : {}), ...(c && inPeriod(c) ? { changedInPeriod: true as const } : {}), ...(link ? { url: link(file, line) } : {}) };
  };

  const { models, annotations } = input.sources;
  const nodes = talosNodeViews(analysis, models);
  const judgements = [...analysis.hosts.judgements, ...otherSubjects(nodes, models, flakeFiles(analysis), result.rules, result.findings, input.now)];
  const findingState = indexFindings(result.findings);
  const results = judgements.map((j) => controlResult(j, findingState, located));
  // Findings no subject accounts for: a module no host imports, a Talos patch on its own.
  const judgedFindings = new Set(judgements.filter((j) => j.finding).map((j) => findingKey(j.finding!)));
  for (const f of result.findings) {
    if (f.hosts || judgedFindings.has(findingKey(f)) || !result.rules.some((r) => r.id === f.ruleId)) continue;
    const { start } = f.location.range;
    results.push({
      rule: f.ruleId,
      subject: f.location.file,
      subjectKind: 'file',
      status: f.suppressed ? 'excepted' : 'fail',
      reason: f.message.replace(/\.$/, ''),
      evidence: located(f.location.file, start.line, start.column),
      finding: { severity: f.severity, message: f.message },
      ...exceptionOf(f),
    });
  }
  results.sort(compareResults);

  const commits = git ? git.commits() : [];
  const commitMentions = commits.flatMap((c) =>
    findControlMentions(c.message).map((m) => ({ commit: { hash: c.hash, author: c.author, date: c.date, subject: c.subject }, mention: checkMention(m, input.index) })),
  );

  const period = input.period ? { ...input.period, commits: git ? periodCommits(git.changeLog(input.period.since, input.period.until), input.index) : [] } : undefined;
  const frameworks = input.frameworks.map((framework) => {
    const rules = result.rules.filter((r) => (r.controls[framework.key] ?? []).length > 0);
    const controls: ControlReport[] = framework.controls.map((control) => {
      const mapped = rules.filter((r) => r.controls[framework.key].includes(control.id));
      const ids = new Set(mapped.map((r) => r.id));
      const own = results.filter((r) => ids.has(r.rule));
      const declared = annotations
        .filter((a) => a.framework === framework.key && (a.id === control.id || (a.status === 'superseded' && a.replacement!.includes(control.id))))
        .map((a) => declaredEvidence(a));
      const named = commitMentions
        .filter(({ mention: m }) => m.framework === framework.key && (m.id === control.id || (m.status === 'superseded' && m.replacement!.includes(control.id))))
        .map(({ commit }) => commit);
      const evidenceFiles = new Set(own.flatMap((r) => (r.evidence ? [r.evidence.file] : [])));
      const periodChanges = period?.commits.filter((c) => c.controls.includes(`${framework.key}:${control.id}`) || c.files.some((f) => evidenceFiles.has(f))).map((c) => c.hash);
      return {
        id: control.id,
        title: control.title,
        status: controlStatus(mapped.length, own),
        rules: mapped.map((r) => ({ id: r.id, title: r.title })),
        results: own,
        annotations: uniqueBy(declared, (d) => `${d.file}:${d.line}:${d.written}`),
        commits: uniqueBy(named, (c) => c.hash),
        ...(periodChanges && mapped.length > 0 ? { periodChanges } : {}),
      };
    });
    return {
      key: framework.key,
      title: framework.title,
      ...(framework.url ? { url: framework.url } : {}),
      registryComplete: framework.complete,
      summary: frameworkSummary(controls, results.filter((r) => rules.some((rule) => rule.id === r.rule))),
      controls,
    };
  });

  const settings = input.config?.report ?? {};
  return {
    reportVersion: EVIDENCE_REPORT_VERSION,
    tool: { name: 'declint', version: result.toolVersion },
    generatedAt: input.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    document: {
      ...pick(settings, ['organisation', 'system', 'scope', 'preparer', 'reviewer']),
      ruleSetHash: ruleSetHash(result.rules),
      ...(repository ? { repository } : {}),
    },
    configuration: configurationInForce(input.config, input.frameworks, input.now),
    ...(period ? { period } : {}),
    scope: { paths: input.paths, filesScanned: result.filesScanned, rules: result.rules.length, frameworks: input.frameworks.map((f) => f.key) },
    git: git ? { available: true, head: git.head } : { available: false, note: (input.git as { unavailable: string }).unavailable },
    inventory: inventory(analysis, nodes, models, located, change),
    frameworks,
    annotationProblems: annotations.filter((a) => a.status !== 'valid').map(annotationProblem),
    limitations: limitations(analysis),
    coverage: coverageReport(result.coverage ?? emptyCoverage()),
  };
}

/** The period's commits with the controls their messages name (2013 ISO numbers as their 2022 equivalents). */
function periodCommits(commits: ChangedCommit[], index: ControlIndex): PeriodCommit[] {
  return commits.map((c) => {
    const controls = findControlMentions(c.message)
      .map((m) => checkMention(m, index))
      .flatMap((m) => (m.status === 'superseded' ? m.replacement!.map((id) => `${m.framework}:${id}`) : m.status === 'unknown' ? [] : [`${m.framework}:${m.id}`]));
    return { hash: c.hash, author: c.author, date: c.date, subject: c.subject, files: c.files, controls: [...new Set(controls)] };
  });
}

/**
 * A permalink to a line at a commit, in the form of the repository's forge:
 * GitLab `/-/blob/`, Gitea, Forgejo and Codeberg `/src/commit/`, else GitHub's `/blob/`.
 */
export function permalink(repository: string, commit: string, prefix: string): (file: string, line: number) => string {
  const base = repository.replace(/\/+$/, '');
  const host = /^https?:\/\/([^/]+)/.exec(base)?.[1] ?? '';
  const form = /gitlab/i.test(host) ? '/-/blob/' : /gitea|forgejo|codeberg/i.test(host) ? '/src/commit/' : '/blob/';
  return (file, line) => `${base}${form}${commit}/${encodeURI(prefix + file)}#L${line}`;
}

/** SHA-256 of the rules that ran, by their definitions: two reports with the same hash ran the same checks. */
function ruleSetHash(rules: Rule[]): string {
  const hash = createHash('sha256');
  for (const { source: _source, ...rule } of [...rules].sort((a, b) => compareText(a.id, b.id))) hash.update(`${JSON.stringify(rule)}\n`);
  return hash.digest('hex');
}

function pick<T extends object, K extends keyof T>(from: T, keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.filter((k) => from[k] !== undefined).map((k) => [k, from[k]])) as Pick<T, K>;
}

/** The configuration the report was made with: frameworks and variants, level, host types, overrides and every exception. */
function configurationInForce(config: Config | undefined, frameworks: Framework[], now: Date): ConfigurationInForce {
  const c = config ?? DEFAULT_CONFIG;
  const today = now.toISOString().slice(0, 10);
  return {
    source: c.file,
    frameworks: frameworks.map((f) => ({ key: f.key, title: f.title, variant: c.frameworks?.find((x) => x.key === f.key)?.variant ?? {} })),
    level: c.level ?? 'standard',
    mode: c.mode,
    hostTypes: c.hostTypes,
    ruleOverrides: c.rules,
    excludeTags: c.excludeTags,
    ignore: c.ignore,
    exceptions: c.exceptions.map((e) => ({
      rule: e.rule,
      rationale: e.rationale,
      ...pick(e, ['hosts', 'paths', 'owner', 'ticket', 'expires']),
      expired: e.expires !== undefined && e.expires < today,
      file: c.file,
      line: e.line,
    })),
  };
}

function controlResult(j: Judgement, findingState: Map<string, Finding>, located: (file: string, line: number, column: number) => EvidenceLocation): ControlResult {
  const reported = j.finding ? findingState.get(findingKey(j.finding)) : undefined;
  const evidence = j.evidence ? located(j.evidence.file, j.evidence.range.start.line, j.evidence.range.start.column) : undefined;
  return {
    rule: j.ruleId,
    subject: j.subject,
    subjectKind: j.subjectKind,
    status: j.status === 'fail' && reported?.suppressed ? 'excepted' : j.status,
    reason: j.reason,
    ...(evidence ? { evidence } : {}),
    ...(j.finding ? { finding: { severity: j.finding.severity, message: j.finding.message } } : {}),
    ...(reported ? exceptionOf(reported) : {}),
  };
}

function exceptionOf(f: Finding): Pick<ControlResult, 'exception'> {
  if (!f.suppressed) return {};
  const s = f.suppressed;
  return {
    exception: {
      kind: s.kind,
      justification: s.justification,
      file: s.location.file,
      line: s.location.line,
      ...(s.owner ? { owner: s.owner } : {}),
      ...(s.ticket ? { ticket: s.ticket } : {}),
      ...(s.expires ? { expires: s.expires } : {}),
    },
  };
}

/** A finding's identity across the host phase's copies (merged over hosts) and the reported list. */
function findingKey(f: Finding): string {
  return `${f.ruleId}|${f.location.file}|${f.location.range.start.offset}|${f.subject ?? ''}`;
}

function indexFindings(findings: Finding[]): Map<string, Finding> {
  return new Map(findings.map((f) => [findingKey(f), f]));
}

/** The flake.nix files of the scan. */
function flakeFiles(analysis: TreeAnalysis): string[] {
  return analysis.files.map((f) => f.path).filter((p) => p === 'flake.nix' || p.endsWith('/flake.nix')).sort();
}

/** A Talos node: a file's complete machine config (outside the files nodes are built from), or a node a construct declares (talhelper, Omni, Cluster API, Terraform). */
interface NodeView {
  node: TalosNode;
  view: TalosView;
}

function talosNodeViews(analysis: TreeAnalysis, models: (TalosModel | LockModel)[]): NodeView[] {
  const out: NodeView[] = [];
  for (const model of models) {
    if (model.kind !== 'talos' || analysis.talosNodes.files.has(model.path)) continue;
    const view = fileView(model.path, model.talos, model.lines);
    const node = talosNode(view, model.path);
    if (node) out.push({ node, view });
  }
  for (const { declaredIn, view } of analysis.talosNodes.views) {
    const node = talosNode(view, declaredIn);
    if (node) out.push({ node, view });
  }
  return out.sort((a, b) => compareText(a.node.name, b.node.name) || compareText(a.node.file, b.node.file));
}

/** Talos nodes, flake.nix files and lock files, judged rule by rule. */
function otherSubjects(nodes: NodeView[], models: (TalosModel | LockModel)[], flakes: string[], rules: Rule[], findings: Finding[], now: Date): Judgement[] {
  const out: Judgement[] = [];
  const talosRules = rules.filter((r) => r.target === 'talos');
  const lockRules = rules.filter((r) => r.target === 'flake-lock');
  for (const { node, view } of nodes) for (const rule of talosRules) out.push(...judgeTalosView(view, node.name, rule, { now }));
  for (const model of models) {
    if (model.kind === 'flake-lock') for (const rule of lockRules) out.push(...judgeLockFile(model.path, model.lock, rule, findings));
  }
  const flakeRules = rules.filter((r) => r.target === 'flake');
  for (const file of flakes) for (const rule of flakeRules) out.push(...judgeFlakeFile(file, rule, findings));
  return out;
}

function inventory(
  analysis: TreeAnalysis,
  nodes: NodeView[],
  models: (TalosModel | LockModel)[],
  located: (file: string, line: number, column: number) => EvidenceLocation,
  change: (file: string, line: number) => Commit | undefined,
): EvidenceReport['inventory'] {
  const { hosts } = analysis.hosts;
  const lines = analysis.hosts.loader;
  const hostRows = hosts
    .map((h) => {
      const root = lines.lines(h.spec.root.file).rangeOf(h.spec.root.span).start;
      const unread = uniqueBy(
        h.externalModules.map((e) => {
          const cut = e.name.indexOf(': ');
          return { module: cut === -1 ? e.name : e.name.slice(0, cut), reason: cut !== -1 ? e.name.slice(cut + 2) : e.name.startsWith('nixpkgs/') ? 'a NixOS module of nixpkgs, which declint does not read' : 'not read', importedBy: e.site.file };
        }),
        (u) => `${u.module}|${u.importedBy}`,
      ).sort((a, b) => compareText(a.module, b.module));
      return {
        name: h.name,
        root: located(h.spec.root.file, root.line, root.column),
        modules: h.files.size,
        unreadModules: [...new Set(unread.map((u) => u.module))],
        unread,
        ...hostInventory(h, (file) => safeText(() => lines.lines(file).text)),
      };
    })
    .sort((a, b) => compareText(a.name, b.name));
  const talos: (TalosNode & { change?: Commit })[] = nodes.map(({ node }) => {
    const c = change(node.file, node.line);
    return { ...node, ...(c ? { change: c } : {}) };
  });
  const inputs: PinnedInput[] = models.flatMap((m) => (m.kind === 'flake-lock' ? pinnedInputs(m.path, m.lock) : []));
  return { hosts: hostRows, talosNodes: talos, inputs };
}

function limitations(analysis: TreeAnalysis): EvidenceReport['limitations'] {
  const out: EvidenceReport['limitations'] = [];
  for (const f of analysis.result.findings) {
    if (f.ruleId === PARSE_ERROR_RULE_ID) out.push({ file: f.location.file, line: f.location.range.start.line, message: f.message });
  }
  const loader = analysis.hosts.loader;
  for (const note of analysis.hosts.notes) {
    const line = safeLine(() => loader.lines(note.site.file).rangeOf(note.site.span).start.line);
    out.push({ file: note.site.file, ...(line ? { line } : {}), message: note.message });
  }
  return uniqueBy(out, (l) => `${l.file}:${l.line}:${l.message}`).sort((a, b) => compareText(a.file ?? '', b.file ?? '') || (a.line ?? 0) - (b.line ?? 0));
}

function safeText(get: () => string): string | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}

function safeLine(get: () => number): number | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}

function declaredEvidence(a: ControlAnnotation): DeclaredEvidence {
  return {
    file: a.file,
    line: a.line,
    comment: a.comment,
    written: a.written,
    ...(a.setting !== undefined ? { setting: a.setting, settingLine: a.settingLine } : {}),
    ...(a.status === 'superseded' ? { writtenAs2013: a.id } : {}),
  };
}

function annotationProblem(a: ControlAnnotation): AnnotationProblem {
  const name = FRAMEWORK_NAMES[a.framework] ?? a.framework;
  const message =
    a.status === 'superseded'
      ? `${a.id} is ISO/IEC 27001:2013 numbering, superseded by ISO/IEC 27001:2022; its 2022 equivalent is ${a.replacement!.join(' and ')}`
      : a.status === 'unknown'
        ? `${name} has no control ${a.id}`
        : `${a.id} is outside the part of ${name} declint's registry holds, so it was not verified`;
  return {
    file: a.file,
    line: a.line,
    column: a.column,
    framework: a.framework,
    written: a.written,
    status: a.status as AnnotationProblem['status'],
    ...(a.replacement ? { replacement: a.replacement } : {}),
    message,
  };
}

const FRAMEWORK_NAMES: Record<string, string> = {
  iso27001: 'ISO/IEC 27001:2022',
  soc2: 'SOC 2',
  nis2: 'NIS2',
  dora: 'DORA',
  anssi: 'ANSSI BP-028',
  cis: 'CIS',
};

function controlStatus(ruleCount: number, results: ControlResult[]): ControlStatus {
  if (ruleCount === 0) return 'not-covered';
  if (results.length === 0) return 'no-subjects';
  for (const status of STATUS_ORDER) if (results.some((r) => r.status === status)) return status;
  return 'no-subjects';
}

const emptyCounts = (): Record<ResultStatus, number> => ({ pass: 0, fail: 0, excepted: 0, 'not-evaluated': 0, 'not-applicable': 0 });

function frameworkSummary(controls: ControlReport[], results: ControlResult[]): FrameworkReport['summary'] {
  const byStatus = Object.fromEntries(STATUS_ORDER.map((s) => [s, 0])) as Record<ControlStatus, number>;
  for (const c of controls) byStatus[c.status]++;
  const subjects = new Map<string, SubjectSummary>();
  for (const r of results) {
    const key = `${r.subjectKind}\u0000${r.subject}`;
    let s = subjects.get(key);
    if (!s) subjects.set(key, (s = { subject: r.subject, kind: r.subjectKind, counts: emptyCounts() }));
    s.counts[r.status]++;
  }
  return {
    controls: controls.length,
    covered: controls.filter((c) => c.status !== 'not-covered').length,
    byStatus,
    bySubject: [...subjects.values()].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || compareText(a.subject, b.subject)),
  };
}

const KIND_ORDER: Judgement['subjectKind'][] = ['host', 'talos-node', 'flake', 'flake-lock', 'file'];

function compareResults(a: ControlResult, b: ControlResult): number {
  return (
    compareText(a.rule, b.rule) ||
    KIND_ORDER.indexOf(a.subjectKind) - KIND_ORDER.indexOf(b.subjectKind) ||
    compareText(a.subject, b.subject) ||
    compareText(a.evidence?.file ?? '', b.evidence?.file ?? '') ||
    (a.evidence?.line ?? 0) - (b.evidence?.line ?? 0) ||
    compareText(a.reason, b.reason)
  );
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
