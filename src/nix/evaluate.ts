import type { EvalBudget, NixNode } from './syntax';
import type { Span } from '../source/position';
import { applyValue, Attr, AttrsValue, ConfigReader, LeafSource, listElements, partialList, Thunk, UNKNOWN_PART, Value, unknown, isUnknown, valuesEqual } from './value';

export { valuesEqual } from './value';
import * as path from 'path';
import type { EvalContext, EvalIO } from './eval-context';
import type { InputImports } from './builtins/io';
import { appendStrings, coerceToString } from './builtins/strings';
import { nixpkgsImports } from './builtins/nixpkgs';
import { createLib, createBuiltins } from './lib';
import { enterReading, FILE_TIME_BUDGET_MS, MAX_ATTRPATH_NAMES, MAX_ATTRS, MAX_EVAL_DEPTH, MAX_LIST_LENGTH, MAX_STEPS_PER_VALUE, MAX_STRING_LENGTH } from './limits';

/** The offsets of a syntax node. */
export function nodeSpan(node: NixNode): Span {
  return node.span();
}

/**
 * A lexical scope. Nix resolves a name in the lexical bindings first, all the
 * way out, and only then in the `with` scopes, innermost first: a `let` or a
 * function argument always shadows `with`.
 */
export class Scope {
  constructor(
    readonly vars: Map<string, Thunk> | null,
    readonly parent: Scope | null,
    readonly withValue: Thunk | null = null,
  ) {}

  child(vars: Map<string, Thunk>): Scope {
    return new Scope(vars, this);
  }

  withScope(value: Thunk): Scope {
    return new Scope(null, this, value);
  }

  /** Whether a scope inside the global one binds the name (`let true = …;`). */
  binds(name: string): boolean {
    for (let s: Scope | null = this; s?.parent; s = s.parent) if (s.vars?.has(name)) return true;
    return false;
  }

  lookup(name: string): Value {
    for (let s: Scope | null = this; s; s = s.parent) {
      const found = s.vars?.get(name);
      if (found) return found.force();
    }
    let openWhy: string | undefined;
    for (let s: Scope | null = this; s; s = s.parent) {
      if (!s.withValue) continue;
      const env = s.withValue.force();
      if (env.kind === 'attrs') {
        const found = env.attrs.get(name);
        if (found) return found.value.force();
        if (env.open && !openWhy) openWhy = env.open;
      } else if (env.kind === 'unknown' && !openWhy) {
        openWhy = env.why;
      }
    }
    if (openWhy) return unknown(`${name} may come from a \`with\` scope (${openWhy})`);
    return unknown(`undefined variable ${name}`);
  }
}

let sharedGlobalScope: Scope | undefined;

/**
 * The scope outside every file: `builtins` and the names Nix makes global,
 * and a free `lib` (e.g. `with lib;` written before the module function) as
 * nixpkgs' lib. Without a context its values are immutable, so every
 * evaluator shares it; a session has its own, whose `import` and file
 * readers see the scanned tree.
 */
function globalScope(ctx?: EvalContext, inputs?: InputImports): Scope {
  if (!ctx && sharedGlobalScope) return sharedGlobalScope;
  const builtins = createBuiltins(ctx, inputs);
  const globals = new Map<string, Thunk>([['builtins', Thunk.of(builtins)]]);
  for (const name of GLOBAL_BUILTINS) {
    const attr = builtins.attrs.get(name);
    if (attr) globals.set(name, attr.value);
  }
  globals.set('lib', Thunk.of(createLib(ctx)));
  const scope = new Scope(globals, null);
  if (!ctx) sharedGlobalScope = scope;
  return scope;
}

/** The builtins Nix binds without `builtins.` (`import`, `map`, `toString`, …). */
const GLOBAL_BUILTINS = ['true', 'false', 'null', 'toString', 'map', 'import', 'throw', 'abort', 'isNull', 'baseNameOf', 'dirOf', 'removeAttrs', 'derivation', 'fetchTarball', 'fetchGit'];

/**
 * Evaluation across the files of one scanned tree: `import` of a file is
 * evaluated once and shared (its value cannot depend on who imports it),
 * and every file sees the same builtins.
 */
export class EvalSession implements EvalContext {
  private readonly imports = new Map<string, Thunk>();
  /** The file each imported module value is (`import ./hosts/web`): a host reads that file as its module. */
  readonly globals: Scope;

  /**
   * What `import` of a file that is not in the tree gives, where declint
   * knows what it is (a vendored nixpkgs, nixus); undefined for anything else.
   */
  outsideImport: ((absolutePath: string) => Value | undefined) | undefined;
  /** What `import` of a file of the tree gives where declint models the file instead of reading it (a vendored flake-compat). */
  knownImport: ((absolutePath: string) => Value | undefined) | undefined;

  constructor(
    readonly io: EvalIO,
    inputs?: InputImports,
  ) {
    this.globals = globalScope(this, inputs ?? nixpkgsImports(this));
  }

  importFile(absolutePath: string): Value {
    let value = this.imports.get(absolutePath);
    if (!value) {
      value = Thunk.lazy(() => this.evaluateFile(absolutePath));
      this.imports.set(absolutePath, value);
    }
    return value.force();
  }

  /** Forgets the values of these files (by the paths they were imported as): they are evaluated again if imported again. */
  forgetImports(absolutePaths: ReadonlySet<string>): void {
    for (const key of this.imports.keys()) if (absolutePaths.has(key)) this.imports.delete(key);
  }

  private evaluateFile(absolutePath: string): Value {
    const known = this.knownImport?.(absolutePath);
    if (known) return known;
    const loaded = this.io.load(absolutePath);
    if ('error' in loaded) return (loaded.unparsed === undefined ? this.outsideImport?.(absolutePath) : undefined) ?? unknown(`import: ${loaded.error}`);
    const evaluator = new Evaluator({ session: this, file: { absolutePath: loaded.absolutePath, report: loaded.file }, maxSteps: MAX_SESSION_STEPS });
    const value = evaluator.eval(loaded.root, evaluator.root);
    if (value.kind === 'lambda' || value.kind === 'attrs') WHOLE_FILES.set(value, loaded.absolutePath);
    return value;
  }

