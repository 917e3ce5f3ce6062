import * as fs from 'fs';
import * as path from 'path';
import type { Node as YamlNode } from 'yaml';
import { LocatedError } from '../source/errors';
import { isInside } from '../source/paths';
import { MAX_INPUT_BYTES, readText, realDirectories } from '../source/read-text';
import { DEFAULT_FLAKE_POLICY, FlakePolicy } from '../flake/policy';

export type Level = 'minimal' | 'standard' | 'strict' | 'paranoid';
export const LEVELS: readonly Level[] = ['minimal', 'standard', 'strict', 'paranoid'];

export interface Exception {
  rule: string;
  rationale: string;
  hosts?: string[];
  paths?: string[];
  /** `YYYY-MM-DD`: the exception stops applying after this day. */
  expires?: string;
  owner?: string;
  ticket?: string;
  /** Where the exception is written, for findings about it. */
  line: number;
  column: number;
}

/** `.declint.yaml`, validated and with its defaults filled in. */
export interface Config {
  /** The config file, as given or found (for messages). */
  file: string;
  /** Selected frameworks with their variant (`nis2: { entityType: essential }`). */
  frameworks?: { key: string; variant: Record<string, string> }[];
  level?: Level;
  hostTypes: Record<string, 'server' | 'workstation' | 'appliance'>;
  excludeTags: string[];
  rules: Record<string, 'off' | 'note' | 'warning' | 'error'>;
  /** `enforce`: findings fail the run; `report`: they are reported and the exit code is 0. */
  mode: 'enforce' | 'report';
  ignore: string[];
  /** Absolute directories of custom rules. */
  ruleDirs: string[];
  exceptions: Exception[];
  /** `flakes:` — stale nixpkgs age and approved flake sources. */
  flakes?: FlakePolicy;
  /** Where each `rules` / `exceptions` key is written, to report unknown rule IDs at their line. */
  ruleKeyPositions: { id: string; line: number; column: number }[];
  /** Where each selected framework is written, to report an unknown one at its line. */
  frameworkPositions: { id: string; line: number; column: number }[];
  /** Where `level` is written (line 1 when it is not). */
  levelPosition?: { line: number; column: number };
  /** Where each `flakes.nixpkgsKeys` entry is written, to report a key no lock file has at its line. */
  nixpkgsKeyPositions?: { id: string; line: number; column: number }[];
  /** `hosts:` — hosts declared by hand (module paths made absolute). */
  hosts?: DeclaredHost[];
  /** `report:` — the evidence report's document control (organisation, system, scope, preparer, reviewer, repository URL). */
  report?: ReportSettings;
}

/** A host declared in `.declint.yaml` (`hosts.<name>`), for what host discovery cannot read. */
export interface DeclaredHost {
  name: string;
  /** Absolute paths of its root modules. */
  modules: string[];
  specialArgs: Record<string, unknown>;
  role?: 'host' | 'vm' | 'iso' | 'test' | 'template';
  /** Where the declaration is written. */
  line: number;
  column: number;
  offset: number;
}

export interface ReportSettings {
  organisation?: string;
  system?: string;
  scope?: string;
  preparer?: string;
  reviewer?: string;
  /** The repository's web address, for evidence permalinks (else read from `git remote`). */
  repoUrl?: string;
}

export const CONFIG_NAMES = ['.declint.yaml', '.declint.yml'];

/** What applies without a `.declint.yaml`: every framework, the standard level, findings fail the run. */
export const DEFAULT_CONFIG: Config = {
  file: '(defaults)',
  hostTypes: {},
  excludeTags: [],
  rules: {},
  mode: 'enforce',
  ignore: [],
  ruleDirs: [],
  exceptions: [],
  ruleKeyPositions: [],
  frameworkPositions: [],
};

/** The config file in `dir` or the nearest folder above it, if any. */
export function findConfig(dir: string): string | undefined {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    for (const name of CONFIG_NAMES) {
      const candidate = path.join(current, name);
      if (fs.existsSync(candidate)) return candidate;
    }
    if (path.dirname(current) === current) return undefined;
  }
}

/**
 * Reads and validates a config file; mistakes stop with `file:line:col: what
 * is wrong`. A config found in a directory must be a regular file that
 * lies in that directory's tree (a symlink to `/etc/passwd` or a FIFO is
 * refused); one named with `--config` may be anywhere, but is a regular file
 * too. Both are read up to MAX_INPUT_BYTES.
 */
