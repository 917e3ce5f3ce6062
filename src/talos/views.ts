import type { LineIndex, Range } from '../source/position';
import type { TalosDocumentRole, TalosFile } from './documents';
import { applyJson6902, applyStrategic, loadBase, ProvenancedTree, YamlSource } from './tree';
import { compareVersions, formatVersion, Version, versionFromImage } from './version';

/**
 * What Talos rules judge: a set of documents — one file's, or a talhelper
 * node's effective configuration — each as a provenanced tree.
 */
export interface TalosDocView {
  /** `v1alpha1`, a multi-document kind, or `SecretsBundle`. */
  kind: string;
  role: TalosDocumentRole;
  tree: ProvenancedTree;
  /**
   * Whether absence means the upstream default: a complete machine config or
   * a talhelper node; never a patch, which leaves what it does not say to its base.
   */
  complete: boolean;
  /** Where a finding about something absent is reported (the document's first line, the node's `hostname:`). */
  anchor: { file: string; range: Range };
  /** The tree as it was after patch step `step` (for pointing at the step that made a value bad); the tree itself when there are no steps. */
  replay?: (step: number) => ProvenancedTree;
  /** The number of patch steps after the base (for `replay`). */
  steps?: number;
}

export interface TalosView {
  documents: TalosDocView[];
  /** The talhelper node (hostname) this is the effective configuration of. */
  node?: string;
  /** The Talos version and how it is known (`by its installer image tag`), worded to follow the version in messages. */
  version?: { version: Version; source: string };
  /** A lower bound when the version is not stated: the newest first release among the document kinds used. */
  minimum?: { version: Version; source: string };
}

/** First Talos release of multi-document kinds (rules-catalog §C.0): a config using one is at least that version. */
const KIND_SINCE: Record<string, Version> = {
  NetworkDefaultActionConfig: [1, 6], NetworkRuleConfig: [1, 6], VolumeConfig: [1, 8], UserVolumeConfig: [1, 10],
  RegistryMirrorConfig: [1, 12], RegistryAuthConfig: [1, 12], RegistryTLSConfig: [1, 12], TimeSyncConfig: [1, 12],
  LinkConfig: [1, 12], HostnameConfig: [1, 12], ResolverConfig: [1, 12],
  KubeSpanConfig: [1, 13], EnvironmentConfig: [1, 13], ImageVerificationConfig: [1, 13],
};

export function minimumVersion(documents: TalosDocView[]): { minimum?: { version: Version; source: string } } {
  let best: { version: Version; source: string } | undefined;
  for (const doc of documents) {
    const since = KIND_SINCE[doc.kind];
    if (since && (!best || compareVersions(since, best.version) > 0)) {
      best = { version: since, source: `or later, as it uses ${doc.kind}` };
    }
  }
  return best ? { minimum: best } : {};
}

/** One file's documents, each on its own (a patch is judged only on what it writes). */
export function fileView(file: string, talos: TalosFile, lines: LineIndex): TalosView {
  const documents: TalosDocView[] = [];
  for (const doc of talos.documents) {
    if (doc.role === 'talconfig' || doc.role === 'talenv') continue;
    const tree = new ProvenancedTree();
    const src: YamlSource = { file, lines, step: 0 };
    if (doc.role === 'json6902-patch') applyJson6902(tree, doc.document.contents, src);
    // A strategic patch is applied to nothing, so that its `$patch: delete` entries are deletions, not values.
    else if (doc.role === 'patch') applyStrategic(tree, doc.document.contents, src);
    else loadBase(tree, doc.document.contents, src);
    documents.push({
      kind: doc.kind,
      role: doc.role,
      tree,
      complete: doc.role === 'machine-config',
      anchor: { file, range: { start: doc.range.start, end: doc.range.start } },
    });
  }
  return { documents, ...versionOf(documents), ...minimumVersion(documents) };
}

/** The Talos version the installer image of the v1alpha1 document names. */
export function versionOf(documents: TalosDocView[]): { version?: { version: Version; source: string } } {
  for (const doc of documents) {
    if (doc.kind !== 'v1alpha1') continue;
    const image = doc.tree.get(['machine', 'install', 'image']);
    const version = versionFromImage(image);
    if (version) return { version: { version, source: 'by its installer image tag' } };
  }
  return {};
}

export function describeVersion(view: TalosView): string | undefined {
  return view.version ? `Talos ${formatVersion(view.version.version)} ${view.version.source}` : undefined;
}
