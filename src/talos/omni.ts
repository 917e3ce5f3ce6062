import * as path from 'path';
import { isMap, isScalar, isSeq, Node as YamlNode, Pair, Scalar, YAMLMap } from 'yaml';
import { LineIndex } from '../source/position';
import { classifyPatch, NodeRole, PatchDoc, startGenerated } from './node-build';
import { builtNode, declaredAt, emptyNodeSourceResult, FileRange, FoundNode, lineOf, NodeSourceResult, readPatchFile, TreeReader, unresolvedNode } from './node-source';
import { parseYamlDocuments } from './documents';
import type { ProvenancedTree } from './tree';
import { parseVersion } from './version';

/**
 * Omni cluster templates (`omnictl cluster template sync`): YAML documents
 * of kind `Cluster`, `ControlPlane`, `Workers` and `Machine`, without an
 * `apiVersion`. Each machine set (the control plane, each `Workers`) is a
 * node, and so is each `Machine` a set lists; its config is the one Omni
 * generates for the role and the cluster's `talos.version`, then the
 * patches in Omni's order (siderolabs/omni `client/pkg/template`, and the
 * controllers' `getConfigPatches`): the cluster's, the machine set's, then
 * the machine's own — its `install.disk` first (patch weight 0), then its
 * `patches`. A patch is `inline:` YAML or a `file:`, which omnictl reads
 * relative to where it runs: declint reads it next to the template.
 */

/** Cheap test before parsing: a `kind: Cluster` document, and Omni templates carry no `apiVersion`. */
export function looksLikeOmniTemplate(text: string): boolean {
  return /^kind:\s*Cluster\s*$/m.test(text) && !/^apiVersion:/m.test(text);
}

interface Ctx {
  reader: TreeReader;
  absolutePath: string;
  file: string;
  lines: LineIndex;
  result: NodeSourceResult;
}

interface MachineSet {
  kind: 'ControlPlane' | 'Workers';
  name: string;
  role: NodeRole;
  doc: YAMLMap;
  declared: FileRange;
}

export function omniNodes(absolutePath: string, text: string, reader: TreeReader): NodeSourceResult {
  const file = reader.reportPath(absolutePath);
  const lines = new LineIndex(text);
  const result = emptyNodeSourceResult();
  const ctx: Ctx = { reader, absolutePath, file, lines, result };
  const read = parseYamlDocuments(text);
  if ('error' in read) {
    result.unread.push({ file, ...(read.at ? { at: lines.range(read.at[0], read.at[1]) } : {}), reason: `the Omni cluster template does not parse (${read.error})` });
    return result;
  }
  const docs = read.docs;
  // Read as plain maps: `get` answers a scalar's value.
  const maps: YAMLMap[] = docs.map((d) => d.contents as unknown).filter(isMap);
  const ofKind = (kind: string) => maps.filter((m) => m.get('kind') === kind);
  const cluster = ofKind('Cluster')[0];
  if (!cluster) return result;
  result.files.add(file);
  const clusterName = scalarText(cluster.get('name'));
  if (!clusterName) {
    result.unread.push({ file, at: declaredAt(cluster, 'kind', lines), reason: 'the Omni Cluster document has no name' });
    return result;
  }
  const talos = cluster.get('talos', true);
  const versionText = isMap(talos) ? scalarText(talos.get('version')) : undefined;
  const version = versionText ? parseVersion(versionText) : undefined;
  const clusterReasons: FoundNode['reasons'] = [];
  const clusterPatches = patchList(cluster, 'cluster', ctx, clusterReasons);
  const sets: MachineSet[] = [];
  for (const doc of ofKind('ControlPlane')) {
    sets.push({ kind: 'ControlPlane', name: `${clusterName}-control-planes`, role: 'controlplane', doc, declared: { file, range: declaredAt(doc, 'kind', lines) } });
  }
  for (const doc of ofKind('Workers')) {
    sets.push({ kind: 'Workers', name: `${clusterName}-${scalarText(doc.get('name')) ?? 'workers'}`, role: 'worker', doc, declared: { file, range: declaredAt(doc, 'kind', lines) } });
  }
  const node = (name: string, construct: string, declared: FileRange, role: NodeRole, patches: PatchDoc[], notRead: FoundNode['reasons']) => {
    const base = (tree: ProvenancedTree) => startGenerated(tree, role, version, declared, 'Omni', 'from the Omni cluster secrets', name);
    result.nodes.push(builtNode({ name, construct, declared, notRead }, { base, patches, version, versionFrom: `talos.version in ${path.basename(file)}` }));
  };
  const setPatches = new Map<MachineSet, PatchDoc[]>();
  const setReasons = new Map<MachineSet, FoundNode['reasons']>();
  for (const set of sets) {
    const own: FoundNode['reasons'] = [];
    setPatches.set(set, patchList(set.doc, `machine set ${set.name}`, ctx, own));
    setReasons.set(set, own);
    const label = set.kind === 'Workers' ? `Omni Workers "${set.name.slice(clusterName.length + 1)}"` : 'Omni ControlPlane';
    node(set.name, `${label} of cluster ${clusterName}${machineClass(set.doc)} at ${lineOf(set.declared)}`, set.declared, set.role, [...clusterPatches, ...setPatches.get(set)!], [...clusterReasons, ...own]);
  }
  for (const machine of ofKind('Machine')) {
    const name = scalarText(machine.get('name'));
    const declared = { file, range: declaredAt(machine, 'kind', lines) };
    if (!name) {
      result.unread.push({ file, at: declared.range, reason: 'an Omni Machine document has no name' });
      continue;
    }
    const set = sets.find((s) => listed(s.doc, name));
    if (!set) {
      result.nodes.push(unresolvedNode(name, `Omni Machine at ${lineOf(declared)}`, declared, `no machine set of cluster ${clusterName} lists machine ${name}, so its role is not known`));
      continue;
    }
    const own: FoundNode['reasons'] = [];
    const machinePatches = [...installDisk(machine, ctx), ...patchList(machine, `machine ${name}`, ctx, own)];
    const notRead = [...clusterReasons, ...setReasons.get(set)!, ...own];
    node(name, `Omni Machine in ${set.name} at ${lineOf(declared)}`, declared, set.role, [...clusterPatches, ...setPatches.get(set)!, ...machinePatches], notRead);
  }
  return result;
}

