import { Finding, messageWithHosts, Severity, severityRank } from '../findings/finding';
import { BUILTIN_CHECKS, BuiltinCheck } from '../findings/builtin-checks';
import { INTERNAL_ERROR_RULE_ID, isUncheckedFinding } from '../findings/unchecked';
import { HOMEPAGE, ruleHelpUri, TOOL_NAME } from '../meta';
import type { Rule } from '../rules/rule';
import type { Range } from '../source/position';
import { controlsLabel, FRAMEWORK_LABELS } from './controls-label';
import type { CheckResult, ReportedFix } from './result';
import { createHash } from 'crypto';
import { pathToFileURL } from 'url';
import type { Framework } from '../controls/registry';
import { lineHashes } from './line-hash';
import { semanticFingerprint } from '../findings/fingerprint';
import { Coverage, CoverageSite, KIND_LABELS } from '../coverage/coverage';

/** The final OASIS SARIF 2.1.0 schema (errata 01), as GitHub and the SARIF Multitool expect. */
export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

const SRCROOT = '%SRCROOT%';

interface ReportingDescriptor {
  relationships?: { target: { id: string; toolComponent: { name: string; guid: string } }; kinds: string[] }[];
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri: string;
  defaultConfiguration: { level: Severity };
  properties: Record<string, unknown>;
}

export interface SarifOptions {
  /** The text of a scanned file (report path), to fingerprint result lines; undefined when unreadable. */
  sourceText?: (file: string) => string | undefined;
  /** `automationDetails.id`: one category per CI shard or configuration. */
  category?: string;
  /** `emit`: suppressed and excepted findings are included with `suppressions`; `omit` (default) leaves them out. */
  suppressed?: 'omit' | 'emit';
  /** The frameworks and their controls, for SARIF taxonomies. */
  frameworks?: Framework[];
  exitCode?: number;
}

/**
 * SARIF 2.1.0 for GitHub code scanning: one run; every rule with its help,
 * tags and security-severity; control IDs as taxonomies with rule
 * relationships; paths relative to `%SRCROOT%`; UTF-16 columns; GitHub's
 * line-hash fingerprint and a semantic one (rule, file, subject) that
 * survives edits elsewhere in the file.
 */
