import { isMap, isScalar, isSeq, Scalar, YAMLMap } from 'yaml';
import { LineIndex } from '../source/position';
import { NodeRole, PatchDoc, patchesFromText, scalarMapper, startGenerated } from './node-build';
import { builtNode, declaredAt, emptyNodeSourceResult, FileRange, FoundNode, lineOf, NodeSourceResult, TreeReader, unresolvedNode } from './node-source';
import { parseYamlDocuments } from './documents';
import { maskTemplate } from './template';
import { loadBase, ProvenancedTree } from './tree';
import { isUnknownText } from './unknown';
import { parseVersion } from './version';

/**
 * Cluster API with the Talos providers (siderolabs
 * cluster-api-bootstrap-provider-talos and -control-plane-provider-talos):
 * a `TalosControlPlane` (or its ClusterClass `TalosControlPlaneTemplate`)
 * is the control plane's node; a `TalosConfigTemplate` is a node for each
 * `MachineDeployment` or `MachinePool` whose bootstrap `configRef` names
 * it (the template itself when none in the scan does); a `TalosConfig` is
 * one machine's node. The config is what the bootstrap provider renders:
 * generated for `generateType` and `talosVersion` (or the full config in
 * `data` for `generateType: none`), then `configPatches` (JSON 6902), then
 * `strategicPatches` (YAML strings). clusterctl variables (`${VAR}`) are
 * unknown values.
 */

const TALOS_KINDS = /\bkind:\s*(?:TalosControlPlane|TalosControlPlaneTemplate|TalosConfigTemplate|TalosConfig)\b/;

/** Cheap test before parsing: a manifest naming a Talos provider kind (a MachineDeployment's configRef names one too). */
export function looksLikeCapiManifest(text: string): boolean {
  return TALOS_KINDS.test(text);
}

interface Manifest {
  file: string;
  lines: LineIndex;
  doc: YAMLMap;
  kind: string;
  name: string;
  declared: FileRange;
}

/** The Cluster API nodes of a set of manifest files, read together: a MachineDeployment may live in another file than its template. */
export function capiNodes(sources: { absolutePath: string; text: string }[], reader: TreeReader): NodeSourceResult {
  const result = emptyNodeSourceResult();
  const manifests: Manifest[] = [];
  for (const source of sources) {
    const file = reader.reportPath(source.absolutePath);
    const lines = new LineIndex(source.text);
    // `${VAR}` are clusterctl's variables, filled when the manifest is generated: unknown here.
    const read = parseYamlDocuments(maskTemplate(source.text, ['terraform']).text);
    if ('error' in read) {
      result.unread.push({ file, ...(read.at ? { at: lines.range(read.at[0], read.at[1]) } : {}), reason: `the Cluster API manifest does not parse (${read.error})` });
      continue;
    }
    for (const d of read.docs) {
      const doc = d.contents as unknown;
      if (!isMap(doc)) continue;
      const apiVersion = doc.get('apiVersion');
      const kind = doc.get('kind');
      if (typeof apiVersion !== 'string' || !apiVersion.includes('cluster.x-k8s.io') || typeof kind !== 'string') continue;
      const metadata = doc.get('metadata', true);
      const name = isMap(metadata) ? metadata.get('name') : undefined;
      const declared = { file, range: declaredAt(doc, 'kind', lines) };
      manifests.push({ file, lines, doc, kind, name: typeof name === 'string' ? name : `${kind} at ${lineOf(declared)}`, declared });
    }
  }
  const configRef = (m: Manifest) => {
    const ref = mapAt(m.doc, 'spec', 'template', 'spec', 'bootstrap', 'configRef');
    return ref ? { kind: ref.get('kind'), name: ref.get('name') } : undefined;
  };
  for (const m of manifests) {
    switch (m.kind) {
      case 'TalosControlPlane':
      case 'TalosControlPlaneTemplate': {
        const spec = m.kind === 'TalosControlPlane' ? mapAt(m.doc, 'spec') : mapAt(m.doc, 'spec', 'template', 'spec');
        const config = mapAt(spec, 'controlPlaneConfig', 'controlplane') ?? mapAt(spec, 'controlPlaneConfig', 'init');
        addNode(result, m, m.name, `Cluster API ${m.kind} at ${lineOf(m.declared)}`, config, 'controlPlaneConfig');
        break;
      }
      case 'TalosConfigTemplate': {
        const config = mapAt(m.doc, 'spec', 'template', 'spec');
        const users = manifests.filter((u) => (u.kind === 'MachineDeployment' || u.kind === 'MachinePool') && configRef(u)?.kind === 'TalosConfigTemplate' && configRef(u)?.name === m.name);
        for (const user of users) addNode(result, m, user.name, `Cluster API ${user.kind} at ${lineOf(user.declared)} with TalosConfigTemplate ${m.name} at ${lineOf(m.declared)}`, config, 'spec.template.spec');
        if (users.length === 0) addNode(result, m, m.name, `Cluster API TalosConfigTemplate at ${lineOf(m.declared)}, named by no MachineDeployment in the scan`, config, 'spec.template.spec');
        break;
      }
      case 'TalosConfig':
        addNode(result, m, m.name, `Cluster API TalosConfig at ${lineOf(m.declared)}`, mapAt(m.doc, 'spec'), 'spec');
        break;
      default:
        break;
    }
  }
  return result;
}

