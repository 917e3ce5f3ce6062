import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { promises as fs } from 'fs';
import * as path from 'path';
import { Document, isMap, isScalar, Node as YamlNode } from 'yaml';
import { controlProblem, Framework, loadFrameworks } from '../controls/registry';
import { LocatedError } from '../source/errors';
import { MAX_INPUT_BYTES, readText, realDirectories } from '../source/read-text';
import { readYamlInput } from '../source/yaml-input';
import { catastrophicBacktracking } from '../source/regex-safety';
import { locatedSchemaError } from '../source/schema-errors';
import type { Rule } from './rule';
import ruleSchema from './rule.schema.json';
import { NAMED_PREDICATES } from './named-predicates';
import { CONTROLS_DIR, DATA_DIR } from './rule-dirs';
import { compareText } from '../source/compare-text';


let validator: ValidateFunction | undefined;

function validate(data: unknown): ErrorObject[] {
  if (!validator) {
    const ajv = new Ajv({ allErrors: false, strict: true });
    addFormats(ajv, ['uri', 'regex']);
    validator = ajv.compile(ruleSchema);
  }
  return validator(data) ? [] : (validator.errors ?? []);
}

/**
 * Loads every `*.yaml` rule under the given directories (`<dir>/<target>/<ID>.yaml`),
 * validated against the rule schema. The first problem stops loading with a
 * `LocatedError` (`file:line:col: what is wrong`).
 */
export async function loadRules(dirs: string[], displayBase = process.cwd(), frameworks: Framework[] = loadFrameworks(dirs, displayBase)): Promise<Rule[]> {
  const rules: Rule[] = [];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    for (const file of await listRuleFiles(dir)) {
      const display = path.relative(displayBase, file) || file;
      // A rule file is a regular file inside its rule directory, of a sensible size.
      const read = readText(file, { maxBytes: MAX_INPUT_BYTES, within: realDirectories([dir]), withinName: 'its rule directory' });
      if (read.kind === 'error') throw new LocatedError(display, 1, 1, `the rule file cannot be read: ${read.reason}`);
      const rule = parseRule(read.text, display, path.relative(dir, file).split(path.sep).join('/'), frameworks);
      const previous = seen.get(rule.id);
      if (previous) throw new LocatedError(display, 1, 1, `rule ${rule.id} is already defined in ${previous}`);
      seen.set(rule.id, display);
      rules.push(rule);
    }
  }
  return rules.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