/** A document's `patches`: each `inline:` map, or the documents of its `file:`. */
function patchList(doc: YAMLMap, owner: string, ctx: Ctx, notRead: FoundNode['reasons']): PatchDoc[] {
  const list = doc.get('patches', true);
  if (!isSeq(list)) return [];
  const out: PatchDoc[] = [];
  for (const item of list.items) {
    if (!isMap(item)) continue;
    const inline = item.get('inline', true);
    const fileRef = scalarText(item.get('file'));
    const at: FileRange = { file: ctx.file, range: ctx.lines.range((item as YamlNode).range?.[0] ?? 0, (item as YamlNode).range?.[1] ?? 0) };
    if (isMap(inline)) out.push(classifyPatch(inline, { file: ctx.file, lines: ctx.lines }));
    else if (fileRef) {
      const read = readPatchFile(ctx.reader, path.resolve(path.dirname(ctx.absolutePath), fileRef), ctx.result.files);
      if ('patches' in read) out.push(...read.patches);
      else notRead.push({ message: `${read.error} (a patch of the ${owner}; omnictl reads it relative to where it runs, declint next to the template)`, at });
    }
  }
  return out;
}

/** `install.disk` of a Machine: Omni writes it as the machine's first patch. */
function installDisk(machine: YAMLMap, ctx: Ctx): PatchDoc[] {
  const install = machine.items.find((p) => isScalar(p.key) && p.key.value === 'install');
  if (!install || !isMap(install.value) || !install.value.has('disk')) return [];
  // The template's own `install:` pair, under `machine:`, is the patch Omni writes from it; its lines stay the template's.
  const machineMap = new YAMLMap();
  machineMap.items.push(new Pair(install.key, install.value));
  const patch = new YAMLMap();
  patch.items.push(new Pair(new Scalar('machine'), machineMap));
  return [classifyPatch(patch, { file: ctx.file, lines: ctx.lines })];
}

/** ` (machine class gpu, size 2)`: the machines a set takes from a class, which the template does not name one by one. */
function machineClass(set: YAMLMap): string {
  const mc = set.get('machineClass', true);
  if (!isMap(mc)) return '';
  const name = scalarText(mc.get('name'));
  const size = scalarText(mc.get('size'));
  return name ? ` (machine class ${name}${size ? `, size ${size}` : ''})` : '';
}

function listed(set: YAMLMap, machine: string): boolean {
  const machines = set.get('machines', true);
  return isSeq(machines) && machines.items.some((m) => isScalar(m) && String(m.value) === machine);
}

function scalarText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** The range of a key and its value in a map (the document's `kind: …` line declares it). */
