import { createTwoFilesPatch } from 'diff';

/** The changes as one unified diff (`git apply` reads it from the directory the paths are relative to). */
export function unifiedDiff(changes: { file: string; before: string; after: string }[]): string {
  return changes.map((c) => createTwoFilesPatch(`a/${c.file}`, `b/${c.file}`, c.before, c.after, undefined, undefined, { context: 3 }).replace(/^=+\n/, '')).join('');
}
