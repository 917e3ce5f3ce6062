import { isRecord } from '../source/records';
import * as path from 'path';
import { isMap, isPair, isScalar, isSeq, Node as YamlNode, parseDocument, Scalar, YAMLMap } from 'yaml';
import { LineIndex, Range } from '../source/position';
import { buildNodeView, classifyPatch, PatchDoc, patchesFromMasked, scalarMapper, startGenerated } from './node-build';
import { parseYamlDocuments } from './documents';
import { maskTemplate } from './template';
import { loadBase, pairRange, ProvenancedTree, RangeMapper, recordOrigins } from './tree';
import { parseVersion } from './version';
import type { TalosDocView, TalosView } from './views';

/**
 * talhelper (`talconfig.yaml`): each node's effective machine configuration,
 * as `talhelper genconfig` builds it — the generated base (the defaults the
 * rule catalog knows for the node's role and Talos version, plus what
 * talconfig's own fields set), then the top-level `patches`, the role's
 * (`controlPlane.patches` / `worker.patches`), then the node's. A patch is
 * inline YAML, a YAML string (strategic, JSON 6902 or typed documents), or a
 * `@./file` reference (and the deprecated `extraManifests`, files of
 * documents); `${VAR}` comes from `talenv.yaml` beside it.
 */

export interface TalhelperInput {
  /** Absolute path of the talconfig file. */
  absolutePath: string;
  text: string;
  /** Reads a file the config references; an error (outside the scanned tree, missing) is reported as a note. */
  read(absolutePath: string): { text: string } | { error: string };
  /** Report path of a file. */
  reportPath(absolutePath: string): string;
}

export interface TalhelperNote {
  file: string;
  range: Range;
  message: string;
}

export interface TalhelperResult {
  views: TalosView[];
  /** Report paths of the files the nodes are built from (talconfig and patch files). */
  files: Set<string>;
  /** Things that could not be read, each at the line that names them. */
  notes: TalhelperNote[];
  /** The notes that concern each node (by hostname): the top-level patches', its role's and its own. */
  notesByNode: Map<string, TalhelperNote[]>;
  /** Each node's `hostname:` line. */
  declared: Map<string, Range>;
}

interface Ctx {
  input: TalhelperInput;
  file: string;
  lines: LineIndex;
  env: Map<string, string>;
  result: TalhelperResult;
}

export function talhelperViews(input: TalhelperInput): TalhelperResult {
  const file = input.reportPath(input.absolutePath);
  const lines = new LineIndex(input.text);
  const result: TalhelperResult = { views: [], files: new Set([file]), notes: [], notesByNode: new Map(), declared: new Map() };
  // talhelper renders its patches as Go templates: their expressions are unknown values (the talconfig keeps its lines).
  // One that does not parse, nests too deeply or has a key that is a map is said by the per-file phase: no node is read from it.
  const read = parseYamlDocuments(maskTemplate(input.text, ['go-jinja']).text);
  const doc = 'docs' in read && read.docs.length === 1 ? read.docs[0] : undefined;
  if (!doc || !isMap(doc.contents)) return result;
  const root = doc.contents;
  const ctx: Ctx = { input, file, lines, env: readEnv(input), result };
  const talosVersionText = substitute(scalarString(root.get('talosVersion')) ?? '', ctx.env);
  const talosVersion = parseVersion(talosVersionText);
  const nodes = root.get('nodes', true);
  if (!isSeq(nodes)) return result;
  // Which notes each level's patches raised, to tell which nodes they concern.
  const notesOf = <T>(read: () => T): [T, TalhelperNote[]] => {
    const before = result.notes.length;
    const value = read();
    return [value, result.notes.slice(before)];
  };
  const [globalPatches, globalNotes] = notesOf(() => patchesOf(root, ctx));
  const [controlPlanePatches, controlPlaneNotes] = notesOf(() => patchesOf(mapAt(root, 'controlPlane'), ctx));
  const [workerPatches, workerNotes] = notesOf(() => patchesOf(mapAt(root, 'worker'), ctx));
  const rolePatches = { controlplane: controlPlanePatches, worker: workerPatches };
  const roleNotes = { controlplane: controlPlaneNotes, worker: workerNotes };
  for (const item of nodes.items) {
    if (!isMap(item)) continue;
    const hostnamePair = pairOf(item, 'hostname');
    const hostname = substitute(scalarString(item.get('hostname')) ?? '', ctx.env);
    if (!hostnamePair || hostname === '') continue;
    const role = item.get('controlPlane') === true ? 'controlplane' : 'worker';
    const anchor = { file, range: pairRange(hostnamePair.key as Scalar, hostnamePair.value as YamlNode, lines) };
    const [ownPatches, ownNotes] = notesOf(() => patchesOf(item, ctx));
    result.notesByNode.set(hostname, [...globalNotes, ...roleNotes[role], ...ownNotes]);
    result.declared.set(hostname, anchor.range);
    result.views.push(
      buildNodeView({
        name: hostname,
        anchor,
        base: (tree) => {
          startGenerated(tree, role, talosVersion, anchor, 'talhelper', 'from the talhelper secrets file', hostname);
          setFromTalconfig(tree, root, item, role, ctx);
        },
        patches: [...globalPatches, ...rolePatches[role], ...ownPatches],
        typed: [talconfigDocument(root, ctx), ...typedDocuments(root, item, role, ctx)],
        finish: (value) => substituteTree(value, ctx.env),
        complete: true,
        ...(talosVersion ? { version: { version: talosVersion, source: `by talosVersion in ${path.basename(file)}` } } : {}),
      }),
    );
  }
  return result;
}

