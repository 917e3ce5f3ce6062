import * as path from 'path';
import type { Coverage } from '../coverage/coverage';
import { candidateKind } from '../discover/classify';
import type { Finding } from '../findings/finding';
import { mergeHostFindings } from '../rules/check-host';
import type { Rule } from '../rules/rule';
import { internalErrorFinding } from '../findings/unchecked';
import { reportPath } from '../source/paths';
import { realDirectories } from '../source/read-text';
import type { TalosFileSummary } from '../talos/file-summary';
import type { FoundNode, NodeSourceResult, TreeReader } from '../talos/node-source';
import type { TalosView } from '../talos/views';
import type { FileToCheck } from './check-files';
import { noteRead, tracing } from '../nix/read-trace';
import { readInside, talosTraceEntry } from '../talos/read-inside';

/**
 * The Talos node phase: every node the scan declares through a construct
 * — talhelper (`talconfig.yaml`), Omni cluster templates, Cluster API
 * manifests, the Terraform talos provider — built as its tool builds it and
 * judged by the Talos rules; and the coverage of Talos nodes, with every
 * Talos-looking file that produced none. Referenced files are read only
 * inside the scanned roots.
 */
export interface TalosNodesPhaseResult {
  findings: Finding[];
  /** Report paths of the files the nodes are built from: their Talos findings are the nodes'. */
  files: Set<string>;
  /** Each node's effective config, when asked to keep them (the compliance report). */
  views: { declaredIn: string; view: TalosView }[];
  nodes: FoundNode[];
  coverage: Coverage;
  /** Files read here that the per-file phase does not read (Terraform). */
  scanned: number;
}

export interface TalosNodesInput {
  files: FileToCheck[];
  /** What the per-file phase read of each Talos-looking file. */
  talosFiles: TalosFileSummary[];
  rules: Rule[];
  now: Date;
  roots: string[];
  base: string;
  keepViews?: boolean;
  /** The text of a file (the disk's by default; `check --fix` checks its edits before writing them). */
  readText?: (absolutePath: string) => string | undefined;
}

/** Shown of a node's unknown values before the rest are counted. */
const UNKNOWN_SHOWN = 3;

/** A node's values set by template expressions or references declint does not resolve, each where it is written: they are not judged. */
function unknownValues(view: TalosView): FoundNode['reasons'] {
  const { unknownPaths } = require('../talos/unknown') as typeof import('../talos/unknown');
  const places = view.documents.flatMap((d) => unknownPaths(d.tree.value).map((p) => ({ doc: d, path: p })));
  const shown = places.slice(0, UNKNOWN_SHOWN).map(({ doc, path: p }) => {
    const origin = doc.tree.originOf(p);
    const where = p.length > 0 ? p.join('.') : `a ${doc.kind} document`;
    return { message: `${where} is set by a template expression or a reference declint does not resolve; not judged`, ...(origin ? { at: { file: origin.file, range: origin.range } } : {}) };
  });
  const rest = places.length - shown.length;
  return rest > 0 ? [...shown, { message: `and ${rest} more value${rest === 1 ? '' : 's'} like these` }] : shown;
}

/** A talhelper config is named `talconfig*.yaml` (talhelper's default `talconfig.yaml`, or a variant given with `-c`). */
const TALCONFIG_NAME = /^talconfig[\w.-]*\.ya?ml$/;

