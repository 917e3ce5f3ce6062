/**
 * Attributes defined twice in one attribute set, `let` or `rec` set, which
 * Nix rejects when it parses the file (`error: attribute 'a.b' already
 * defined at …`). Nix merges `a.b = 1; a.c = 2;` and attribute set literals
 * written for the same name (`a = { b = 1; }; a.c = 2;`), and rejects every
 * other repetition: `a.b = 1; a.b = 2;`, `a = 1; a = 2;`, `inherit x; x = 1;`,
 * `a.b = 1; a = { b = 2; };`. Dynamic names (`${…}`) are checked by Nix when
 * it evaluates, and are left out here.
 */

/** The part of a syntax node this check reads (tree-sitter's node and declint's copy both have it). */
interface Node {
  type: string;
  startIndex: number;
  endIndex: number;
  text: string;
  namedChildren: Node[];
  childForFieldName(name: string): Node | null;
}

export interface DuplicateAttribute {
  /** The attribute path as Nix prints it (`services.openssh.enable`). */
  path: string;
  /** The repeated definition's name (where Nix reports the error). */
  at: { start: number; end: number };
  /** The first definition's name. */
  first: { start: number; end: number };
}

type Entry =
  | { kind: 'value'; at: Node; literal: Node | undefined }
  | { kind: 'set'; at: Node; names: Map<string, Entry> };

const SCOPES = new Set(['attrset_expression', 'rec_attrset_expression', 'let_expression']);
const LITERALS = new Set(['attrset_expression', 'rec_attrset_expression']);

/**
 * The first attribute defined twice in the file (in text order of the
 * repetition), as Nix reports it. Walks declint's copy of the tree: strings
 * are not entered, and a list only where its text holds a `{` (package lists
 * stay unexpanded).
 */
export function firstDuplicateAttribute(root: Node): DuplicateAttribute | undefined {
  let first: DuplicateAttribute | undefined;
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (SCOPES.has(node.type)) {
      const found = checkScope(node);
      if (found && (!first || found.at.start < first.at.start)) first = found;
    }
    if (UNENTERED.has(node.type) || (node.type === 'list_expression' && !node.text.includes('{'))) continue;
    for (const child of node.namedChildren) stack.push(child);
  }
  return first;
}

/** Strings hold no attribute set a module defines options in. */
const UNENTERED = new Set(['string_expression', 'indented_string_expression']);

/**
 * The first repetition that a binding's names take part in, or one of the
 * bindings around it: what a name typed into `binding`'s attribute path can
 * make in a file that had none (any other repetition was there before). In
 * each scope around the binding, only the bindings whose path starts the
 * path of the one holding it there, or starts with it, are checked, as
 * `firstDuplicateAttribute` checks them: the bindings of a scope meet name
 * by name, and paths that part (`a.b.c`, `a.b.d`) never meet, while a set
 * literal merges with the bindings of its path around it (`a = { b = 1; };
 * a.b = 2;`). A rename in a module of 2,000 bindings is checked without
 * reading the others' values.
 */
export function repetitionAround(binding: PlacedNode): DuplicateAttribute | undefined {
  let holding: PlacedNode = binding;
  for (let node = binding.parent; node; node = node.parent) {
    if (node.type === 'binding') holding = node;
    else if (SCOPES.has(node.type) && holding.parent?.parent === node) {
      const path = staticPath(holding.childForFieldName('attrpath')?.namedChildren ?? []);
      const found = path && checkScope(node, path);
      if (found) return found;
    }
  }
  return undefined;
}

/** The names of an attribute path, where all are known without evaluation. */
function staticPath(names: Node[]): string[] | undefined {
  const path: string[] = [];
  for (const node of names) {
    const name = staticName(node);
    if (name === undefined) return undefined;
    path.push(name);
  }
  return path;
}

/** Whether one of two paths starts the other, reading only as many names of `names` as it must. */
function startsAlike(names: Node[], path: readonly string[]): boolean {
  const shared = Math.min(names.length, path.length);
  for (let i = 0; i < shared; i++) if (staticName(names[i]) !== path[i]) return false;
  return true;
}

/** A node that knows the one around it (tree-sitter's and declint's both do). */
export interface PlacedNode extends Node {
  parent: PlacedNode | null;
}

/** The first repetition in one scope; with `only`, among the bindings whose path is a start of it or starts with it. */
function checkScope(scope: Node, only?: readonly string[]): DuplicateAttribute | undefined {
  if (only === undefined && !repeatsAName(scope)) return undefined;
  const names = new Map<string, Entry>();
  for (const set of scope.namedChildren) {
    if (set.type !== 'binding_set') continue;
    const found = addBindings(names, set, [], only);
    if (found) return found;
  }
  return undefined;
}

/** Whether two bindings of the scope start with the same name: only then can one repeat the other (most scopes are let alone). */
function repeatsAName(scope: Node): boolean {
  const seen = new Set<string>();
  for (const set of scope.namedChildren) {
    if (set.type !== 'binding_set') continue;
    for (const binding of set.namedChildren) {
      const names = binding.type === 'binding' ? [binding.childForFieldName('attrpath')?.namedChildren[0]] : (binding.childForFieldName('attrs')?.namedChildren ?? []);
      for (const name of names) {
        const text = name && staticName(name);
        if (text === undefined) continue;
        if (seen.has(text)) return true;
        seen.add(text);
      }
    }
  }
  return false;
}

