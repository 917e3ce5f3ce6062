import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { promises as fs } from 'fs';
import * as path from 'path';
import { Document, isMap, isScalar, LineCounter, Node as YamlNode, parseDocument } from 'yaml';
import { controlProblem, Framework, loadFrameworks } from '../controls/registry';
import { LocatedError } from '../source/errors';

import { locatedSchemaError } from '../source/schema-errors';
import type { Rule } from './rule';
import ruleSchema from './rule.schema.json';
import { NAMED_PREDICATES } from './named-predicates';
import { CONTROLS_DIR, DATA_DIR } from './rule-dirs';


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
      const text = await fs.readFile(file, 'utf8');
      const rule = parseRule(text, display, path.relative(dir, file).split(path.sep).join('/'), frameworks);
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
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
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
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const pos = at(error.pos[0]);
    throw new LocatedError(display, pos.line, pos.col, error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''));
  }
  const data = doc.toJS();
  const errors = validate(data);
  if (errors.length > 0) {
    throw locatedSchemaError(display, doc, lineCounter, errors[0], 'the rule');
  }
  for (const { name, at: where } of findNamedPredicates(data)) {
    if (!NAMED_PREDICATES[name]) {
      const node = doc.getIn(where, true) as YamlNode | undefined;
      const pos = at(node?.range?.[0] ?? 0);
      throw new LocatedError(display, pos.line, pos.col, `unknown named predicate "${name}" (known: ${Object.keys(NAMED_PREDICATES).join(', ')})`);
    }
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

function findNamedPredicates(value: unknown, where: (string | number)[] = [], out: { name: string; at: (string | number)[] }[] = []) {
  if (Array.isArray(value)) value.forEach((v, i) => findNamedPredicates(v, [...where, i], out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'named' && typeof v === 'string') out.push({ name: v, at: [...where, k] });
      else findNamedPredicates(v, [...where, k], out);
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