  /** The file a value is the whole of, when it was read by `import` (undefined for anything computed). */
  fileOf(value: Value): string | undefined {
    return WHOLE_FILES.get(value);
  }
}

/**
 * The file each value read by `import` is the whole of, across sessions: host
 * discovery and the hosts it finds evaluate in sessions of their own, and a
 * module function found by one is read as its file by the other.
 */
const WHOLE_FILES = new WeakMap<object, string>();

/** Files read in a session (a flake and what it imports) serve every host: a larger budget for each value read from them. */
export const MAX_SESSION_STEPS = 10 * MAX_STEPS_PER_VALUE;

/**
 * How deep evaluation is nested, over every evaluator: a function of one
 * file called from another runs on the same call stack.
 */
let depth = 0;

export interface EvalOptions {
  /**
   * Reads the host's configuration: `config.a.b` (and `cfg.b` with
   * `cfg = config.a`) becomes the effective value of option `a.b`, or
   * undefined when no module defines it. Without a resolver such reads stay
   * unknown, naming the option.
   */
  resolveConfig?: ConfigReader;
  /** The tree the evaluation may read (`import`, `readDir`); without one those are unknown. */
  session?: EvalSession;
  /** The file evaluated: its paths resolve against its directory, and its values remember it. */
  file?: { absolutePath: string; report: string };
  /** Evaluation steps this file may take (a file shared by many hosts gets more). */
  maxSteps?: number;
}

const OUT_OF_TIME = 'the per-file evaluation time budget is exhausted';

/**
 * A monotonic clock in milliseconds for the time budget (performance.now() would load perf_hooks, a millisecond of every
 * run's start). Read by index: destructuring takes the array's iterator, an object per element in code not yet optimized.
 */
function monotonicMs(): number {
  const time = process.hrtime();
  return time[0] * 1e3 + time[1] / 1e6;
}

/** Evaluates one file's expressions. One instance per file. */
export class Evaluator {
  private steps = 0;
  private readonly maxSteps: number;
  /** How deep this evaluator's own evaluations are nested: 0 when a value is read from outside it. */
  private localDepth = 0;
  /** The value being read (this evaluator's outermost evaluation), where a budget note points. */
  private reading: NixNode | undefined;
  /** The time budget of the file being read, and when the current outermost evaluation began. */
  private budget: EvalBudget = { spentMs: 0, exhausted: false };
  private enteredAt = 0;
  readonly root: Scope;
  /** The directory the file's relative paths start from. */
  private readonly dir: string | undefined;
  /** Report path of the file, on the values it makes. */
  readonly file: string | undefined;

  private readonly resolveConfig: EvalOptions['resolveConfig'];

  constructor(options: EvalOptions = {}) {
    this.resolveConfig = options.resolveConfig;
    this.root = options.session ? options.session.globals : globalScope();
    this.maxSteps = options.maxSteps ?? MAX_STEPS_PER_VALUE;
    this.dir = options.file ? path.dirname(options.file.absolutePath) : undefined;
    this.file = options.file?.report;
  }

  thunk(node: NixNode, scope: Scope): Thunk {
    return Thunk.lazy(() => this.eval(node, scope));
  }

  /**
   * Evaluates an expression. An evaluation that no other one of this
   * evaluator encloses (a value a reader asks for: a definition, a
   * condition) has a step budget of its own, so that one costly value leaves
   * the others judged; all evaluations of a file share its time budget.
   */
  eval(node: NixNode, scope: Scope): Value {
    if (this.localDepth > 0) return this.evalBounded(node, scope);
    const budget = node.evalBudget;
    if (budget.exhausted) return unknown(OUT_OF_TIME);
    this.steps = 0;
    this.reading = node;
    this.budget = budget;
    this.enteredAt = monotonicMs();
    const outerSite = enterReading(node);
    try {
      return this.evalBounded(node, scope);
    } catch (error) {
      // The last guard: a recursion the depth limit did not foresee ends this value, not the run.
      if (!(error instanceof RangeError) || !/call stack/.test(error.message)) throw error;
      node.noteLimit(`This value nests evaluations deeper than the stack allows; it is treated as unknown.`);
      return unknown('expression nested too deeply');
    } finally {
      budget.spentMs += monotonicMs() - this.enteredAt;
      this.reading = undefined;
      enterReading(outerSite);
    }
  }

  private evalBounded(node: NixNode, scope: Scope): Value {
    if (++this.steps > this.maxSteps) {
      if (this.steps === this.maxSteps + 1) {
        (this.reading ?? node).noteLimit(`Evaluating this value took more than ${this.maxSteps.toLocaleString('en')} steps; it is treated as unknown, and the file's other values are still judged.`);
      }
      return unknown('evaluation budget exceeded');
    }
    const budget = this.budget;
    if ((this.steps & 1023) === 0 && !budget.exhausted && budget.spentMs + monotonicMs() - this.enteredAt > FILE_TIME_BUDGET_MS) {
      budget.exhausted = true;
      (this.reading ?? node).noteLimit(`Evaluating this file took more than ${FILE_TIME_BUDGET_MS / 1000} s (the per-file budget); this value and those not yet evaluated are treated as unknown.`);
    }
    if (budget.exhausted) return unknown(OUT_OF_TIME);
    if (depth >= MAX_EVAL_DEPTH) {
      (this.reading ?? node).noteLimit(`This value nests more than ${MAX_EVAL_DEPTH} evaluations (calls, operands) inside each other; the part beyond is treated as unknown.`);
      return unknown('expression nested too deeply');
    }
    depth++;
    this.localDepth++;
    try {
      const value = this.evalNode(node, scope);
      // Scalars remember the literal they came from, so a finding can show where a value was written.
      if (!value.origin && SCALAR_KINDS.has(value.kind)) {
        // Object.assign, not `{ ...value, origin }`: Node 20's V8 makes an object literal that spreads and then adds
        // properties on a slow path, about twenty times slower, and this runs for every scalar evaluated.
        return Object.assign({}, value, { origin: this.file ? { span: nodeSpan(node), file: this.file } : { span: nodeSpan(node) } });
      }
      return value;
    } finally {
      depth--;
      this.localDepth--;
    }
  }

