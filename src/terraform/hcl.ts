import type ParserType from 'tree-sitter';
import type { SyntaxNode } from 'tree-sitter';
import { LineIndex, Range } from '../source/position';
import { loadTreeSitter } from '../source/tree-sitter';

/**
 * Terraform's HCL through tree-sitter-hcl (tree-sitter-grammars), on the
 * same tree-sitter runtime as Nix: blocks and attributes with their exact
 * positions. Parsing never throws; the first syntax error is reported with
 * its place.
 */

export type { SyntaxNode };

let shared: ParserType | undefined | { unavailable: string };

function parser(): ParserType | { unavailable: string } {
  if (!shared) {
    try {
      const Parser = loadTreeSitter();
      const instance = new Parser();
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      instance.setLanguage(require('@tree-sitter-grammars/tree-sitter-hcl') as ParserType.Language);
      shared = instance;
    } catch (error) {
      // The grammar ships prebuilt for the common platforms; elsewhere Terraform is not read, and coverage says so.
      shared = { unavailable: `the HCL parser is not available on this platform (${(error as Error).message.split('\n')[0]})` };
    }
  }
  return shared;
}

export interface HclFile {
  /** Report path. */
  file: string;
  absolutePath: string;
  text: string;
  lines: LineIndex;
  body: SyntaxNode;
}

export type HclParse = { kind: 'parsed'; file: HclFile } | { kind: 'error'; message: string; range?: Range };

export function parseHcl(file: string, absolutePath: string, text: string): HclParse {
  const p = parser();
  if ('unavailable' in p) return { kind: 'error', message: p.unavailable };
  const tree = p.parse(text, undefined, { bufferSize: Math.max(32 * 1024, text.length * 2 + 2) });
  const lines = new LineIndex(text);
  const error = firstError(tree.rootNode);
  if (error) {
    const what = error.isMissing ? `missing "${error.type}"` : `unexpected "${error.text.trim().split(/\s+/).slice(0, 3).join(' ').slice(0, 30)}"`;
    return { kind: 'error', message: `does not parse as HCL: ${what}`, range: lines.range(error.startIndex, error.endIndex) };
  }
  const body = tree.rootNode.namedChildren.find((c) => c.type === 'body');
  // An empty file has no body: an empty config_file stands for it.
  return { kind: 'parsed', file: { file, absolutePath, text, lines, body: body ?? tree.rootNode } };
}

function firstError(start: SyntaxNode): SyntaxNode | undefined {
  if (!start.hasError) return undefined;
  const stack = [start];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.isMissing || node.type === 'ERROR') return node;
    if (!node.hasError) continue;
    for (let i = node.childCount - 1; i >= 0; i--) stack.push(node.child(i)!);
  }
  return undefined;
}

export interface HclBlock {
  readonly type: string;
  readonly labels: string[];
  readonly node: SyntaxNode;
  /** The block's attributes by name: each its expression node. */
  readonly attributes: Map<string, SyntaxNode>;
  /** Nested blocks. */
  readonly blocks: HclBlock[];
  readonly file: HclFile;
}

/** The top-level blocks of a file. */
export function fileBlocks(file: HclFile): HclBlock[] {
  return bodyBlocks(file.body, file);
}

/** Top-level `name = value` attributes of a file (a `.tfvars` file is only these). */
export function fileAttributes(file: HclFile): Map<string, SyntaxNode> {
  return bodyAttributes(file.body);
}

function bodyBlocks(body: SyntaxNode | null, file: HclFile): HclBlock[] {
  if (!body) return [];
  return body.namedChildren.filter((c) => c.type === 'block').map((block) => new Block(block, file));
}

/** A block; its attributes and nested blocks are read when asked for (most blocks of a module are not Talos's). */
class Block implements HclBlock {
  readonly type: string;
  readonly labels: string[];
  private readonly inner: SyntaxNode | null;
  private read?: { attributes: Map<string, SyntaxNode>; blocks: HclBlock[] };

  constructor(
    readonly node: SyntaxNode,
    readonly file: HclFile,
  ) {
    const children = node.namedChildren;
    this.type = children[0]?.text ?? '';
    this.labels = children.slice(1).filter((c) => c.type === 'string_lit' || c.type === 'identifier').map((c) => (c.type === 'string_lit' ? stringLiteralText(c) : c.text));
    this.inner = children.find((c) => c.type === 'body') ?? null;
  }

  get attributes(): Map<string, SyntaxNode> {
    return (this.read ??= this.readBody()).attributes;
  }

  get blocks(): HclBlock[] {
    return (this.read ??= this.readBody()).blocks;
  }

  private readBody() {
    return { attributes: bodyAttributes(this.inner), blocks: bodyBlocks(this.inner, this.file) };
  }
}

function bodyAttributes(body: SyntaxNode | null): Map<string, SyntaxNode> {
  const out = new Map<string, SyntaxNode>();
  for (const attribute of body?.namedChildren ?? []) {
    if (attribute.type !== 'attribute') continue;
    const name = attribute.namedChildren[0];
    const expression = attribute.namedChildren.find((c) => c.type === 'expression');
    if (name && expression) out.set(name.text, expression);
  }
  return out;
}

/** The text of a string literal without interpolation (block labels). */
function stringLiteralText(node: SyntaxNode): string {
  return node.namedChildren.filter((c) => c.type === 'template_literal').map((c) => c.text).join('');
}