/** Adds the bindings of one binding set (with `only`, those whose path is a start of it or starts with it), returning the first repetition. */
function addBindings(names: Map<string, Entry>, set: Node, prefix: string[], only?: readonly string[]): DuplicateAttribute | undefined {
  for (const binding of set.namedChildren) {
    let found: DuplicateAttribute | undefined;
    if (binding.type === 'binding') {
      const attrpath = binding.childForFieldName('attrpath');
      const expression = binding.childForFieldName('expression');
      if (!attrpath || !expression) continue;
      if (only !== undefined && !startsAlike(attrpath.namedChildren, only)) continue;
      const parts = attrpath.namedChildren.map((n) => ({ node: n, name: staticName(n) }));
      if (parts.some((p) => p.name === undefined)) continue;
      found = add(names, parts as { node: Node; name: string }[], expression, prefix, attrpath);
    } else if (binding.type === 'inherit' || binding.type === 'inherit_from') {
      const attrs = binding.childForFieldName('attrs');
      for (const attr of attrs?.namedChildren ?? []) {
        const name = staticName(attr);
        if (name !== undefined && (only === undefined || name === only[0])) found ??= add(names, [{ node: attr, name }], undefined, prefix, attr);
      }
    }
    if (found) return found;
  }
  return undefined;
}

/** Adds one binding's names; `site` is what it writes (its attribute path), where a repetition is reported. */
function add(names: Map<string, Entry>, parts: { node: Node; name: string }[], expression: Node | undefined, prefix: string[], site: Node): DuplicateAttribute | undefined {
  let level = names;
  for (let i = 0; i < parts.length; i++) {
    const { name } = parts[i];
    const node = site;
    const last = i === parts.length - 1;
    const literal = last && expression && LITERALS.has(expression.type) ? expression : undefined;
    let entry = level.get(name);
    if (!entry) {
      if (last) {
        level.set(name, { kind: 'value', at: node, literal });
        return undefined;
      }
      entry = { kind: 'set', at: node, names: new Map() };
      level.set(name, entry);
    } else if (entry.kind === 'value') {
      // A set literal written for this name becomes a set that dotted names and other literals add to.
      if (!entry.literal || (last && !literal)) return duplicate(pathTo(prefix, parts, i), node, entry.at);
      const merged: Entry = { kind: 'set', at: entry.at, names: new Map() };
      level.set(name, merged);
      const inner = literalBindings(merged.names, entry.literal, pathTo(prefix, parts, i));
      if (inner) return inner;
      entry = merged;
    } else if (last && !literal) {
      return duplicate(pathTo(prefix, parts, i), node, entry.at);
    }
    if (last) return literal ? literalBindings(entry.names, literal, pathTo(prefix, parts, i)) : undefined;
    level = entry.names;
  }
  return undefined;
}

/**
 * How deep set literals merged under one name are compared. Past it a
 * repetition is not looked for (Nix would still refuse it): no module nests
 * its literals this deep, and each level is a few frames of the stack (a
 * set nested 2,800 levels under a repeated name overflowed it).
 */
const MAX_MERGED_DEPTH = 128;

function literalBindings(names: Map<string, Entry>, literal: Node, prefix: string[]): DuplicateAttribute | undefined {
  if (prefix.length > MAX_MERGED_DEPTH) return undefined;
  for (const set of literal.namedChildren) {
    if (set.type !== 'binding_set') continue;
    const found = addBindings(names, set, prefix);
    if (found) return found;
  }
  return undefined;
}

/** The path of a binding's first `i + 1` names under `prefix`: made only where it is reported or a literal is entered. */
function pathTo(prefix: string[], parts: { name: string }[], i: number): string[] {
  return [...prefix, ...parts.slice(0, i + 1).map((p) => p.name)];
}

function duplicate(path: string[], at: Node, first: Node): DuplicateAttribute {
  return { path: path.join('.'), at: { start: at.startIndex, end: at.endIndex }, first: { start: first.startIndex, end: first.endIndex } };
}

/** An attribute name known without evaluation: an identifier, or a string without interpolation. */
function staticName(node: Node): string | undefined {
  if (node.type === 'identifier') return node.text;
  // `${"a"}`: Nix's parser reads an interpolated string literal as the name itself.
  if (node.type === 'interpolation') {
    const inner = node.childForFieldName('expression') ?? node.namedChildren[0];
    return inner?.type === 'string_expression' ? staticName(inner) : undefined;
  }
  if (node.type === 'string_expression' && !node.namedChildren.some((c) => c.type === 'interpolation')) {
    return node.namedChildren.map((c) => (c.type === 'escape_sequence' ? unescapeName(c.text) : c.text)).join('');
  }
  return undefined;
}

function unescapeName(text: string): string {
  const c = text.slice(1);
  return c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c;
}
