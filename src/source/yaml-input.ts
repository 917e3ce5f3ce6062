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
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > MAX_INPUT_DEPTH) {
      const pos = at(node.range?.[0] ?? 0);
      throw new LocatedError(display, pos.line, pos.col, `nested more than ${MAX_INPUT_DEPTH} levels deep`);
    }
    for (const item of node.items) {
      if (isPair(item) && isObjectKey(item.key, doc)) {
        const pos = at((item.key as { range?: number[] }).range?.[0] ?? 0);
        throw new LocatedError(display, pos.line, pos.col, 'a key is a map, a list or a tagged value (!!binary, !!timestamp): keys are plain names');
      }
      stack.push({ node: isPair(item) ? item.value : item, depth: depth + 1 });
    }
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
