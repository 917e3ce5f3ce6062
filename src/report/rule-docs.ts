import type { Framework } from '../controls/registry';
import { controlTitle } from '../controls/registry';
import { BUILTIN_CHECKS } from '../findings/builtin-checks';
import { NAMED_PREDICATES } from '../rules/named-predicates';
import type { Rule } from '../rules/rule';
import { FRAMEWORK_LABELS } from './controls-label';

/**
 * Every rule's documentation, from the one source that SARIF help, `explain`,
 * LSP hover and the HTML report also render: the rule file. Sections are the
 * same for every rule, in the order a user asks: what it checks, why it
 * matters, how to fix it, which controls it evidences, where to read more.
 */

function worstSeverity(rule: Rule): string {
  return ['error', 'warning', 'note'].find((s) => rule.violations.some((v) => v.severity === s)) ?? 'note';
}

function subjectText(rule: Rule): string {
  const s = rule.subject;
  if ('option' in s) {
    const oldNames = (aliases?: string[]) => (aliases?.length ? ` (old name${aliases.length > 1 ? 's' : ''}: ${aliases.map((a) => `\`${a}\``).join(', ')})` : '');
    const main = s.text ? textSource(s.option, s.text) : `\`${s.option}\`${oldNames(s.aliases)}`;
    const also = (s.also ?? []).filter((a) => !a.passWhen).map((a) => (a.text ? textSource(a.option, a.text) : `\`${a.option}\`${oldNames(a.aliases)}`));
    return also.length ? `${main}, and also ${listOf(also)}` : main;
  }
  if ('document' in s) {
    const paths = (s.paths ?? [s.path ?? '']).map((p) => `\`${p}\``).join(', ');
    const kinds = (Array.isArray(s.document) ? s.document : [s.document]).map((d) => `\`${d}\``).join(', ');
    return `${paths} in ${kinds} documents`;
  }
  if ('lockGraph' in s) return s.lockGraph === 'references' ? 'every node reference of `flake.lock` (`root` and each `inputs` entry)' : 'the nixpkgs nodes of `flake.lock`';
  if ('flake' in s) return { inputs: 'every input of `flake.nix`', nixConfig: 'every `nixConfig` setting of `flake.nix`', lockSync: 'the inputs of `flake.nix` against its `flake.lock`' }[s.flake];
  if ('lockField' in s) return `\`${s.lockField}\` of \`flake.lock\``;
  return 'every input node of `flake.lock`';
}

function textSource(option: string, text: { format: string; key?: string }): string {
  const format = { sshd: 'sshd_config', sudoers: 'sudoers', systemd: 'journald.conf' }[text.format] ?? text.format;
  return text.key ? `the \`${text.key}\` lines of \`${option}\` (read as ${format})` : `the ${format} text of \`${option}\``;
}

function listOf(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The alternatives that satisfy the rule on their own (`passWhen`), in words. */
function alternativesText(rule: Rule): string | undefined {
  if (!('option' in rule.subject)) return undefined;
  const alternatives = (rule.subject.also ?? []).filter((a) => a.passWhen);
  if (alternatives.length === 0) return undefined;
  return `The rule is satisfied where one of these is set: ${listOf(alternatives.map((a) => `\`${a.option}\` ${a.describe ?? describeTest(a.passWhen!)}`)).replace(/ and ([^,]*)$/, ' or $1')}.`;
}

function violationLines(rule: Rule): string[] {
  return rule.violations.map((v) => {
    const where = v.only ? ` in ${listOf(v.only.map((o) => `\`${o.replace('#', '` key `')}\``)).replace(/ and ([^,]*)$/, ' or $1')}` : '';
    if (v.mode === 'deleted') return `- **${v.severity}** — a patch deletes it${where} (\`$patch: delete\` or a JSON 6902 \`remove\`).`;
    const when = v.mode === 'explicit' ? 'a value written' : 'not set, where the default';
    return `- **${v.severity}** — ${when}${where} ${v.describe ?? describeTest(v.test)}.`;
  });
}

/** A test in the user's words: values as they are written in Nix or YAML, named tests by their description. */
export function describeTest(test: Rule['violations'][number]['test']): string {
  const [[kind, arg]] = Object.entries(test) as [string, unknown][];
  const shown = (v: unknown) => `\`${JSON.stringify(v)}\``;
  switch (kind) {
    case 'equals':
      return `is ${shown(arg)}`;
    case 'notEquals':
      return `is not ${shown(arg)}`;
    case 'oneOf':
      return `is ${listOf((arg as unknown[]).map(shown)).replace(/ and ([^,]*)$/, ' or $1')}`;
    case 'noneOf':
      return `is none of ${(arg as unknown[]).map(shown).join(', ')}`;
    case 'contains':
      return `contains ${shown(arg)}`;
    case 'notContains':
      return `does not contain ${shown(arg)}`;
    case 'containsAny':
      return `contains one of ${(arg as unknown[]).map(shown).join(', ')}`;
    case 'lessThan':
      return `is below ${String(arg)}`;
    case 'greaterThan':
      return `is above ${String(arg)}`;
    case 'olderThanDays':
      return `is older than ${String(arg)} days`;
    case 'exists':
      return 'is set';
    case 'absent':
      return 'is not set';
    case 'all':
      return (arg as Rule['violations'][number]['test'][]).map(describeTest).join(', and ');
    case 'any':
      return (arg as Rule['violations'][number]['test'][]).map(describeTest).join(', or ');
    case 'not':
      return `does not satisfy this: ${describeTest(arg as Rule['violations'][number]['test'])}`;
    case 'named':
      return `is ${NAMED_PREDICATES[String(arg)]?.description ?? String(arg)}`;
    default:
      // A pattern: the rule file says in words what it matches (the loader requires it).
      return 'matches the pattern the rule describes';
  }
}