/**
 * talconfig's own top-level fields that decide what talhelper generates
 * (`talosVersion`, `kubernetesVersion`), as a document of kind `Talconfig`:
 * complete, so that a field it leaves out is judged against talhelper's
 * behaviour, reported at the top of the file.
 */
function talconfigDocument(root: YAMLMap, ctx: Ctx): TalosDocView {
  const tree = new ProvenancedTree();
  for (const name of ['talosVersion', 'kubernetesVersion']) {
    const pair = pairOf(root, name);
    const value = pair && isScalar(pair.value) ? pair.value.value : undefined;
    if (value === undefined || value === null) continue;
    tree.set([name], substitute(String(value), ctx.env), { file: ctx.file, range: pairRange(pair!.key as Scalar, pair!.value as YamlNode, ctx.lines), step: 0 });
  }
  const start = ctx.lines.position(0);
  return { kind: 'Talconfig', role: 'talconfig', tree, complete: true, anchor: { file: ctx.file, range: { start, end: start } } };
}

/** talconfig fields that talhelper turns into v1alpha1 settings, each with its own line. */
function setFromTalconfig(tree: ProvenancedTree, root: YAMLMap, node: YAMLMap, role: string, ctx: Ctx): void {
  const set = (map: YAMLMap | undefined, name: string, target: string[], transform: (v: unknown) => unknown = (v) => v) => {
    const pair = map ? pairOf(map, name) : undefined;
    if (!pair) return;
    const value = (pair.value as YamlNode | null)?.toJSON?.() ?? (isScalar(pair.value) ? pair.value.value : undefined);
    if (value === undefined || value === null) return;
    tree.set(target, transform(value), { file: ctx.file, range: pairRange(pair.key as Scalar, pair.value as YamlNode, ctx.lines), step: 0 });
    // Each key under a structured field keeps its own line (a secret deep in networkInterfaces).
    if (isMap(pair.value) || isSeq(pair.value)) recordOrigins(tree, pair.value, target, { file: ctx.file, lines: ctx.lines, step: 0 });
  };
  if (role === 'controlplane') {
    set(root, 'allowSchedulingOnMasters', ['cluster', 'allowSchedulingOnControlPlanes']);
    set(root, 'allowSchedulingOnControlPlanes', ['cluster', 'allowSchedulingOnControlPlanes']);
  }
  set(node, 'installDisk', ['machine', 'install', 'disk']);
  // talhelper appends talosVersion to the image URL; without it, its own default release (not known here).
  const version = scalarString(root.get('talosVersion'));
  if (version) set(node, 'talosImageURL', ['machine', 'install', 'image'], (v) => `${String(v)}:${version}`);
  set(node, 'kernelModules', ['machine', 'kernel', 'modules']);
  set(node, 'nameservers', ['machine', 'network', 'nameservers']);
  set(node, 'networkInterfaces', ['machine', 'network', 'interfaces']);
}

/** Typed documents talhelper writes from its own fields (`ingressFirewall`, `volumes`); those the patches add are the builder's. */
function typedDocuments(root: YAMLMap, node: YAMLMap, role: string, ctx: Ctx): Omit<TalosDocView, 'anchor'>[] {
  const out: Omit<TalosDocView, 'anchor'>[] = [];
  const roleMap = mapAt(root, role === 'controlplane' ? 'controlPlane' : 'worker');
  // The Image Factory schematic of the node's installer (its own, else its role's): the kernel arguments it boots with.
  const schematic = mapAt(node, 'schematic') ?? mapAt(roleMap, 'schematic');
  if (schematic) {
    const tree = new ProvenancedTree();
    loadBase(tree, schematic, { file: ctx.file, lines: ctx.lines, step: 0 });
    substituteTree(tree.value, ctx.env);
    out.push({ kind: 'Schematic', role: 'schematic', tree, complete: false });
  }
  const firewall = mapAt(node, 'ingressFirewall') ?? mapAt(roleMap, 'ingressFirewall');
  const action = firewall ? pairOf(firewall, 'defaultAction') : undefined;
  if (action) {
    const tree = new ProvenancedTree();
    tree.set(['ingress'], isScalar(action.value) ? action.value.value : null, { file: ctx.file, range: pairRange(action.key as Scalar, action.value as YamlNode, ctx.lines), step: 0 });
    out.push({ kind: 'NetworkDefaultActionConfig', role: 'multidoc', tree, complete: false });
  }
  for (const [field, kind] of [['volumes', 'VolumeConfig'], ['userVolumes', 'UserVolumeConfig']] as const) {
    const volumes = node.get(field, true);
    if (!isSeq(volumes)) continue;
    for (const volume of volumes.items) {
      if (!isMap(volume)) continue;
      const tree = new ProvenancedTree();
      loadBase(tree, volume, { file: ctx.file, lines: ctx.lines, step: 0 });
      out.push({ kind, role: 'multidoc', tree, complete: false });
    }
  }
  return out;
}