/** One node from a TalosConfig spec (`generateType`, `talosVersion`, `data`, `configPatches`, `strategicPatches`). */
function addNode(result: NodeSourceResult, m: Manifest, name: string, construct: string, config: YAMLMap | undefined, where: string): void {
  result.files.add(m.file);
  if (!config) {
    result.nodes.push(unresolvedNode(name, construct, m.declared, `${where} is missing or not a map`));
    return;
  }
  const generateType = config.get('generateType');
  const role: NodeRole | 'none' | undefined =
    generateType === 'controlplane' || generateType === 'init' ? 'controlplane' : generateType === 'worker' ? 'worker' : generateType === 'none' ? 'none' : undefined;
  if (!role) {
    const shown = isUnknownText(generateType) ? 'a clusterctl variable' : JSON.stringify(generateType ?? null);
    result.nodes.push(unresolvedNode(name, construct, m.declared, `generateType is ${shown}, so the role of the config is not known`));
    return;
  }
  const notRead: FoundNode['reasons'] = [];
  const versionText = config.get('talosVersion');
  const version = typeof versionText === 'string' && !isUnknownText(versionText) ? parseVersion(versionText) : undefined;
  const data = config.get('data', true);
  if (role === 'none' && !(isScalar(data) && typeof data.value === 'string' && !isUnknownText(data.value))) {
    result.nodes.push(unresolvedNode(name, construct, m.declared, 'generateType is none, and data holds no machine config declint can read'));
    return;
  }
  const patches: PatchDoc[] = [];
  const json = config.get('configPatches', true);
  if (isSeq(json) && json.items.length > 0) patches.push({ node: json, src: { file: m.file, lines: m.lines }, kind: 'json6902' });
  const strategic = config.get('strategicPatches', true);
  if (isSeq(strategic)) {
    for (const item of strategic.items) {
      if (!isScalar(item) || typeof item.value !== 'string') continue;
      const read = patchesFromText(item.value, { file: m.file, lines: scalarMapper(item, m.lines) });
      if ('patches' in read) patches.push(...read.patches);
      else notRead.push({ message: `a strategic patch is not valid YAML (${read.error})`, at: { file: m.file, range: m.lines.range(item.range?.[0] ?? 0, item.range?.[1] ?? 0) } });
    }
  }
  let base: (tree: ProvenancedTree) => void;
  if (role === 'none') {
    const scalar = data as Scalar;
    const parsed = parseYamlDocuments(String(scalar.value));
    const config = 'docs' in parsed ? parsed.docs.find((d) => isMap(d.contents) && d.contents.has('machine')) : undefined;
    if (!config) {
      result.nodes.push(unresolvedNode(name, construct, m.declared, 'data does not hold a machine config declint can parse'));
      return;
    }
    base = (tree) => loadBase(tree, config.contents, { file: m.file, lines: scalarMapper(scalar, m.lines), step: 0 });
  } else {
    base = (tree) => startGenerated(tree, role, version, m.declared, 'the Cluster API bootstrap provider', 'from the cluster secrets', name);
  }
  result.nodes.push(builtNode({ name, construct, declared: m.declared, notRead }, { base, patches, version, versionFrom: `talosVersion in ${m.file.split('/').pop()}` }));
}

function mapAt(map: YAMLMap | undefined, ...keys: string[]): YAMLMap | undefined {
  let cur: unknown = map;
  for (const k of keys) {
    if (!isMap(cur)) return undefined;
    cur = cur.get(k, true);
  }
  return isMap(cur) ? cur : undefined;
}
