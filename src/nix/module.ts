import type { Span } from '../source/position';
import { Evaluator, EvalOptions, isLiteral, nodeSpan } from './evaluate';
import { createLib, ORDER, PRIORITY } from './lib';
import { canonicalOptionPath } from './option-path';
import { LimitNote, MAX_SHARED_DEFINITIONS } from './limits';
import { NixNode, plainAttrpathNames } from './syntax';
import { Attr, LeafSource, listElements, Thunk, Value, unknown } from './value';

/** A `mkIf` condition a definition depends on, evaluated when first read. */
export interface Condition {
  /** The condition as written, e.g. `cfg.enable`. */
  text: string;
  readonly value: Value;
}

/** One leaf definition of an option in a module file. */
export interface OptionDefinition {
  /** The option path as written, e.g. `services.openssh.settings.PermitRootLogin`. */
  path: string[];
  /** The defined value with module-system wrappers removed (evaluated when first read). */
  readonly value: Value;
  /** Module-system priority: lower wins (mkForce 50, plain 100, mkDefault 1000). */
  priority: number;
  /** List order: mkBefore 500, plain 1000, mkAfter 1500. */
  order: number;
  /** The `mkIf` conditions around it; empty when unconditional. */
  conditions: Condition[];
  /** The binding that wrote this definition (`a.b = value`). */
  binding: Span;
  /** Report path of the file `binding` is in, where it is not the module's own (a set made by a library). */
  file?: string;
  /** For a literal value: where it is written and what evaluates it (see `redefined`). */
  leaf?: LeafSource;
}

export interface OptionDeclaration {
  path: string[];
  /** The declared default (`mkOption { default = …; }`, `mkEnableOption` → false). */
  default?: Thunk;
  binding: Span;
}

export interface ModuleImport {
  value: Value;
  span: Span;
  /** Report path of the file the span is in, where it is not the module's own (a path made by a library). */
  file?: string;
  /** Set when `imports` as a whole is not a list declint can read: the value stands for every module it names. */
  wholeList?: true;
}

export interface NixModule {
  definitions: OptionDefinition[];
  declarations: OptionDeclaration[];
  imports: ModuleImport[];
  /** Why the file's module body could not be read, when it could not. */
  opaque?: string;
  /** Limits reached while the file was evaluated, this reading or a later one (the list grows as values are read). */
  limits?: readonly LimitNote[];
}

/** Keys of a full-form module besides `options` and `config` (nixpkgs lib/modules.nix). */
const MODULE_META_KEYS = new Set(['imports', 'disabledModules', 'meta', '_file', 'key', 'freeformType', '_class']);

const MAX_PATH_DEPTH = 48;

export interface ModuleReadOptions extends EvalOptions {
  /** Module arguments besides `lib` and `config` (specialArgs), by name. */
  specialArgs?: Map<string, Thunk>;
}

/**
 * Reads one `.nix` file as a NixOS module: `{ … }`, `{ config, lib, ... }: { … }`
 * or the full `{ options = …; config = …; }` form, and lists its option
 * definitions with priorities and conditions, its declarations and imports.
 * `config` reads go to `options.resolveConfig` (a host), or stay unknown.
 */
export function readModule(root: NixNode, options: ModuleReadOptions = {}): NixModule {
  const evaluator = new Evaluator(options);
  return Object.assign(readModuleValue(evaluator.eval(root, evaluator.root), nodeSpan(root), evaluator, options, root), { limits: root.limitNotes });
}

/**
 * Reads an already evaluated module value (a file's, or an inline module of
 * a flake), a function applied to the module arguments `options` give
 * (`resolveConfig`: the configuration of the host it is read for, its
 * `config`). `root`, the file's syntax, is where limits reached while
 * reading are noted.
 */