  private evalNode(node: NixNode, scope: Scope): Value {
    switch (node.type) {
      case 'source_code':
      case 'parenthesized_expression': {
        const inner = node.childForFieldName('expression') ?? node.namedChild(0);
        return inner ? this.eval(inner, scope) : unknown('empty expression');
      }
      case 'integer_expression':
        return { kind: 'int', value: Number.parseInt(node.text, 10) };
      case 'float_expression':
        return { kind: 'float', value: Number.parseFloat(node.text) };
      case 'string_expression':
        return this.evalString(node, scope, false);
      case 'indented_string_expression':
        return this.evalString(node, scope, true);
      case 'path_expression':
      case 'hpath_expression':
        return this.evalPath(node, scope);
      case 'spath_expression': {
        // `<nixpkgs/nixos>`: a path inside nixpkgs, which declint models in part; any other search path is not resolved.
        const m = /^<nixpkgs(\/.*)?>$/.exec(node.text);
        return m ? { kind: 'path', value: m[1] ?? '/', input: 'nixpkgs' } : unknown(`search path ${node.text} is not resolved`);
      }
      case 'uri_expression':
        return { kind: 'string', value: node.text };
      case 'variable_expression':
        return scope.lookup(node.text);
      case 'select_expression':
        return this.evalSelect(node, scope);
      case 'has_attr_expression':
        return this.evalHasAttr(node, scope);
      case 'apply_expression': {
        const fnNode = node.childForFieldName('function')!;
        const result = this.apply(this.eval(fnNode, scope), this.thunk(node.childForFieldName('argument')!, scope), node);
        if (result.kind === 'system' && this.file) {
          // Where each call that returns a host is written: the outermost is where the repository asks for it.
          const at = { span: nodeSpan(node), file: this.file };
          return Object.assign({}, result, { calledAt: [...(result.calledAt ?? []), at], origin: result.origin ?? at });
        }
        if (result.kind === 'if' && !result.conditionText) {
          // `mkIf cond body`: the condition is the argument of the inner application.
          const cond = fnNode.type === 'apply_expression' ? fnNode.childForFieldName('argument') : null;
          return Object.assign({}, result, { conditionText: cond ? excerpt(cond) : '?' });
        }
        return result;
      }
      case 'function_expression':
        return this.makeLambda(node, scope);
      case 'let_expression': {
        const letScope = this.bindRecursive(node, scope);
        const body = node.childForFieldName('body');
        return body ? this.eval(body, letScope) : unknown('let without body');
      }
      case 'attrset_expression':
        return this.evalAttrset(node, scope, false);
      case 'rec_attrset_expression':
        return this.evalAttrset(node, scope, true);
      case 'let_attrset_expression':
        return unknown('legacy `let { }` expression');
      case 'list_expression':
        return { kind: 'list', items: node.namedChildren.filter(isExpression).map((c) => this.thunk(c, scope)) };
      case 'binary_expression':
        return this.evalBinary(node, scope);
      case 'unary_expression':
        return this.evalUnary(node, scope);
      case 'if_expression': {
        const cond = this.eval(node.childForFieldName('condition')!, scope);
        if (cond.kind === 'bool') {
          const branch = node.childForFieldName(cond.value ? 'consequence' : 'alternative');
          return branch ? this.eval(branch, scope) : unknown('incomplete if');
        }
        return unknown(`condition ${excerpt(node.childForFieldName('condition')!)} is not known`, undefined);
      }
      case 'with_expression': {
        const env = this.thunk(node.childForFieldName('environment')!, scope);
        const body = node.childForFieldName('body');
        return body ? this.eval(body, scope.withScope(env)) : unknown('with without body');
      }
      case 'assert_expression': {
        const body = node.childForFieldName('body');
        return body ? this.eval(body, scope) : unknown('assert without body');
      }
      default:
        return unknown(`cannot evaluate ${node.type === 'ERROR' ? 'a syntax error' : node.type}`);
    }
  }

  /**
   * A read of the configuration: resolved by the host whose configuration
   * it is (`reader`, carried by the `config` value read from), else by this
   * evaluator's host; without one, an unknown naming the option.
   */
  private readConfig(path: string[], reader: ConfigReader | undefined = this.resolveConfig): Value | undefined {
    if (reader) return reader(path);
    return unknown(`${path.join('.')} is read from the configuration`, path);
  }

  apply(fn: Value, arg: Thunk, at?: NixNode): Value {
    if (fn.kind === 'unknown') {
      const why = at ? `result of ${excerpt(at)}` : fn.why;
      return fn.outside ? { kind: 'unknown', why, outside: fn.outside } : unknown(why, undefined);
    }
    return applyValue(fn, arg);
  }

  private makeLambda(node: NixNode, scope: Scope): Value {
    const universal = node.childForFieldName('universal');
    const formals = node.childForFieldName('formals');
    const body = node.childForFieldName('body');
    if (!body) return unknown('function without body');
    const names = formals?.namedChildren.flatMap((formal) => {
      const name = formal.type === 'formal' ? formal.childForFieldName('name') : null;
      return name && !name.isMissing ? [name.text] : [];
    });
    const defaults = formals?.namedChildren.flatMap((formal) => {
      const name = formal.type === 'formal' ? formal.childForFieldName('name') : null;
      return name && !name.isMissing ? [formal.childForFieldName('default') !== null] : [];
    });
    const apply = (arg: Thunk): Value => {
      const vars = new Map<string, Thunk>();
      const inner = scope.child(vars);
      if (universal) vars.set(universal.text, arg);
      if (formals) {
        for (const formal of formals.namedChildren) {
          if (formal.type !== 'formal') continue;
          const nameNode = formal.childForFieldName('name');
          if (!nameNode || nameNode.isMissing) continue;
          const name = nameNode.text;
          const fallback = formal.childForFieldName('default');
          vars.set(
            name,
            Thunk.lazy(() => {
              const argValue = arg.force();
              if (argValue.kind === 'attrs') {
                const found = argValue.attrs.get(name);
                if (found) return found.value.force();
                if (fallback) return this.eval(fallback, inner);
                return unknown(argValue.open ? `${name}: ${argValue.open}` : `missing argument ${name}`);
              }
              if (fallback) return this.eval(fallback, inner);
              return unknown(`argument ${name} is not known`);
            }),
          );
        }
      }
      return this.eval(body, inner);
    };
    return names ? { kind: 'lambda', formals: names, formalDefaults: defaults, apply } : { kind: 'lambda', apply };
  }

