import * as path from 'path';
import { isScalar, Node as YamlNode, Scalar, YAMLMap } from 'yaml';
import type { CoverageStatus } from '../coverage/coverage';
import { LineIndex, Range } from '../source/position';
import { buildNodeView, PatchDoc, patchesFromMasked } from './node-build';
import type { ProvenancedTree } from './tree';
import type { Version } from './version';
import { maskFile, maskTemplate, TemplateSyntax } from './template';
import { pairRange } from './tree';
import type { TalosView } from './views';

/**
 * What every reader of a node-declaring construct (talhelper, Omni cluster
 * templates, Cluster API manifests, Terraform) shares: how it reads the
 * files a node names, and what it reports — each node with how it was
 * found, its effective config when it could be built, and what of it was
 * not read.
 */

/** Reads the scanned tree: a file outside it, or missing, is an error to report, never read. */
export interface TreeReader {
  read(absolutePath: string): { text: string } | { error: string };
  /** The report path of a file. */
  reportPath(absolutePath: string): string;
}

/** A place in a report file. */
export interface FileRange {
  file: string;
  range: Range;
}

export interface FoundNode {
  name: string;
  /** How it was found: "Omni ControlPlane at cluster.yaml:14". */
  construct: string;
  /** The line that declares it. */
  declared: FileRange;
  /** The effective config; absent when the node could not be built. */
  view?: TalosView;
  status: CoverageStatus;
  /** What of it was not read, or why it could not be built. */
  reasons: { message: string; at?: FileRange }[];
}

/** What one reader found in the scan. */
export interface NodeSourceResult {
  nodes: FoundNode[];
  /** Report paths of the files the nodes are built from: their Talos findings are the nodes'. */
  files: Set<string>;
  /** Sources that look like they declare nodes but produced none, with why. */
  unread: { file: string; at?: Range; reason: string }[];
}

export function emptyNodeSourceResult(): NodeSourceResult {
  return { nodes: [], files: new Set(), unread: [] };
}

/** How a node's status follows from what was not read: partial when something was not. */
export function statusOf(reasons: FoundNode['reasons']): CoverageStatus {
  return reasons.length > 0 ? 'partial' : 'evaluated';
}

/** How a construct declares one node: its name, how it was found, where, and what of it was not read. */
export interface NodeDeclaration {
  name: string;
  construct: string;
  declared: FileRange;
  notRead: FoundNode['reasons'];
}

/**
 * A node built as its tool builds it: the base, then the patches; complete
 * (absence judged against the Talos defaults); its Talos version, when the
 * construct states it, with where (`talos.version in cluster.yaml`).
 */
export function builtNode(d: NodeDeclaration, build: { base: (tree: ProvenancedTree) => void; patches: PatchDoc[]; version?: Version; versionFrom: string }): FoundNode {
  return {
    name: d.name,
    construct: d.construct,
    declared: d.declared,
    status: statusOf(d.notRead),
    reasons: d.notRead,
    view: buildNodeView({
      name: d.name,
      anchor: d.declared,
      base: build.base,
      patches: build.patches,
      complete: true,
      ...(build.version ? { version: { version: build.version, source: `by ${build.versionFrom}` } } : {}),
    }),
  };
}

/** A node declared but not built: why, at the line that declares it. */
export function unresolvedNode(name: string, construct: string, declared: FileRange, message: string): FoundNode {
  return { name, construct, declared, status: 'unresolved', reasons: [{ message, at: declared }] };
}

/** `file:line` of a place, for constructs and messages. */
export function lineOf(at: FileRange): string {
  return `${at.file}:${at.range.start.line}`;
}

/**
 * The patches of a file a node names (`file: patches/cni.yaml`,
 * `file("${path.module}/cp.yaml")`): read inside the scanned tree, around
 * its template expressions — those of the given syntaxes (the tool that
 * reads it templates it: Terraform's templatefile), else as its name says
 * (see maskFile). The file joins the node's files.
 */
export function readPatchFile(
  reader: TreeReader,
  absolutePath: string,
  files: Set<string>,
  syntaxes: TemplateSyntax[] = [],
): { patches: PatchDoc[] } | { error: string } {
  const read = reader.read(absolutePath);
  const shown = path.basename(absolutePath);
  if ('error' in read) return { error: `the patch file ${shown} is not read: ${read.error}` };
  const file = reader.reportPath(absolutePath);
  files.add(file);
  const masked = syntaxes.length > 0 ? maskTemplate(read.text, syntaxes) : maskFile(absolutePath, read.text);
  const patches = patchesFromMasked(masked.text, { file, lines: new LineIndex(read.text) });
  return 'error' in patches ? { error: `the patch file ${shown} is not valid YAML (${patches.error})` } : patches;
}

/** Where a YAML document declares a node: its `key: value` line (`kind: Workers`), else the document's start. */
export function declaredAt(map: YAMLMap, key: string, lines: LineIndex): Range {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (pair) return pairRange(pair.key as Scalar, pair.value as YamlNode, lines);
  const start = map.range?.[0] ?? 0;
  return lines.range(start, start);
}