export function loadConfig(file: string, display: string, options: { named?: boolean } = {}): Config {
  const read = readText(file, { maxBytes: MAX_INPUT_BYTES, ...(options.named ? {} : { within: realDirectories([path.dirname(file)]), withinName: 'the directory it is found in' }) });
  if (read.kind === 'error') throw new LocatedError(display, 1, 1, `the configuration file cannot be read: ${read.reason}`);
  // Required here, not at the top: YAML and the validator are loaded only where there is a config file.
  const { isMap, isPair, isScalar, isSeq } = require('yaml') as typeof import('yaml');
  const Ajv = (require('ajv') as typeof import('ajv')).default;
  const { locatedSchemaError } = require('../source/schema-errors') as typeof import('../source/schema-errors');
  const { readYamlInput } = require('../source/yaml-input') as typeof import('../source/yaml-input');
  const schema = (require('./config-schema') as typeof import('./config-schema')).default;
  const { doc, lineCounter, data: parsed } = readYamlInput(read.text, display);
  const data = (parsed ?? {}) as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: false, strict: false });
  const validate = ajv.compile(schema);
  if (!validate(data)) throw locatedSchemaError(display, doc, lineCounter, validate.errors![0], 'the configuration');
  const fail = (where: (string | number)[], message: string): never => {
    const node = doc.getIn(where, true) as YamlNode | undefined;
    const pos = lineCounter.linePos(node?.range?.[0] ?? 0);
    throw new LocatedError(display, pos.line, pos.col, message);
  };
  checkMeaning(data, fail, path.dirname(file));

  const keyPositions = (section: string) => {
    const node = doc.get(section, true) as YamlNode | undefined;
    if (!isMap(node)) return [];
    return node.items.filter(isPair).map((pair) => {
      const key = pair.key as YamlNode;
      const pos = lineCounter.linePos(key.range?.[0] ?? 0);
      return { id: isScalar(key) ? String(key.value) : '', line: pos.line, column: pos.col };
    });
  };
  const keysNode = doc.getIn(['flakes', 'nixpkgsKeys'], true) as YamlNode | undefined;
  const nixpkgsKeyPositions = isSeq(keysNode)
    ? keysNode.items.filter(isScalar).map((item) => {
        const pos = lineCounter.linePos(item.range?.[0] ?? 0);
        return { id: String(item.value), line: pos.line, column: pos.col };
      })
    : undefined;
  const frameworks = data.frameworks;
  const exceptionPositions = keyPositions('exceptions');
  // `frameworks: [a, b]` or `frameworks: { a: {…} }`: each name with its position.
  const frameworkPositions = () => {
    const node = doc.get('frameworks', true) as YamlNode | undefined;
    if (isMap(node)) return keyPositions('frameworks');
    if (!isSeq(node)) return [];
    return node.items.filter(isScalar).map((item) => {
      const pos = lineCounter.linePos(item.range?.[0] ?? 0);
      return { id: String(item.value), line: pos.line, column: pos.col };
    });
  };
  const levelPair = isMap(doc.contents) ? doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'level') : undefined;
  const levelPos = levelPair ? lineCounter.linePos((levelPair.value as YamlNode | undefined)?.range?.[0] ?? 0) : undefined;
  const exceptions = Object.entries((data.exceptions ?? {}) as Record<string, Omit<Exception, 'rule' | 'line' | 'column'>>).map(([rule, e]) => {
    const pos = exceptionPositions.find((p) => p.id === rule) ?? { line: 1, column: 1 };
    return { rule, ...e, expires: e.expires === undefined ? undefined : String(e.expires), line: pos.line, column: pos.column };
  });
  const base = path.dirname(file);
  const hosts = declaredHosts(data.hosts as Record<string, { modules: string[]; specialArgs?: Record<string, unknown>; role?: DeclaredHost['role'] }> | undefined, base, display, doc, lineCounter);
  return {
    file: display,
    ...(frameworks === undefined
      ? {}
      : {
          frameworks: Array.isArray(frameworks)
            ? frameworks.map((key: string) => ({ key, variant: {} }))
            : Object.entries(frameworks as Record<string, Record<string, string> | null>).map(([key, variant]) => ({ key, variant: variant ?? {} })),
        }),
    ...(data.level ? { level: data.level as Level } : {}),
    hostTypes: (data.hostTypes ?? {}) as Config['hostTypes'],
    excludeTags: (data.excludeTags ?? []) as string[],
    rules: (data.rules ?? {}) as Config['rules'],
    mode: (data.mode ?? 'enforce') as Config['mode'],
    ignore: (data.ignore ?? []) as string[],
    ruleDirs: ((data.ruleDirs ?? []) as string[]).map((d) => path.resolve(base, d)),
    exceptions,
    ...(data.flakes ? { flakes: { ...DEFAULT_FLAKE_POLICY, ...(data.flakes as Partial<FlakePolicy>) } } : {}),
    ruleKeyPositions: [...keyPositions('rules'), ...exceptionPositions],
    ...(hosts ? { hosts } : {}),
    ...(nixpkgsKeyPositions ? { nixpkgsKeyPositions } : {}),
    frameworkPositions: frameworkPositions(),
    ...(levelPos ? { levelPosition: { line: levelPos.line, column: levelPos.col } } : {}),
    ...(data.report ? { report: data.report as ReportSettings } : {}),
  };
}

