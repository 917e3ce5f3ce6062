import { formatOptionPath } from '../nix/option-path';
import { NixNode, plainAttrpathNames } from '../nix/syntax';

/**
 * Nix source edits for rule fixes, on the syntax tree of the file's text
 * (`root`, the `source_code` node): the written value of a definition replaced where it is written
 * (through module wrappers, `let` and `rec` bindings, `inherit`, attribute
 * selection), or a missing setting inserted into a module's body beside the
 * settings it belongs with. Everything else in the file is left as it is:
 * layout, comments, the other uses of a shared binding.
 */

export type Span = { start: number; end: number };
export type Insertion = { at: number; text: string };

/** A JSON value as Nix source, or undefined for what has no literal (sets are not written as fixes). */
export function nixLiteral(value: unknown): string | undefined {
  if (typeof value === 'string') return JSON.stringify(value).replace(/\$\{/g, '\\${');
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const items = value.map(nixLiteral);
    return items.some((i) => i === undefined) ? undefined : `[ ${items.join(' ')} ]`;
  }
  return undefined;
}

/** `lib.mkForce x`, `mkIf c x`, `lib.mkOverride 50 x`: module-system wrappers whose last argument is the value. */
const MODULE_WRAPPER = /^(mkForce|mkDefault|mkOverride|mkIf|mkOrder|mkBefore|mkAfter|mkOptionDefault|mkVMOverride|mkImageMediaOverride)$/;
const KEYWORD_LITERALS = new Set(['true', 'false', 'null']);
/** Enough for any real chain of `a = b; b = c;`; a longer one is not followed. */
const MAX_HOPS = 16;

/**
 * The span of the literal to replace for the definition a finding points at
 * (`offset`: the start of its binding, or of the name in an `inherit`), or
 * why there is none: a value computed by an expression declint does not
 * rewrite, a set, a binding that is not where the analysis saw it.
 */
export function valueSpan(root: NixNode, offset: number): Span | { why: string } {
  const site = definitionAt(root, offset);
  if (!site) return { why: 'the definition is no longer where the analysis found it' };
  let expression: NixNode | null = site.kind === 'binding' ? site.node.childForFieldName('expression') : site.node;
  for (let hop = 0; expression && hop < MAX_HOPS; hop++) {
    expression = unwrap(expression);
    // A list is replaced whole (the fix value is the whole list); a negation by the value it folds to.
    if (isLiteral(expression) || expression.type === 'list_expression' || (expression.type === 'unary_expression' && expression.text.startsWith('!'))) {
      return { start: expression.startIndex, end: expression.endIndex };
    }
    const target = referenceTarget(expression);
    if (!target) return { why: `the value is computed (${describe(expression)}), not written as a literal` };
    // A binding used elsewhere too is left alone: the reference here is replaced by the literal instead.
    if (target.uses > 1) {
      if (expression.type === 'identifier') return { why: `the value comes from \`${expression.text}\`, which is used elsewhere too` };
      return { start: expression.startIndex, end: expression.endIndex };
    }
    expression = target.value;
  }
  return { why: 'the value could not be followed to where it is written' };
}

type Site = { kind: 'binding'; node: NixNode } | { kind: 'inherited'; node: NixNode };

/** The binding starting at `offset`, or the inherited name there (`inherit x;`, `inherit (s) x;`). */
function definitionAt(root: NixNode, offset: number): Site | undefined {
  let node: NixNode | null = innermostAt(root, offset);
  while (node) {
    if (node.type === 'binding' && node.startIndex === offset) return { kind: 'binding', node };
    if (node.type === 'identifier' && node.startIndex === offset && node.parent?.type === 'inherited_attrs') return { kind: 'inherited', node };
    node = node.parent;
  }
  return undefined;
}

/** The innermost node whose text holds the character at `offset`. */
function innermostAt(root: NixNode, offset: number): NixNode | null {
  if (offset < root.startIndex || offset >= root.endIndex) return null;
  let node = root;
  for (;;) {
    const child = node.namedChildren.find((c) => c.startIndex <= offset && offset < c.endIndex);
    if (!child) return node;
    node = child;
  }
}

/**
 * Whether a comment is written inside the node, between its children: the
 * syntax tree leaves comments out, and a value with one is not rewritten.
 */
function hasComment(node: NixNode, text: string): boolean {
  let from = node.startIndex;
  for (const child of [...node.namedChildren, undefined]) {
    const gap = text.slice(from, child ? child.startIndex : node.endIndex);
    if (gap.includes('#') || gap.includes('/*')) return true;
    if (child) from = child.endIndex;
  }
  return false;
}