export function readModuleValue(value: Value, rootSpan: Span, evaluator: Evaluator, options: ModuleReadOptions, root?: NixNode): NixModule {
  if (value.kind === 'lambda') value = evaluator.apply(value, Thunk.of(moduleArguments(options)));
  const reading: Reading = { shared: 0, full: false, seen: new WeakSet(), note: (span, message) => root?.noteLimit(message, span) };
  const base: Context = { priority: PRIORITY.plain, order: ORDER.plain, conditions: [], binding: rootSpan, reading, shared: undefined, top: undefined, file: undefined, ancestors: undefined };
  if (value.kind === 'merge' || value.kind === 'if' || value.kind === 'override' || value.kind === 'order') {
    // A whole module written as `lib.mkMerge [ … ]` or `lib.mkIf c { … }` is shorthand config.
    const definitions: OptionDefinition[] = [];
    collect(value, [], base, definitions);
    return { definitions, declarations: [], imports: [] };
  }
  if (value.kind !== 'attrs') {
    return { definitions: [], declarations: [], imports: [], opaque: value.kind === 'unknown' ? value.why : `the file is a ${value.kind}` };
  }
  const body = value.attrs;
  const fullForm = body.has('options') || body.has('config');
  const definitions: OptionDefinition[] = [];
  const declarations: OptionDeclaration[] = [];

  if (fullForm) {
    const config = body.get('config');
    if (config) collect(config.value.force(), [], derived(base, { binding: config.binding ?? rootSpan }), definitions);
    const options = body.get('options');
    if (options) collectDeclarations(options.value.force(), [], options.binding ?? rootSpan, declarations);
  } else {
    for (const [key, attr] of body) {
      if (MODULE_META_KEYS.has(key)) continue;
      collectAttr(attr, [key], base, definitions);
    }
  }

  return { definitions, declarations, imports: readImports(body.get('imports'), rootSpan), ...(value.open ? { opaque: value.open } : {}) };
}

/** The arguments a NixOS module function receives; only `lib` is folded, `config` is a reference. */
function moduleArguments({ specialArgs, session, resolveConfig }: ModuleReadOptions): Value {
  const attrs = new Map<string, Attr>([
    ['lib', { value: Thunk.of(createLib(session)) }],
    ['config', { value: Thunk.of(unknown('config is resolved per host', [], resolveConfig)) }],
    ['pkgs', { value: Thunk.of(unknown('pkgs.* is not evaluated')) }],
    ['options', { value: Thunk.of(unknown('options is not evaluated')) }],
    // nixpkgs' `nixos/modules`: a module taken from there is outside the tree, and known by its path.
    ['modulesPath', { value: Thunk.of(session ? { kind: 'path', value: '/nixos/modules', input: 'nixpkgs' } : unknown('modulesPath is outside the scanned tree')) }],
  ]);
  for (const [name, value] of specialArgs ?? []) attrs.set(name, { value });
  const replacedLib = specialArgs?.get('lib');
  if (replacedLib) {
    // A `lib` given in specialArgs extends nixpkgs' lib (`nixpkgs.lib.extend …`, an overlaid `pkgs.lib`): where
    // declint cannot read it, nixpkgs' own functions still are what `lib.mkIf` and the like mean.
    attrs.set('lib', {
      value: Thunk.lazy(() => {
        const lib = replacedLib.force();
        return lib.kind === 'attrs' ? lib : { ...createLib(session), open: `a function of the lib given in specialArgs (${lib.kind === 'unknown' ? lib.why : lib.kind})` };
      }),
    });
  }
  return { kind: 'attrs', attrs, open: 'module argument from specialArgs or _module.args is not known statically' };
}

interface Context {
  priority: number;
  order: number;
  conditions: Condition[];
  binding: Span;
  /** Shared by the whole module's reading: the sets read so far, and where limits are noted. */
  reading: Reading;
  /** Inside a set already read at another path. */
  shared?: boolean;
  /** The module's own binding this definition comes from (`foo = …;`), where a limit note points. */
  top?: Span;
  /** Report path of the file `binding` is in, where it is not the module's own. */
  file?: string;
  /** The sets being read on the way here, innermost first: a set that holds itself is read once. */
  ancestors?: Ancestors;
}

