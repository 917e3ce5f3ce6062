import * as path from 'path';
import type { Finding } from '../findings/finding';
import { mergeHostFindings } from '../rules/check-host';
import type { Rule } from '../rules/rule';
import { reportPath } from '../source/paths';
import { internalErrorFinding } from '../findings/unchecked';
import { MAX_SOURCE_BYTES, readText, realDirectories } from '../source/read-text';
import type { FileToCheck } from './check-files';
import type { TalosView } from '../talos/views';

export interface TalhelperPhaseResult {
  findings: Finding[];
  /** Report paths of the files talhelper nodes are built from: their Talos findings are the nodes'. */
  files: Set<string>;
  /** Each node's effective config, when asked to keep them (the compliance report). */
  views: { talconfig: string; view: TalosView }[];
}

/** A talhelper config is named `talconfig*.yaml` (talhelper's default `talconfig.yaml`, or a variant given with `-c`). */
const TALCONFIG_NAME = /^talconfig[\w.-]*\.ya?ml$/;

/**
 * Builds every talhelper node's effective config and runs the Talos rules on
 * it. Referenced files are read only inside the scanned roots.
 */
export function checkTalhelperProjects(files: FileToCheck[], rules: Rule[], now: Date, roots: string[], base: string, keepViews = false): TalhelperPhaseResult {
  const result: TalhelperPhaseResult = { findings: [], files: new Set(), views: [] };
  const talosRules = rules.filter((r) => r.target === 'talos');
  const candidates = files.filter((f) => TALCONFIG_NAME.test(path.basename(f.absolutePath)));
  if (candidates.length === 0) return result;
  // Required here: the YAML library is loaded only when there is a talhelper config.
  const { talhelperViews } = require('../talos/talhelper') as typeof import('../talos/talhelper');
  const { checkTalosView } = require('../rules/check-talos') as typeof import('../rules/check-talos');
  const realRoots = realDirectories(roots);
  const read = (absolutePath: string): { text: string } | { error: string } => {
    const text = readText(absolutePath, { maxBytes: MAX_SOURCE_BYTES, within: realRoots });
    return text.kind === 'text' ? { text: text.text } : { error: text.reason };
  };
  const findings: Finding[] = [];
  for (const candidate of candidates) {
    try {
      const text = read(candidate.absolutePath);
      if ('error' in text) continue;
      const project = talhelperViews({ absolutePath: candidate.absolutePath, text: text.text, read, reportPath: (p) => reportPath(base, p) });
      if (project.views.length === 0) continue;
      for (const file of project.files) result.files.add(file);
      // A patch talhelper cannot read makes genconfig fail: reported where talconfig names it.
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
      for (const view of project.views) for (const rule of talosRules) findings.push(...checkTalosView(view, rule, { now }));
      if (keepViews) result.views.push(...project.views.map((view) => ({ talconfig: candidate.path, view })));
    } catch (error) {
      // One project's failure is reported at its talconfig; the other projects are still checked.
      findings.push(internalErrorFinding(candidate.path, error));
    }
  }
  result.findings = mergeHostFindings(findings);
  return result;
}
