import { isSecretPath, redacted, REDACTED } from '../redaction/secrets';
import type { Finding, RelatedLocation } from '../findings/finding';
import { conditionsHold, NixModule, OptionDefinition } from '../nix/module';
import type { LineIndex, Span } from '../source/position';
import { formatOptionPath, hasWildcard, matchesPattern, optionKey } from '../nix/option-path';
import { toPartialPlain, toPlain, UNKNOWN_PART } from '../nix/value';
import { optionOfKey, readConfigText, TextEntry, writtenWhenUnset } from './config-text';
import { PredicateContext, testPredicate } from './predicates';
import type { Rule } from './rule';
import { ruleRenames, ruleSources, RuleSource } from './sources';
import { firstExplicitViolation, judgesPartially, violationFinding } from './violation';

/**
 * Explicit values in one module file: every definition of one of the rule's
 * options (or an old name) whose value is known and violates the rule; for a
 * config text (`extraConfig`), every line of it that does.
 */
export function checkNixModule(file: string, module: NixModule, lines: LineIndex, rule: Rule, ctx: PredicateContext): Finding[] {
  const sources = ruleSources(rule);
  if (sources.length === 0) return [];
  const out: Finding[] = [];
  // An alternative written in this file (a second factor, a faillock rule) satisfies the rule here.
  if (sources.some((source) => source.passWhen && satisfiedIn(module, source, ctx))) return [];
  for (const source of sources) {
    if (source.passWhen) continue;
    for (const def of definitionsOf(module, source)) {
      const holds = conditionsHold(def);
      if (holds === false) continue;
      const found = source.text
        ? textFindings(file, def, lines, rule, source, ctx, () => optionWritesKeyIn(module, source))
        : valueFindings(file, def, lines, rule, source, ctx);
      out.push(...found.map((finding) => (holds === undefined ? conditional(finding, def) : finding)));
    }
  }
  return out;
}

/** Whether a definition of an alternative in the module passes its `passWhen` test. */
function satisfiedIn(module: NixModule, source: RuleSource, ctx: PredicateContext): boolean {
  return definitionsOf(module, source).some((def) => {
    if (conditionsHold(def) !== true) return false;
    const value = toPlain(def.value);
    return value !== undefined && testPredicate(source.passWhen!, value, ctx) === true;
  });
}

function valueFindings(file: string, def: OptionDefinition, lines: LineIndex, rule: Rule, source: RuleSource, ctx: PredicateContext): Finding[] {
  const value = judgesPartially(rule) ? toPartialPlain(def.value) : toPlain(def.value);
  if (value === undefined) return [];
  const violation = firstExplicitViolation(source.violations, value, ctx);
  if (!violation) return [];
  const related: RelatedLocation[] = [];
  const origin = def.value.origin?.span;
  if (origin && (origin.start < def.binding.start || origin.start >= def.binding.end)) {
    related.push({ file, range: lines.rangeOf(origin), message: 'the value is written here' });
  }
  const option = source.paths[0];
  return [
    violationFinding(rule, violation, value, { path: formatOptionPath(def.path) }, {
      file,
      range: lines.rangeOf(def.binding),
      related,
      subject: `${formatOptionPath(hasWildcard(option) ? def.path : option)}=${JSON.stringify(redacted(value, def.path, 'nixos'))}`,
      valuePath: def.path,
    }),
  ];
}

/**
 * The lines of a config text that take effect: a sshd line outside `Match`
 * only where the option NixOS writes before it for the same key renders
 * nothing (sshd keeps the first value); where that is unknown, none.
 */
export function effectiveTextEntries(def: OptionDefinition, source: RuleSource, optionWritesKey: () => boolean | undefined): TextEntry[] {
  const text = def.value.kind === 'string' ? def.value.value : def.value.kind === 'unknown' ? def.value.partialText : undefined;
  if (text === undefined || !source.text) return [];
  return readConfigText(source.text.format, text, source.text.key).filter((entry) => entry.overridesOption || optionWritesKey() === false);
}

