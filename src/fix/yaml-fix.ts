import { isMap, isScalar, parse, parseAllDocuments, visit } from 'yaml';
import type { Span } from './nix-fix';

/**
 * YAML source edits for Talos rule fixes, located with the `yaml` package's
 * document API: the scalar a finding points at is replaced in the text, so
 * the rest of the file (comments, quoting, indentation, other documents)
 * stays byte for byte.
 */

/** A value as a YAML scalar: plain where it reads back as the same value, else double-quoted. */
export function yamlScalar(value: unknown): string | undefined {
  if (typeof value === 'boolean' || typeof value === 'number' || value === null) return String(value);
  if (typeof value !== 'string') return undefined;
  try {
    if (value !== '' && !/[#:\n]|^\s|\s$/.test(value) && parse(value) === value) return value;
  } catch {
    // not plain YAML: quoted below
  }
  return JSON.stringify(value);
}

/**
 * The scalar value of the `key: value` pair whose key starts at `offset` (or
 * of a JSON 6902 `value:`), in whichever document of the file holds it.
 */
export function scalarSpan(text: string, offset: number): Span | { why: string } {
  for (const doc of parseAllDocuments(text)) {
    if (!doc.range || offset > doc.range[2]) continue;
    let found: Span | { why: string } | undefined;
    visit(doc, {
      Pair(_, pair) {
        const key = pair.key as { range?: [number, number, number] } | null;
        if (!key?.range || key.range[0] !== offset) return undefined;
        const value = pair.value;
        if (isScalar(value) && value.range) found = { start: value.range[0], end: value.range[1] };
        else found = { why: value ? 'the value is a map or a list, not a single value' : 'the key has no value' };
        return visit.BREAK;
      },
    });
    if (found) return found;
  }
  return { why: 'the setting is no longer where the analysis found it' };
}

/**
 * A missing setting added to the document that starts at or holds `offset`
 * (a complete machine config), through the document API. Only where the
 * file reads back unchanged through that API (it then keeps its comments
 * and layout); else undefined, with why.
 */
export function yamlInsertion(text: string, offset: number, path: string[], value: unknown): (Span & { text: string }) | { why: string } {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) return { why: 'the file does not parse as YAML' };
  // A document's text runs from the end of the one before it (its leading comments and `---` included).
  const index = docs.findIndex((d) => d.range && offset <= d.range[2]);
  if (index === -1) return { why: 'the document is no longer where the analysis found it' };
  const doc = docs[index];
  const start = index === 0 ? 0 : docs[index - 1].range[2];
  const end = doc.range[2];
  if (doc.toString() !== text.slice(start, end)) return { why: 'the file does not keep its layout when rewritten, so the setting is not added automatically' };
  if (!isMap(doc.contents)) return { why: 'the document is not a map' };
  // Each missing map on the way is created as a block map, like the rest of a machine config.
  for (let n = 1; n < path.length; n++) {
    const parent = doc.getIn(path.slice(0, n), true);
    if (parent === undefined) break;
    if (!isMap(parent)) return { why: `${path.slice(0, n).join('.')} is not a map` };
  }
  doc.setIn(path, value);
  return smallestChange(text, start, end, doc.toString());
}

/** The replacement of text[start, end) by `rewritten`, cut to the part that differs. */
function smallestChange(text: string, start: number, end: number, rewritten: string): Span & { text: string } {
  let head = 0;
  while (start + head < end && head < rewritten.length && text[start + head] === rewritten[head]) head++;
  // Back to a line start, so that the edit adds whole lines.
  while (head > 0 && text[start + head - 1] !== '\n') head--;
  let tail = 0;
  while (tail < end - start - head && tail < rewritten.length - head && text[end - 1 - tail] === rewritten[rewritten.length - 1 - tail]) tail++;
  return { start: start + head, end: end - tail, text: rewritten.slice(head, rewritten.length - tail) };
}