/** Parentheses and module wrappers removed: the expression that holds the value. */
function unwrap(node: NixNode): NixNode {
  for (;;) {
    if (node.type === 'parenthesized_expression') {
      const inner = expressionIn(node);
      if (!inner) return node;
      node = inner;
    } else if (node.type === 'apply_expression' && MODULE_WRAPPER.test(functionName(node))) {
      const argument = node.childForFieldName('argument');
      if (!argument) return node;
      node = argument;
    } else return node;
  }
}

/** The last name of an application's innermost function: `lib.mkOverride 50 x` → `mkOverride`. */
function functionName(apply: NixNode): string {
  let fn: NixNode | null = apply;
  while (fn && fn.type === 'apply_expression') fn = fn.childForFieldName('function');
  if (!fn) return '';
  const text = fn.text;
  return text.slice(text.lastIndexOf('.') + 1);
}

function isLiteral(node: NixNode): boolean {
  switch (node.type) {
    case 'integer_expression':
    case 'float_expression':
      return true;
    case 'unary_expression':
      return node.text.startsWith('-') && node.namedChildCount === 1 && /^(integer|float)_expression$/.test(node.namedChild(0)!.type) && !hasComment(node, node.sourceText);
    case 'string_expression':
    case 'indented_string_expression':
      return !node.namedChildren.some((c) => c.type === 'interpolation');
    case 'variable_expression':
      return KEYWORD_LITERALS.has(node.text) && lookup(node, node.text) === undefined;
    case 'list_expression':
      return node.namedChildren.every((c) => isLiteral(c)) && !hasComment(node, node.sourceText);
    default:
      return false;
  }
}

function describe(node: NixNode): string {
  const text = node.text.replace(/\s+/g, ' ');
  return `\`${text.length > 40 ? `${text.slice(0, 37)}...` : text}\``;
}

/**
 * What a reference names: a `let`/`rec` binding for a variable (or an
 * inherited name), an attribute of a set literal for a selection, with how
 * often the binding it goes through is used.
 */
function referenceTarget(node: NixNode): { value: NixNode; uses: number } | undefined {
  if (node.type === 'variable_expression' || node.type === 'identifier') {
    const name = node.type === 'identifier' ? node.text : node.namedChild(0)?.text;
    if (!name) return undefined;
    // An inherited name (`inherit x;`) is looked up outside the set; `inherit (s) x;` selects from `s`.
    if (node.type === 'identifier') {
      const inherit = node.parent?.parent;
      if (inherit?.type === 'inherit_from') {
        const source = inherit.namedChildren.find((c) => c.type !== 'inherited_attrs');
        return source ? selectFrom(source, [name]) : undefined;
      }
      const scopeStart = scopeAbove(inherit ?? node);
      return scopeStart ? lookup(scopeStart, name) : undefined;
    }
    return lookup(node, name);
  }
  if (node.type === 'select_expression') {
    // `s.a or d`: the value may be the default.
    if (node.childForFieldName('default')) return undefined;
    const base = node.childForFieldName('expression') ?? node.namedChild(0);
    const attrpath = node.childForFieldName('attrpath');
    const names = attrpath ? attrpathNames(attrpath) : undefined;
    if (!base || !names) return undefined;
    return selectFrom(base, names);
  }
  return undefined;
}

/** Where an `inherit` inside a set or `let` looks names up: above that set or `let`. */
function scopeAbove(inherit: NixNode): NixNode | null {
  let node: NixNode | null = inherit.parent;
  while (node && node.type !== 'let_expression' && node.type !== 'rec_attrset_expression' && node.type !== 'attrset_expression') node = node.parent;
  return node?.parent ?? null;
}

/** `s.a.b` where `s` leads to a set literal: the binding of `a.b` in it. */
function selectFrom(base: NixNode, names: string[]): { value: NixNode; uses: number } | undefined {
  let set: NixNode | null = unwrap(base);
  let uses = 1;
  for (let hop = 0; set && set.type !== 'attrset_expression' && set.type !== 'rec_attrset_expression' && hop < MAX_HOPS; hop++) {
    const target = referenceTarget(set);
    if (!target) return undefined;
    uses = Math.max(uses, target.uses);
    set = unwrap(target.value);
  }
  if (!set || (set.type !== 'attrset_expression' && set.type !== 'rec_attrset_expression')) return undefined;
  const value = bindingIn(set, names);
  return value ? { value, uses } : undefined;
}

