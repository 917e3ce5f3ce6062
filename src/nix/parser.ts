import type ParserType from 'tree-sitter';
import type { SyntaxNode, Tree } from 'tree-sitter';
import { loadTreeSitter } from '../source/tree-sitter';
import { timing } from '../timing';
import { FILE_TIME_BUDGET_MS } from './limits';

const Parser = loadTreeSitter();
/** The grammar's binding (grammars/nix/binding.cc): the language for the runtime, and a parse into a flat array. */
interface NixBinding {
  parseFlat(text: string, timeoutMicros?: number): Int32Array | null | false;
  symbolNames: string[];
}
// eslint-disable-next-line @typescript-eslint/no-var-requires
const nixLanguage = require('../../grammars/nix') as NixBinding;

type Parser = ParserType;

let sharedParser: Parser | undefined;

function parser(): Parser {
  if (!sharedParser) {
    sharedParser = new Parser();
    sharedParser.setLanguage(nixLanguage as unknown as ParserType.Language);
  }
  return sharedParser;
}

export type { SyntaxNode, Tree };

/**
 * How long parsing one text may take. tree-sitter's error recovery takes
 * minutes on some broken texts (200 KB of a mangled attribute path took
 * 52 s), where a real file of that size parses in milliseconds: past this,
 * the text is not parsed (`ParseTooSlow`) and its file is not checked.
 */
export const PARSE_TIME_BUDGET_MS = FILE_TIME_BUDGET_MS;

/**
 * Texts this thread gave up parsing: the host phase loads files the
 * per-file phase parsed, and is not made to wait for the same text again.
 */
const tooSlow = new Set<string>();

function refuseKnownSlow(text: string): void {
  if (tooSlow.size > 0 && tooSlow.has(text)) throw new ParseTooSlow();
}

/** Parsing a text took longer than `PARSE_TIME_BUDGET_MS`. */
export class ParseTooSlow extends Error {
  constructor() {
    super(`parsing it took longer than ${PARSE_TIME_BUDGET_MS / 1000} s, the time a file may take`);
  }
}

/** Parses Nix source with tree-sitter-nix; never throws on bad syntax, throws `ParseTooSlow` past the time budget. */
export function parseNix(text: string, oldTree?: Tree): Tree {
  const shared = parser();
  return withinBudget(
    text,
    () => {
      shared.setTimeoutMicros(PARSE_TIME_BUDGET_MS * 1000);
      // The node binding reads a string input in chunks; a large buffer avoids its default 32 KiB re-reads for big files.
      // Past the timeout the runtime returns no tree (its typings say otherwise), and resumes that parse next time unless reset.
      return (shared.parse(text, oldTree, { bufferSize: Math.max(32 * 1024, text.length * 2 + 2) }) as Tree | null) ?? false;
    },
    () => shared.reset(),
  );
}

/**
 * A text parsed into a flat array (see `parseFlat` in grammars/nix/binding.cc):
 * the named nodes without comments, in document order, `FLAT_FIELDS` numbers
 * each: type and operator symbols, start, end, and the index of the first
 * node after its subtree. Undefined when the text has a syntax error (the
 * trailing comma `firstSyntaxError` accepts is none): `parseNix` then gives
 * the tree that says where and what.
 */
export function parseNixFlat(text: string): Int32Array | undefined {
  return withinBudget(text, () => nixLanguage.parseFlat(text, PARSE_TIME_BUDGET_MS * 1000) ?? undefined);
}

/**
 * Runs one parse of `text` (timed as `parse`), which gives false past the
 * time budget: the text is then remembered as too slow (`afterTimeout`
 * readies the parser for the next text) and `ParseTooSlow` thrown.
 */
function withinBudget<T>(text: string, parse: () => T | false, afterTimeout?: () => void): T {
  refuseKnownSlow(text);
  const started = timing?.start();
  const parsed = parse();
  if (started !== undefined) timing!.count('parse', started);
  if (parsed === false) {
    afterTimeout?.();
    tooSlow.add(text);
    throw new ParseTooSlow();
  }
  return parsed;
}

export const FLAT_FIELDS = 4;

