import * as path from 'path';
import type { SyntaxNode } from './hcl';

/**
 * Folds HCL expressions to values where they are literal, the way
 * nix/evaluate folds Nix: strings, numbers, booleans, tuples and objects;
 * `var.x` (its default or a `terraform.tfvars` value), `local.x`,
 * `path.module`; `concat`, `flatten`, `merge` and the like over known
 * values. `file(…)` and `templatefile(…)` stay references to the file they
 * read, `yamlencode(…)`/`jsonencode(…)` keep the value they encode (its
 * lines are the patch's lines). Anything else — a resource attribute,
 * `each.value`, a `for` expression — is unknown, with the reason.
 */
export type HclValue =
  | { kind: 'string'; value: string; node: SyntaxNode; heredoc?: Heredoc }
  | { kind: 'number'; value: number; node: SyntaxNode }
  | { kind: 'bool'; value: boolean; node: SyntaxNode }
  | { kind: 'null'; node: SyntaxNode }
  | { kind: 'tuple'; items: HclValue[]; node: SyntaxNode }
  | { kind: 'object'; entries: { key: string; keyNode: SyntaxNode; value: HclValue }[]; node: SyntaxNode }
  | { kind: 'file'; absolutePath: string; template: boolean; node: SyntaxNode }
  | { kind: 'encoded'; value: HclValue; node: SyntaxNode }
  | { kind: 'unknown'; why: string; node: SyntaxNode };

/** Where a heredoc's text is written: its first content line in the file, and the indentation `<<-` strips. Its value keeps interpolations as written. */
export interface Heredoc {
  firstLine: number;
  indent: number;
}

export interface HclScope {
  /** The directory of the module (`path.module`), absolute. */
  moduleDir: string;
  /** `var.name`: its value, or why it is not known. */
  variable(name: string, at: SyntaxNode): HclValue;
  /** `local.name`. */
  local(name: string, at: SyntaxNode): HclValue;
}

const unknown = (node: SyntaxNode, why: string): HclValue => ({ kind: 'unknown', why, node });

/**
 * Nesting of expressions folded inside each other (objects in objects,
 * calls, references): a Talos patch nests about a dozen; far deeper is not
 * a config, and would overflow the stack.
 */
const MAX_DEPTH = 128;
let depth = 0;

export function evaluate(node: SyntaxNode, scope: HclScope): HclValue {
  if (depth >= MAX_DEPTH) return unknown(node, `an expression nested more than ${MAX_DEPTH} levels deep`);
  depth++;
  try {
    return evaluateNode(node, scope);
  } finally {
    depth--;
  }
}

function evaluateNode(node: SyntaxNode, scope: HclScope): HclValue {
  switch (node.type) {
    case 'expression':
      return expression(node, scope);
    case 'literal_value':
      return literal(node, scope);
    case 'collection_value':
      return evaluate(node.namedChildren[0], scope);
    case 'tuple':
      return { kind: 'tuple', items: node.namedChildren.filter((c) => c.type === 'expression').map((c) => evaluate(c, scope)), node };
    case 'object': {
      const entries: { key: string; keyNode: SyntaxNode; value: HclValue }[] = [];
      for (const elem of node.namedChildren.filter((c) => c.type === 'object_elem')) {
        const keyNode = elem.childForFieldName('key') ?? elem.namedChildren[0];
        const valNode = elem.childForFieldName('val') ?? elem.namedChildren[1];
        // A bare word key is its name (`machine = {…}`); a string key is its text.
        const bare = keyNode.namedChildren.length === 1 && keyNode.namedChildren[0].type === 'variable_expr' ? keyNode.text : undefined;
        const key = bare ?? evaluate(keyNode, scope);
        if (typeof key !== 'string' && key.kind !== 'string') return unknown(node, `an object key (${keyNode.text}) is computed`);
        entries.push({ key: typeof key === 'string' ? key : key.value, keyNode, value: evaluate(valNode, scope) });
      }
      return { kind: 'object', entries, node };
    }
    case 'template_expr':
      return template(node.namedChildren[0], scope);
    case 'function_call':
      return call(node, scope);
    case 'operation':
      return operation(node.namedChildren[0] ?? node, scope);
    case 'conditional': {
      const [condition, yes, no] = node.namedChildren.filter((c) => c.type === 'expression');
      const test = evaluate(condition, scope);
      if (test.kind === 'bool') return evaluate(test.value ? yes : no, scope);
      return unknown(node, `a condition on ${condition.text}`);
    }
    default:
      return unknown(node, describe(node));
  }
}

function expression(node: SyntaxNode, scope: HclScope): HclValue {
  return chain(node, node.namedChildren, scope);
}

