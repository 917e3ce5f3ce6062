import type { Span } from '../source/position';
import { timing } from '../timing';
import { FLAT_FIELDS, NIX_SYMBOL_NAMES, parseNix, Tree } from './parser';
import type { TreeCursor } from 'tree-sitter';
import type { LimitNote } from './limits';
import { firstDuplicateAttribute } from './duplicate-attributes';

/**
 * A Nix syntax tree as plain JS objects. Every access to a node of the
 * native tree crosses into C++ and allocates; the evaluator visits nodes
 * many times, so it works on these objects instead. They are made from a
 * flat array of the parse (`parseNixFlat`, one crossing per file) as the
 * evaluator reaches them, or copied from a tree-sitter tree in one cursor
 * walk (the language server's incrementally parsed trees).
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
  /** The spans handed out for this node (`span()`), kept so that moving the node moves them too. */
  private spans: Span[] | undefined;
  /** Where the node is in its file's flat array, when it was made from one. */
  private flatIndex = -1;
  /** The node whose named child this is; null for the root. */
  parent: NixNode | null = null;

  constructor(
    readonly type: string,
    /** Offsets in the file's current text; `replaceBindingInPlace` moves the nodes after an edit. */
    public startIndex: number,
    public endIndex: number,
    private file: SyntaxFile,
  ) {}

  /** Named children in source order, comments excluded. */
  get namedChildren(): NixNode[] {
    if (this.children === undefined) {
      this.children = null;
      if (this.file.flat) {
        childrenFromFlat(this, this.file.flat, this.file);
      } else {
        // A deferred string or list: find its native node again and copy its children now.
        const native = this.file.tree!.rootNode.descendantForIndex(this.startIndex, this.endIndex);
        copyChildren(native.walk(), this, this.file);
      }
    }
    return this.children ?? NO_CHILDREN;
  }

  /**
   * The node's offsets as a span, `trimEnd` code units shorter at the end.
   * One object per node and trim, shared by every value that points here,
   * and moved with the node when an edit elsewhere shifts it: what was
   * evaluated from unchanged text keeps pointing at the right place.
   */
  span(trimEnd = 0): Span {
    const spans = (this.spans ??= []);
    for (let i = 0; i < spans.length; i++) if (this.endIndex - spans[i].end === trimEnd) return spans[i];
    const span = { start: this.startIndex, end: this.endIndex - trimEnd };
    spans.push(span);
    return span;
  }

  get sourceText(): string {
    return this.file.source;
  }

  /** @internal */
  addChild(child: NixNode): void {
    child.parent = this;
    (this.children ??= []).push(child);
  }

  /** @internal A copy of this fully copied node and everything below it, moved by `delta`, in another file. */
  shifted(delta: number, file: SyntaxFile): NixNode {
    const copyOf = (node: NixNode): NixNode => {
      const copy = new NixNode(node.type, node.startIndex + delta, node.endIndex + delta, file);
      if (node.operator !== undefined) copy.operator = node.operator;
      return copy;
    };
    const top = copyOf(this);
    const stack: [NixNode, NixNode][] = [[this, top]];
    while (stack.length > 0) {
      const [node, copy] = stack.pop()!;
      if (!node.children) continue;
      copy.children = node.children.map((child) => {
        const childCopy = copyOf(child);
        childCopy.parent = copy;
        stack.push([child, childCopy]);
        return childCopy;
      });
    }
    return top;
  }

  /**
   * @internal One binding's text changed, nowhere else: its children become
   * `fresh`'s (converted from a text where it starts at `-offset`), and every
   * node after it moves by the change in length (with the spans handed out
   * for it), in place. The root's file gets the new text.
   */
  static replaceBinding(root: NixNode, binding: NixNode, fresh: NixNode, offset: number, source: string): void {
    NixNode.stretch(root, binding, fresh.endIndex + offset - binding.endIndex);
    const file = root.file;
    const rehomed: NixNode[] = [...(fresh.children ?? [])];
    while (rehomed.length > 0) {
      const node = rehomed.pop()!;
      node.file = file;
      node.startIndex += offset;
      node.endIndex += offset;
      if (node.children) rehomed.push(...node.children);
    }
    binding.children = fresh.children;
    for (const child of binding.children ?? []) child.parent = binding;
    file.source = source;
  }

  /**
   * @internal One identifier's text changed, nowhere else, to another name:
   * the identifier ends `delta` later, and every node after it moves (with
   * the spans handed out for it), in place. The root's file gets the new text.
   */
  static rename(root: NixNode, identifier: NixNode, delta: number, source: string): void {
    NixNode.stretch(root, identifier, delta);
    root.file.source = source;
  }

  /**
   * Moves the end of `target` and of every node around it by `delta`, and
   * every node after it whole, in place: the text of `target` grew or shrank.
   */
  private static stretch(root: NixNode, target: NixNode, delta: number): void {
    // Nodes are moved in place below: every one must exist, none be made later from offsets in the old text.
    root.expandAll();
    const oldEnd = target.endIndex;
    // Explicit stacks and loops, not recursion: a long chain of applications nests deeper than the call stack.
    const moved: NixNode[] = [];
    for (let node: NixNode | undefined = root; node; ) {
      // `node` lies around the target (or is it): its end moves, and the nodes after the target move whole.
      node.endIndex += delta;
      if (node.spans) for (const span of node.spans) span.end += delta;
      if (node === target) break;
      let around: NixNode | undefined;
      for (const child of node.children ?? []) {
        if (child === target || (child.startIndex <= target.startIndex && target.endIndex <= child.endIndex && child.endIndex > target.startIndex)) around = child;
        else if (child.startIndex >= oldEnd) moved.push(child);
      }
      node = around;
    }
    while (moved.length > 0) {
      const node = moved.pop()!;
      node.startIndex += delta;
      node.endIndex += delta;
      if (node.spans) for (const span of node.spans) (span.start += delta), (span.end += delta);
      if (node.children) for (const child of node.children) moved.push(child);
    }
  }

  /**
   * Records that evaluating this node reached a limit (see limits.ts): kept
   * with the file's syntax, which every evaluation of the file shares, and
   * read by whoever reports on the file (`limitNotes`).
   */
  noteLimit(message: string, at: Span = { start: this.startIndex, end: this.endIndex }): void {
    const notes = (this.file.limits ??= []);
    if (notes.length >= MAX_NOTES_PER_FILE || notes.some((n) => n.start === at.start && n.message === message)) return;
    notes.push({ start: at.start, end: at.end, message });
  }

  /** The limits reached while evaluating the file this node belongs to. */
  get limitNotes(): readonly LimitNote[] {
    return (this.file.limits ??= []);
  }

  /** The time this file's evaluations have taken (every evaluator of it shares it: the per-file budget). */
  get evalBudget(): EvalBudget {
    return (this.file.budget ??= { spentMs: 0, exhausted: false });
  }

  /** A fresh time budget for this file (its text changed; the language server evaluates it again). */
  renewEvalBudget(): void {
    this.file.budget = undefined;
  }

  /** @internal Children are copied on first access. */
  defer(): void {
    this.children = undefined;
  }

  /** @internal Made from the flat array of its file, where it is at `index`; its children are made on first access. */
  static fromFlat(type: string, flat: Int32Array, index: number, file: SyntaxFile): NixNode {
    const at = index * FLAT_FIELDS;
    const node = new NixNode(type, flat[at + 1], flat[at + 2], file);
    node.flatIndex = index;
    if (flat[at + 3] > index + 1 && !LEAF_TYPES.has(type)) node.children = undefined;
    if (type === 'binary_expression' || type === 'unary_expression') {
      const operator = flat[at] >>> 16;
      if (operator !== 0) node.operator = NIX_SYMBOL_NAMES[operator];
    }
    return node;
  }

  /** The flat parse (`parseNixFlat`) the file's nodes are made from, while its text is as parsed. */
  get fileFlat(): Int32Array | undefined {
    return this.file.flat;
  }

  /** @internal The flat array's index of this node. */
  get indexInFlat(): number {
    return this.flatIndex;
  }

  /** Makes every node below this one now, and forgets the file's flat array (the nodes are about to move). */
  private expandAll(): void {
    if (!this.file.flat) return;
    const stack: NixNode[] = [this];
    while (stack.length > 0) stack.push(...stack.pop()!.namedChildren);
    this.file.flat = undefined;
  }

  /**
   * The node's source text, as a string of its own. V8 represents a longer
   * slice as a view of the whole source: a value read from one version of a
   * file the language server edits in place would keep that whole version
   * alive, one per edited binding.
   */
  get text(): string {
    const slice = this.file.source.slice(this.startIndex, this.endIndex);
    return slice.length < 13 ? slice : (' ' + slice).slice(1);
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
  /** The flat array (`parseNixFlat`) the nodes not made yet are made from. */
  flat?: Int32Array;
  /** Limits reached while evaluating this file (`noteLimit`). */
  limits?: LimitNote[];
  budget?: EvalBudget;
}