/** The value of `a.b` in a set literal, through nested sets and dotted paths; undefined when split or absent. */
function bindingIn(set: NixNode, names: string[]): NixNode | undefined {
  const bindings = set.namedChildren.find((c) => c.type === 'binding_set')?.namedChildren ?? [];
  for (const binding of bindings) {
    if (binding.type !== 'binding') continue;
    const path = attrpathNames(binding.childForFieldName('attrpath')!);
    if (!path) continue;
    const n = Math.min(path.length, names.length);
    if (!path.slice(0, n).every((p, i) => p === names[i])) continue;
    const value = binding.childForFieldName('expression');
    if (!value) return undefined;
    if (path.length === names.length) return value;
    if (path.length > names.length) return undefined;
    const inner = unwrap(value);
    if (inner.type !== 'attrset_expression' && inner.type !== 'rec_attrset_expression') return undefined;
    return bindingIn(inner, names.slice(path.length));
  }
  return undefined;
}

/**
 * The binding a variable names in the scopes around `from` (`let`, `rec`
 * sets; a function argument of that name hides it, and the lookup stops),
 * with the number of references to it in that scope. Lexical bindings win
 * over `with`, as in Nix.
 */
function lookup(from: NixNode, name: string): { value: NixNode; uses: number } | undefined {
  let node: NixNode | null = from.parent;
  while (node) {
    if (node.type === 'function_expression' && argumentNames(node).includes(name)) return undefined;
    if (node.type === 'let_expression' || node.type === 'rec_attrset_expression') {
      const bindings = node.namedChildren.find((c) => c.type === 'binding_set')?.namedChildren ?? [];
      for (const b of bindings) {
        if (b.type === 'binding') {
          const path = attrpathNames(b.childForFieldName('attrpath')!);
          if (path && path[0] === name) {
            const value = b.childForFieldName('expression');
            return path.length === 1 && value ? { value, uses: countUses(node, name) } : undefined;
          }
        } else if (b.type === 'inherit_from' || b.type === 'inherit') {
          const names = b.namedChildren.find((c) => c.type === 'inherited_attrs')?.namedChildren.map((c) => c.text) ?? [];
          if (names.includes(name)) return undefined; // the scope re-exports a name: not followed
        }
      }
    }
    node = node.parent;
  }
  return undefined;
}

function argumentNames(fn: NixNode): string[] {
  const body = fn.childForFieldName('body') ?? fn.namedChild(fn.namedChildCount - 1);
  // `x:`, `{ a, b ? 1, ... }:`, and `args@{ … }:` / `{ … }@args:`, which bind the whole set too.
  return fn.namedChildren
    .filter((c) => c !== body)
    .flatMap((c) => (c.type === 'identifier' ? [c.text] : c.type === 'formals' ? c.namedChildren.filter((f) => f.type === 'formal').map((f) => f.namedChild(0)?.text ?? '') : []));
}

/** References to `name` inside a scope: variables and plain `inherit name;`. */
function countUses(scope: NixNode, name: string): number {
  let count = 0;
  const stack: NixNode[] = [scope];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'variable_expression' && node.text === name) count++;
    else if (node.type === 'inherit') count += node.namedChildren.find((c) => c.type === 'inherited_attrs')?.namedChildren.filter((c) => c.text === name).length ?? 0;
    for (const c of node.namedChildren) stack.push(c);
  }
  return count;
}

/** An attribute path's names, or undefined when one is computed (`${…}`). */
function attrpathNames(attrpath: NixNode): string[] | undefined {
  return hasComment(attrpath, attrpath.sourceText) ? undefined : plainAttrpathNames(attrpath);
}

/**
 * A setting the host does not have, inserted into a module's body: into the
 * set literal that already holds its parent (`services.openssh = { … }`),
 * next to the setting sharing the longest part of its path, else before
 * `system.stateVersion` (kept last by convention) or after the last setting,
 * with their indentation. Undefined, with why, where the body is not a set
 * literal declint can see into (`mkIf`, `mkMerge`, a function call).
 */
export function insertion(text: string, root: NixNode, option: string[], literal: string): Insertion | { why: string } {
  let body: NixNode | null = expressionIn(root);
  for (let hop = 0; body && hop < MAX_HOPS; hop++) {
    if (body.type === 'function_expression' || body.type === 'let_expression') body = body.childForFieldName('body') ?? lastExpression(body);
    else if (body.type === 'parenthesized_expression') body = expressionIn(body);
    else break;
  }
  if (!body || body.type !== 'attrset_expression') return { why: 'the module body is not a set literal' };
  // The full form `{ options = …; config = …; }` keeps its settings under `config`.
  const config = bindingIn(body, ['config']);
  if (config && bindingIn(body, ['options'])) {
    const inner = unwrap(config);
    if (inner.type !== 'attrset_expression') return { why: 'the module’s config is not a set literal' };
    body = inner;
  }
  return insertInto(text, body, option, literal);
}