/** A primary expression and its attribute and index steps (the grammar writes them as siblings). */
function chain(node: SyntaxNode, parts: SyntaxNode[], scope: HclScope): HclValue {
  const [primary, ...postfix] = parts;
  if (!primary) return unknown(node, 'an empty expression');
  if (primary.type === 'variable_expr') return reference(node, primary.text, postfix, scope);
  let value = evaluate(primary, scope);
  for (const step of postfix) value = access(value, step, node, scope);
  return value;
}

/** `!x`, and `==`/`!=` between known scalars (`var.iso != null ? … : …`); other operations are not folded. */
function operation(node: SyntaxNode, scope: HclScope): HclValue {
  const operator = node.children.find((c) => !c.isNamed && ['==', '!=', '!'].includes(c.type));
  if (!operator) return unknown(node, describe(node));
  const named = node.children.filter((c) => c.isNamed);
  const before = named.filter((c) => c.startIndex < operator.startIndex);
  const after = named.filter((c) => c.startIndex > operator.startIndex);
  const right = chain(node, after, scope);
  if (operator.type === '!') return right.kind === 'bool' ? { kind: 'bool', value: !right.value, node } : unknown(node, describe(node));
  const left = chain(node, before, scope);
  const scalar = (v: HclValue) => (v.kind === 'string' || v.kind === 'number' || v.kind === 'bool' ? v.value : v.kind === 'null' ? null : undefined);
  const [a, b] = [scalar(left), scalar(right)];
  if (a === undefined || b === undefined) return unknown(node, left.kind === 'unknown' ? left.why : right.kind === 'unknown' ? right.why : describe(node));
  return { kind: 'bool', value: operator.type === '==' ? a === b : a !== b, node };
}

/** `var.x`, `local.x`, `path.module`, then attribute and index steps; any other root is a value only Terraform knows. */
function reference(node: SyntaxNode, root: string, postfix: SyntaxNode[], scope: HclScope): HclValue {
  const [first, ...rest] = postfix;
  const name = first?.type === 'get_attr' ? first.namedChildren[0]?.text : undefined;
  let value: HclValue;
  if (root === 'var' && name) value = scope.variable(name, node);
  else if (root === 'local' && name) {
    value = scope.local(name, node);
    // Name the local in the reason: its own expression may be far away.
    if (value.kind === 'unknown' && !value.why.startsWith(`local.${name}`)) value = unknown(node, `local.${name} (${value.why})`);
  }
  else if (root === 'path' && (name === 'module' || name === 'root' || name === 'cwd')) value = { kind: 'string', value: scope.moduleDir, node };
  else return unknown(node, describe(node));
  for (const step of rest) value = access(value, step, node, scope);
  return value;
}

function access(value: HclValue, step: SyntaxNode, whole: SyntaxNode, scope: HclScope): HclValue {
  if (value.kind === 'unknown') return value;
  if (step.type === 'get_attr' && value.kind === 'object') {
    const found = value.entries.find((e) => e.key === step.namedChildren[0]?.text);
    return found ? found.value : unknown(whole, `${whole.text} has no such attribute`);
  }
  if (step.type === 'index') {
    const keyNode = step.namedChildren[0]?.namedChildren.find((c) => c.type === 'expression') ?? step.namedChildren[0];
    const key = keyNode ? evaluate(keyNode, scope) : unknown(step, 'an index');
    if (value.kind === 'tuple' && key.kind === 'number') return value.items[key.value] ?? unknown(whole, `${whole.text} is out of range`);
    if (value.kind === 'object' && key.kind === 'string') return value.entries.find((e) => e.key === key.value)?.value ?? unknown(whole, `${whole.text} has no such key`);
  }
  return unknown(whole, describe(whole));
}

function literal(node: SyntaxNode, scope: HclScope): HclValue {
  const inner = node.namedChildren[0];
  switch (inner?.type) {
    case 'numeric_lit':
      return { kind: 'number', value: Number(inner.text), node };
    case 'bool_lit':
      return { kind: 'bool', value: inner.text === 'true', node };
    case 'null_lit':
      return { kind: 'null', node };
    case 'string_lit':
      return template(inner, scope, node);
    default:
      return unknown(node, describe(node));
  }
}

