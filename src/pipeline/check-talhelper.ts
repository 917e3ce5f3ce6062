import * as fs from 'fs';
import * as path from 'path';
import type { Finding } from '../findings/finding';
import { mergeHostFindings } from '../rules/check-host';
import type { Rule } from '../rules/rule';
import { isInside, reportPath } from '../source/paths';
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
export function checkTalhelperProjects(
  files: FileToCheck[],
  rules: Rule[],
  now: Date,
  roots: string[],
  base: string,
  keepViews = false,
  /** The text of a file (the disk's by default; `check --fix` checks its edits before writing them). */
  readText: (absolutePath: string) => string | undefined = (p) => fs.readFileSync(p, 'utf8'),
): TalhelperPhaseResult {
  const result: TalhelperPhaseResult = { findings: [], files: new Set(), views: [] };
  const talosRules = rules.filter((r) => r.target === 'talos');
  const candidates = files.filter((f) => TALCONFIG_NAME.test(path.basename(f.absolutePath)));
  if (candidates.length === 0) return result;
  // Required here: the YAML library is loaded only when there is a talhelper config.
  const { talhelperViews } = require('../talos/talhelper') as typeof import('../talos/talhelper');
  const { checkTalosView } = require('../rules/check-talos') as typeof import('../rules/check-talos');
  const realRoots = roots.map((r) => fs.realpathSync(r));
  const read = (absolutePath: string): { text: string } | { error: string } => {
    try {
      const real = fs.realpathSync(absolutePath);
      if (!realRoots.some((root) => isInside(root, real))) return { error: 'it is outside the scanned tree' };
      const text = readText(real);
      return text === undefined ? { error: 'it does not exist' } : { text };
    } catch {
      return { error: 'it does not exist' };
    }
  };
  const findings: Finding[] = [];
  for (const candidate of candidates) {
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
  }
  result.findings = mergeHostFindings(findings);
  return result;
}