/** A chain of the sets being read, innermost first (short: as deep as an option path). */
interface Ancestors {
  value: Value;
  up: Ancestors | undefined;
}

function isAncestor(value: Value, ancestors: Ancestors | undefined): boolean {
  for (let a = ancestors; a; a = a.up) if (a.value === value) return true;
  return false;
}

/**
 * A context that differs from `ctx` in some fields. Every context is made
 * here, with all fields in one order: an object spread with added
 * properties (`{ ...ctx, binding }`) takes V8's slow path, and the walk
 * makes one context per attribute it reads.
 */
function derived(ctx: Context, change: { priority?: number; order?: number; conditions?: Condition[]; binding?: Span; shared?: boolean; top?: Span; file?: string | null; ancestors?: Ancestors }): Context {
  return {
    priority: change.priority ?? ctx.priority,
    order: change.order ?? ctx.order,
    conditions: change.conditions ?? ctx.conditions,
    binding: change.binding ?? ctx.binding,
    reading: ctx.reading,
    shared: change.shared ?? ctx.shared,
    top: change.top ?? ctx.top,
    // null: no file of its own (the module's).
    file: change.file === undefined ? ctx.file : (change.file ?? undefined),
    ancestors: change.ancestors ?? ctx.ancestors,
  };
}

interface Reading {
  /**
   * Definitions read from sets already read at another path: a set that
   * holds the same set twice, nested twenty times, is a few lines of text
   * and millions of definitions. Definitions written out are bounded by the
   * file's size; these are bounded by MAX_SHARED_DEFINITIONS.
   */
  shared: number;
  /** Set once that bound is reached: definitions from repeated sets are no longer read (the others are). */
  full: boolean;
  /** The sets read so far. */
  seen: WeakSet<object>;
  note(span: Span, message: string): void;
}

/** Whether the walk stops here: inside a repeated set, once the module read as many definitions from those as it may. */
function exhausted(ctx: Context): boolean {
  return ctx.shared === true && ctx.reading.full;
}

/** Adds a definition, unless it comes from a shared set and the module has read as many of those as it may. */
function add(out: OptionDefinition[], def: OptionDefinition, ctx: Context): void {
  if (exhausted(ctx)) return;
  if (ctx.shared && ++ctx.reading.shared > MAX_SHARED_DEFINITIONS) {
    ctx.reading.full = true;
    ctx.reading.note(ctx.top ?? ctx.binding, `This module repeats the same attribute sets into more than ${MAX_SHARED_DEFINITIONS.toLocaleString('en')} option definitions (a value that doubles at each level?); the definitions after that are not read.`);
    return;
  }
  out.push(def);
}

/** `_module.args.<name>`: a value given to every module, not option definitions below it. */
function isModuleArgument(path: string[]): boolean {
  return path.length >= 3 && path[0] === '_module' && path[1] === 'args';
}

function collectAttr(attr: Attr, path: string[], ctx: Context, out: OptionDefinition[]): void {
  if (exhausted(ctx)) return;
  const here = attr.binding ? derived(ctx, { binding: attr.binding, file: attr.file ?? null, top: ctx.top ?? attr.binding }) : ctx;
  if (attr.leaf) {
    // A literal cannot hold deeper definitions: keep it unevaluated until a rule reads it.
    add(out, definition(path, attr.value, here, attr.leaf), here);
    return;
  }
  collect(attr.value.force(), path, here, out);
}

function definition(path: string[], value: Thunk | Value, ctx: Omit<Context, 'reading'>, leaf?: LeafSource): OptionDefinition {
  return new Definition(canonicalOptionPath(path), value instanceof Thunk ? value : Thunk.of(value), ctx.priority, ctx.order, ctx.conditions, ctx.binding, ctx.file || undefined, leaf);
}

/** A `mkIf` condition as read: evaluated when first read (a class for the reason `Definition` is one). */
class LazyCondition implements Condition {
  constructor(
    readonly text: string,
    private readonly thunk: Thunk,
  ) {}

  get value(): Value {
    return this.thunk.force();
  }
}

