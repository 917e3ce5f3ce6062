import { escapeMarkdown, markdownCodeBlock } from '../report/markup';
import { scrubSecrets } from '../redaction/secrets';
import type { Hover } from 'vscode-languageserver';
import type { Framework } from '../controls/registry';
import { BUILTIN_CHECKS } from '../findings/builtin-checks';
import { Finding, messageWithHosts } from '../findings/finding';
import type { Host } from '../nix/host';
import type { OptionDefinition } from '../nix/module';
import { formatOptionPath } from '../nix/option-path';
import type { AnalyzedFile } from '../pipeline/analyze';
import { explainOption, formatExplanation } from '../report/explain-option';
import { ruleMarkdown } from '../report/rule-docs';
import type { Rule } from '../rules/rule';
import type { LineIndex } from '../source/position';

/** A finding's rule as hover text: what the finding says, then the rule's page (title, rationale, remediation, controls). */
export function findingHover(finding: Finding, rule: Rule | undefined, frameworks: Framework[]): string {
  const head = `**declint ${escapeMarkdown(finding.ruleId)}**: ${escapeMarkdown(messageWithHosts(finding))}`;
  if (rule) return `${head}\n\n---\n\n${ruleMarkdown(rule, frameworks).replace(/^# /, '### ')}`;
  const check = BUILTIN_CHECKS[finding.ruleId];
  return check ? `${head}\n\n---\n\n### ${check.id}: ${check.title}\n\n${check.description}` : head;
}

/** The innermost option definition of a module whose binding holds `offset`. */
export function definitionAt(file: AnalyzedFile, offset: number): OptionDefinition | undefined {
  if (file.kind !== 'nix') return undefined;
  let best: OptionDefinition | undefined;
  for (const def of file.module.definitions) {
    const { start, end } = def.binding;
    if (start <= offset && offset < end && (!best || end - start < best.binding.end - best.binding.start)) best = def;
  }
  return best;
}

/**
 * An option definition as hover text: for every host whose modules include
 * this file, the option's effective value and each definition that
 * contributed (the one that won, the ones it overrode, those under mkIf),
 * the way `declint explain-option` prints them.
 */
export function optionHover(file: string, def: OptionDefinition, hosts: Host[], lines: (file: string) => LineIndex): string {
  const written = formatOptionPath(def.path);
  if (hosts.length === 0) return `**${escapeMarkdown(written)}**\n\nThis file is not part of any NixOS host declint found, so there is no effective value to show.`;
  const sections = hosts.map((host) => {
    // The host's own definition for this binding carries the option's current name (old names are forwarded).
    const own = host.definitions.find((d) => d.file === file && d.def.binding.start === def.binding.start && d.def.binding.end === def.binding.end);
    const explanation = explainOption(host, own?.path ?? def.path, lines);
    return markdownCodeBlock(formatExplanation(explanation).trimEnd(), 'text');
  });
  return [`**${escapeMarkdown(written)}**: the effective value on ${hosts.length === 1 ? 'the host' : `each of the ${hosts.length} hosts`} that include${hosts.length === 1 ? 's' : ''} this file`, ...sections].join('\n\n');
}

export function markdownHover(value: string): Hover {
  return { contents: { kind: 'markdown', value: scrubSecrets(value) } };
}