/** The lines of a config text (those that take effect) that violate the rule, each at its line. */
export function textFindings(
  file: string,
  def: OptionDefinition,
  lines: LineIndex,
  rule: Rule,
  source: RuleSource,
  ctx: PredicateContext,
  optionWritesKey: () => boolean | undefined,
): Finding[] {
  const out: Finding[] = [];
  for (const entry of effectiveTextEntries(def, source, optionWritesKey)) {
    const violation = firstExplicitViolation(source.violations, entry.value, ctx);
    if (!violation) continue;
    const at = lineSpan(lines, def.binding, entry.line);
    // A line of a setting named like a secret shows its key only.
    const line = isSecretPath([source.text!.key ?? ''], 'nixos') ? `${source.text!.key} ${REDACTED}` : entry.line.replace(new RegExp(UNKNOWN_PART, 'g'), '…');
    const shown = `${JSON.stringify(line)}${entry.scope ? ` in \`${entry.scope}\`` : ''}`;
    out.push(
      violationFinding(rule, violation, entry.value, { path: formatOptionPath(def.path), value: shown }, {
        file,
        range: lines.rangeOf(at),
        subject: `${formatOptionPath(def.path)}:${entry.line}`,
      }),
    );
  }
  return out;
}

/** Where a line of a config text is written inside the binding that defines it; the binding when it is not found there. */
function lineSpan(lines: LineIndex, binding: Span, line: string): Span {
  const source = lines.text.slice(binding.start, binding.end);
  const known = line.split(UNKNOWN_PART)[0];
  const at = known.length >= 3 ? source.indexOf(known) : -1;
  return at === -1 ? binding : { start: binding.start + at, end: binding.start + at + known.length };
}

/**
 * Whether the option NixOS renders for the text's key writes it before the
 * text, as this file leaves it: set here to something other than null, or
 * unset with a NixOS default that is written.
 */
function optionWritesKeyIn(module: NixModule, source: RuleSource): boolean | undefined {
  const option = optionOfKey(source.text!.format, source.text!.key);
  const def = option && module.definitions.find((d) => matchesPattern(option, d.path) && conditionsHold(d) !== false);
  if (!def) return writtenWhenUnset(source.text!.format, source.text!.key);
  const value = toPlain(def.value);
  return value === undefined ? undefined : value !== null;
}

function conditional(finding: Finding, def: OptionDefinition): Finding {
  const when = def.conditions
    .filter((c) => c.value.kind !== 'bool')
    .map((c) => `\`${c.text}\``)
    .join(' and ');
  return { ...finding, message: `${finding.message.replace(/\.$/, '')} (only when ${when}).` };
}

const byFirstName = new WeakMap<NixModule, Map<string, OptionDefinition[]>>();
const byPath = new WeakMap<NixModule, Map<string, OptionDefinition[]>>();
const NONE: OptionDefinition[] = [];

/** The module's definitions by the first name of their path (`services`, `nix`, …), made once per module. */
function definitionsByFirstName(module: NixModule): Map<string, OptionDefinition[]> {
  return indexed(module, byFirstName, (def) => def.path[0]);
}

/** The module's definitions by option path, made once per module. */
function definitionsAtPath(module: NixModule): Map<string, OptionDefinition[]> {
  return indexed(module, byPath, (def) => optionKey(def.path));
}

/** The module's definitions grouped by a key, in module order within each group; kept in `made` for the module. */
function indexed(module: NixModule, made: WeakMap<NixModule, Map<string, OptionDefinition[]>>, keyOf: (def: OptionDefinition) => string): Map<string, OptionDefinition[]> {
  let index = made.get(module);
  if (!index) {
    index = new Map();
    for (const def of module.definitions) {
      const k = keyOf(def);
      const list = index.get(k);
      if (list) list.push(def);
      else index.set(k, [def]);
    }
    made.set(module, index);
  }
  return index;
}