  /** Attribute names of an attrpath; undefined where a dynamic name is not known. */
  private attrNames(attrpath: NixNode, scope: Scope): (string | undefined)[] {
    return attrpath.namedChildren.map((attr) => this.attrName(attr, scope));
  }

  private attrName(attr: NixNode, scope: Scope): string | undefined {
    if (attr.type === 'identifier') return attr.text;
    if (attr.type === 'string_expression') {
      const value = this.evalString(attr, scope, false);
      return value.kind === 'string' ? value.value : undefined;
    }
    if (attr.type === 'interpolation') {
      const inner = attr.childForFieldName('expression') ?? attr.namedChild(0);
      const value = inner ? this.eval(inner, scope) : unknown('empty');
      return value.kind === 'string' ? value.value : undefined;
    }
    return undefined;
  }

  private evalSelect(node: NixNode, scope: Scope): Value {
    let current = this.eval(node.childForFieldName('expression')!, scope);
    const fallback = node.childForFieldName('default');
    const attrpath = node.childForFieldName('attrpath');
    const names = attrpath ? this.attrNames(attrpath, scope) : [];
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      if (name === undefined) return unknown(`dynamic attribute in ${excerpt(node)}`);
      if (current.kind === 'unknown') {
        if (current.configPath) return this.selectConfig(current.configPath, current.configReader, names.slice(i), node, fallback, scope);
        if (current.outside) return { kind: 'unknown', why: `${excerpt(node)}: ${current.why}`, outside: current.outside };
        // `agenix.nixosModules.default` from an argument declint was not given (a flake passed in specialArgs): another flake's module.
        const at = names.findIndex((n, j) => j >= i && (n === 'nixosModules' || n === 'nixosModule'));
        const flake = at < 0 ? undefined : [node.childForFieldName('expression')!.text, ...names.slice(0, at)].join('.');
        if (flake && !/(^|\.)self$/.test(flake) && /^[A-Za-z_][\w'-]*(\.[A-Za-z_][\w'-]*)*$/.test(flake)) {
          return { kind: 'unknown', why: `${excerpt(node)}: ${flake} is another flake, which declint does not fetch`, outside: flake };
        }
        return unknown(current.why.startsWith('undefined variable') ? current.why : `${excerpt(node)} is not known`);
      }
      if (current.kind === 'system') return { kind: 'unknown', why: `${excerpt(node)} is evaluated by NixOS, not by declint`, ofSystem: current };
      if (current.kind !== 'attrs') {
        return fallback ? this.eval(fallback, scope) : unknown(`cannot select ${name} from a ${current.kind}`);
      }
      const found = current.attrs.get(name);
      if (!found) {
        if (current.configPath) return this.selectConfig(current.configPath, current.configReader, names.slice(i), node, fallback, scope);
        if (current.outside) return { kind: 'unknown', why: `${excerpt(node)}: ${current.open ?? `${current.outside} is outside the scanned tree`}`, outside: current.outside };
        if (current.open) return unknown(`${excerpt(node)}: ${current.open}`);
        return fallback ? this.eval(fallback, scope) : unknown(`attribute ${name} missing in ${excerpt(node)}`);
      }
      current = found.value.force();
    }
    return current;
  }

  /** `a.b.c or d` where `a.b` is part of the host's configuration: the option `configPath.b.c`, or the fallback where nothing sets it. */
  private selectConfig(configPath: string[], reader: ConfigReader | undefined, rest: (string | undefined)[], node: NixNode, fallback: NixNode | null, scope: Scope): Value {
    if (rest.some((n) => n === undefined)) return unknown(`dynamic attribute in ${excerpt(node)}`);
    const found = this.readConfig([...configPath, ...(rest as string[])], reader);
    if (found === undefined) return fallback ? this.eval(fallback, scope) : unknown(`${[...configPath, ...rest].join('.')} is not set`);
    return found;
  }

  private evalHasAttr(node: NixNode, scope: Scope): Value {
    let current = this.eval(node.childForFieldName('expression')!, scope);
    const attrpath = node.childForFieldName('attrpath');
    for (const name of attrpath ? this.attrNames(attrpath, scope) : []) {
      if (name === undefined || current.kind === 'unknown') return unknown(`${excerpt(node)} is not known`);
      if (current.kind !== 'attrs') return { kind: 'bool', value: false };
      const found = current.attrs.get(name);
      if (!found) return current.open ? unknown(current.open) : { kind: 'bool', value: false };
      current = found.value.force();
    }
    return { kind: 'bool', value: true };
  }

  /** `let` bindings: each may refer to all the others. */
  private bindRecursive(node: NixNode, scope: Scope): Scope {
    const vars = new Map<string, Thunk>();
    const inner = scope.child(vars);
    // `inherit x;` in a let reads `x` from outside, or it would refer to itself.
    const attrs = this.buildAttrs(bindingSets(node), inner, scope);
    for (const [name, attr] of attrs.attrs) vars.set(name, attr.value);
    return inner;
  }

  private evalAttrset(node: NixNode, scope: Scope, recursive: boolean): AttrsValue {
    if (!recursive) return this.buildAttrs(bindingSets(node), scope, scope);
    const vars = new Map<string, Thunk>();
    const inner = scope.child(vars);
    const attrs = this.buildAttrs(bindingSets(node), inner, scope);
    for (const [name, attr] of attrs.attrs) vars.set(name, attr.value);
    return attrs;
  }

  /**
   * Builds an attribute set from bindings. Within one set literal, `a.b = 1;`
   * and `a.c = 2;` (and `a = { d = 3; };`) all merge into one `a`, as Nix does.
   * `valueScope` evaluates the values; `inheritScope` resolves plain `inherit x;`
   * and dynamic names (for `rec` and `let` it is the scope outside the set).
   */
  buildAttrs(sets: NixNode[], valueScope: Scope, inheritScope: Scope): AttrsValue {
    const tree = new PendingAttrs();
    for (let s = 0; s < sets.length; s++) {
      const bindings = sets[s].namedChildren;
      for (let b = 0; b < bindings.length; b++) this.addBinding(tree, bindings[b], inheritScope, valueScope);
    }
    return tree.finish(this, valueScope);
  }

  /** Values are evaluated later, in the set's scope (`finish`); names and `inherit`s read `inheritScope`. */
  private addBinding(tree: PendingAttrs, binding: NixNode, inheritScope: Scope, valueScope: Scope): void {
    if (binding.type === 'binding') {
      const attrpath = binding.childForFieldName('attrpath');
      const expression = binding.childForFieldName('expression');
      if (!attrpath || !expression) return;
      if (attrpath.namedChildCount > MAX_ATTRPATH_NAMES) {
        attrpath.noteLimit(`This attribute path has more than ${MAX_ATTRPATH_NAMES} names; the binding is not read, and the set it is in counts as not fully known.`);
        tree.markOpen(`attribute path longer than ${MAX_ATTRPATH_NAMES} names`);
        return;
      }
      const names = this.attrNames(attrpath, inheritScope);
      const dynamic = names.indexOf(undefined);
      if (dynamic >= 0) {
        // `a.b.${x} = …`: only the set at `a.b` has a name declint does not know.
        tree.markOpenAt(names.slice(0, dynamic) as string[], `dynamic attribute name in ${excerpt(attrpath)}`, binding);
        return;
      }
      tree.add(names as string[], expression, binding);
      return;
    }
    if (binding.type === 'inherit' || binding.type === 'inherit_from') {
      const from = binding.childForFieldName('expression');
      const attrs = binding.childForFieldName('attrs');
      if (!attrs) return;
      // `inherit (e) x;` evaluates `e` where the set's values are (inside a `let` or `rec`); only a plain `inherit x;` reads outside.
      const source = from ? this.thunk(from, valueScope) : undefined;
      for (const attr of attrs.namedChildren) {
        const name = this.attrName(attr, inheritScope);
        if (name === undefined) {
          tree.markOpen(`dynamic inherit in ${excerpt(binding)}`);
          continue;
        }
        const value = source
          ? Thunk.lazy(() => {
              const s = source.force();
              if (s.kind === 'attrs') {
                const found = s.attrs.get(name);
                if (found) return found.value.force();
                if (s.configPath) return this.readConfig([...s.configPath, name], s.configReader) ?? unknown(`${[...s.configPath, name].join('.')} is not set`);
                if (s.outside) return { kind: 'unknown', why: `${name}: ${s.open ?? s.outside}`, outside: s.outside };
                return unknown(s.open ? `${name}: ${s.open}` : `attribute ${name} missing in ${excerpt(from!)}`);
              }
              if (s.kind === 'unknown' && s.outside) return { kind: 'unknown', why: `${excerpt(from!)}.${name}: ${s.why}`, outside: s.outside };
              if (s.kind === 'unknown' && s.configPath) {
                return this.readConfig([...s.configPath, name], s.configReader) ?? unknown(`${[...s.configPath, name].join('.')} is not set`);
              }
              return unknown(`${excerpt(from!)}.${name} is not known`);
            })
          : Thunk.lazy(() => inheritScope.lookup(name));
        tree.addValue(name, value, nodeSpan(attr));
      }
    }
  }

  /** `./hosts/${name}/configuration.nix` folds when the interpolated parts are known strings. */
  private evalPath(node: NixNode, scope: Scope): Value {
    if (!node.namedChildren.some((c) => c.type === 'interpolation')) return this.pathValue(node.text, node.type);
    let text = '';
    for (const part of node.namedChildren) {
      if (part.type === 'path_fragment') {
        text += part.text;
        continue;
      }
      const inner = part.childForFieldName('expression');
      const value = inner ? this.eval(inner, scope) : unknown('empty interpolation');
      if (value.kind !== 'string' || value.input !== undefined) return unknown(`interpolated path ${excerpt(node)}`);
      text += value.value;
    }
    return this.pathValue(text, node.type);
  }

  /** A path as written, with where it points when the file's directory is known (`~/…` never is). */
  private pathValue(written: string, type: string): Value {
    if (type === 'hpath_expression' || !this.dir) return { kind: 'path', value: written };
    return { kind: 'path', value: written, absolute: path.resolve(this.dir, written) };
  }

  private evalString(node: NixNode, scope: Scope, indented: boolean): Value {
    const parts: (string | { text: string })[] = [];
    let inputAt: string | undefined;
    let unknownPart: string | undefined;
    for (let i = 0; i < node.namedChildCount; i++) {
      const part = node.namedChild(i)!;
      switch (part.type) {
        case 'string_fragment':
          parts.push(part.text);
          break;
        case 'escape_sequence':
          parts.push(unescape(part.text, indented));
          break;
        case 'dollar_escape':
          parts.push(indented ? part.text.replace(/^''/, '') : part.text.replace(/^\\/, ''));
          break;
        case 'interpolation': {
          const inner = part.childForFieldName('expression') ?? part.namedChild(0);
          const value = coerceToString(inner ? this.eval(inner, scope) : unknown('empty interpolation'), false);
          if (value.kind === 'unknown') {
            const why = `interpolation of ${excerpt(part)} in ${excerpt(node, 120)}: ${value.why}`;
            // `"${sys.config.system.build.isoImage}/…"` stays a part of that system (an image package built from it).
            if (value.ofSystem) return { kind: 'unknown', why, ofSystem: value.ofSystem };
            // Read on: the rest of the string is kept as partial text for rules that judge what is known.
            unknownPart ??= why;
            parts.push({ text: UNKNOWN_PART });
            break;
          }
          if (value.kind !== 'string') return unknown(`cannot interpolate a ${value.kind}`);
          if (value.input !== undefined) {
            // `"${nixpkgs}/nixos"`: a path inside a flake input, when it starts the string.
            if (parts.length > 0 || inputAt !== undefined) return unknown(`interpolation of ${excerpt(part)}: a path inside ${value.input}, which declint does not fetch`);
            inputAt = value.input;
          }
          parts.push({ text: value.value });
          break;
        }
        case 'comment':
          break;
        default:
          return unknown(`unsupported string part ${part.type}`);
      }
    }
    const length = parts.reduce((sum, p) => sum + (typeof p === 'string' ? p.length : p.text.length), 0);
    if (tooLarge(node, length, MAX_STRING_LENGTH, 'characters')) return unknown(`${excerpt(node)} builds a string of more than ${MAX_STRING_LENGTH} characters`);
    const text = indented ? stripIndentation(parts) : parts.map((p) => (typeof p === 'string' ? p : p.text)).join('');
    if (unknownPart) return { kind: 'unknown', why: unknownPart, partialText: text };
    return inputAt !== undefined ? { kind: 'string', value: text, input: inputAt } : { kind: 'string', value: text };
  }

  private evalBinary(node: NixNode, scope: Scope): Value {
    const op = node.operator;
    const leftNode = node.childForFieldName('left')!;
    const rightNode = node.childForFieldName('right')!;
    if (op === '&&' || op === '||' || op === '->') {
      const left = this.eval(leftNode, scope);
      if (left.kind === 'bool') {
        if (op === '&&' && !left.value) return left;
        if (op === '||' && left.value) return left;
        if (op === '->' && !left.value) return { kind: 'bool', value: true };
        return this.eval(rightNode, scope);
      }
      // Short-circuit from the right: `unknown && false` is false.
      const right = this.eval(rightNode, scope);
      if (right.kind === 'bool') {
        if (op === '&&' && !right.value) return right;
        if (op === '||' && right.value) return right;
        if (op === '->' && right.value) return right;
      }
      return unknown(`condition ${excerpt(node)} is not known`);
    }
    const left = this.eval(leftNode, scope);
    const right = this.eval(rightNode, scope);
    switch (op) {
      case '//':
        if (left.kind === 'attrs' && right.kind === 'attrs') {
          if (tooLarge(node, left.attrs.size + right.attrs.size, MAX_ATTRS, 'attributes')) return unknown(`${excerpt(node)} builds a set of more than ${MAX_ATTRS} attributes`);
          const attrs = new Map(left.attrs);
          for (const [k, v] of right.attrs) attrs.set(k, v);
          const open = left.open ?? right.open;
          return open ? { kind: 'attrs', attrs, open } : { kind: 'attrs', attrs };
        }
        // `(eachSystem …) // { nixosConfigurations = …; }`: the right side's names are known whatever the left holds.
        if (left.kind === 'unknown' && right.kind === 'attrs') return { kind: 'attrs', attrs: right.attrs, open: right.open ?? `${excerpt(leftNode)}: ${left.why}` };
        return unknownOperand(node, left, right);
      case '++': {
        if (left.kind === 'list' && right.kind === 'list') {
          if (tooLarge(node, left.items.length + right.items.length, MAX_LIST_LENGTH, 'elements')) return unknown(`${excerpt(node)} builds a list of more than ${MAX_LIST_LENGTH} elements`);
          return { kind: 'list', items: [...left.items, ...right.items] };
        }
        // A module list with an element declint cannot read keeps the ones it can (`[ ./a.nix ] ++ f x`).
        const a = listElements(left);
        const b = listElements(right);
        if ((a || left.kind === 'unknown') && (b || right.kind === 'unknown') && (a || b)) {
          if (tooLarge(node, (a?.items.length ?? 0) + (b?.items.length ?? 0), MAX_LIST_LENGTH, 'elements')) return unknown(`${excerpt(node)} builds a list of more than ${MAX_LIST_LENGTH} elements`);
          const missing = a?.missing ?? b?.missing ?? (isUnknown(left) ? left.why : isUnknown(right) ? right.why : 'unknown');
          return partialList(`${excerpt(node)}: ${missing}`, [...(a?.items ?? []), ...(b?.items ?? [])]);
        }
        return unknownOperand(node, left, right);
      }
      case '+':
        if (left.kind === 'string' && right.kind === 'string') {
          if (tooLarge(node, left.value.length + right.value.length, MAX_STRING_LENGTH, 'characters')) return unknown(`${excerpt(node)} builds a string of more than ${MAX_STRING_LENGTH} characters`);
          return appendStrings(left, right);
        }
        if (left.kind === 'path' && (right.kind === 'string' || right.kind === 'path')) return appendToPath(left, right);
        if (isNumber(left) && isNumber(right)) return arithmetic('+', left, right);
        if ((left.kind === 'string' || left.kind === 'attrs') && right.kind !== 'unknown') {
          // `self + "/hosts"`, `"${x}" + ./p`: strings and sets with `outPath` coerce.
          const a = coerceToString(left, false);
          const b = coerceToString(right, false);
          if (a.kind === 'string' && b.kind === 'string') return appendStrings(a, b);
        }
        return unknownOperand(node, left, right);
      case '-':
      case '*':
      case '/':
        if (isNumber(left) && isNumber(right)) return arithmetic(op, left, right);
        return unknownOperand(node, left, right);
      case '==':
      case '!=': {
        const equal = valuesEqual(left, right);
        if (equal === undefined) return unknown(`condition ${excerpt(node)} is not known`);
        return { kind: 'bool', value: op === '==' ? equal : !equal };
      }
      case '<':
      case '<=':
      case '>':
      case '>=': {
        if ((isNumber(left) && isNumber(right)) || (left.kind === 'string' && right.kind === 'string')) {
          const a = left.value as number | string;
          const b = right.value as number | string;
          const result = op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
          return { kind: 'bool', value: result };
        }
        return unknownOperand(node, left, right);
      }
      default:
        return unknown(`operator ${op ?? '?'} is not evaluated`);
    }
  }

  private evalUnary(node: NixNode, scope: Scope): Value {
    const op = node.operator;
    const arg = this.eval(node.childForFieldName('argument')!, scope);
    if (op === '!' && arg.kind === 'bool') return { kind: 'bool', value: !arg.value };
    if (op === '-' && isNumber(arg)) return { kind: arg.kind, value: -arg.value };
    return unknown(`${excerpt(node)} is not known`);
  }
}