/** Names of the grammar's symbols by id: node types and anonymous tokens (operators). */
export const NIX_SYMBOL_NAMES: readonly string[] = nixLanguage.symbolNames;

/**
 * The first syntax error in the tree, or undefined when the file is valid Nix.
 *
 * tree-sitter-nix 0.0.2 predates the grammar's support for a trailing comma
 * in a function's formals (`{ lib, pkgs, }:`, `{ lib, ..., }:`), which Nix
 * accepts. Its error recovery for exactly that case is local: the last child
 * of `formals` is a `formal` whose name is a MISSING identifier, or a lone
 * ERROR holding the comma. Those two shapes are valid Nix and are skipped.
 */
export function firstSyntaxError(tree: Tree): SyntaxNode | undefined {
  // Asked of one tree by its loading, its check and its held module's check: 2 ms each on a large module after a slip.
  if (firstErrors.has(tree)) return firstErrors.get(tree);
  const error = searchSyntaxError(tree);
  firstErrors.set(tree, error);
  return error;
}

/** The first syntax error of each tree asked about; a tree edited for a re-parse (`editTree`) is dropped from it. */
const firstErrors = new WeakMap<Tree, SyntaxNode | undefined>();

/** Applies an edit to a tree before it is re-parsed (see tree-sitter's `Tree.edit`). */
export function editTree(tree: Tree, edit: Parameters<Tree['edit']>[0]): void {
  firstErrors.delete(tree);
  tree.edit(edit);
}

function searchSyntaxError(tree: Tree): SyntaxNode | undefined {
  if (!tree.rootNode.hasError) return undefined;
  let error = findError(tree.rootNode);
  // An ERROR that wraps a more precise one (a MISSING token, a stray keyword) is explained by it.
  while (error && error.type === 'ERROR') {
    let inner: SyntaxNode | undefined;
    // `children` at once: `child(i)` walks the siblings before i, quadratic on an ERROR of 100,000 children.
    for (const child of error.children) if ((inner = findError(child))) break;
    if (!inner) break;
    error = inner;
  }
  return error;
}

export interface SyntaxErrorReport {
  /** Where the error is: the missing token's place, the unexpected text, or the end of the file. */
  node: SyntaxNode;
  atEnd: boolean;
  message: string;
}

/** Describes the first syntax error for a user: what is wrong and where. */
export function describeSyntaxError(tree: Tree, text: string): SyntaxErrorReport | undefined {
  const node = firstSyntaxError(tree);
  if (!node) return undefined;
  if (node.isMissing) return { node, atEnd: false, message: `missing "${node.type}"` };
  const rest = text.slice(node.endIndex).trim();
  if (node.startIndex === 0 && rest === '' && node.text.trim().length === text.trim().length) {
    return { node, atEnd: true, message: 'the file ends before the expression is complete' };
  }
  const snippet = node.text.trim().split(/\s+/).slice(0, 3).join(' ');
  return { node, atEnd: false, message: `unexpected "${snippet.length > 30 ? `${snippet.slice(0, 27)}...` : snippet}"` };
}

/** The first MISSING or ERROR node in document order; an explicit stack, as a long chain of applications nests deeper than the call stack. */
function findError(start: SyntaxNode): SyntaxNode | undefined {
  const stack: SyntaxNode[] = [start];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.isMissing || node.type === 'ERROR') return node;
    if (!node.hasError) continue;
    const children = node.children;
    const count = children.length;
    for (let i = count - 1; i >= 0; i--) {
      const child = children[i];
      if (node.type === 'formals' && i === count - 2 && isTrailingCommaRecovery(child, children[count - 1])) continue;
      stack.push(child);
    }
  }
  return undefined;
}

/** `child` is the last named element before the closing `}` of `formals`. */
function isTrailingCommaRecovery(child: SyntaxNode, closing: SyntaxNode): boolean {
  if (closing.type !== '}') return false;
  if (child.type === 'ERROR') return child.childCount === 1 && child.text.trim() === ',';
  if (child.type === 'formal') {
    const name = child.childForFieldName('name');
    return child.childCount === 1 && name !== null && name.isMissing;
  }
  return false;
}