/**
 * The module's definitions of the source's options, in module order (by
 * first name, then module order, where the options have several first
 * names). One option without a wildcard, most rules' case, is looked up by
 * its path; the others are matched among the definitions under their first
 * names.
 */
function definitionsOf(module: NixModule, source: RuleSource): OptionDefinition[] {
  if (source.paths.length === 1 && !hasWildcard(source.paths[0])) return definitionsAtPath(module).get(optionKey(source.paths[0])) ?? NONE;
  return candidates(module, source).filter((def) => source.paths.some((p) => matchesPattern(p, def.path)));
}

/** The definitions that can match the source's paths: those under the same top-level name (`services`, `nix`, …). */
function candidates(module: NixModule, { heads }: RuleSource): OptionDefinition[] {
  if (heads.includes('*')) return module.definitions;
  const index = definitionsByFirstName(module);
  if (heads.length === 1) return index.get(heads[0]) ?? NONE;
  return heads.flatMap((head) => index.get(head) ?? []);
}

/** The NixOS rules of a rule set by the first names their options can have; `anyHead` for a path that starts with a wildcard. */
interface RulesByHead {
  byHead: Map<string, number[]>;
  anyHead: number[];
}

const rulesByHead = new WeakMap<readonly Rule[], RulesByHead>();

function indexRulesByHead(rules: readonly Rule[]): RulesByHead {
  let index = rulesByHead.get(rules);
  if (!index) {
    index = { byHead: new Map(), anyHead: [] };
    rules.forEach((rule, i) => {
      if (rule.target !== 'nixos') return;
      const heads = new Set(ruleSources(rule).flatMap((source) => source.heads));
      if (heads.has('*')) index!.anyHead.push(i);
      else
        for (const head of heads) {
          const listed = index!.byHead.get(head);
          if (listed) listed.push(i);
          else index!.byHead.set(head, [i]);
        }
    });
    rulesByHead.set(rules, index);
  }
  return index;
}

/**
 * The NixOS rules, in rule-set order, that `checkNixModule` can find
 * something for in this module: those naming an option under a top-level
 * name the module defines. Every other rule has no candidate definition
 * there, so this skips them without changing what is found.
 */
export function nixosRulesFor(module: NixModule, rules: readonly Rule[]): Rule[] {
  if (module.definitions.length === 0) return [];
  const index = indexRulesByHead(rules);
  const picked = new Set(index.anyHead);
  for (const head of definitionsByFirstName(module).keys()) for (const i of index.byHead.get(head) ?? []) picked.add(i);
  return [...picked].sort((a, b) => a - b).map((i) => rules[i]);
}

/**
 * A definition written under an old option name that a rule knows
 * (`services.openssh.permitRootLogin`): NixOS forwards it, with a warning.
 */
export function renamedOptionFindings(file: string, module: NixModule, lines: LineIndex, rules: Rule[]): Finding[] {
  const renames = renamesOf(rules);
  if (renames.size === 0) return [];
  const out: Finding[] = [];
  for (const def of module.definitions) {
    const rename = renames.get(optionKey(def.path));
    if (!rename) continue;
    out.push({
      ruleId: 'nix-renamed-option',
      severity: 'note',
      message: `${formatOptionPath(def.path)} is the old name of ${formatOptionPath(rename.to)}; NixOS forwards it with a warning.`,
      location: { file, range: lines.rangeOf(def.binding) },
      related: [],
      subject: `renamed:${formatOptionPath(def.path)}`,
    });
  }
  return out;
}

const renameTables = new WeakMap<Rule[], Map<string, { from: string[]; to: string[] }>>();

/** The old option names the rules know (by path, segments joined by NUL), computed once per rule set; the first rule naming one wins. */
function renamesOf(rules: Rule[]): Map<string, { from: string[]; to: string[] }> {
  let table = renameTables.get(rules);
  if (!table) {
    table = new Map();
    for (const pair of rules.flatMap(ruleRenames)) if (!table.has(optionKey(pair.from))) table.set(optionKey(pair.from), pair);
    renameTables.set(rules, table);
  }
  return table;
}
