import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { promises as fs } from 'fs';
import * as path from 'path';
import type { Node as YamlNode } from 'yaml';
import { LocatedError } from '../source/errors';
import { MAX_INPUT_BYTES, readText, realDirectories } from '../source/read-text';
import { readYamlInput } from '../source/yaml-input';
import { catastrophicBacktracking } from './regex-safety';
import { locatedSchemaError } from '../source/schema-errors';
import type { Rule } from './rule';
import ruleSchema from './rule.schema.json';
import { NAMED_PREDICATES } from './named-predicates';

/** `rules/controls/` holds the control registry, not rules. */
export const CONTROLS_DIR = 'controls';

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
export async function loadRules(dirs: string[], displayBase = process.cwd()): Promise<Rule[]> {
  const rules: Rule[] = [];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    for (const file of await listRuleFiles(dir)) {
      const display = path.relative(displayBase, file) || file;
      // A rule file is a regular file inside its rule directory, of a sensible size.
      const read = readText(file, { maxBytes: MAX_INPUT_BYTES, within: realDirectories([dir]), withinName: 'its rule directory' });
      if (read.kind === 'error') throw new LocatedError(display, 1, 1, `the rule file cannot be read: ${read.reason}`);
      const rule = parseRule(read.text, display, path.relative(dir, file).split(path.sep).join('/'));
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
    if (entry.isDirectory() && entry.name === CONTROLS_DIR) continue; // the control registry, not rules
    if (entry.isDirectory()) out.push(...(await listRuleFiles(full)));
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** Parses and validates one rule file's text. */
export function parseRule(text: string, display: string, source: string): Rule {
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