function bindingSets(node: NixNode): NixNode[] {
  return node.namedChildren.filter((c) => c.type === 'binding_set');
}

function isExpression(node: NixNode): boolean {
  return node.type !== 'comment';
}

function isNumber(v: Value): v is Extract<Value, { kind: 'int' | 'float' }> {
  return v.kind === 'int' || v.kind === 'float';
}

function arithmetic(op: string, a: { kind: 'int' | 'float'; value: number }, b: { kind: 'int' | 'float'; value: number }): Value {
  const kind = a.kind === 'float' || b.kind === 'float' ? 'float' : 'int';
  let value: number;
  switch (op) {
    case '+': value = a.value + b.value; break;
    case '-': value = a.value - b.value; break;
    case '*': value = a.value * b.value; break;
    default:
      if (b.value === 0) return unknown('division by zero');
      value = kind === 'int' ? Math.trunc(a.value / b.value) : a.value / b.value;
  }
  return { kind, value };
}

/** `./dir + "/file.nix"`: still a path, pointing where the text says. */
function appendToPath(left: Extract<Value, { kind: 'path' }>, right: Value): Value {
  const suffix = right.kind === 'string' && right.input === undefined ? right.value : right.kind === 'path' && right.input === undefined ? right.absolute ?? right.value : undefined;
  if (suffix === undefined) return unknown('a path joined with a path inside a flake input');
  if (left.input !== undefined) return { kind: 'path', value: left.value + suffix, input: left.input };
  return { kind: 'path', value: left.value + suffix, ...(left.absolute ? { absolute: path.resolve(left.absolute + suffix) } : {}) };
}