/** A quoted string or heredoc: its text when every interpolation folds to a scalar. */
function template(node: SyntaxNode, scope: HclScope, at: SyntaxNode = node): HclValue {
  if (node.type === 'heredoc_template') return heredoc(node, at);
  let text = '';
  for (const part of node.namedChildren) {
    if (part.type === 'template_literal') text += unescape(part.text);
    else if (part.type === 'template_interpolation') {
      const inner = part.namedChildren.find((c) => c.type === 'expression');
      const value = inner ? evaluate(inner, scope) : unknown(part, 'an empty interpolation');
      if (value.kind === 'string') text += value.value;
      else if (value.kind === 'number' || value.kind === 'bool') text += String(value.value);
      else return unknown(at, value.kind === 'unknown' ? value.why : `${part.text} is not a string`);
    } else if (part.type === 'template_directive') return unknown(at, `a template directive (${part.text.slice(0, 20)})`);
  }
  return { kind: 'string', value: text, node: at };
}

function heredoc(node: SyntaxNode, at: SyntaxNode): HclValue {
  const text = node.text;
  const start = text.indexOf('\n');
  const end = text.lastIndexOf('\n');
  const raw = start === -1 || end <= start ? '' : text.slice(start + 1, end + 1);
  const lines = raw.split('\n');
  const stripped = node.namedChildren[0]?.text.startsWith('<<-') ?? text.startsWith('<<-');
  const indent = stripped ? Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length)) : 0;
  const cut = Number.isFinite(indent) ? indent : 0;
  const content = lines.map((l) => l.slice(Math.min(cut, l.length - l.trimStart().length))).join('\n');
  return { kind: 'string', value: content, node: at, heredoc: { firstLine: node.startPosition.row + 2, indent: cut } };
}

function call(node: SyntaxNode, scope: HclScope): HclValue {
  const name = node.namedChildren[0]?.text ?? '';
  const argsNode = node.namedChildren.find((c) => c.type === 'function_arguments');
  const args = (argsNode?.namedChildren ?? []).filter((c) => c.type === 'expression').map((c) => evaluate(c, scope));
  switch (name) {
    case 'file':
    case 'templatefile': {
      const target = args[0];
      if (target?.kind !== 'string') return unknown(node, `${name}() of ${target?.kind === 'unknown' ? target.why : 'a path declint cannot fold'}`);
      return { kind: 'file', absolutePath: path.resolve(scope.moduleDir, target.value), template: name === 'templatefile', node };
    }
    case 'yamlencode':
    case 'jsonencode':
      return args[0] ? { kind: 'encoded', value: args[0], node } : unknown(node, `${name}() without an argument`);
    case 'concat':
    case 'flatten': {
      const items: HclValue[] = [];
      const spread = (v: HclValue, deep: boolean): string | undefined => {
        if (v.kind !== 'tuple') return v.kind === 'unknown' ? v.why : `${v.node.text} is not a list`;
        for (const item of v.items) {
          if (deep && item.kind === 'tuple') {
            const why = spread(item, true);
            if (why) return why;
          } else items.push(item);
        }
        return undefined;
      };
      for (const arg of name === 'flatten' ? args.slice(0, 1) : args) {
        const why = spread(arg, name === 'flatten');
        if (why) return unknown(node, why);
      }
      return { kind: 'tuple', items, node };
    }
    case 'tolist':
    case 'toset':
    case 'trimspace':
    case 'chomp':
      return args[0] ?? unknown(node, `${name}() without an argument`);
    case 'compact':
      return args[0]?.kind === 'tuple' ? { ...args[0], items: args[0].items.filter((i) => !(i.kind === 'null' || (i.kind === 'string' && i.value === ''))) } : unknown(node, describe(node));
    case 'merge': {
      const entries: Extract<HclValue, { kind: 'object' }>['entries'] = [];
      for (const arg of args) {
        if (arg.kind !== 'object') return unknown(node, arg.kind === 'unknown' ? arg.why : describe(node));
        for (const e of arg.entries) {
          const at = entries.findIndex((x) => x.key === e.key);
          if (at >= 0) entries.splice(at, 1);
          entries.push(e);
        }
      }
      return { kind: 'object', entries, node };
    }
    default:
      return unknown(node, `${name}(…) is not folded`);
  }
}

/** HCL string escapes (`\n`, `\"`, `\u00e9`) and the template escapes `$${` and `%%{`. */
function unescape(text: string): string {
  return text
    .replace(/\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))/g, (_m, u4: string | undefined, u8: string | undefined, c: string | undefined) => {
      if (u4 || u8) return String.fromCodePoint(parseInt((u4 ?? u8)!, 16));
      return c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : (c ?? '');
    })
    .replace(/\$\$\{/g, '${')
    .replace(/%%\{/g, '%{');
}

function describe(node: SyntaxNode): string {
  const text = node.text.replace(/\s+/g, ' ').trim();
  return `${text.length > 60 ? `${text.slice(0, 57)}...` : text} is not a literal value`;
}