/** Makes the named children of a node from its file's flat array. */
function childrenFromFlat(node: NixNode, flat: Int32Array, file: SyntaxFile): void {
  const index = node.indexInFlat;
  const end = flat[index * FLAT_FIELDS + 3];
  for (let child = index + 1; child < end; child = flat[child * FLAT_FIELDS + 3]) {
    const type = NIX_SYMBOL_NAMES[flat[child * FLAT_FIELDS] & 0xffff];
    node.addChild(NixNode.fromFlat(type, flat, child, file));
  }
}

/**
 * The syntax tree of a text from its flat array (`parseNixFlat`): each
 * node's children are made on first access, so what no evaluation reaches
 * (most strings and lists) costs nothing more than its entry in the array.
 */
export function convertFlat(flat: Int32Array, source: string): NixNode {
  const file: SyntaxFile = { source, tree: undefined, names: [], deferred: true, flat };
  return NixNode.fromFlat('source_code', flat, 0, file);
}

export interface EvalBudget {
  spentMs: number;
  /** Set once `spentMs` passed the per-file budget. */
  exhausted: boolean;
}

/** One file cannot flood a report with notes: the first few places say enough. */
const MAX_NOTES_PER_FILE = 20;

const NO_CHILDREN: NixNode[] = [];

/**
 * Copies a tree-sitter tree of valid Nix into `NixNode`s. With `deferred`
 * (the default) strings and lists are copied on first access and the native
 * tree is kept for that; without it everything is copied now and the native
 * tree can be freed (for syntax kept long, as host evaluation does).
 */