/** The patches of a talconfig level: `patches` (any form), legacy `configPatches` (JSON 6902) and `inlinePatch` (strategic). */
function patchesOf(map: YAMLMap | undefined, ctx: Ctx): PatchDoc[] {
  if (!map) return [];
  const out: PatchDoc[] = [];
  const here = { file: ctx.file, lines: ctx.lines as RangeMapper };
  const patches = map.get('patches', true);
  if (isSeq(patches)) {
    for (const item of patches.items) {
      if (isScalar(item) && typeof item.value === 'string') {
        const text = item.value.trim();
        if (text.startsWith('@')) out.push(...fromFile(text.slice(1).trim(), item, ctx));
        else out.push(...fromYamlText(item.value, { file: ctx.file, lines: scalarMapper(item, ctx.lines) }, ctx, ctx.lines.range(item.range?.[0] ?? 0, item.range?.[1] ?? 0)));
      } else if (isMap(item) || isSeq(item)) out.push(classifyPatch(item, here));
    }
  }
  const configPatches = map.get('configPatches', true);
  if (isSeq(configPatches)) out.push({ node: configPatches, src: here, kind: 'json6902' });
  const inline = map.get('inlinePatch', true);
  if (isMap(inline)) out.push({ node: inline, src: here, kind: 'strategic' });
  // `extraManifests` (deprecated for `patches`): files whose documents are added to the node's config.
  const manifests = map.get('extraManifests', true);
  if (isSeq(manifests)) {
    for (const item of manifests.items) if (isScalar(item) && typeof item.value === 'string') out.push(...fromFile(item.value.trim(), item, ctx));
  }
  return out;
}

function fromYamlText(text: string, src: PatchDoc['src'], ctx: Ctx, at: Range): PatchDoc[] {
  const read = patchesFromMasked(text, src);
  if ('patches' in read) return read.patches;
  ctx.result.notes.push({ file: ctx.file, range: at, message: `a talhelper patch is not valid YAML (${read.error})` });
  return [];
}

function fromFile(reference: string, item: Scalar, ctx: Ctx): PatchDoc[] {
  const absolute = path.resolve(path.dirname(ctx.input.absolutePath), substitute(reference, ctx.env));
  const read = ctx.input.read(absolute);
  const range = ctx.lines.range(item.range?.[0] ?? 0, item.range?.[1] ?? 0);
  if ('error' in read) {
    ctx.result.notes.push({ file: ctx.file, range, message: `the talhelper patch ${reference} is not read: ${read.error}` });
    return [];
  }
  const file = ctx.input.reportPath(absolute);
  ctx.result.files.add(file);
  return fromYamlText(maskTemplate(read.text, ['go-jinja']).text, { file, lines: new LineIndex(read.text) }, ctx, range);
}

/** `talenv.yaml` / `talenv.sops.yaml` beside the talconfig: clear values only (SOPS `ENC[…]` values stay unresolved). */
function readEnv(input: TalhelperInput): Map<string, string> {
  const env = new Map<string, string>();
  const dir = path.dirname(input.absolutePath);
  for (const name of ['talenv.yaml', 'talenv.yml', 'talenv.sops.yaml', 'talenv.sops.yml']) {
    const read = input.read(path.join(dir, name));
    if ('error' in read) continue;
    const doc = parseDocument(read.text);
    if (!isMap(doc.contents)) continue;
    for (const pair of doc.contents.items) {
      if (!isScalar(pair.key) || !isScalar(pair.value)) continue;
      const value = pair.value.value;
      if (value === null || value === undefined || (typeof value === 'string' && value.startsWith('ENC['))) continue;
      env.set(String(pair.key.value), String(value));
    }
  }
  return env;
}

/** `${VAR}` from talenv; unknown variables stay as written (and read as unresolved by the predicates). */
export function substitute(text: string, env: Map<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => env.get(name) ?? whole);
}

function substituteTree(value: unknown, env: Map<string, string>): void {
  if (env.size === 0) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      if (typeof v === 'string') value[i] = substitute(v, env);
      else substituteTree(v, env);
    });
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string') value[k] = substitute(v, env);
      else substituteTree(v, env);
    }
  }
}

function pairOf(map: YAMLMap, name: string) {
  return map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === name);
}

function mapAt(map: YAMLMap | undefined, name: string): YAMLMap | undefined {
  const node = map?.get(name, true);
  return isMap(node) ? node : undefined;
}

function scalarString(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}