function unknownOperand(node: NixNode, left: Value, right: Value): Value {
  const bad = isUnknown(left) ? left : isUnknown(right) ? right : undefined;
  return unknown(bad ? `${excerpt(node)}: ${bad.why}` : `${excerpt(node)} mixes a ${left.kind} and a ${right.kind}`);
}

function unescape(text: string, indented: boolean): string {
  // Normal strings: `\n`, `\t`, `\r`, `\X` → X. Indented strings: `'''` → `''`, `''\n` → newline.
  if (indented) {
    if (text === "'''") return "''";
    text = text.replace(/^''/, '');
  }
  if (text.startsWith('\\')) {
    const c = text.slice(1);
    return c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c;
  }
  return text;
}

/**
 * Nix's indented-string rule: remove the smallest indentation of the lines
 * that have content (interpolations count as content), drop a first line that
 * is only whitespace, and drop trailing spaces on the last line.
 */
function stripIndentation(parts: (string | { text: string })[]): string {
  type Piece = { text: string; literal: boolean };
  const lines: Piece[][] = [[]];
  for (const part of parts) {
    if (typeof part === 'string') {
      const segments = part.split('\n');
      segments.forEach((segment, i) => {
        if (i > 0) lines.push([]);
        if (segment) lines[lines.length - 1].push({ text: segment, literal: true });
      });
    } else {
      lines[lines.length - 1].push({ text: part.text, literal: false });
    }
  }
  let minIndent = Infinity;
  for (const line of lines) {
    let indent = 0;
    let hasContent = false;
    for (const piece of line) {
      if (!piece.literal) {
        hasContent = true;
        break;
      }
      const m = /^ */.exec(piece.text)![0].length;
      indent += m;
      if (m < piece.text.length) {
        hasContent = true;
        break;
      }
    }
    if (hasContent) minIndent = Math.min(minIndent, indent);
  }
  if (minIndent === Infinity) minIndent = 0;
  const out = lines.map((line) => {
    let toStrip = minIndent;
    let text = '';
    for (const piece of line) {
      if (piece.literal && toStrip > 0) {
        const spaces = /^ */.exec(piece.text)![0].length;
        const n = Math.min(spaces, toStrip);
        toStrip -= n;
        text += piece.text.slice(n);
        if (n < spaces || spaces < piece.text.length) toStrip = 0;
      } else {
        toStrip = 0;
        text += piece.text;
      }
    }
    return { text, onlySpace: line.every((p) => p.literal && /^[ \t]*$/.test(p.text)) };
  });
  if (out.length > 1 && out[0].onlySpace) out.shift();
  if (out.length > 0 && out[out.length - 1].onlySpace) out[out.length - 1].text = '';
  return out.map((l) => l.text).join('\n');
}

