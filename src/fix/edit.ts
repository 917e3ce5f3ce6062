/**
 * Text edits as the fix engine makes them: a span of one file's text
 * (UTF-16 offsets, as JavaScript strings, tree-sitter's node binding and the
 * `yaml` package count them) replaced by new text.
 */
export interface TextEdit {
  /** Report path of the file. */
  file: string;
  start: number;
  end: number;
  text: string;
}

/** A rule's fix for one finding: the edits that make the value compliant, in one or more files. */
export interface Fix {
  ruleId: string;
  /** What the fix does, for people: `set services.openssh.settings.PermitRootLogin = "no"`. */
  description: string;
  /** Applied by `--fix`; an unsafe fix only with `--unsafe-fixes` (the rule says why in `unsafe`). */
  safe: boolean;
  unsafe?: string;
  edits: TextEdit[];
}

/** A fix, or why the finding has none that declint can write. */
export type FixPlan = { kind: 'fix'; fix: Fix } | { kind: 'none'; why: string };

/** Whether two edits of the same file touch the same text (two insertions at one point do too). */
export function editsOverlap(a: TextEdit, b: TextEdit): boolean {
  if (a.file !== b.file) return false;
  if (a.start === b.start) return true;
  return a.start < b.end && b.start < a.end;
}

/** The text with non-overlapping edits of it applied (they may come in any order). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