/**
 * A definition read from a module, its value evaluated when first read. A
 * class, not an object literal with a getter: a literal makes a closure and
 * an accessor per definition, and modules hold hundreds of thousands.
 */
class Definition implements OptionDefinition {
  constructor(
    public path: string[],
    /** @internal What `value` reads. */
    readonly thunk: Thunk,
    public priority: number,
    public order: number,
    public conditions: Condition[],
    public binding: Span,
    public file: string | undefined,
    public leaf: LeafSource | undefined,
  ) {}

  get value(): Value {
    return this.thunk.force();
  }
}

/**
 * A literal's definition after its binding was given a new value expression
 * in place (`replaceBindingInPlace`): the same option, priority, order and
 * conditions, the new expression evaluated in the old one's scope. Undefined
 * when the definition is not a literal's or the new expression is no literal
 * (it might then hold definitions of its own).
 */
export function redefined(def: OptionDefinition, expression: NixNode): OptionDefinition | undefined {
  const leaf = def.leaf;
  if (!leaf || !isLiteral(expression, leaf.scope)) return undefined;
  expression.renewEvalBudget();
  const ctx = { priority: def.priority, order: def.order, conditions: def.conditions, binding: def.binding };
  return definition(def.path, leaf.evaluator.thunk(expression, leaf.scope), ctx, { ...leaf, expression });
}

/**
 * A definition under another option path (a name of its binding's path was
 * edited in place: `renameInPlace`), everything else the same, its value
 * still unread until a rule reads it.
 */
export function renamedDefinition(def: OptionDefinition, path: string[]): OptionDefinition {
  // The same thunk, not one that reads the old definition's value: a name typed a hundred times is not a chain of a hundred.
  const value = def instanceof Definition ? def.thunk : Thunk.lazy(() => def.value);
  return new Definition(path, value, def.priority, def.order, def.conditions, def.binding, def.file, def.leaf);
}

/** Module-system functions that pass their last argument's definitions through unread. */
const WRAPPER = /^(?:lib\.)?(?:mkIf|mkMerge|mkDefault|mkForce|mkOverride|mkBefore|mkAfter|mkOrder)\b/;

/**
 * The binding of a module to re-evaluate alone after an edit inside
 * [start, end): the innermost binding around the edit whose value reaches
 * the module's definitions and nothing else. Only bindings of the module's
 * attribute set qualify, nested through attribute sets (not `rec`), the
 * module function's body, `let … in` and `with …;` bodies and the
 * module-system wrappers (`mkIf c { … }`, `mkMerge [ … ]`): a `let` binding,
 * or one in a `rec` set, may be read by other expressions of the file.
 * `imports`, `options` and the other module keys never qualify.
 */
export function definitionSite(root: NixNode, start: number, end: number): NixNode | undefined {
  return walkToSite(root, start, end)?.site;
}

/**
 * A binding of the module's definitions whose name an edit inside
 * [start, end) changes (one identifier of its attribute path), found as
 * `definitionSite` finds one: the binding, and the option path its names
 * give its definitions, before the edit and after. Undefined where the edit
 * is elsewhere, the path is not known from the text alone (a name with an
 * interpolation), or the name is, or was, one of the module's own keys
 * (`imports`, `options`, `config`, …), which change what the module is.
 */
export function renamedSite(root: NixNode, start: number, end: number, newText: (identifier: NixNode) => string): { binding: NixNode; path: string[]; renamed: string[] } | undefined {
  const named = walkToSite(root, start, end)?.named;
  if (!named?.path) return undefined;
  const attrpath = named.binding.childForFieldName('attrpath')!;
  const names = plainAttrpathNames(attrpath);
  const at = attrpath.namedChildren.findIndex((n) => n.startIndex <= start && end <= n.endIndex);
  if (!names || at < 0) return undefined;
  const identifier = attrpath.namedChild(at)!;
  // The keys of a module's own set: a `config` written there (`config.services.x = …`) is the full form's.
  const own = named.topLevel ? (names[0] === 'config' ? 1 : 0) : 0;
  const moduleKey = (n: string) => MODULE_META_KEYS.has(n) || n === 'options' || n === 'config';
  if (named.topLevel && (at === 0 ? [names[0], newText(identifier)].some(moduleKey) : names[0] !== 'config' && moduleKey(names[0]))) return undefined;
  const path = [...named.path, ...names.slice(own)];
  const renamed = [...path];
  renamed[named.path.length + at - own] = newText(identifier);
  return { binding: named.binding, path, renamed };
}