/** Whether a value the evaluator builds would exceed a size limit; if so the place is noted (values that double at each step). */
function tooLarge(node: NixNode, size: number, max: number, what: string): boolean {
  if (size <= max) return false;
  node.noteLimit(`This expression builds a value of more than ${max.toLocaleString('en')} ${what}; it is treated as unknown.`);
  return true;
}

/** A node's text for a message: one line, at most `length` characters, read without copying the whole node (a message per node of a long chain stays linear). */
function excerpt(node: NixNode, length = 60): string {
  const text = node.sourceText.slice(node.startIndex, Math.min(node.endIndex, node.startIndex + 4 * length));
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > length || node.endIndex - node.startIndex > 4 * length ? `${oneLine.slice(0, length - 3)}...` : oneLine;
}

/**
 * Bindings of one attribute set literal, before evaluation: a tree of names
 * so that `a.b = 1; a.c = 2;` and `a = { d = 3; };` merge into one `a`.
 */
class PendingAttrs {
  private readonly entries = new Map<string, PendingEntry>();
  private open: string | undefined;

  markOpen(why: string): void {
    this.open ??= why;
  }

  add(names: string[], expression: NixNode, binding: NixNode): void {
    // By index, not `[first, ...rest]`: destructuring takes an iterator, an object per name where V8 has not optimized this yet.
    const first = names[0];
    if (names.length <= 1) {
      const existing = this.entries.get(first);
      if (existing?.kind === 'nested' && isPlainAttrset(expression)) {
        existing.sets.push(...bindingSets(expression));
        return;
      }
      if (existing) return; // duplicate attribute: Nix rejects the file; keep the first
      this.entries.set(first, { kind: 'leaf', expression, binding });
      return;
    }
    this.child(first, binding)?.add(names.slice(1), expression, binding);
  }