export function formatSarif(result: CheckResult, options: SarifOptions = {}): string {
  const frameworks = (options.frameworks ?? []).filter((f) => result.rules.some((r) => f.key in r.controls));
  const rules = sarifRules(result, frameworks);
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const emitted = options.suppressed === 'emit' ? result.findings : result.findings.filter((f) => !f.suppressed);
  const hashes = new Map<string, Map<number, string> | undefined>();
  const lineHash = (file: string, line: number) => {
    if (!hashes.has(file)) {
      const text = options.sourceText?.(file);
      hashes.set(file, text === undefined ? undefined : lineHashes(text));
    }
    return hashes.get(file)?.get(line);
  };
  const { kept, omitted } = mostSevere(emitted, MAX_RESULTS_PER_RUN);
  const results = kept.map((f) => ({
    ...sarifResult(f, index.get(f.ruleId)!, lineHash(f.location.file, f.location.range.start.line), options.suppressed === 'emit'),
    ...(result.fixes?.has(f) ? { fixes: [sarifFix(result.fixes.get(f)!)] } : {}),
  }));
  // What was not checked (a file that does not parse, an unreadable file, a limit, a failure of declint) is also said about the run.
  const notChecked = result.findings.filter((f) => f.ruleId === 'parse-error' || isUncheckedFinding(f));
  // Each source of notifications adds its own entries: the invocation lists them all.
  const notifications = [
    ...notChecked.map((f) => ({
      level: f.severity,
      message: { text: sentence(f.message) },
      locations: [physical(f.location.file, f.location.range)],
      descriptor: { id: f.ruleId },
    })),
    ...(result.coverage ? coverageNotifications(result.coverage) : []),
    ...(omitted > 0 ? [truncationNotification(omitted, kept.length)] : []),
  ];
  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: TOOL_NAME,
            version: result.toolVersion,
            semanticVersion: result.toolVersion,
            informationUri: HOMEPAGE,
            rules,
            ...(frameworks.length ? { supportedTaxonomies: frameworks.map((f) => ({ name: f.key, guid: frameworkGuid(f.key) })) } : {}),
          },
        },
        ...(frameworks.length ? { taxonomies: frameworks.map(taxonomy) } : {}),
        ...(options.category ? { automationDetails: { id: `${options.category.replace(/\/$/, '')}/` } } : {}),
        originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(`${result.base.replace(/\/$/, '')}/`).href } },
        invocations: [
          {
            executionSuccessful: !result.findings.some((f) => f.ruleId === INTERNAL_ERROR_RULE_ID),
            ...(options.exitCode !== undefined ? { exitCode: options.exitCode } : {}),
            // The day dates were judged against (lock ages, channel status, exception expiry).
            ...(result.referenceDate ? { properties: { referenceDate: result.referenceDate } } : {}),
            ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/**
 * GitHub code scanning rejects a run of more than 25,000 results (and shows
 * the 5,000 most severe): past that, the most severe are kept, in their order.
 */
export const MAX_RESULTS_PER_RUN = 25_000;

/** GitHub refuses a SARIF upload larger than this, gzip-compressed. */
export const MAX_UPLOAD_GZIP_BYTES = 10 * 1024 * 1024;

/** The first `limit` findings by severity (a stable sort: same-severity findings keep their order). */
export function mostSevere(findings: Finding[], limit: number): { kept: Finding[]; omitted: number } {
  if (findings.length <= limit) return { kept: findings, omitted: 0 };
  const kept = findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => severityRank(a.f.severity) - severityRank(b.f.severity) || a.i - b.i)
    .slice(0, limit)
    .sort((a, b) => a.i - b.i)
    .map(({ f }) => f);
  return { kept, omitted: findings.length - limit };
}

function truncationNotification(omitted: number, kept: number) {
  return {
    level: 'warning',
    message: {
      text:
        `${omitted} results were left out: GitHub code scanning accepts at most ${MAX_RESULTS_PER_RUN.toLocaleString('en-US')} results per run, ` +
        `so this run holds the ${kept} most severe. To upload them all, check the tree in parts, each with its own category ` +
        `(for example declint check hosts/ --format sarif -o hosts.sarif --category hosts, then the same for modules/), and upload each file.`,
    },
    descriptor: { id: 'results-truncated' },
  };
}

/** A stable GUID per framework (SARIF wants one for each taxonomy): derived from its key. */
function frameworkGuid(key: string): string {
  const hex = createHash('sha256').update(`declint-taxonomy:${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function taxonomy(framework: Framework) {
  return {
    name: framework.key,
    guid: frameworkGuid(framework.key),
    fullName: framework.title,
    ...(framework.url ? { informationUri: framework.url } : {}),
    organization: FRAMEWORK_LABELS[framework.key] ?? framework.key,
    shortDescription: { text: sentence(framework.title) },
    taxa: framework.controls.map((c) => ({ id: c.id, name: c.id, shortDescription: { text: sentence(c.title) } })),
  };
}

function sarifRules(result: CheckResult, frameworks: Framework[]): ReportingDescriptor[] {
  const descriptors = result.rules.map((rule) => ruleDescriptor(rule, frameworks));
  for (const check of Object.values(BUILTIN_CHECKS)) {
    if (result.findings.some((f) => f.ruleId === check.id)) descriptors.push(builtinDescriptor(check));
  }
  return descriptors;
}

function ruleDescriptor(rule: Rule, frameworks: Framework[]): ReportingDescriptor {
  const controls = Object.entries(rule.controls)
    .map(([framework, ids]) => `| ${FRAMEWORK_LABELS[framework] ?? framework} | ${ids.join(', ')} |`)
    .join('\n');
  const snippet = rule.remediation.snippet ? `\n\n\`\`\`\n${rule.remediation.snippet}\n\`\`\`` : '';
  const references = rule.references.map((r) => `- <${r}>`).join('\n');
  const markdown = [
    `**${rule.title}**`,
    rule.rationale,
    `**Remediation.** ${rule.remediation.text}${snippet}`,
    `| Framework | Controls |\n| --- | --- |\n${controls}`,
    references ? `**References**\n\n${references}` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  const text = [
    rule.rationale,
    `Remediation: ${rule.remediation.text}${rule.remediation.snippet ? `\n${rule.remediation.snippet}` : ''}`,
    `Controls: ${controlsLabel(rule.controls)}`,
  ].join('\n\n');
  const worst = rule.violations.some((v) => v.severity === 'error') ? 'error' : rule.violations.some((v) => v.severity === 'warning') ? 'warning' : 'note';
  return {
    id: rule.id,
    name: pascalCase(rule.title),
    shortDescription: { text: sentence(rule.title) },
    fullDescription: { text: sentence(rule.rationale) },
    help: { text, markdown },
    helpUri: ruleHelpUri(rule.id),
    defaultConfiguration: { level: worst },
    ...relationships(rule, frameworks),
    properties: {
      tags: ['security', 'compliance', ...Object.keys(rule.controls)].slice(0, 10),
      'security-severity': rule.securitySeverity.toFixed(1),
      precision: 'high',
    },
  };
}

/** The rule's controls as SARIF relationships to the framework taxonomies (known IDs only). */
function relationships(rule: Rule, frameworks: Framework[]): Pick<ReportingDescriptor, 'relationships'> {
  const list = Object.entries(rule.controls).flatMap(([key, ids]) => {
    const framework = frameworks.find((f) => f.key === key);
    if (!framework) return [];
    return ids
      .filter((id) => framework.controls.some((c) => c.id === id))
      .map((id) => ({ target: { id, toolComponent: { name: key, guid: frameworkGuid(key) } }, kinds: ['relevant'] }));
  });
  return list.length ? { relationships: list } : {};
}

function builtinDescriptor(check: BuiltinCheck): ReportingDescriptor {
  return {
    id: check.id,
    name: check.name,
    shortDescription: { text: check.title },
    fullDescription: { text: check.description },
    help: { text: check.description, markdown: check.description },
    helpUri: ruleHelpUri(check.id),
    defaultConfiguration: { level: check.severity },
    properties: { tags: ['correctness'], precision: 'very-high' },
  };
}

function sarifResult(finding: Finding, ruleIndex: number, lineHash: string | undefined, emitSuppressions: boolean) {
  const related = finding.related.map((r, i) => ({ id: i + 1, ...physical(r.file, r.range), message: { text: sentence(r.message) } }));
  // The message links the related places (`[text](id)`), as GitHub renders them.
  const links = related.length ? ` See ${related.map((r) => `[${r.message.text.replace(/\.$/, '').replace(/[[\]]/g, '')}](${r.id})`).join(', ')}.` : '';
  return {
    ruleId: finding.ruleId,
    ruleIndex,
    level: finding.severity,
    message: { text: `${sentence(messageWithHosts(finding))}${links}` },
    locations: [physical(finding.location.file, finding.location.range)],
    ...(related.length > 0 ? { relatedLocations: related } : {}),
    partialFingerprints: {
      ...(lineHash ? { primaryLocationLineHash: lineHash } : {}),
      'declintSubject/v1': semanticFingerprint(finding),
    },
    ...(emitSuppressions && finding.suppressed
      ? {
          suppressions: [
            {
              kind: finding.suppressed.kind === 'inline' ? 'inSource' : 'external',
              status: 'accepted',
              justification: finding.suppressed.justification,
            },
          ],
        }
      : emitSuppressions
        ? { suppressions: [] }
        : {}),
  };
}

/** A fix as SARIF `artifactChanges`: each edit a replacement of a region (empty for an insertion). */
function sarifFix(fix: ReportedFix) {
  const files = [...new Set(fix.edits.map((e) => e.file))];
  return {
    description: { text: sentence(fix.safe ? `${fix.description}` : `${fix.description} (unsafe: ${fix.unsafe})`) },
    artifactChanges: files.map((file) => ({
      artifactLocation: { uri: encodeURI(file), uriBaseId: SRCROOT },
      replacements: fix.edits
        .filter((e) => e.file === file)
        .map((e) => ({
          deletedRegion: { startLine: e.range.start.line, startColumn: e.range.start.column, endLine: e.range.end.line, endColumn: e.range.end.column },
          insertedContent: { text: e.text },
        })),
    })),
    properties: { safe: fix.safe },
  };
}

/**
 * Coverage gaps as tool notifications: a declared host or node not resolved
 * and a source that produced none are warnings (something was not checked),
 * a partly read one and a file checked on its own are notes.
 */
function coverageNotifications(coverage: Coverage) {
  const point = (site: CoverageSite | undefined) =>
    site ? [{ physicalLocation: { artifactLocation: { uri: encodeURI(site.file), uriBaseId: SRCROOT }, region: { startLine: site.line, startColumn: site.column } } }] : [];
  const entries = coverage.entries
    .filter((e) => e.status !== 'evaluated')
    .map((e) => {
      const label = `${KIND_LABELS[e.kind].one} ${e.name} (${e.construct})`;
      const why = e.reasons.map((r) => r.message.replace(/\.$/, '')).join('; ');
      const text = e.status === 'unresolved' ? `${label} is declared but not resolved: ${why}` : `${label} is partly read: ${why}`;
      return { level: e.status === 'unresolved' ? 'warning' : 'note', message: { text: sentence(text) }, locations: point(e.site), descriptor: { id: `coverage/${e.status}` } };
    });
  const unread = coverage.unread.map((u) => ({
    level: u.checkedAlone ? 'note' : 'warning',
    message: { text: sentence(`${u.file} produced no ${KIND_LABELS[u.kind].one}: ${u.reason}`) },
    locations: u.site ? point(u.site) : [{ physicalLocation: { artifactLocation: { uri: encodeURI(u.file), uriBaseId: SRCROOT } } }],
    descriptor: { id: u.checkedAlone ? 'coverage/checked-alone' : 'coverage/unread' },
  }));
  return [...entries, ...unread];
}

function physical(file: string, range: Range) {
  return {
    physicalLocation: {
      artifactLocation: { uri: encodeURI(file), uriBaseId: SRCROOT },
      region: {
        startLine: range.start.line,
        startColumn: range.start.column,
        endLine: range.end.line,
        endColumn: range.end.column,
      },
    },
  };
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

function pascalCase(title: string): string {
  return title
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