/** The first child that is not a comment. */
function expressionIn(node: NixNode): NixNode | null {
  return node.namedChildren.find((c) => c.type !== 'comment') ?? null;
}

function lastExpression(node: NixNode): NixNode | null {
  return [...node.namedChildren].reverse().find((c) => c.type !== 'comment') ?? null;
}

function insertInto(text: string, set: NixNode, option: string[], literal: string): Insertion | { why: string } {
  const bindings = (set.namedChildren.find((c) => c.type === 'binding_set')?.namedChildren ?? []).filter((b) => b.type === 'binding' || b.type === 'inherit' || b.type === 'inherit_from');
  let best: { node: NixNode; shared: number } | undefined;
  for (const b of bindings) {
    if (b.type !== 'binding') continue;
    const path = attrpathNames(b.childForFieldName('attrpath')!);
    if (!path) continue;
    const shared = commonPrefix(path, option);
    if (shared === path.length) {
      // The set already writes a parent of the option: go inside it, or give up where it is not a literal set.
      const value = unwrap(b.childForFieldName('expression')!);
      if (shared === option.length || (value.type !== 'attrset_expression' && value.type !== 'rec_attrset_expression')) {
        return { why: `the module sets ${formatOptionPath(path)} in a form the setting cannot be added to` };
      }
      return insertInto(text, value, option.slice(shared), literal);
    }
    if (shared > 0 && (!best || shared >= best.shared)) best = { node: b, shared };
  }
  const line = `${formatOptionPath(option)} = ${literal};`;
  const stateVersion = bindings.find((b) => b.type === 'binding' && b.childForFieldName('attrpath')!.text === 'system.stateVersion');
  const anchor = best?.node ?? (stateVersion ? undefined : bindings[bindings.length - 1]);
  if (anchor) return after(text, anchor, line);
  if (stateVersion) return before(text, stateVersion, line);
  return intoEmpty(text, set, line);
}

function commonPrefix(a: string[], b: string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** On its own line after the binding (after a comment ending its line), or on the same line when the set is written on one line. */
function after(text: string, binding: NixNode, line: string): Insertion {
  const lineEnd = text.indexOf('\n', binding.endIndex);
  const rest = text.slice(binding.endIndex, lineEnd === -1 ? text.length : lineEnd);
  if (/^\s*(#.*)?$/.test(rest) && lineEnd !== -1) return { at: lineEnd, text: `\n${indentOf(text, binding.startIndex)}${line}` };
  return { at: binding.endIndex, text: ` ${line}` };
}

/** On its own line before the binding and the comment lines just above it. */
function before(text: string, binding: NixNode, line: string): Insertion {
  const indent = indentOf(text, binding.startIndex);
  let at = text.lastIndexOf('\n', binding.startIndex - 1) + 1;
  if (text.slice(at, binding.startIndex).trim() !== '') return { at: binding.startIndex, text: `${line} ` };
  for (;;) {
    const previousStart = text.lastIndexOf('\n', at - 2) + 1;
    if (at === 0 || !/^\s*#/.test(text.slice(previousStart, at - 1))) break;
    at = previousStart;
  }
  return { at, text: `${indent}${line}\n` };
}

/** `{ }` or a set of `inherit`s only: the first setting, indented one step inside the braces. */
function intoEmpty(text: string, set: NixNode, line: string): Insertion {
  const close = set.endIndex - 1;
  const open = openingBrace(text, set) + 1;
  if (!text.slice(open, close).includes('\n')) return { at: open, text: ` ${line}${text.slice(open, close).trim() === '' ? ' ' : ''}` };
  const indent = indentOf(text, set.startIndex);
  const lineStart = text.lastIndexOf('\n', close - 1) + 1;
  return { at: lineStart, text: `${indent}  ${line}\n` };
}

function indentOf(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** Where the `{` of a set is: its first character, or after `rec` and what may stand between (spaces, comments). */
function openingBrace(text: string, set: NixNode): number {
  for (let at = set.type === 'rec_attrset_expression' ? set.startIndex + 'rec'.length : set.startIndex; at < set.endIndex; at++) {
    if (text[at] === '{') return at;
    const commentEnd = text[at] === '#' ? text.indexOf('\n', at) : text.startsWith('/*', at) ? text.indexOf('*/', at + 2) + 1 : at;
    if (commentEnd < at) break;
    at = commentEnd;
  }
  return set.startIndex;
}