async function listRuleFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    throw new LocatedError(dir, 1, 1, 'rule directory cannot be read');
  }
  for (const entry of entries.sort((a, b) => compareText(a.name, b.name))) {
    const full = path.join(dir, entry.name);
    // The control registry and the data some predicates read (release lifecycles) are not rules.
    if (entry.isDirectory() && (entry.name === CONTROLS_DIR || entry.name === DATA_DIR)) continue;
    if (entry.isDirectory()) out.push(...(await listRuleFiles(full)));
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** Parses and validates one rule file's text; its controls are checked against the registry. */
export function parseRule(text: string, display: string, source: string, frameworks: Framework[] = loadFrameworks()): Rule {
  const { doc, lineCounter, data: parsed } = readYamlInput(text, display);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const data = parsed as any;
  const at = (offset: number) => lineCounter.linePos(offset);
  const errors = validate(data);
  if (errors.length > 0) {
    throw locatedSchemaError(display, doc, lineCounter, errors[0], 'the rule');
  }
  const fail = (where: (string | number)[], message: string): never => {
    const node = doc.getIn(where, true) as YamlNode | undefined;
    const pos = at(node?.range?.[0] ?? 0);
    throw new LocatedError(display, pos.line, pos.col, message);
  };
  for (const { value: name, at: where } of findKeys(data, ['named'])) {
    if (!NAMED_PREDICATES[name]) fail(where, `unknown named predicate "${name}" (known: ${Object.keys(NAMED_PREDICATES).join(', ')})`);
  }
  for (const { key, value: pattern, at: where } of findKeys(data, ['matches', 'notMatches'])) {
    const problem = catastrophicBacktracking(pattern);
    if (problem) fail(where, `${key}: "${pattern}" is refused: ${problem}; rewrite it without the nesting`);
  }
  const problem = sourceProblem(data) ?? undescribedPattern(data) ?? controlProblem(data.controls, frameworks);
  if (problem) {
    const node = ('atKey' in problem && problem.atKey ? keyNode(doc, problem.at) : doc.getIn(problem.at, true)) as YamlNode | undefined;
    const pos = at(node?.range?.[0] ?? 0);
    throw new LocatedError(display, pos.line, pos.col, problem.message);
  }
  const expected = path.basename(display).replace(/\.ya?ml$/, '');
  if (data.id !== expected) {
    const pos = at((doc.contents as YamlNode | null)?.range?.[0] ?? 0);
    throw new LocatedError(display, pos.line, pos.col, `id ${data.id} does not match the file name ${expected}`);
  }
  return {
    id: data.id,
    title: data.title,
    target: data.target,
    subject: data.subject,
    ...(data.default !== undefined ? { default: data.default } : {}),
    ...(data.when ? { when: data.when } : {}),
    violations: data.violations,
    securitySeverity: data['security-severity'],
    tags: data.tags ?? [],
    level: data.level ?? 'standard',
    ...(data.hostTypes ? { hostTypes: data.hostTypes } : {}),
    ...(data.since ? { since: data.since } : {}),
    ...(data.until ? { until: data.until } : {}),
    controls: data.controls,
    rationale: data.rationale.trim(),
    remediation: data.remediation,
    references: data.references ?? [],
    ...(data.fix ? { fix: data.fix } : {}),
    source,
  };
}

/** Every string under one of `keys`, anywhere in the rule (predicates nest in `all`, `any`, `not`). */
function findKeys(value: unknown, keys: string[], where: (string | number)[] = [], out: { key: string; value: string; at: (string | number)[] }[] = []) {
  if (Array.isArray(value)) value.forEach((v, i) => findKeys(v, keys, [...where, i], out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (keys.includes(k) && typeof v === 'string') out.push({ key: k, value: v, at: [...where, k] });
      else findKeys(v, keys, [...where, k], out);
    }
  }
  return out;
}

/**
 * What the schema cannot say about a rule's several options: a violation's
 * `only` names one of them, and a sshd or systemd text names the key it reads.
 */
type SourceData = { option: string; text?: { format: string; key?: string } };

function sourceProblem(data: { subject: Partial<SourceData> & { also?: SourceData[] }; violations: { only?: string[] }[]; fix?: { options?: string[]; values?: Record<string, unknown> } }): { at: (string | number)[]; message: string; atKey?: boolean } | undefined {
  const subject = data.subject;
  if ('document' in subject) {
    // A Talos violation's `only` names paths of the subject.
    const paths = (subject as { paths?: string[]; path?: string }).paths ?? [(subject as { path?: string }).path ?? ''];
    for (const [i, v] of data.violations.entries()) {
      for (const [j, only] of (v.only ?? []).entries()) {
        if (!paths.includes(only)) return { at: ['violations', i, 'only', j], message: `violations[${i}].only names ${only}, which is not one of the rule's paths (${paths.join(', ')})` };
      }
    }
    return undefined;
  }
  if (subject.option === undefined) return undefined;
  const sources: { source: SourceData; at: (string | number)[] }[] = [
    { source: subject as SourceData, at: ['subject'] },
    ...(subject.also ?? []).map((source, i) => ({ source, at: ['subject', 'also', i] })),
  ];
  const options = sources.flatMap(({ source }) => [source.option, ...(source.text?.key ? [`${source.option}#${source.text.key}`] : [])]);
  for (const { source, at } of sources) {
    if (source.text && source.text.format !== 'sudoers' && !source.text.key) {
      return { at: [...at, 'text'], message: `a ${source.text.format} text needs the key it reads (text.key)` };
    }
  }
  for (const [i, v] of data.violations.entries()) {
    for (const [j, only] of (v.only ?? []).entries()) {
      if (!options.includes(only)) return { at: ['violations', i, 'only', j], message: `violations[${i}].only names ${only}, which is not one of the rule's options (${options.join(', ')})` };
    }
  }
  for (const [i, option] of (data.fix?.options ?? []).entries()) {
    if (!options.includes(option)) return { at: ['fix', 'options', i], message: `fix.options names ${option}, which is not one of the rule's options (${options.join(', ')})` };
  }
  for (const option of Object.keys(data.fix?.values ?? {})) {
    if (!options.includes(option)) return { at: ['fix', 'values', option], atKey: true, message: `fix.values names ${option}, which is not one of the rule's options (${options.join(', ')})` };
  }
  return undefined;
}

/** A test with a regex (`matches`, `notMatches`) needs `describe`: the docs and `explain` say what it means, not the pattern. */
function undescribedPattern(data: {
  violations: { test: unknown; describe?: string }[];
  when?: { test: unknown; describe?: string };
  subject: { also?: { passWhen?: unknown; describe?: string }[] };
}): { at: (string | number)[]; message: string } | undefined {
  const hasPattern = (test: unknown): boolean => JSON.stringify(test ?? null).includes('"matches"') || JSON.stringify(test ?? null).includes('"notMatches"');
  for (const [i, v] of data.violations.entries()) {
    if (hasPattern(v.test) && !v.describe) return { at: ['violations', i, 'test'], message: `violations[${i}] tests a pattern: say what it matches in words (describe)` };
  }
  if (data.when && hasPattern(data.when.test) && !data.when.describe) return { at: ['when', 'test'], message: 'when tests a pattern: say what it matches in words (describe)' };
  for (const [i, a] of (data.subject.also ?? []).entries()) {
    if (hasPattern(a.passWhen) && !a.describe) return { at: ['subject', 'also', i, 'passWhen'], message: `subject.also[${i}].passWhen tests a pattern: say what it matches in words (describe)` };
  }
  return undefined;
}

/** The key node of a map entry (`controls.pci`), to point at the name rather than its value. */
function keyNode(doc: Document, at: (string | number)[]): unknown {
  const parent = doc.getIn(at.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  return parent.items.find((pair) => isScalar(pair.key) && pair.key.value === at[at.length - 1])?.key;
}