export function checkTalosNodes(input: TalosNodesInput): TalosNodesPhaseResult {
  const readFile = readInside(realDirectories(input.roots), input.readText);
  const reader: TreeReader = {
    read: (absolutePath) => {
      const read = readFile(absolutePath);
      if (tracing()) noteRead(talosTraceEntry(absolutePath, read));
      return read;
    },
    reportPath: (p) => reportPath(input.base, p),
  };
  // One construct's failure is an internal error at the file that declares it; the other nodes are still built.
  const isolated = (file: string, read: () => void): void => {
    try {
      read();
    } catch (error) {
      findings.push(internalErrorFinding(reportPath(input.base, file), error));
    }
  };
  const text = (file: FileToCheck) => {
    const read = reader.read(file.absolutePath);
    return 'text' in read ? read.text : undefined;
  };
  const results: NodeSourceResult[] = [];
  const findings: Finding[] = [];
  // Each reader is required only when the scan holds its construct: a hook run on NixOS files loads none of them.
  const talconfigs = input.files.filter((f) => TALCONFIG_NAME.test(path.basename(f.absolutePath)));
  if (talconfigs.length > 0) {
    const { talhelperNodes } = require('./talhelper-nodes') as typeof import('./talhelper-nodes');
    for (const talconfig of talconfigs) {
      isolated(talconfig.absolutePath, () => {
        const read = talhelperNodes([talconfig], reader);
        results.push(read.result);
        findings.push(...read.findings);
      });
    }
  }
  const omni: { absolutePath: string; text: string }[] = [];
  const capi: { absolutePath: string; text: string }[] = [];
  const terraform = new Map<string, { absolutePath: string; text: string }[]>();
  for (const file of input.files) {
    const kind = candidateKind(file.absolutePath);
    if (kind === 'yaml' && !TALCONFIG_NAME.test(path.basename(file.absolutePath))) {
      const content = text(file);
      if (content === undefined || !/kind:/.test(content)) continue;
      const { looksLikeOmniTemplate } = require('../talos/omni') as typeof import('../talos/omni');
      const { looksLikeCapiManifest } = require('../talos/capi') as typeof import('../talos/capi');
      if (looksLikeOmniTemplate(content)) omni.push({ absolutePath: file.absolutePath, text: content });
      else if (looksLikeCapiManifest(content)) capi.push({ absolutePath: file.absolutePath, text: content });
    } else if (kind === 'terraform') {
      const content = text(file);
      if (content === undefined) continue;
      const dir = path.dirname(file.absolutePath);
      terraform.set(dir, [...(terraform.get(dir) ?? []), { absolutePath: file.absolutePath, text: content }]);
    }
  }
  if (omni.length > 0) {
    const { omniNodes } = require('../talos/omni') as typeof import('../talos/omni');
    for (const t of omni) isolated(t.absolutePath, () => results.push(omniNodes(t.absolutePath, t.text, reader)));
  }
  if (capi.length > 0) {
    const { capiNodes } = require('../talos/capi') as typeof import('../talos/capi');
    // Read together (a MachineDeployment may live in another file than its template): a failure is said at the first.
    isolated(capi[0].absolutePath, () => results.push(capiNodes(capi, reader)));
  }
  let scanned = 0;
  if (terraform.size > 0) {
    const { looksLikeTalosTerraform, terraformNodes } = require('../talos/terraform') as typeof import('../talos/terraform');
    const modules = [...terraform].filter(([, files]) => files.some((f) => f.absolutePath.endsWith('.tf') && looksLikeTalosTerraform(f.text)));
    for (const [dir, files] of modules) {
      isolated(files.find((f) => f.absolutePath.endsWith('.tf'))?.absolutePath ?? dir, () => {
        const read = terraformNodes([{ dir, files }], reader);
        results.push(read);
        scanned += read.scanned;
      });
    }
  }

  const nodes = results.flatMap((r) => r.nodes);
  const files = new Set(results.flatMap((r) => [...r.files]));
  const talosRules = input.rules.filter((r) => r.target === 'talos');
  const views: TalosNodesPhaseResult['views'] = [];
  if (nodes.some((n) => n.view)) {
    const { checkTalosView } = require('../rules/check-talos') as typeof import('../rules/check-talos');
    for (const node of nodes) {
      if (!node.view) continue;
      const view = node.view;
      isolated(path.resolve(input.base, node.declared.file), () => {
        for (const rule of talosRules) findings.push(...checkTalosView(view, rule, { now: input.now }));
      });
      if (input.keepViews) views.push({ declaredIn: node.declared.file, view: node.view });
      const unknown = unknownValues(node.view);
      node.reasons.push(...unknown);
      if (unknown.length > 0 && node.status === 'evaluated') node.status = 'partial';
    }
  }
  const { talosNodeCoverage } = require('../coverage/talos-nodes') as typeof import('../coverage/talos-nodes');
  const coverage = talosNodeCoverage({ nodes, unread: results.flatMap((r) => r.unread), talosFiles: input.talosFiles, nodeFiles: files });
  return { findings: mergeHostFindings(findings), files, views, nodes, coverage, scanned };
}
