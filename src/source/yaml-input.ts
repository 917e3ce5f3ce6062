import { Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { LocatedError } from './errors';

/** declint's own YAML inputs (`.declint.yaml`, rule files) nest a few levels; far deeper is a mistake or an attack. */
export const MAX_INPUT_DEPTH = 32;

export interface YamlInput {
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The document as plain data. */
  data: unknown;
}

/**
 * Parses one of declint's own YAML inputs. Every problem stops with
 * `file:line:col: what is wrong` (exit 2), never a stack trace: a syntax
 * error, a duplicate key, nesting deeper than MAX_INPUT_DEPTH, aliases that
 * expand past the yaml package's budget.
 */
export function readYamlInput(text: string, display: string): YamlInput {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const pos = at(error.pos[0]);
    if (/Maximum call stack size exceeded/.test(error.message)) throw new LocatedError(display, pos.line, pos.col, `nested more than ${MAX_INPUT_DEPTH} levels deep`);
    throw new LocatedError(display, pos.line, pos.col, error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''));
  }
  const { problem } = walkShape(doc, MAX_INPUT_DEPTH);
  if (problem) {
    const pos = at(problem.at);
    throw new LocatedError(display, pos.line, pos.col, problem.kind === 'too-deep' ? `nested more than ${MAX_INPUT_DEPTH} levels deep` : 'a key is a map, a list or a tagged value (!!binary, !!timestamp): keys are plain names');
  }
  try {
    return { doc, lineCounter, data: doc.toJS() };
  } catch (error) {
    // The yaml package refuses aliases that expand too much (a "billion laughs" file).
    const alias = findAlias(doc.contents);
    const pos = at(alias?.range?.[0] ?? 0);
    throw new LocatedError(display, pos.line, pos.col, `aliases expand too much: ${(error as Error).message}`);
  }
}

function findAlias(root: unknown): { range?: [number, number, number] | null } | undefined {
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node)) return node;
    if (isMap(node)) for (const pair of node.items) stack.push(pair.value);
    else if (isSeq(node)) stack.push(...node.items);
  }
  return undefined;
}

/**
 * A key that is not a plain name: a map or a list, or a scalar whose value
 * is an object (`!!binary`, `!!timestamp`), also through an alias
 * (`? *anchor`). The yaml package would turn it into a string with a warning
 * on standard error; no key of declint's inputs or of Talos is one.
 */
export function isObjectKey(key: unknown, doc: Document): boolean {
  const node = isAlias(key) ? key.resolve(doc) : key;
  return isMap(node) || isSeq(node) || (isScalar(node) && typeof node.value === 'object' && node.value !== null);
}

/**
 * The first place a parsed YAML document is beyond what declint reads (the
 * configuration's and rule files' reader here, Talos files' in
 * talos/documents.ts), with an explicit stack, however deep it nests: a map
 * or a list nested deeper than `maxDepth`, or a key that is not a plain name
 * (`isObjectKey`); `aliases` tells whether the walk met an alias.
 */
export function walkShape(doc: Document, maxDepth: number): { problem?: { kind: 'too-deep' | 'object-key'; at: number }; aliases: boolean } {
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 1 }];
  let aliases = false;
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (isAlias(node)) aliases = true;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > maxDepth) return { problem: { kind: 'too-deep', at: node.range?.[0] ?? 0 }, aliases };
    for (const item of node.items) {
      if (isPair(item)) {
        if (isObjectKey(item.key, doc)) return { problem: { kind: 'object-key', at: (item.key as { range?: number[] }).range?.[0] ?? 0 }, aliases };
        stack.push({ node: item.key, depth: depth + 1 }, { node: item.value, depth: depth + 1 });
      } else stack.push({ node: item, depth: depth + 1 });
    }
  }
  return { aliases };
}