/** Where the rule states the default that applies when nothing sets its option (none when it is "not set"). */
function defaultText(rule: Rule): string {
  if (rule.default === undefined) return '';
  if (rule.default === null) return '; when it is not set, nothing is written for it';
  return `; when it is not set, the default \`${JSON.stringify(rule.default)}\` applies`;
}

/** The Markdown page of one rule (`docs/rules/<ID>.md`). */
export function ruleMarkdown(rule: Rule, frameworks: Framework[]): string {
  const controls = Object.entries(rule.controls).flatMap(([framework, ids]) =>
    ids.map((id) => `| ${FRAMEWORK_LABELS[framework] ?? framework} | ${id} | ${controlTitle(frameworks, framework, id) ?? ''} |`),
  );
  const lines = [
    `# ${rule.id}: ${rule.title}`,
    '',
    `Target: ${rule.target} · Severity: ${worstSeverity(rule)} (security-severity ${rule.securitySeverity.toFixed(1)}) · Level: ${rule.level}${rule.hostTypes ? ` · Hosts: ${rule.hostTypes.join(', ')}` : ''}`,
    '',
    '## What it checks',
    '',
    `${subjectText(rule)}${rule.when ? `, where \`${rule.when.option}\` ${rule.when.describe ?? describeTest(rule.when.test)}` : ''}${defaultText(rule)}. It reports:`,
    '',
    ...violationLines(rule),
    ...(alternativesText(rule) ? ['', alternativesText(rule)!] : []),
    '',
    '## Why it matters',
    '',
    rule.rationale,
    '',
    '## How to fix it',
    '',
    rule.remediation.text,
    ...(rule.remediation.snippet ? ['', '```', rule.remediation.snippet, '```'] : []),
    ...(rule.fix ? ['', fixText(rule.fix, rule.target)] : []),
    '',
    '## Controls',
    '',
    '| Framework | Control | Title |',
    '| --- | --- | --- |',
    ...controls,
    ...(rule.references.length ? ['', '## References', '', ...rule.references.map((r) => `- <${r}>`)] : []),
    '',
  ];
  return lines.join('\n');
}

/** What `check --fix` does for a rule with a fix. */
function fixText(fix: NonNullable<Rule['fix']>, target: Rule['target']): string {
  const own = Object.entries(fix.values ?? {}).map(([option, v]) => `\`${JSON.stringify(v)}\` on \`${option}\``);
  const value = `\`${JSON.stringify(fix.value)}\`${fix.options ? ` on ${fix.options.map((o) => `\`${o}\``).join(' and ')}` : ''}${own.length ? ` (${own.join(', ')})` : ''}`;
  const added = target === 'talos' ? 'to the complete machine config' : "to the host's own module";
  return fix.unsafe
    ? `Autofix: \`declint check --fix --unsafe-fixes\` sets the value to ${value} (not applied by \`--fix\` alone: ${fix.unsafe.replace(/\.$/, '')}).`
    : `Autofix: \`declint check --fix\` sets the value to ${value} where it is written (the definition that wins, the patch that sets it), or adds it ${added} where the insecure value is the default.`;
}

/** `docs/rules/README.md`: every rule with its severity, level and frameworks. */
export function rulesIndexMarkdown(rules: Rule[]): string {
  return [
    '# declint rules',
    '',
    'Generated from `rules/**/*.yaml` by `npm run docs`; do not edit by hand.',
    '',
    '| Rule | Title | Target | Severity | Level | Frameworks |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rules.map((r) => `| [${r.id}](${r.id}.md) | ${r.title} | ${r.target} | ${worstSeverity(r)} | ${r.level} | ${Object.keys(r.controls).map((f) => FRAMEWORK_LABELS[f] ?? f).join(', ')} |`),
    '',
    '## Built-in checks',
    '',
    ...Object.values(BUILTIN_CHECKS).map((c) => `- **${c.id}** (${c.severity}): ${c.description}`),
    '',
  ].join('\n');
}

/** `declint rules`: one line a rule. */
export function rulesTable(rules: Rule[]): string {
  const rows = rules.map((r) => [r.id, worstSeverity(r), r.level, r.title, Object.keys(r.controls).join(',')]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i].length), 4));
  return `${rows.map((row) => row.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c)).join('  ').trimEnd()).join('\n')}\n${rules.length} rules.\n`;
}

/** `declint explain ID`: the rule's page as plain text. */
export function explainText(rule: Rule, frameworks: Framework[]): string {
  return ruleMarkdown(rule, frameworks)
    .replace(/^# /m, '')
    .replace(/^## /gm, '\n')
    .replace(/^```$/gm, '')
    .replace(/\*\*/g, '')
    .replace(/\n{3,}/g, '\n\n');
}
