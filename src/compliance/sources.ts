import type { AnalyzedFile } from '../pipeline/analyze';
import { analyzeFile } from '../pipeline/analyze';
import type { FileToCheck } from '../pipeline/check-files';
import { ControlAnnotation, findAnnotations } from './annotations';
import type { ControlIndex } from './control-mentions';
import { MAX_SOURCE_BYTES, readText } from '../source/read-text';

export type TalosModel = Extract<AnalyzedFile, { kind: 'talos' }>;
export type LockModel = Extract<AnalyzedFile, { kind: 'flake-lock' }>;

/**
 * What the report reads from the scanned files besides the check's findings:
 * the Talos and lock models (for the values that pass and the inventory) and
 * the control annotations in comments. Each file is read once.
 */
export interface EvidenceSources {
  models: (TalosModel | LockModel)[];
  annotations: ControlAnnotation[];
}

export function readEvidenceSources(files: FileToCheck[], index: ControlIndex): EvidenceSources {
  const models: (TalosModel | LockModel)[] = [];
  const annotations: ControlAnnotation[] = [];
  for (const file of files) {
    const yaml = /\.ya?ml$/.test(file.path);
    const lock = /(^|\/)flake\.lock$/.test(file.path);
    if (!yaml && !lock && !file.path.endsWith('.nix')) continue;
    const read = readText(file.absolutePath, { maxBytes: MAX_SOURCE_BYTES });
    if (read.kind === 'error') continue; // the check reported it: it has no evidence to give
    const text = read.text;
    if (yaml || lock) {
      const analyzed = analyzeFile(file.path, text);
      if (analyzed.kind === 'analyzed' && analyzed.file.kind !== 'nix') models.push(analyzed.file);
    }
    if (!lock) annotations.push(...findAnnotations(file.path, text, index));
  }
  return { models, annotations };
}