export function convertTree(tree: Tree, source: string, deferred = true): NixNode {
  const started = timing?.start();
  const file: SyntaxFile = { source, tree, names: namedTypeTable(tree), deferred };
  const cursor = tree.walk();
  const root = new NixNode('source_code', cursor.startIndex, cursor.endIndex, file);
  copyChildren(cursor, root, file);
  if (!deferred) file.tree = undefined;
  if (started !== undefined) timing!.count('convert', started);
  return root;
}

/** Where a text and its edited version differ: one stretch, found from the common start and end. */
export interface TextChange {
  /** Where the stretch starts, in both texts. */
  start: number;
  /** Where it ends in the old text, and in the new one. */
  oldEnd: number;
  newEnd: number;
}

export function textChange(old: string, now: string): TextChange {
  const shorter = Math.min(old.length, now.length);
  // Whole chunks first (string comparison runs natively), then character by character in the one that differs.
  let prefix = 0;
  while (prefix + CHUNK <= shorter && old.slice(prefix, prefix + CHUNK) === now.slice(prefix, prefix + CHUNK)) prefix += CHUNK;
  while (prefix < shorter && old.charCodeAt(prefix) === now.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix + CHUNK <= shorter - prefix && old.slice(old.length - suffix - CHUNK, old.length - suffix) === now.slice(now.length - suffix - CHUNK, now.length - suffix)) suffix += CHUNK;
  while (suffix < shorter - prefix && old.charCodeAt(old.length - 1 - suffix) === now.charCodeAt(now.length - 1 - suffix)) suffix++;
  return { start: prefix, oldEnd: old.length - suffix, newEnd: now.length - suffix };
}

