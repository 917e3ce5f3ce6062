import * as fs from 'fs';
import * as path from 'path';
import { PACKAGE_ROOT } from '../package-root';
import { LocatedError } from '../source/errors';
import { describeReadError, MAX_INPUT_BYTES, readText, realDirectories } from '../source/read-text';
import registrySchema from './registry.schema.json';

/**
 * One framework of the control registry: `rules/controls/<framework>.yaml`
 * for the built-in ones, `<ruleDir>/controls/<framework>.yaml` for a team's
 * own (an internal policy, a customer's control catalogue).
 */
export interface Framework {
  key: string;
  title: string;
  url?: string;
  controls: { id: string; title: string }[];
  /**
   * The registry lists every control of the framework (within `scope`), so a
   * control it lacks does not exist and one no rule covers can be named.
   * Registries held in part list only the controls rules map to.
   */
  complete: boolean;
  /** For a complete registry of part of a framework: a regex of the IDs it holds in full (NIS2 Article 21(2)). */
  scope?: string;
  /** Where the registry file is (a custom one), for messages. */
  file?: string;
}

export const CONTROLS_PATH = path.join(PACKAGE_ROOT, 'rules', 'controls');
/** The folder of a rules directory that holds its control registry. */
import { CONTROLS_DIR } from '../rules/rule-dirs';

export { CONTROLS_DIR };

const cache = new Map<string, Framework[]>();

/**
 * The frameworks rules map to: the built-in registry, and the registries of
 * custom rule directories (`<dir>/controls/*.yaml`). A custom framework may
 * not reuse a built-in key; its file's mistakes stop with `file:line:col`.
 */
export function loadFrameworks(ruleDirs: string[] = [], displayBase = process.cwd()): Framework[] {
  const builtin = cache.get(CONTROLS_PATH) ?? readBuiltin();
  cache.set(CONTROLS_PATH, builtin);
  const out = [...builtin];
  for (const dir of ruleDirs) {
    const controls = path.resolve(dir, CONTROLS_DIR);
    if (controls === CONTROLS_PATH || !fs.existsSync(controls)) continue;
    let names: string[];
    try {
      names = fs.readdirSync(controls);
    } catch (error) {
      throw new LocatedError(path.relative(displayBase, controls) || controls, 1, 1, `the control registry folder cannot be read: ${describeReadError(error)}`);
    }
    for (const file of names.filter((f) => /\.ya?ml$/.test(f)).sort()) {
      const full = path.join(controls, file);
      const display = path.relative(displayBase, full) || full;
      // Like a rule file: a regular file inside its folder, of a sensible size.
      const read = readText(full, { maxBytes: MAX_INPUT_BYTES, within: realDirectories([controls]), withinName: 'its controls folder' });
      if (read.kind === 'error') throw new LocatedError(display, 1, 1, `the framework registry cannot be read: ${read.reason}`);
      const framework = readCustom(read.text, display);
      const clash = out.find((f) => f.key === framework.key);
      if (clash) throw new LocatedError(display, 1, 1, `framework ${framework.key} is already defined${clash.file ? ` in ${clash.file}` : ' by declint'}`);
      out.push(framework);
    }
  }
  return out;
}

function readBuiltin(): Framework[] {
  return fs
    .readdirSync(CONTROLS_PATH)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => toFramework(yamlParse(fs.readFileSync(path.join(CONTROLS_PATH, f), 'utf8')) as RegistryData));
}

interface RegistryData {
  framework: string;
  title: string;
  url?: string;
  complete?: boolean;
  scope?: string;
  controls: { id: string | number; title: string }[];
}

function toFramework(data: RegistryData, file?: string): Framework {
  return {
    key: data.framework,
    title: data.title,
    ...(data.url ? { url: data.url } : {}),
    complete: data.complete === true,
    ...(data.scope ? { scope: data.scope } : {}),
    controls: data.controls.map((c) => ({ id: String(c.id), title: c.title })),
    ...(file ? { file } : {}),
  };
}

/** A custom registry file, validated against the registry schema. */
function readCustom(text: string, display: string): Framework {
  const Ajv = (require('ajv') as typeof import('ajv')).default;
  const addFormats = (require('ajv-formats') as typeof import('ajv-formats')).default;
  const { locatedSchemaError } = require('../source/schema-errors') as typeof import('../source/schema-errors');
  const { readYamlInput } = require('../source/yaml-input') as typeof import('../source/yaml-input');
  const { doc, lineCounter, data: parsed } = readYamlInput(text, display);
  const data = parsed as RegistryData;
  const ajv = new Ajv({ allErrors: false, strict: true });
  addFormats(ajv, ['uri', 'regex']);
  const validate = ajv.compile(registrySchema);
  if (!validate(data)) throw locatedSchemaError(display, doc, lineCounter, validate.errors![0], 'the framework registry');
  const seen = new Set<string>();
  for (const [i, control] of data.controls.entries()) {
    const id = String(control.id);
    if (seen.has(id)) {
      const pos = lineCounter.linePos((doc.getIn(['controls', i, 'id'], true) as { range?: number[] } | undefined)?.range?.[0] ?? 0);
      throw new LocatedError(display, pos.line, pos.col, `control ${id} is listed twice`);
    }
    seen.add(id);
  }
  return toFramework(data, display);
}

/** The title of a control, or undefined when the registry does not know the ID. */
export function controlTitle(frameworks: Framework[], framework: string, id: string): string | undefined {
  return frameworks.find((f) => f.key === framework)?.controls.find((c) => c.id === id)?.title;
}

/**
 * What is wrong with a rule's `controls` against the registry: a framework
 * or a control ID it does not know (a typo would otherwise map a rule to
 * nothing). `at` is the path of the offending key or item in the rule file.
 */
export function controlProblem(controls: Record<string, (string | number)[]>, frameworks: Framework[]): { at: (string | number)[]; message: string; atKey?: boolean } | undefined {
  for (const [key, ids] of Object.entries(controls)) {
    const framework = frameworks.find((f) => f.key === key);
    if (!framework) {
      return { at: ['controls', key], atKey: true, message: `controls names an unknown framework "${key}" (known: ${frameworks.map((f) => f.key).join(', ')}; a custom one is declared in <rules dir>/controls/${key}.yaml)` };
    }
    const known = new Set(framework.controls.map((c) => c.id));
    for (const [i, id] of ids.entries()) {
      if (typeof id !== 'string') return { at: ['controls', key, i], message: `write the control ID ${id} as a string ("${id}"): YAML reads it as a number` };
      if (!known.has(id)) {
        return { at: ['controls', key, i], message: `${framework.title} has no control ${id}${framework.file ? ` (see ${framework.file})` : ''}` };
      }
    }
  }
  return undefined;
}

/** ISO/IEC 27001:2013 Annex A control → its ISO/IEC 27001:2022 equivalents (ISO/IEC 27002:2022 Annex B). */
export function loadIso2013Mapping(dir = CONTROLS_PATH): Record<string, string[]> {
  const data = yamlParse(fs.readFileSync(path.join(dir, 'mappings', 'iso27001-2013.yaml'), 'utf8')) as { mapping: Record<string, string[]> };
  return data.mapping;
}

/** YAML, loaded only when the registry is read (a SARIF output, a report), not on every check. */
function yamlParse(text: string): unknown {
  return (require('yaml') as typeof import('yaml')).parse(text);
}
