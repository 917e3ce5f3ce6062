import { Document, isMap, isScalar, isSeq, parseAllDocuments, YAMLMap } from 'yaml';
import { walkShape } from '../source/yaml-input';
import { LineIndex, Range } from '../source/position';
import { maskFile } from './template';
import { UNKNOWN_MARK } from './unknown';

/**
 * What a YAML document of a Talos repository is:
 * - `machine-config`: the `version: v1alpha1` document with `machine:`/`cluster:`;
 * - `patch`: a strategic-merge fragment of it (only `machine:`/`cluster:`/`debug:` keys);
 * - `json6902-patch`: a list of `op`/`path` operations on `/machine` or `/cluster`;
 * - `multidoc`: a typed document (`apiVersion: v1alpha1`, `kind: …`);
 * - `secrets-bundle`: `cluster`/`secrets`/`trustdinfo`/`certs` (`talosctl gen secrets`, talhelper `talsecret.yaml`);
 * - `talconfig`: a talhelper config (`clusterName`/`talosVersion`/… and `nodes[].hostname`);
 * - `talenv`: talhelper's variables (`talenv*.yaml`, known by name);
 * - `schematic`: an Image Factory schematic (`customization:` with
 *   `extraKernelArgs`, `systemExtensions`, `secureboot`, and `overlay:`),
 *   which decides the kernel command line of the images built from it.
 */
export type TalosDocumentRole = 'machine-config' | 'patch' | 'json6902-patch' | 'multidoc' | 'secrets-bundle' | 'talconfig' | 'talenv' | 'schematic';

/**
 * What a whole file is, from its documents (the first matching wins):
 * talhelper `talconfig.yaml` / `talenv.yaml`, a secrets bundle
 * (`talosctl gen secrets`, `talsecret.yaml`), a full machine config (with
 * any multi-document kinds beside it), a strategic-merge patch, a JSON 6902
 * patch, or typed documents only.
 */
export type TalosFileKind = 'talconfig' | 'talenv' | 'secrets-bundle' | 'machine-config' | 'strategic-patch' | 'json6902-patch' | 'multidoc' | 'schematic';

/**
 * SOPS metadata of a file (`sops:` with `mac` and `lastmodified`): an
 * encrypted file whose values are `ENC[…]`; `encryptedValues` counts them,
 * `plainValues` the leaf strings left in clear (by `unencrypted_suffix` or
 * `encrypted_regex`).
 */
export interface SopsState {
  mac: boolean;
  encryptedValues: number;
  plainValues: number;
}

export interface TalosDocument {
  role: TalosDocumentRole;
  /** `v1alpha1` for machine configs and patches, the `kind:` of typed documents. */
  kind: string;
  document: Document.Parsed;
  range: Range;
}

export interface TalosFile {
  kind: TalosFileKind;
  documents: TalosDocument[];
  /** Present when the file carries SOPS metadata. */
  sops?: SopsState;
  /** Template expressions read as unknown values (a templated file, see template.ts). */
  templated?: number;
}

export interface YamlSyntaxError {
  message: string;
  range: Range;
}

export type TalosReadResult =
  | { kind: 'talos'; file: TalosFile }
  | { kind: 'not-talos' }
  | { kind: 'syntax-error'; error: YamlSyntaxError }
  /** Nested deeper, or expanding aliases more, than any machine config does: not read, said where. */
  | { kind: 'too-complex'; error: YamlSyntaxError }
  /** A templated file whose YAML does not parse once its expressions are replaced: valid for its template engine, unreadable here. */
  | { kind: 'unreadable-template'; error: YamlSyntaxError };

/** A Talos document nests about a dozen levels; far deeper is not a config, and would overflow recursive readers. */
export const MAX_YAML_DEPTH = 64;

const V1ALPHA1_TOP_KEYS = new Set(['version', 'machine', 'cluster', 'debug', 'persist']);
/** Keys only a talhelper `talconfig.yaml` has at its top level. */
const TALCONFIG_KEYS = new Set(['clusterName', 'talosVersion', 'kubernetesVersion', 'endpoint']);
/** A secrets bundle (`talosctl gen secrets`, talhelper `talsecret.yaml`), possibly SOPS-encrypted. */
const SECRETS_BUNDLE_KEYS = new Set(['cluster', 'secrets', 'trustdinfo', 'certs', 'sops']);

/**
 * Cheap pre-check so that YAML files which cannot be Talos are not parsed at
 * all: a top-level key of some Talos document, in block style, or in flow
 * style and JSON (`{version: v1alpha1, machine: {…}}`, `{"version": …}`).
 */