const CHUNK = 1024;

/** What a binding is parsed inside when it is parsed alone: an attribute set. */
const BINDING_CONTEXT = '{ ';

/**
 * Brings a converted tree up to date with an edit that lies inside one
 * binding after its attribute path (typing in a value), in place, without
 * parsing the whole text again: the binding's new text is parsed alone,
 * inside an attribute set, and its children replace the old ones; every
 * node after it moves, and everything else is kept, evaluated values
 * included. The text around the binding is unchanged and the parser is in
 * the same state where the binding starts and where it ends (after its
 * `;`), so the whole text parses to this tree. Undefined, with nothing
 * changed, unless the new text is exactly one binding, without error, with
 * the same attribute path, whose value is not a set literal and repeats no
 * attribute.
 * Returns the binding's new value expression.
 */
export function replaceBindingInPlace(root: NixNode, binding: NixNode, change: TextChange, source: string): NixNode | undefined {
  const attrpath = binding.childForFieldName('attrpath');
  if (binding.type !== 'binding' || !attrpath || change.start < attrpath.endIndex || change.oldEnd > binding.endIndex) return undefined;
  const delta = change.newEnd - change.oldEnd;
  const text = source.slice(binding.startIndex, binding.endIndex + delta);
  if (text.charCodeAt(text.length - 1) !== 59 /* ; */) return undefined;
  const snippet = `${BINDING_CONTEXT}${text} }`;
  const tree = parseNix(snippet);
  if (tree.rootNode.hasError) return undefined;
  const set = tree.rootNode.firstNamedChild;
  const bindings = set?.type === 'attrset_expression' ? set.firstNamedChild : null;
  const native = bindings?.type === 'binding_set' && bindings.namedChildCount === 1 ? bindings.firstNamedChild : null;
  if (native?.type !== 'binding' || native.startIndex !== BINDING_CONTEXT.length || native.endIndex !== BINDING_CONTEXT.length + text.length) return undefined;
  if (native.childForFieldName('attrpath')?.endIndex !== BINDING_CONTEXT.length + attrpath.endIndex - binding.startIndex) return undefined;
  const file: SyntaxFile = { source: snippet, tree, names: namedTypeTable(tree), deferred: false };
  const fresh = new NixNode('binding', native.startIndex, native.endIndex, file);
  copyChildren(native.walk(), fresh, file);
  const expression = fresh.childForFieldName('expression');
  if (!expression || fresh.namedChildCount !== 2) return undefined;
  // Nix rejects an attribute defined twice: a set inside the new value that repeats a name (a new reading says so), or a
  // set literal as the value, which merges with the bindings of the same name around it (`a = { b = 1; }; a.c = 2;`).
  if (expression.type === 'attrset_expression' || expression.type === 'rec_attrset_expression' || firstDuplicateAttribute(fresh)) return undefined;
  NixNode.replaceBinding(root, binding, fresh, binding.startIndex - BINDING_CONTEXT.length, source);
  return expression;
}

/** The names of an attribute path written as identifiers or plain strings (`a."b.c".d`); undefined where one has an interpolation or an escape. */
export function plainAttrpathNames(attrpath: NixNode): string[] | undefined {
  const names: string[] = [];
  for (const part of attrpath.namedChildren) {
    if (part.type === 'identifier') names.push(part.text);
    else if (part.type === 'string_expression' && part.namedChildren.every((c) => c.type === 'string_fragment')) names.push(part.namedChildren.map((c) => c.text).join(''));
    else return undefined;
  }
  return names;
}