  /** Marks the set at `names` below this one as holding names declint does not know. */
  markOpenAt(names: string[], why: string, binding: NixNode): void {
    if (names.length === 0) this.markOpen(why);
    else this.child(names[0], binding)?.markOpenAt(names.slice(1), why, binding);
  }

  /** The set a name holds, made from dotted bindings or a set literal (`a = { … }; a.b = …;`); undefined for any other value. */
  private child(name: string, binding: NixNode): PendingAttrs | undefined {
    let entry = this.entries.get(name);
    if (entry?.kind === 'leaf') {
      if (!isPlainAttrset(entry.expression)) return undefined;
      entry = { kind: 'nested', child: new PendingAttrs(), sets: bindingSets(entry.expression), binding: entry.binding };
      this.entries.set(name, entry);
    }
    if (!entry) {
      entry = { kind: 'nested', child: new PendingAttrs(), sets: [], binding };
      this.entries.set(name, entry);
    }
    return entry.kind === 'nested' ? entry.child : undefined;
  }

  addValue(name: string, value: Thunk, binding: Span): void {
    if (!this.entries.has(name)) this.entries.set(name, { kind: 'value', value, binding });
  }

  finish(evaluator: Evaluator, scope: Scope): AttrsValue {
    const attrs = new Map<string, Attr>();
    // forEach, not `for (const [name, entry] of …)`: no array per entry (every attribute set literal evaluated comes here).
    this.entries.forEach((entry, name) => {
      if (entry.kind === 'leaf') {
        const leaf = isLiteral(entry.expression, scope) ? { binding: entry.binding, expression: entry.expression, scope, evaluator } : undefined;
        attrs.set(name, attrOf(evaluator.thunk(entry.expression, scope), bindingSpan(entry.binding), evaluator.file, leaf));
      } else if (entry.kind === 'value') {
        attrs.set(name, attrOf(entry.value, entry.binding, evaluator.file));
      } else {
        const nested = entry;
        // Bindings absorbed from a literal `a = { … };` join the dotted ones.
        for (const set of nested.sets) {
          for (const b of set.namedChildren) {
            if (b.type === 'binding') {
              const attrpath = b.childForFieldName('attrpath');
              const expression = b.childForFieldName('expression');
              if (!attrpath || !expression) continue;
              const names = attrpath.namedChildren.map((a) => (a.type === 'identifier' ? a.text : undefined));
              const dynamic = names.some((n) => n === undefined);
              if (dynamic) {
                const built = evaluator.buildAttrs([set], scope, scope);
                for (const [k, v] of built.attrs) nested.child.addValue(k, v.value, v.binding ?? bindingSpan(b));
                if (built.open) nested.child.markOpen(built.open);
                break;
              }
              nested.child.add(names as string[], expression, b);
            } else {
              const built = evaluator.buildAttrs([fakeSet(b)], scope, scope);
              for (const [k, v] of built.attrs) nested.child.addValue(k, v.value, v.binding ?? bindingSpan(b));
            }
          }
        }
        nested.sets = [];
        attrs.set(name, attrOf(Thunk.of(nested.child.finish(evaluator, scope)), bindingSpan(nested.binding), evaluator.file));
      }
    });
    return this.open ? { kind: 'attrs', attrs, open: this.open } : { kind: 'attrs', attrs };
  }
}

/**
 * An attribute of a set literal, with `file` and `leaf` only where there are
 * some: a literal per shape, not a conditional spread (every attribute of
 * every set evaluated is made here).
 */
function attrOf(value: Thunk, binding: Span, file: string | undefined, leaf?: LeafSource): Attr {
  if (leaf) return file ? { value, binding, file, leaf } : { value, binding, leaf };
  return file ? { value, binding, file } : { value, binding };
}

type PendingEntry =
  | { kind: 'leaf'; expression: NixNode; binding: NixNode }
  | { kind: 'value'; value: Thunk; binding: Span }
  | { kind: 'nested'; child: PendingAttrs; sets: NixNode[]; binding: NixNode };

function isPlainAttrset(node: NixNode): boolean {
  return node.type === 'attrset_expression';
}

/** A binding's span without its trailing `;`: `a.b = value`. */
function bindingSpan(binding: NixNode): Span {
  return binding.span(binding.sourceText.charCodeAt(binding.endIndex - 1) === 59 /* ; */ ? 1 : 0);
}

/** Values that remember where they were written: scalars, and hosts (`nixosSystem { … }`). */
const SCALAR_KINDS = new Set<Value['kind']>(['string', 'int', 'float', 'bool', 'null', 'path', 'system']);

/** Expressions whose value can never be an attribute set or a module-system wrapper. */
/**
 * Whether an expression's value can never be an attribute set or a
 * module-system wrapper: a literal, or `true`, `false` or `null` where no
 * `let` or function argument rebinds them (a `with` cannot: the global
 * names come first).
 */
export function isLiteral(expression: NixNode, scope: Scope): boolean {
  if (LEAF_EXPRESSIONS.has(expression.type)) return true;
  if (expression.type !== 'variable_expression') return false;
  const name = expression.text;
  return (name === 'true' || name === 'false' || name === 'null') && !scope.binds(name);
}

const LEAF_EXPRESSIONS = new Set([
  'string_expression', 'indented_string_expression', 'list_expression', 'integer_expression', 'float_expression',
  'path_expression', 'hpath_expression', 'spath_expression', 'uri_expression', 'function_expression',
  'unary_expression', 'has_attr_expression',
]);

/** Lets a single inherit binding be built through `buildAttrs`. */
function fakeSet(binding: NixNode): NixNode {
  return { namedChildren: [binding], type: 'binding_set' } as unknown as NixNode;
}
