import type { Finding } from '../findings/finding';
import { parseNix, parseNixFlat } from '../nix/parser';
import { convertFlat, convertTree, NixNode } from '../nix/syntax';
import { formatOptionPath, hasWildcard, parseOptionPath } from '../nix/option-path';
import type { Rule } from '../rules/rule';
import type { LineIndex } from '../source/position';
import type { ReportedFix } from '../report/result';
import type { FixPlan, TextEdit } from './edit';
import { insertion, nixLiteral, valueSpan } from './nix-fix';
import { scalarSpan, yamlInsertion, yamlScalar } from './yaml-fix';

/**
 * The fix engine, shared by `check --fix` and the language server: a rule's
 * `fix` turned into the text edits that make one finding's value compliant.
 * - A written value is replaced where it is written (the winning definition,
 *   through wrappers and bindings; the Talos patch or node file that set it).
 * - A value that is bad by default (nothing written) is added: to each
 *   host's own module, or to the complete Talos machine config.
 * Pure over the texts it is given: it reads and writes no file.
 */
export interface FixSources {
  /** The text of a file (report path) as it is now; undefined when it cannot be read or lies outside the scanned tree. */
  text(file: string): string | undefined;
  /** The syntax tree of that text (`source_code`), when the caller already has it. */
  nixSyntax?(file: string): NixNode | undefined;
  /**
   * The module a setting of a host goes into: the first module file of the
   * host that no other host imports (its `configuration.nix`); or why there
   * is none. Undefined where the caller does not know the hosts.
   */
  hostModule?(host: string): string | { why: string };
}

/** A finding on a value no file writes: the rule judged the upstream default. */
export function isDefaultFinding(finding: Finding): boolean {
  return finding.subject === `${finding.ruleId}@default`;
}

export function planFix(finding: Finding, rule: Rule | undefined, sources: FixSources): FixPlan {
  if (!rule?.fix) return { kind: 'none', why: 'the rule has no fix' };
  const fix = rule.fix;
  const safety = fix.unsafe ? { safe: false, unsafe: fix.unsafe } : { safe: true };
  const made = (description: string, edits: TextEdit[]): FixPlan => ({ kind: 'fix', fix: { ruleId: rule.id, description, ...safety, edits } });
  const text = sources.text(finding.location.file);
  if (text === undefined) return { kind: 'none', why: `${finding.location.file} cannot be edited` };
  const offset = finding.location.range.start.offset;

  if ('option' in rule.subject) {
    if (isDefaultFinding(finding)) {
      const unset = (finding.defaults ?? [rule.subject.option]).filter((o) => fixValue(fix, o) !== undefined);
      if (unset.length === 0) return { kind: 'none', why: `the fix is for ${fix.options!.join(' and ')}, which are set` };
      const literals = unset.map((option) => ({ option, literal: nixLiteral(fixValue(fix, option)) }));
      if (literals.some((l) => l.literal === undefined)) return { kind: 'none', why: 'the fix value has no Nix literal' };
      return nixDefaultFix(finding, literals as { option: string; literal: string }[], sources, made);
    }
    // A value right for one of the options the rule reads may be wrong for another ("!" locks a hash, but is a password).
    const judged = subjectPath(finding, rule.subject.option);
    const value = fixValue(fix, judged);
    if (value === undefined) return { kind: 'none', why: `the fix is for ${fix.options!.join(' and ')}, not ${judged}` };
    const literal = nixLiteral(value);
    if (literal === undefined) return { kind: 'none', why: 'the fix value has no Nix literal' };
    const span = valueSpan(syntaxOf(finding.location.file, text, sources), offset);
    if ('why' in span) return { kind: 'none', why: span.why };
    return made(`set ${judged} = ${literal}`, [{ file: finding.location.file, start: span.start, end: span.end, text: literal }]);
  }

  if ('document' in rule.subject) {
    const scalar = yamlScalar(fix.value);
    if (scalar === undefined) return { kind: 'none', why: 'the fix value is not a single YAML value' };
    if (isDefaultFinding(finding)) {
      const path = rule.subject.path;
      if (!path || hasWildcard(path.split('.')) || finding.location.range.start.offset !== finding.location.range.end.offset) {
        return { kind: 'none', why: 'there is no single place to add the setting' };
      }
      const edit = yamlInsertion(text, offset, path.split('.'), fix.value);
      if ('why' in edit) return { kind: 'none', why: edit.why };
      return made(`add ${path}: ${scalar}`, [{ file: finding.location.file, ...edit }]);
    }
    const span = scalarSpan(text, offset);
    if ('why' in span) return { kind: 'none', why: span.why };
    return made(`set ${subjectPath(finding, rule.subject.path ?? '')}: ${scalar}`, [{ file: finding.location.file, start: span.start, end: span.end, text: scalar }]);
  }
  return { kind: 'none', why: 'the rule has no fix for this kind of file' };
}