/** A name Nix reads as an identifier: not a keyword. */
const IDENTIFIER_NAME = /^[A-Za-z_][A-Za-z0-9_'-]*$/;
const KEYWORDS = new Set(['let', 'in', 'rec', 'with', 'if', 'then', 'else', 'assert', 'inherit', 'or']);

/**
 * Brings a converted tree up to date with an edit that lies inside one
 * plain identifier of a binding's attribute path (typing a letter in an
 * option's name), in place: the identifier takes the new name, and every
 * node after it moves. An identifier replaced by another identifier leaves
 * the parse as it was, but for that name, so the whole text parses to this
 * tree. Returns the identifier, or undefined with nothing changed when the
 * edit does not lie within one identifier of `binding`'s attribute path or
 * leaves no identifier there (a keyword, a `.`, an empty name).
 */
export function renameInPlace(root: NixNode, binding: NixNode, change: TextChange, source: string): NixNode | undefined {
  const attrpath = binding.childForFieldName('attrpath');
  const identifier = attrpath?.namedChildren.find((n) => n.startIndex <= change.start && change.oldEnd <= n.endIndex);
  if (binding.type !== 'binding' || identifier?.type !== 'identifier') return undefined;
  const delta = change.newEnd - change.oldEnd;
  const name = source.slice(identifier.startIndex, identifier.endIndex + delta);
  if (!IDENTIFIER_NAME.test(name) || KEYWORDS.has(name)) return undefined;
  NixNode.rename(root, identifier, delta, source);
  return identifier;
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
  const change = textChange(previous.source, source);
  const bindings = new Map<string, NixNode>();
  const stack = [previous.root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'binding') bindings.set(`${node.startIndex}:${node.endIndex}`, node);
    stack.push(...node.namedChildren);
  }
  const reuse: Reuse = { bindings, prefix: change.start, suffixStart: change.newEnd, delta: change.newEnd - change.oldEnd };
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

/**
 * Copies the named children of the cursor's node into `top`, and theirs
 * below them. The nodes being filled are kept on an explicit stack: a long
 * chain of applications or operators nests deeper than the call stack.
 */
function copyChildren(cursor: TreeCursor, top: NixNode, file: SyntaxFile): void {
  if (!cursor.gotoFirstChild()) return;
  const names = file.names;
  const parents: NixNode[] = [top];
  for (;;) {
    const parent = parents[parents.length - 1];
    const id = cursor.nodeTypeId;
    const type = id === ERROR_TYPE_ID ? 'ERROR' : names[id];
    let descended = false;
    if (type === undefined) {
      if ((parent.type === 'binary_expression' || parent.type === 'unary_expression') && parent.operator === undefined) parent.operator = cursor.nodeType;
    } else if (type !== 'comment' && type !== 'ERROR') {
      const old = type === 'binding' && file.reuse ? reusedBinding(cursor, file.reuse) : undefined;
      if (old) parent.addChild(old.shifted(cursor.startIndex - old.startIndex, file));
      else {
        const node = new NixNode(type, cursor.startIndex, cursor.endIndex, file);
        parent.addChild(node);
        if (file.deferred && DEFERRED_TYPES.has(type)) node.defer();
        else if (LEAF_TYPES.has(type)) {
          // no named children
        } else if ((type === 'variable_expression' || type === 'attrpath') && identifiersFromText(node, file)) {
          // children split from the text
        } else if (cursor.gotoFirstChild()) {
          parents.push(node);
          descended = true;
        }
      }
    }
    if (descended) continue;
    while (!cursor.gotoNextSibling()) {
      cursor.gotoParent();
      parents.pop();
      if (parents.length === 0) return;
    }
  }
}