/**
 * The walk of `definitionSite`: the site, the option path of the site's
 * definitions up to it (undefined where a name on the way is not known
 * from the text), and, where the edit lies inside the names of a binding
 * on the way (or at their end), that binding with the option path up to
 * it. Undefined inside a module key.
 */
function walkToSite(
  root: NixNode,
  start: number,
  end: number,
): { site?: NixNode; path: string[] | undefined; named?: { binding: NixNode; topLevel: boolean; path: string[] | undefined } } | undefined {
  const around = (node: NixNode | null): NixNode | null => (node && node.startIndex <= start && end <= node.endIndex ? node : null);
  let site: NixNode | undefined;
  let path: string[] | undefined = [];
  let named: { binding: NixNode; topLevel: boolean; path: string[] | undefined } | undefined;
  let topLevel = true;
  let merging = false;
  for (let node: NixNode | null = root; node; ) {
    let next: NixNode | null = null;
    const wasMerging = merging;
    merging = false;
    switch (node.type) {
      case 'source_code':
      case 'parenthesized_expression':
        next = around(node.namedChild(0));
        break;
      case 'function_expression':
      case 'let_expression':
      case 'with_expression':
        next = around(node.childForFieldName('body'));
        break;
      case 'apply_expression': {
        const fn = node.childForFieldName('function');
        if (fn && WRAPPER.test(fn.text)) {
          next = around(node.childForFieldName('argument'));
          merging = /mkMerge$/.test(fn.text);
        }
        break;
      }
      case 'list_expression':
        if (wasMerging) next = childAround(node, start, end);
        break;
      case 'attrset_expression':
        next = around(node.namedChildren.find((c) => c.type === 'binding_set') ?? null);
        break;
      case 'binding_set':
        next = childAround(node, start, end);
        break;
      case 'binding': {
        const attrpath = node.childForFieldName('attrpath');
        if (!attrpath) return { site, path };
        // An edit inside the names, or at their end (a letter typed after the last one).
        if (attrpath.startIndex <= start && end <= attrpath.endIndex) named = { binding: node, topLevel, path };
        if (start < attrpath.endIndex) return { site, path, named };
        const names = plainAttrpathNames(attrpath);
        if (topLevel) {
          const first = attrpath.namedChild(0);
          if (!first || first.type !== 'identifier' || MODULE_META_KEYS.has(first.text) || first.text === 'options') return undefined;
          topLevel = false;
          if (names?.[0] === 'config') names.shift();
        }
        path = path && names ? [...path, ...names] : undefined;
        site = node;
        next = around(node.childForFieldName('expression'));
        break;
      }
    }
    node = next;
  }
  return { site, path, named };
}

/** The named child of a node that lies around [start, end), found by bisection. */
function childAround(node: NixNode, start: number, end: number): NixNode | null {
  const children = node.namedChildren;
  let lo = 0;
  let hi = children.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const child = children[mid];
    if (child.endIndex < end) lo = mid + 1;
    else if (child.startIndex > start) hi = mid - 1;
    else return child.startIndex <= start && end <= child.endIndex ? child : null;
  }
  return null;
}