const TALOS_HINT = /(?:^|[{,]\s*)["']?(?:version["']?\s*:\s*["']?v1alpha1|apiVersion["']?\s*:\s*["']?v1alpha1|machine["']?\s*:|cluster["']?\s*:|nodes["']?\s*:|certs["']?\s*:|secrets["']?\s*:|customization["']?\s*:)|^-\s+op:|^\[\s*\{\s*["']?op["']?\s*:/m;

/** A Go template action (`{{ .ClusterConfig… }}`, `{{- if … }}`) on a line of its own or in a value. */
const GO_TEMPLATE = /\{\{-?\s*(?:if|else|end|range|with|define|template|\.|\$)/;

/** talhelper's variables file, read by name (its content is any map of strings). */
const TALENV_NAME = /(^|\/)talenv(\.[\w-]+)*\.ya?ml$/;

/**
 * Reads a YAML file as Talos configuration, keeping every document with its
 * ranges. Files that are not Talos are `not-talos`; a file that looks like
 * Talos but does not parse is a `syntax-error` with the first error's range.
 */
export function readTalosFile(text: string, lines: LineIndex = new LineIndex(text), fileName = ''): TalosReadResult {
  const talenv = TALENV_NAME.test(fileName);
  // Positions hold: the masked text has the file's length and lines.
  const masked = maskFile(fileName, text);
  if (!talenv && !TALOS_HINT.test(masked.text)) return { kind: 'not-talos' };
  // The yaml package parses recursively: nesting past the limit is found before, where it starts.
  const deep = yamlDepthExceeded(masked.text, MAX_YAML_DEPTH);
  if (deep !== undefined) return { kind: 'too-complex', error: { message: tooDeep(), range: lines.range(deep, deep + 1) } };
  const parsed = parseAllDocuments(masked.text, { keepSourceTokens: false, prettyErrors: false });
  const docs = Array.isArray(parsed) ? parsed : [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      // A Go template (talhelper, Helm) is YAML only once rendered: its source is not a config to check.
      if (GO_TEMPLATE.test(text)) return { kind: 'not-talos' };
      const error = doc.errors[0];
      const range = lines.range(error.pos[0], error.pos[1]);
      // The yaml package's parser recurses: a document nested a thousand levels overflows it.
      if (/Maximum call stack size exceeded/.test(error.message)) return { kind: 'too-complex', error: { message: tooDeep(), range } };
      const located = { message: firstLine(error.message), range };
      return masked.expressions > 0 ? { kind: 'unreadable-template', error: located } : { kind: 'syntax-error', error: located };
    }
  }
  const documents: TalosDocument[] = [];
  let sops: SopsState | undefined;
  for (const document of docs) {
    const role = talenv && isMap(document.contents) ? { role: 'talenv' as const, kind: 'talenv' } : documentRole(document);
    sops ??= sopsState(document);
    if (!role) continue;
    const complex = tooComplex(document, lines);
    if (complex) return { kind: complex.invalid ? 'syntax-error' : 'too-complex', error: { message: complex.message, range: complex.range } };
    const [start, , end] = document.range;
    documents.push({ ...role, document, range: lines.range(start, end) });
  }
  if (documents.length === 0) return { kind: 'not-talos' };
  return { kind: 'talos', file: { kind: fileKind(documents), documents, ...(sops ? { sops } : {}), ...(masked.expressions > 0 ? { templated: masked.expressions } : {}) } };
}

/**
 * The offset where a YAML text first nests deeper than `max`, without
 * parsing it: block nesting by indentation (each deeper indent, and each
 * `- ` that opens a sequence item on a line, is a level; the lines of a
 * `|` or `>` block scalar are text), plus flow nesting by brackets outside
 * quotes and comments. An estimate that errs towards deeper (a key and its
 * nested sequence on one level count twice), far from any real config.
 */
export function yamlDepthExceeded(text: string, max: number): number | undefined {
  const indents: number[] = [];
  let flow = 0;
  let scalarIndent = -1;
  let offset = 0;
  for (const line of text.split('\n')) {
    const start = offset;
    offset += line.length + 1;
    const indent = line.length - line.trimStart().length;
    const content = line.trim();
    if (scalarIndent >= 0) {
      if (content === '' || indent > scalarIndent) continue;
      scalarIndent = -1;
    }
    if (content === '' || content.startsWith('#')) continue;
    if (flow === 0) {
      while (indents.length > 0 && indents[indents.length - 1] >= indent) indents.pop();
      indents.push(indent);
      for (let i = indent; line.startsWith('- ', i) || line.startsWith('-\t', i); i += 2) indents.push(i + 1);
    }
    let quote = '';
    for (let i = indent; i < line.length; i++) {
      const c = line[i];
      if (quote) {
        if (c === '\\' && quote === '"') i++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) break;
      else if (c === '[' || c === '{') {
        if (indents.length + ++flow > max) return start + i;
      } else if ((c === ']' || c === '}') && flow > 0) flow--;
    }
    if (indents.length + flow > max) return start + indent;
    if (flow === 0 && /[|>][-+0-9]*\s*(?:#.*)?$/.test(content) && /(?:^|[:\s-])[|>][-+0-9]*\s*(?:#.*)?$/.test(content)) scalarIndent = indent;
  }
  return undefined;
}

/**
 * The YAML documents of a text a Talos construct is built from (a patch,
 * an Omni template, a Cluster API manifest), or why they cannot be read
 * and where: nested past MAX_YAML_DEPTH (found before the parser
 * recurses), or the first syntax error.
 */
export function parseYamlDocuments(text: string): { docs: Document.Parsed[] } | { error: string; at?: [number, number] } {
  const deep = yamlDepthExceeded(text, MAX_YAML_DEPTH);
  if (deep !== undefined) return { error: describeStructureProblem({ kind: 'too-deep', at: deep }), at: [deep, deep + 1] };
  const docs = parseAllDocuments(text) as Document.Parsed[] | unknown;
  if (!Array.isArray(docs)) return { docs: [] };
  const broken = (docs as Document.Parsed[]).find((d) => d.errors.length > 0);
  if (broken) return { error: broken.errors[0].message.split('\n')[0], at: [broken.errors[0].pos[0], broken.errors[0].pos[1]] };
  for (const doc of docs as Document.Parsed[]) {
    const problem = structureProblem(doc);
    if (problem) return { error: describeStructureProblem(problem), at: [problem.at, problem.at + 1] };
  }
  return { docs: docs as Document.Parsed[] };
}

/** A structure problem as the end of a sentence about a text (a patch, a template, a manifest). */
export function describeStructureProblem(problem: StructureProblem): string {
  switch (problem.kind) {
    case 'too-deep':
      return `it nests more than ${MAX_YAML_DEPTH} levels deep, which no Talos configuration does`;
    case 'collection-key':
      return 'a key is a map, a list or a tagged value, which no Talos configuration has';
    case 'aliases':
      return `its aliases expand beyond what declint reads (${problem.detail})`;
  }
}

function tooDeep(): string {
  return `This file nests more than ${MAX_YAML_DEPTH} levels deep, which no Talos configuration does; it is not checked.`;
}

/** Why a parsed YAML document is beyond what declint reads, and where it starts (an offset). */
export type StructureProblem =
  /** Nested deeper than MAX_YAML_DEPTH (found with an explicit stack). */
  | { kind: 'too-deep'; at: number }
  /** A key that is a map, a list or a tagged value (`isObjectKey`): no Talos key is one. */
  | { kind: 'collection-key'; at: number }
  /** Aliases that expand past the yaml package's alias budget (a "billion laughs" file). */
  | { kind: 'aliases'; at: number; detail: string };

export function structureProblem(doc: Document.Parsed): StructureProblem | undefined {
  const { problem, aliases } = walkShape(doc, MAX_YAML_DEPTH);
  if (problem) return { kind: problem.kind === 'too-deep' ? 'too-deep' : 'collection-key', at: problem.at };
  if (!aliases) return undefined;
  try {
    doc.toJS();
    return undefined;
  } catch (error) {
    return { kind: 'aliases', at: (doc.contents as { range?: number[] } | null)?.range?.[0] ?? 0, detail: firstLine((error as Error).message) };
  }
}

/** A file's structure problem as the per-file phase says it (`invalid`: not a config at all, a parse error). */
function tooComplex(doc: Document.Parsed, lines: LineIndex): (YamlSyntaxError & { invalid?: true }) | undefined {
  const problem = structureProblem(doc);
  if (!problem) return undefined;
  const range = lines.range(problem.at, problem.at + 1);
  switch (problem.kind) {
    case 'too-deep':
      return { message: tooDeep(), range };
    case 'collection-key':
      return { message: 'a key is a map, a list or a tagged value, which no Talos configuration has', range, invalid: true };
    case 'aliases':
      return { message: `This file's aliases expand beyond what declint reads (${problem.detail}); it is not checked.`, range };
  }
}

function fileKind(documents: TalosDocument[]): TalosFileKind {
  const roles = new Set(documents.map((d) => d.role));
  if (roles.has('talconfig')) return 'talconfig';
  if (roles.has('talenv')) return 'talenv';
  if (roles.has('secrets-bundle')) return 'secrets-bundle';
  if (roles.has('machine-config')) return 'machine-config';
  if (roles.has('patch')) return 'strategic-patch';
  if (roles.has('json6902-patch')) return 'json6902-patch';
  if (roles.has('schematic')) return 'schematic';
  return 'multidoc';
}

/** SOPS metadata: a top-level `sops` map with a `mac`; counts encrypted and clear leaf strings outside it. */
function sopsState(document: Document.Parsed): SopsState | undefined {
  const contents = document.contents;
  if (!isMap(contents)) return undefined;
  const meta = contents.get('sops', true);
  if (!isMap(meta)) return undefined;
  const mac = meta.get('mac');
  const state: SopsState = { mac: typeof mac === 'string' && mac.startsWith('ENC['), encryptedValues: 0, plainValues: 0 };
  // An explicit stack: the document may not have been checked for depth yet.
  const stack: unknown[] = contents.items.filter((pair) => !(isScalar(pair.key) && pair.key.value === 'sops')).map((pair) => pair.value);
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) for (const pair of node.items) stack.push(pair.value);
    else if (isSeq(node)) stack.push(...node.items);
    else if (isScalar(node) && typeof node.value === 'string') {
      if (node.value.startsWith('ENC[')) state.encryptedValues++;
      else state.plainValues++;
    }
  }
  return state;
}

function documentRole(document: Document.Parsed): { role: TalosDocumentRole; kind: string } | undefined {
  const contents = document.contents;
  if (isSeq(contents)) {
    const ops = contents.items.every(
      (item) => isMap(item) && typeof scalarAt(item, 'op') === 'string' && /^\/(machine|cluster)(\/|$)/.test(String(scalarAt(item, 'path'))),
    );
    return ops && contents.items.length > 0 ? { role: 'json6902-patch', kind: 'v1alpha1' } : undefined;
  }
  if (!isMap(contents)) return undefined;
  const keys = contents.items.map((pair) => (isScalar(pair.key) ? String(pair.key.value) : ''));
  const nodes = contents.get('nodes', true);
  if (isSeq(nodes) && nodes.items.every((n) => isMap(n) && n.has('hostname')) && keys.some((k) => TALCONFIG_KEYS.has(k))) {
    return { role: 'talconfig', kind: 'talconfig' };
  }
  if (isMap(contents.get('certs', true)) && isMap(contents.get('secrets', true)) && keys.every((k) => SECRETS_BUNDLE_KEYS.has(k))) {
    return { role: 'secrets-bundle', kind: 'SecretsBundle' };
  }
  // An Image Factory schematic: `customization` (and optionally `overlay`), nothing else.
  if (isMap(contents.get('customization', true)) && keys.every((k) => k === 'customization' || k === 'overlay')) {
    return { role: 'schematic', kind: 'Schematic' };
  }
  const version = scalarAt(contents, 'version');
  const apiVersion = scalarAt(contents, 'apiVersion');
  const kind = scalarAt(contents, 'kind');
  // A bare `apiVersion: v1alpha1` is Talos's own (Kubernetes groups are qualified): kinds newer than this list are still Talos documents.
  if (apiVersion === 'v1alpha1' && typeof kind === 'string' && /^[A-Z][A-Za-z0-9]*$/.test(kind)) return { role: 'multidoc', kind };
  // A key a template writes (`{{ toYaml .extra }}` among the top-level keys) may be any of them.
  if (!keys.every((key) => V1ALPHA1_TOP_KEYS.has(key) || key === 'sops' || key.includes(UNKNOWN_MARK))) return undefined;
  const hasBody = isMap(contents.get('machine', true)) || isMap(contents.get('cluster', true));
  if (!hasBody) return undefined;
  // A document with `version` is a complete config only where it could be applied as one: a `$patch` directive
  // (Talos's configpatcher accepts patches that carry `version`) or no `machine.type` make it a patch.
  if (version === 'v1alpha1' && !hasPatchDirective(contents) && declaresMachineType(contents)) return { role: 'machine-config', kind: 'v1alpha1' };
  if (version === undefined || version === 'v1alpha1') return { role: 'patch', kind: 'v1alpha1' };
  return undefined;
}

/** Whether `machine.type` is written (a value, or one a template writes). */
function declaresMachineType(contents: YAMLMap): boolean {
  const machine = contents.get('machine', true);
  if (!isMap(machine)) return false;
  return machine.has('type') || machine.items.some((pair) => isScalar(pair.key) && String(pair.key.value).includes(UNKNOWN_MARK));
}

/** Whether a strategic-merge directive (`$patch: delete`, `$patch: replace`) appears anywhere in the document. */
function hasPatchDirective(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isScalar(pair.key) && pair.key.value === '$patch') return true;
        stack.push(pair.value);
      }
    } else if (isSeq(node)) stack.push(...node.items);
  }
  return false;
}

function scalarAt(map: YAMLMap, key: string): unknown {
  const node = map.get(key, true);
  return isScalar(node) ? node.value : undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}
