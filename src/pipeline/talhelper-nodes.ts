import * as path from 'path';
import type { Finding } from '../findings/finding';
import { emptyNodeSourceResult, NodeSourceResult, TreeReader } from '../talos/node-source';
import { talhelperViews } from '../talos/talhelper';
import type { FileToCheck } from './check-files';

/**
 * talhelper projects as node sources: each `talconfig*.yaml`'s nodes, and a
 * `talhelper-patch` warning where talconfig names a patch that cannot be
 * read (talhelper genconfig fails on it; the nodes are judged without it).
 */
export function talhelperNodes(talconfigs: FileToCheck[], reader: TreeReader): { result: NodeSourceResult; findings: Finding[] } {
  const result = emptyNodeSourceResult();
  const findings: Finding[] = [];
  for (const talconfig of talconfigs) {
    const text = reader.read(talconfig.absolutePath);
    if ('error' in text) continue;
    const project = talhelperViews({ absolutePath: talconfig.absolutePath, text: text.text, read: reader.read, reportPath: reader.reportPath });
    if (project.views.length === 0) {
      result.unread.push({ file: talconfig.path, reason: 'a talhelper config with no node declint can read (nodes[].hostname)' });
      continue;
    }
    for (const file of project.files) result.files.add(file);
    findings.push(
      ...project.notes.map((n) => ({
        ruleId: 'talhelper-patch',
        severity: 'warning' as const,
        message: `${n.message.charAt(0).toUpperCase()}${n.message.slice(1)}; talhelper genconfig fails on it, and the nodes are checked without it.`,
        location: { file: n.file, range: n.range },
        related: [],
        subject: `talhelper-patch:${n.message}`,
      })),
    );
    for (const view of project.views) {
      const name = view.node!;
      const declared = { file: talconfig.path, range: project.declared.get(name)! };
      const notes = project.notesByNode.get(name) ?? [];
      result.nodes.push({
        name,
        construct: `talhelper node in ${path.basename(talconfig.path)} at ${talconfig.path}:${declared.range.start.line}`,
        declared,
        view,
        status: notes.length > 0 ? 'partial' : 'evaluated',
        reasons: notes.map((n) => ({ message: n.message, at: { file: n.file, range: n.range } })),
      });
    }
  }
  return { result, findings };
}