function collect(value: Value, path: string[], ctx: Context, out: OptionDefinition[], depth = 0): void {
  if (exhausted(ctx)) return;
  // A path deeper than any option (a set that contains itself: `rec { a = { b = a; }; }`) is not followed.
  if (depth + path.length > MAX_PATH_DEPTH) {
    ctx.reading.note(ctx.top ?? ctx.binding, `This definition nests more than ${MAX_PATH_DEPTH} levels (a set that contains itself?); what lies deeper is treated as unknown.`);
    add(out, definition(path, unknown('nested too deeply'), ctx), ctx);
    return;
  }
  switch (value.kind) {
    case 'attrs': {
      // A value handed to modules whole (`_module.args.inputs`), a flake input, or a set already being read
      // further up (`inputs.self.inputs…`) holds no option definitions: it is one value.
      if (value.outside || value.whole || isModuleArgument(path) || isAncestor(value, ctx.ancestors)) {
        add(out, definition(path, value, ctx), ctx);
        return;
      }
      // Some names are dynamic: what is under this path is not fully known.
      if (value.open) add(out, definition(path, value, ctx), ctx);
      // `boot.kernel.sysctl = { };` defines the option (as `{ }`) though it sets no key.
      else if (value.attrs.size === 0 && path.length > 0) add(out, definition(path, value, ctx), ctx);
      const inner = derived(ctx, { ancestors: { value, up: ctx.ancestors }, shared: ctx.shared || ctx.reading.seen.has(value.attrs) || undefined });
      ctx.reading.seen.add(value.attrs);
      // forEach, not `for (const [key, attr] of …)`: no array per entry (the walk visits every attribute of every module).
      value.attrs.forEach((attr, key) => {
        if (!exhausted(inner)) collectAttr(attr, [...path, key], inner, out);
      });
      return;
    }
    case 'override':
      // The outermost override decides, as nixpkgs' filterOverrides reads one level.
      collect(value.content.force(), path, ctx.priority === PRIORITY.plain ? derived(ctx, { priority: value.priority }) : ctx, out, depth + 1);
      return;
    case 'order':
      collect(value.content.force(), path, derived(ctx, { order: value.order }), out, depth + 1);
      return;
    case 'merge':
      for (const item of value.contents) collect(item.force(), path, ctx, out, depth + 1);
      return;
    case 'if': {
      // The condition is read only when a definition under it is: it may depend on other options.
      const condition = new LazyCondition(value.conditionText, value.condition);
      collect(value.content.force(), path, derived(ctx, { conditions: [...ctx.conditions, condition] }), out, depth + 1);
      return;
    }
    default:
      add(out, definition(path, value, ctx), ctx);
  }
}

function collectDeclarations(value: Value, path: string[], binding: Span, out: OptionDeclaration[], depth = 0): void {
  if (depth > MAX_PATH_DEPTH || out.length >= MAX_SHARED_DEFINITIONS) return;
  if (value.kind === 'option') {
    out.push(value.default ? { path, default: value.default, binding } : { path, binding });
    return;
  }
  if (value.kind !== 'attrs') return;
  for (const [key, attr] of value.attrs) {
    collectDeclarations(attr.value.force(), [...path, key], attr.binding ?? binding, out, depth + 1);
  }
}

/**
 * The elements of `imports`. A list with elements declint cannot read keeps
 * the ones it can, and one unknown entry says what is missing.
 */
function readImports(attr: Attr | undefined, rootSpan: Span): ModuleImport[] {
  if (!attr) return [];
  const list = attr.value.force();
  const fallback = attr.binding ?? rootSpan;
  const found = listElements(list);
  if (!found) return [{ value: list, span: fallback, wholeList: true }];
  const imports = found.items.map((item) => {
    const value = item.force();
    return value.origin ? { value, span: value.origin.span, ...(value.origin.file ? { file: value.origin.file } : {}) } : { value, span: fallback };
  });
  if (found.missing !== undefined) imports.push({ value: unknown(found.missing), span: fallback });
  return imports;
}

/** Whether a definition can apply: false when a condition is known false, undefined when one is unknown. */
export function conditionsHold(def: OptionDefinition): boolean | undefined {
  let result: boolean | undefined = true;
  for (const c of def.conditions) {
    const v = c.value;
    if (v.kind === 'bool') {
      if (!v.value) return false;
    } else {
      result = undefined;
    }
  }
  return result;
}
