import type { Tree } from './parser';
import type { TreeCursor } from 'tree-sitter';

/**
 * A Nix syntax tree as plain JS objects, converted from tree-sitter's tree in
 * one cursor walk. Every access to a node of the native tree crosses into C++
 * and allocates; the evaluator visits nodes many times, so it works on this
 * copy instead, and the native tree can be freed right after the walk.
 *
 * Only named nodes are kept, without comments; operators of binary and unary
 * expressions are kept on their node. Field access (`childForFieldName`)
 * follows the grammar's fixed child order, documented per type below.
 */
export class NixNode {
  /** Named children, or null for none; `undefined` until a deferred node is expanded. */
  private children: NixNode[] | null | undefined = null;
  /** For `binary_expression` and `unary_expression`: the operator token. */
  operator?: string;

  constructor(
    readonly type: string,
    readonly startIndex: number,
    readonly endIndex: number,
    private readonly file: SyntaxFile,
  ) {}

  /** Named children in source order, comments excluded. */
  get namedChildren(): NixNode[] {
    if (this.children === undefined) {
      // A deferred string or list: find its native node again and copy its children now.
      this.children = null;
      const native = this.file.tree!.rootNode.descendantForIndex(this.startIndex, this.endIndex);
      copyChildren(native.walk(), this, this.file);
    }
    return this.children ?? NO_CHILDREN;
  }

  get sourceText(): string {
    return this.file.source;
  }

  /** @internal */
  addChild(child: NixNode): void {
    (this.children ??= []).push(child);
  }

  /** @internal A copy of this fully copied node and everything below it, moved by `delta`, in another file. */
  shifted(delta: number, file: SyntaxFile): NixNode {
    const copy = new NixNode(this.type, this.startIndex + delta, this.endIndex + delta, file);
    if (this.operator !== undefined) copy.operator = this.operator;
    if (this.children) copy.children = this.children.map((c) => c.shifted(delta, file));
    return copy;
  }

  /** @internal Children are copied on first access. */
  defer(): void {
    this.children = undefined;
  }

  get text(): string {
    return this.file.source.slice(this.startIndex, this.endIndex);
  }

  get namedChildCount(): number {
    return this.namedChildren.length;
  }

  namedChild(index: number): NixNode | null {
    return this.namedChildren[index] ?? null;
  }

  /** A zero-width node is one tree-sitter inserted to recover from an error. */
  get isMissing(): boolean {
    return this.startIndex === this.endIndex && this.type === 'identifier';
  }

  childForFieldName(field: string): NixNode | null {
    const c = this.namedChildren;
    const first = c[0] ?? null;
    const last = c[c.length - 1] ?? null;
    switch (this.type) {
      case 'source_code':
      case 'parenthesized_expression':
      case 'interpolation':
        return field === 'expression' ? first : null;
      case 'apply_expression': // function argument
        return field === 'function' ? first : field === 'argument' ? (c[1] ?? null) : null;
      case 'binary_expression': // left right
        return field === 'left' ? first : field === 'right' ? (c[1] ?? null) : null;
      case 'unary_expression': // argument
        return field === 'argument' ? first : null;
      case 'function_expression': // (universal @)? formals? body, or formals @ universal
        if (field === 'body') return last;
        if (field === 'formals') return c.find((n) => n.type === 'formals') ?? null;
        if (field === 'universal') return c.slice(0, -1).find((n) => n.type === 'identifier') ?? null;
        return null;
      case 'formal': // name (? default)
        return field === 'name' ? first : field === 'default' ? (c[1] ?? null) : null;
      case 'select_expression': // expression . attrpath (or default)
      case 'has_attr_expression': // expression ? attrpath
        return field === 'expression' ? first : field === 'attrpath' ? (c[1] ?? null) : field === 'default' ? (c[2] ?? null) : null;
      case 'let_expression': // binding_set? body
        return field === 'body' && last?.type !== 'binding_set' ? last : null;
      case 'if_expression': // condition consequence alternative
        return field === 'condition' ? first : field === 'consequence' ? (c[1] ?? null) : field === 'alternative' ? (c[2] ?? null) : null;
      case 'with_expression': // environment body
        return field === 'environment' ? first : field === 'body' ? (c[1] ?? null) : null;
      case 'assert_expression': // condition body
        return field === 'condition' ? first : field === 'body' ? (c[1] ?? null) : null;
      case 'binding': // attrpath expression
        return field === 'attrpath' ? first : field === 'expression' ? (c[1] ?? null) : null;
      case 'inherit_from': // expression attrs
        return field === 'expression' ? first : field === 'attrs' ? (c[1] ?? null) : null;
      case 'inherit': // attrs
        return field === 'attrs' ? first : null;
      default:
        return null;
    }
  }
}