/** `hosts:` with each module made absolute; a module that does not exist stops with its line. */
function declaredHosts(
  hosts: Record<string, { modules: string[]; specialArgs?: Record<string, unknown>; role?: DeclaredHost['role'] }> | undefined,
  base: string,
  display: string,
  doc: import('yaml').Document.Parsed,
  lineCounter: import('yaml').LineCounter,
): DeclaredHost[] | undefined {
  if (!hosts) return undefined;
  const at = (keyPath: (string | number)[]) => {
    const node = doc.getIn(keyPath, true) as YamlNode | undefined;
    return lineCounter.linePos(node?.range?.[0] ?? 0);
  };
  return Object.entries(hosts).map(([name, host]) => {
    const modules = host.modules.map((module, i) => {
      const absolute = path.resolve(base, module);
      if (!fs.existsSync(absolute)) {
        const pos = at(['hosts', name, 'modules', i]);
        throw new LocatedError(display, pos.line, pos.col, `hosts.${name}.modules: ${module} does not exist`);
      }
      return absolute;
    });
    const node = doc.getIn(['hosts', name], true) as YamlNode | undefined;
    const offset = node?.range?.[0] ?? 0;
    const pos = lineCounter.linePos(offset);
    return { name, modules, specialArgs: host.specialArgs ?? {}, ...(host.role ? { role: host.role } : {}), line: pos.line, column: pos.col, offset };
  });
}

/**
 * What the schema cannot say: a rationale of spaces says nothing, a date
 * must exist (2027-02-30 does not), a glob that starts with `./` or `../`
 * (or is `.`) matches no file in gitignore syntax, and custom rules are read
 * only from inside the config's tree.
 */
function checkMeaning(data: Record<string, unknown>, fail: (where: (string | number)[], message: string) => never, dir: string): void {
  const globs = (where: string[], list: unknown) => {
    (Array.isArray(list) ? list : []).forEach((glob: unknown, i) => {
      if (typeof glob === 'string' && neverMatches(glob)) {
        fail([...where, i], `${[...where, i].join('.')} "${glob}" matches no file: patterns are gitignore-style and relative to the scanned directory, without ./ or ../ (e.g. hosts/web/**)`);
      }
    });
  };
  globs(['ignore'], data.ignore);
  for (const [rule, exception] of Object.entries((data.exceptions ?? {}) as Record<string, Record<string, unknown>>)) {
    const rationale = exception.rationale;
    if (typeof rationale === 'string' && rationale.replace(/\s+/g, ' ').trim().length < 10) {
      fail(['exceptions', rule, 'rationale'], `exceptions.${rule}.rationale must say why the exception is accepted (at least 10 characters besides spaces)`);
    }
    const expires = exception.expires;
    if (typeof expires === 'string' && !isCalendarDate(expires)) fail(['exceptions', rule, 'expires'], `exceptions.${rule}.expires is not a date: ${expires} does not exist`);
    globs(['exceptions', rule, 'paths'], exception.paths);
  }
  (Array.isArray(data.ruleDirs) ? data.ruleDirs : []).forEach((ruleDir: unknown, i) => {
    if (typeof ruleDir === 'string' && !isInside(realDirectories([dir])[0], realDirectories([path.resolve(dir, ruleDir)])[0])) {
      fail(['ruleDirs', i], `ruleDirs[${i}] "${ruleDir}" lies outside the directory of the configuration; custom rules are read only from inside it`);
    }
  });
}

/** A gitignore-style pattern that can never match a relative path. */
function neverMatches(glob: string): boolean {
  const trimmed = glob.trim();
  return trimmed === '' || trimmed === '.' || trimmed === '..' || trimmed.startsWith('./') || trimmed.startsWith('../');
}

/** `YYYY-MM-DD` naming a day that exists. */
export function isCalendarDate(text: string): boolean {
  const date = new Date(`${text}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}
