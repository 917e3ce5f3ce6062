import type { Finding, Severity } from '../findings/finding';
import { BUILTIN_CHECKS, BuiltinCheck } from '../findings/builtin-checks';
import { messageWithHosts } from '../findings/finding';
import { HOMEPAGE, ruleHelpUri, TOOL_NAME } from '../meta';
import type { Rule } from '../rules/rule';
import type { Range } from '../source/position';
import { controlsLabel, FRAMEWORK_LABELS } from './controls-label';
import type { CheckResult } from './result';

/** The final OASIS SARIF 2.1.0 schema (errata 01), as GitHub and the SARIF Multitool expect. */
export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

const SRCROOT = '%SRCROOT%';

interface ReportingDescriptor {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri: string;
  defaultConfiguration: { level: Severity };
  properties: Record<string, unknown>;
}

/** SARIF 2.1.0: one run, rules in `tool.driver`, paths relative to `%SRCROOT%`. */
export function formatSarif(result: CheckResult): string {
  const rules = sarifRules(result);
  const index = new Map(rules.map((r, i) => [r.id, i]));
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
          },
        },
        columnKind: 'utf16CodeUnits',
        // Suppressed and excepted findings are left out: GitHub shows suppressed results as open alerts.
        results: result.findings.filter((f) => !f.suppressed).map((f) => sarifResult(f, index.get(f.ruleId)!)),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function sarifRules(result: CheckResult): ReportingDescriptor[] {
  const descriptors = result.rules.map(ruleDescriptor);
  for (const check of Object.values(BUILTIN_CHECKS)) {
    if (result.findings.some((f) => f.ruleId === check.id)) descriptors.push(builtinDescriptor(check));
  }
  return descriptors;
}

function ruleDescriptor(rule: Rule): ReportingDescriptor {
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
    properties: {
      tags: ['security', 'compliance', ...Object.keys(rule.controls)].slice(0, 10),
      'security-severity': rule.securitySeverity.toFixed(1),
      precision: 'high',
    },
  };
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

function sarifResult(finding: Finding, ruleIndex: number) {
  return {
    ruleId: finding.ruleId,
    ruleIndex,
    level: finding.severity,
    message: { text: sentence(messageWithHosts(finding)) },
    locations: [physical(finding.location.file, finding.location.range)],
    ...(finding.related.length > 0
      ? {
          relatedLocations: finding.related.map((r, i) => ({
            id: i + 1,
            ...physical(r.file, r.range),
            message: { text: sentence(r.message) },
          })),
        }
      : {}),
  };
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
