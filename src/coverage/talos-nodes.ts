import type { TalosFileSummary } from '../talos/file-summary';
import type { FileRange, FoundNode } from '../talos/node-source';
import type { Coverage, CoverageEntry, CoverageSite, UnreadSource } from './coverage';

/**
 * Talos nodes in coverage: the nodes the construct readers found (talhelper,
 * Omni, Cluster API, Terraform), each full machine config file, and every
 * Talos-looking file that produced no node — one that does not parse, a
 * template that cannot be read, a patch or typed document no node applies.
 */
export interface TalosCoverageInput {
  nodes: FoundNode[];
  /** Sources the readers found but could not read. */
  unread: { file: string; at?: FileRange['range']; reason: string }[];
  /** What the per-file phase read of each Talos-looking file. */
  talosFiles: TalosFileSummary[];
  /** Report paths of the files the nodes are built from. */
  nodeFiles: Set<string>;
}

const ALONE: Partial<Record<TalosFileSummary['kind'], string>> = {
  'strategic-patch': 'a strategic-merge patch',
  'json6902-patch': 'a JSON 6902 patch',
  multidoc: 'Talos config documents',
};

export function talosNodeCoverage(input: TalosCoverageInput): Coverage {
  const entries: CoverageEntry[] = input.nodes.map((n) => ({
    kind: 'talos-node',
    name: n.name,
    status: n.status,
    construct: n.construct,
    site: siteOf(n.declared),
    reasons: n.reasons.map((r) => ({ message: r.message, ...(r.at ? { site: siteOf(r.at) } : {}) })),
  }));
  const unread: UnreadSource[] = input.unread.map((u) => ({
    kind: 'talos-node',
    file: u.file,
    ...(u.at ? { site: siteOf({ file: u.file, range: u.at }) } : {}),
    reason: u.reason,
    checkedAlone: false,
  }));
  for (const f of input.talosFiles) {
    const templated = f.templated ? [{ message: `${f.templated} template expression${f.templated === 1 ? ' is' : 's are'} read as unknown values, which are not judged` }] : [];
    if (f.node) {
      const site = { file: f.file, line: f.node.line, column: f.node.column };
      entries.push({ kind: 'talos-node', name: f.node.name, status: templated.length > 0 ? 'partial' : 'evaluated', construct: `machine config file ${f.file}`, site, reasons: templated });
    } else if (f.problem) {
      const why = f.kind === 'unreadable-template' ? `a templated file whose YAML cannot be read around its template expressions (${f.problem.message})` : `the file does not parse (${f.problem.message})`;
      unread.push({ kind: 'talos-node', file: f.file, site: { file: f.file, line: f.problem.line, column: f.problem.column }, reason: why, checkedAlone: false });
    } else if (ALONE[f.kind] && !input.nodeFiles.has(f.file)) {
      const reason = `${ALONE[f.kind]} that no node in the scan applies; checked on its own, for what it sets`;
      unread.push({ kind: 'talos-node', file: f.file, reason, checkedAlone: true });
    }
  }
  return { entries, unread };
}

function siteOf(at: FileRange): CoverageSite {
  return { file: at.file, line: at.range.start.line, column: at.range.start.column };
}
