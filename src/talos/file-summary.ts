import type { Range } from '../source/position';
import type { TalosFile, TalosFileKind } from './documents';
import { isUnknownText } from './unknown';

/**
 * What the per-file phase learned about a Talos-looking file, for coverage:
 * its kind, the node a complete machine config describes, how many template
 * expressions were read as unknown, or why it could not be read. Small and
 * plain: worker threads send it to the main thread.
 */
export interface TalosFileSummary {
  file: string;
  kind: TalosFileKind | 'syntax-error' | 'unreadable-template';
  /** A complete machine config: the node it describes (its hostname, else the file), at its document's start. */
  node?: { name: string; line: number; column: number };
  /** Template expressions read as unknown values. */
  templated?: number;
  /** Why the file was not read, and where. */
  problem?: { message: string; line: number; column: number };
}

export function summarizeTalosFile(file: string, talos: TalosFile): TalosFileSummary {
  const config = talos.documents.find((d) => d.role === 'machine-config');
  let node: TalosFileSummary['node'];
  if (config) {
    // The value itself, not its node: the YAML library stays unloaded where no Talos file is read.
    const value = config.document.getIn(['machine', 'network', 'hostname']);
    const name = typeof value === 'string' && value !== '' && !isUnknownText(value) ? value : file;
    node = { name, line: config.range.start.line, column: config.range.start.column };
  }
  return { file, kind: talos.kind, ...(node ? { node } : {}), ...(talos.templated ? { templated: talos.templated } : {}) };
}

export function unreadTalosFile(file: string, kind: 'syntax-error' | 'unreadable-template', message: string, range: Range): TalosFileSummary {
  return { file, kind, problem: { message, line: range.start.line, column: range.start.column } };
}