/** Named node types that never have named children: the walk does not descend into them. */
const LEAF_TYPES = new Set([
  'identifier', 'integer_expression', 'float_expression', 'string_fragment', 'escape_sequence', 'dollar_escape',
  'path_fragment', 'spath_expression', 'uri_expression', 'comment', 'ellipses',
]);

const ERROR_TYPE_ID = 0xffff;

/** Named type names by type id, read once from the runtime's node classes for the language. */
let namedTypes: (string | undefined)[] | undefined;

function namedTypeTable(tree: Tree): (string | undefined)[] {
  if (!namedTypes) {
    const language = (tree as unknown as { language: { nodeSubclasses: { prototype: { type?: string } }[] } }).language;
    // Named types have a subclass whose prototype holds `type` as a plain value; the rest share the base class.
    namedTypes = language.nodeSubclasses.map((cls) => {
      const type = Object.getOwnPropertyDescriptor(cls.prototype, 'type')?.value;
      return typeof type === 'string' ? type : undefined;
    });
  }
  return namedTypes;
}

/**
 * Strings and lists are most of a configuration's nodes, and their contents
 * matter only when a rule reads that value: they are copied on first access.
 */
const DEFERRED_TYPES = new Set(['string_expression', 'indented_string_expression', 'list_expression']);

const PLAIN_ATTRPATH = /^[A-Za-z_][A-Za-z0-9_'-]*(?:\.[A-Za-z_][A-Za-z0-9_'-]*)*$/;
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_'-]*/g;

/**
 * A variable or a dotted name without quotes, spaces or interpolation
 * (`services.openssh.enable`, by far the most common nodes) is split from the
 * source text instead of being walked node by node in the native tree.
 */
function identifiersFromText(node: NixNode, file: SyntaxFile): boolean {
  const text = file.source.slice(node.startIndex, node.endIndex);
  if (!PLAIN_ATTRPATH.test(text) || (node.type === 'variable_expression' && text.includes('.'))) return false;
  IDENTIFIER.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = IDENTIFIER.exec(text)) !== null) {
    const start = node.startIndex + match.index;
    node.addChild(new NixNode('identifier', start, start + match[0].length, file));
  }
  return true;
}

/** What the nodes of one file share: the source, the native tree (kept for deferred nodes) and the type names. */
interface SyntaxFile {
  source: string;
  /** Kept while deferred nodes may need it. */
  tree: Tree | undefined;
  names: (string | undefined)[];
  deferred: boolean;
  /** While converting with `convertTreeReusing`. */
  reuse?: Reuse;
}

const NO_CHILDREN: NixNode[] = [];

/**
 * Copies a tree-sitter tree of valid Nix into `NixNode`s. With `deferred`
 * (the default) strings and lists are copied on first access and the native
 * tree is kept for that; without it everything is copied now and the native
 * tree can be freed (for syntax kept long, as host evaluation does).
 */