/**
 * A finding's fix as reporters show it (JSON `fix`, SARIF `fixes`): its
 * edits as ranges of the files as they are (`lines`); undefined where the
 * finding has none declint can write.
 */
export function reportedFix(finding: Finding, rule: Rule, sources: FixSources, lines: (file: string) => LineIndex): ReportedFix | undefined {
  const plan = planFix(finding, rule, sources);
  if (plan.kind !== 'fix') return undefined;
  const { edits, ruleId: _ruleId, ...rest } = plan.fix;
  return { ...rest, edits: edits.map((e) => ({ file: e.file, range: lines(e.file).range(e.start, e.end), text: e.text })) };
}

/** What tells a finding's fix planned while its file was checked from the finding at the end of the run. */
export function plannedFixKey(finding: Finding): string {
  return [finding.ruleId, finding.location.file, finding.location.range.start.offset, finding.subject ?? ''].join('\u0000');
}

/** The value a rule's fix writes into an option: its own (`values`), else `value` where `options` allows it. */
export function fixValue(fix: NonNullable<Rule['fix']>, option: string): unknown {
  if (fix.values && option in fix.values) return fix.values[option];
  return !fix.options || fix.options.includes(option) ? fix.value : undefined;
}

/** The defaults a host keeps (each option the finding names), written into each host's own module. */
function nixDefaultFix(finding: Finding, settings: { option: string; literal: string }[], sources: FixSources, made: (d: string, e: TextEdit[]) => FixPlan): FixPlan {
  const paths = settings.map((s) => ({ path: parseOptionPath(s.option), literal: s.literal }));
  if (paths.some((p) => hasWildcard(p.path))) return { kind: 'none', why: 'the option has no single name to add' };
  const hosts = finding.hosts ?? [];
  if (hosts.length === 0 || !sources.hostModule) return { kind: 'none', why: 'the host’s own module is not known here' };
  const edits: TextEdit[] = [];
  for (const host of hosts) {
    // A specialisation's settings live inside its parent's module: not edited automatically.
    if (host.includes('/')) return { kind: 'none', why: `${host} is a specialisation` };
    const module = sources.hostModule(host);
    if (typeof module !== 'string') return { kind: 'none', why: module.why };
    const text = sources.text(module);
    if (text === undefined) return { kind: 'none', why: `${module} cannot be edited` };
    const tree = syntaxOf(module, text, sources);
    for (const { path, literal } of paths) {
      const at = insertion(text, tree, path, literal);
      if ('why' in at) return { kind: 'none', why: `${module}: ${at.why}` };
      // Settings added at one place follow each other in the order the finding names them.
      const same = edits.find((e) => e.file === module && e.start === at.at);
      if (same) same.text += at.text;
      else edits.push({ file: module, start: at.at, end: at.at, text: at.text });
    }
  }
  return made(`add ${paths.map((p) => `${formatOptionPath(p.path)} = ${p.literal}`).join(', ')} to ${[...new Set(edits.map((e) => e.file))].join(', ')}`, edits);
}

function syntaxOf(file: string, text: string, sources: FixSources): NixNode {
  return sources.nixSyntax?.(file) ?? parseNixSyntax(text);
}

/** The syntax tree of a Nix text; one with a syntax error has the parts tree-sitter recovers. */
export function parseNixSyntax(text: string): NixNode {
  const flat = parseNixFlat(text);
  return flat ? convertFlat(flat, text) : convertTree(parseNix(text), text, false);
}

/** The concrete path a finding is about (`users.users.alice.…` for a wildcard rule), from its subject. */
function subjectPath(finding: Finding, fallback: string): string {
  const subject = finding.subject ?? '';
  const eq = subject.indexOf('=');
  return eq > 0 ? subject.slice(0, eq) : fallback;
}
