import { redacted } from '../redaction/secrets';
import type { Finding, RelatedLocation } from '../findings/finding';
import { conditionsHold, NixModule, OptionDefinition } from '../nix/module';
import type { LineIndex } from '../source/position';
import { formatOptionPath, hasWildcard, matchesPattern, parseOptionPath } from '../nix/option-path';
import { toPlain } from '../nix/value';
import type { PredicateContext } from './predicates';
import type { Rule } from './rule';
import { firstExplicitViolation, violationFinding } from './violation';

/**
 * Explicit values in one module file: every definition of the rule's option
 * (or one of its old names) whose value is known and violates the rule.
 */
export function checkNixModule(file: string, module: NixModule, lines: LineIndex, rule: Rule, ctx: PredicateContext): Finding[] {
  const paths = subjectPaths(rule);
  if (!paths) return [];
  const option = paths[0];
  const out: Finding[] = [];
  for (const def of candidates(module, paths)) {
    if (!paths.some((p) => matchesPattern(p, def.path))) continue;
    const holds = conditionsHold(def);
    if (holds === false) continue;
    const value = toPlain(def.value);
    if (value === undefined) continue;
    const violation = firstExplicitViolation(rule, value, ctx);
    if (!violation) continue;
    const related: RelatedLocation[] = [];
    const origin = def.value.origin?.span;
    if (origin && (origin.start < def.binding.start || origin.start >= def.binding.end)) {
      related.push({ file, range: lines.rangeOf(origin), message: 'the value is written here' });
    }
    const finding = violationFinding(rule, violation, value, { path: formatOptionPath(def.path) }, {
      file,
      range: lines.rangeOf(def.binding),
      related,
      subject: `${formatOptionPath(hasWildcard(option) ? def.path : option)}=${JSON.stringify(redacted(value, def.path, 'nixos'))}`,
      valuePath: def.path,
    });
    if (holds === undefined) {
      const when = def.conditions
        .filter((c) => c.value.kind !== 'bool')
        .map((c) => `\`${c.text}\``)
        .join(' and ');
      finding.message = `${finding.message.replace(/\.$/, '')} (only when ${when}).`;
    }
    out.push(finding);
  }
  return out;
}

const parsedSubjects = new WeakMap<Rule, string[][] | null>();

/** The rule's option and old names, parsed once per rule (this runs for every rule on every file). */
function subjectPaths(rule: Rule): string[][] | undefined {
  let paths = parsedSubjects.get(rule);
  if (paths === undefined) {
    paths = 'option' in rule.subject ? [parseOptionPath(rule.subject.option), ...(rule.subject.aliases ?? []).map(parseOptionPath)] : null;
    parsedSubjects.set(rule, paths);
  }
  return paths ?? undefined;
}

const byFirstName = new WeakMap<NixModule, Map<string, OptionDefinition[]>>();
const NONE: OptionDefinition[] = [];

/** The definitions that can match the paths: those under the same top-level name (`services`, `nix`, …). */
function candidates(module: NixModule, paths: string[][]): OptionDefinition[] {
  if (paths.some((p) => p[0] === '*')) return module.definitions;
  let index = byFirstName.get(module);
  if (!index) {
    index = new Map();
    for (const def of module.definitions) {
      const list = index.get(def.path[0]);
      if (list) list.push(def);
      else index.set(def.path[0], [def]);
    }
    byFirstName.set(module, index);
  }
  const heads = new Set(paths.map((p) => p[0]));
  if (heads.size === 1) return index.get(paths[0][0]) ?? NONE;
  return [...heads].flatMap((head) => index!.get(head) ?? []);
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
    const rename = renames.get(def.path.join('\u0000'));
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
    for (const r of rules) {
      const pairs: { from: string[]; to: string[] }[] = [];
      if ('option' in r.subject) for (const a of r.subject.aliases ?? []) pairs.push({ from: parseOptionPath(a), to: parseOptionPath(r.subject.option) });
      if (r.when) for (const a of r.when.aliases ?? []) pairs.push({ from: parseOptionPath(a), to: parseOptionPath(r.when.option) });
      for (const pair of pairs) if (!table.has(pair.from.join('\u0000'))) table.set(pair.from.join('\u0000'), pair);
    }
    renameTables.set(rules, table);
  }
  return table;
}