export function convertTree(tree: Tree, source: string, deferred = true): NixNode {
  const file: SyntaxFile = { source, tree, names: namedTypeTable(tree), deferred };
  const cursor = tree.walk();
  const root = new NixNode('source_code', cursor.startIndex, cursor.endIndex, file);
  copyChildren(cursor, root, file);
  if (!deferred) file.tree = undefined;
  return root;
}

/** The bindings of an earlier copy that may be reused, and where the texts differ. */
interface Reuse {
  /** Old bindings by `start:end` in the old text. */
  bindings: Map<string, NixNode>;
  /** Length of the common prefix of the old and new text. */
  prefix: number;
  /** Where the common suffix starts in the new text. */
  suffixStart: number;
  /** New length minus old length. */
  delta: number;
}

/**
 * Like `convertTree(tree, source, false)`, for a text that is an edit of one
 * converted before: every binding that lies wholly in the unchanged start or
 * end of the text is the earlier copy, moved to its new offsets, instead of a
 * new walk of the native tree. The language server converts a module after
 * each keystroke this way.
 */
export function convertTreeReusing(tree: Tree, source: string, previous: { root: NixNode; source: string }): NixNode {
  const old = previous.source;
  let prefix = 0;
  const shorter = Math.min(old.length, source.length);
  while (prefix < shorter && old.charCodeAt(prefix) === source.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < shorter - prefix && old.charCodeAt(old.length - 1 - suffix) === source.charCodeAt(source.length - 1 - suffix)) suffix++;
  const bindings = new Map<string, NixNode>();
  const collect = (node: NixNode) => {
    if (node.type === 'binding') bindings.set(`${node.startIndex}:${node.endIndex}`, node);
    for (const child of node.namedChildren) collect(child);
  };
  collect(previous.root);
  const reuse: Reuse = { bindings, prefix, suffixStart: source.length - suffix, delta: source.length - old.length };
  const file: SyntaxFile = { source, tree, names: namedTypeTable(tree), deferred: false, reuse };
  const cursor = tree.walk();
  const root = new NixNode('source_code', cursor.startIndex, cursor.endIndex, file);
  copyChildren(cursor, root, file);
  file.tree = undefined;
  file.reuse = undefined;
  return root;
}

/** The earlier copy of the binding the cursor is on, when its text is unchanged. */
function reusedBinding(cursor: TreeCursor, reuse: Reuse): NixNode | undefined {
  const start = cursor.startIndex;
  const end = cursor.endIndex;
  if (end <= reuse.prefix) return reuse.bindings.get(`${start}:${end}`);
  if (start >= reuse.suffixStart) return reuse.bindings.get(`${start - reuse.delta}:${end - reuse.delta}`);
  return undefined;
}

function copyChildren(cursor: TreeCursor, parent: NixNode, file: SyntaxFile): void {
  if (!cursor.gotoFirstChild()) return;
  const names = file.names;
  const wantsOperator = parent.type === 'binary_expression' || parent.type === 'unary_expression';
  do {
    const id = cursor.nodeTypeId;
    const type = id === ERROR_TYPE_ID ? 'ERROR' : names[id];
    if (type === undefined) {
      if (wantsOperator && parent.operator === undefined) parent.operator = cursor.nodeType;
      continue;
    }
    if (type === 'comment' || type === 'ERROR') continue;
    if (type === 'binding' && file.reuse) {
      const old = reusedBinding(cursor, file.reuse);
      if (old) {
        parent.addChild(old.shifted(cursor.startIndex - old.startIndex, file));
        continue;
      }
    }
    const node = new NixNode(type, cursor.startIndex, cursor.endIndex, file);
    parent.addChild(node);
    if (file.deferred && DEFERRED_TYPES.has(type)) node.defer();
    else if (LEAF_TYPES.has(type)) continue;
    else if ((type === 'variable_expression' || type === 'attrpath') && identifiersFromText(node, file)) continue;
    else copyChildren(cursor, node, file);
  } while (cursor.gotoNextSibling());
  cursor.gotoParent();
}
