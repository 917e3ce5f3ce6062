import type { Evaluator, Scope } from './evaluate';
import type { NixNode } from './syntax';
import type { Span } from '../source/position';
import { keepReadsSince, readTrace, replayReads } from './read-trace';
import { MAX_PLAIN_NODES } from './limits';

/**
 * Values of the static Nix evaluator. A value is either something folded
 * from literals (`string`, `list`, `attrs`, …), a module-system wrapper
 * (`override`, `if`, `merge`, `order`, `option`) kept as data so the module
 * model can read priorities and conditions, or `unknown` with the reason.
 * Nothing here is ever "guessed": what cannot be folded is unknown.
 */
export type Value =
  | StringValue
  | NumberValue
  | BoolValue
  | NullValue
  | PathValue
  | ListValue
  | AttrsValue
  | LambdaValue
  | BuiltinValue
  | OverrideValue
  | IfValue
  | MergeValue
  | OrderValue
  | OptionValue
  | SystemValue
  | UnknownValue;

/** Where a value was written: the literal that produced it. */
export interface Origin {
  span: Span;
  /** Report path of the file the span is in, where it is not the file being read (a value from an imported file). */
  file?: string;
}

interface Base {
  origin?: Origin;
  /**
   * How a value was built, for telling a user where a host came from
   * (`mapAttrs over readDir hosts`); set by the builtins that make sets and
   * lists out of others.
   */
  via?: string;
}

export interface StringValue extends Base {
  kind: 'string';
  value: string;
  /**
   * Set for a string that names a path inside a flake input declint does not
   * fetch (`"${nixpkgs}/nixos"`): the input's name; `value` is the path
   * inside it. Its text is not known.
   */
  input?: string;
}
export interface NumberValue extends Base {
  kind: 'int' | 'float';
  value: number;
}
export interface BoolValue extends Base {
  kind: 'bool';
  value: boolean;
}
export interface NullValue extends Base {
  kind: 'null';
}
export interface PathValue extends Base {
  kind: 'path';
  /** The path as written (`./modules/ssh.nix`), for messages. */
  value: string;
  /**
   * The absolute path on this machine, where the evaluator knows the file it
   * reads: a path keeps pointing at the same file when it is passed to
   * another file (`mkHost ./hosts/web` called from a library).
   */
  absolute?: string;
  /**
   * Set for a path inside a flake input that declint does not fetch
   * (`"${nixpkgs}/nixos/lib/eval-config.nix"`): the input's name; `value`
   * is then the path inside that input, starting with `/`.
   */
  input?: string;
}
export interface ListValue extends Base {
  kind: 'list';
  items: Thunk[];
}

export interface Attr {
  value: Thunk;
  /** The binding that defined this attribute (`a.b = …;`, `inherit a;`). */
  binding?: Span;
  /** Report path of the file the binding is in, where the evaluator knew it. */
  file?: string;
  /**
   * Set when the binding's value is a literal that cannot hold option
   * definitions (a string, a list, a number…): readers may leave it
   * unevaluated until asked, and evaluate a new text of it alone.
   */
  leaf?: LeafSource;
}

/** Where a literal attribute comes from: its binding, and what evaluates its expression. */
export interface LeafSource {
  binding: NixNode;
  expression: NixNode;
  scope: Scope;
  evaluator: Evaluator;
}

export interface AttrsValue extends Base {
  kind: 'attrs';
  attrs: Map<string, Attr>;
  /**
   * Set when the attribute names are not all known (a dynamic `${…}` key or a
   * stand-in such as `lib` or module arguments): a missing name then reads as
   * unknown, with this reason, instead of as absent.
   */
  open?: string;
  /**
   * Set on the stand-in of something outside the scanned tree (a flake
   * input): what it is. A member read from it is unknown and says it comes
   * from there (`UnknownValue.outside`), so a module taken from it is
   * counted as external, not as a part of the tree declint failed to read.
   */
  outside?: string;
  /**
   * Set on sets that are values handed around whole, never option
   * definitions (a flake's `inputs`, `self`, `lib`, a package set): a module
   * that assigns one to an option defines that option with it, and nothing
   * below it.
   */
  whole?: true;
  /**
   * Set on a part of the host's configuration read through `config` (an
   * option namespace): a name it does not hold is read from the
   * configuration, where a declared default may answer.
   */
  configPath?: string[];
  /** With `configPath`: whose configuration it is (the host that passed `config`); else the evaluator's. */
  configReader?: ConfigReader;
}

export interface LambdaValue extends Base {
  kind: 'lambda';
  apply(arg: Thunk): Value;
  /** The names of a set pattern's formals (`{ self, nixpkgs ? null, ... }:`); absent for `x:`. */
  formals?: string[];
  /** For each formal, whether it has a default (`builtins.functionArgs`). */
  formalDefaults?: boolean[];
}

/** A function implemented by the evaluator (`lib.mkIf`, `builtins.toString`). */
export interface BuiltinValue extends Base {
  kind: 'builtin';
  name: string;
  arity: number;
  args: Thunk[];
  impl(args: Thunk[]): Value;
}

/** `mkOverride n v` and its named forms (`mkForce`, `mkDefault`, …). */
export interface OverrideValue extends Base {
  kind: 'override';
  priority: number;
  content: Thunk;
}
/** `mkIf cond v`. */
export interface IfValue extends Base {
  kind: 'if';
  condition: Thunk;
  /** Source text of the condition, for messages. */
  conditionText: string;
  content: Thunk;
}
/** `mkMerge [ … ]`. */
export interface MergeValue extends Base {
  kind: 'merge';
  contents: Thunk[];
}
/** `mkOrder n v`, `mkBefore`, `mkAfter`. */
export interface OrderValue extends Base {
  kind: 'order';
  order: number;
  content: Thunk;
}
/** An option declaration (`mkOption { … }`, `mkEnableOption "…"`). */
export interface OptionValue extends Base {
  kind: 'option';
  default?: Thunk;
}

/** `lib.nixosSystem { modules = …; specialArgs = …; }`: a host. */
export interface SystemValue extends Base {
  kind: 'system';
  /** The argument set of the call. */
  args: Thunk;
  /** What built it: `nixosSystem`, `eval-config.nix`, `<nixpkgs/nixos>`, or a framework's constructor. */
  via: string;
  /**
   * The calls that returned it, innermost first (`nixosSystem { … }` inside
   * a `mkHost` helper, then `mkHost "web"` in flake.nix): the last is where
   * the repository asks for this host.
   */
  calledAt?: Origin[];
}

export interface UnknownValue extends Base {
  kind: 'unknown';
  /** Why the value could not be folded, e.g. "pkgs.openssh is not evaluated". */
  why: string;
  /**
   * When the value is a reference into the host's configuration
   * (`config.services.openssh.enable`, `cfg.enable`), the option path it reads.
   */
  configPath?: string[];
  /**
   * With `configPath`: the configuration it is part of, that of the host
   * which passed the module its `config` argument. A function defined in one
   * module and applied by another host's reading (an inline module in
   * `imports`) reads the `config` it is given, as in NixOS.
   */
  configReader?: ConfigReader;
  /**
   * Set when the value is known to be a list of which these are some of the
   * elements, in order, and others are not known (`[ ./a.nix ] ++ f x`,
   * `lib.flatten [ ./a.nix (f x) ]`). Everything that needs the whole list
   * sees an unknown; module lists keep the elements they can read.
   */
  knownItems?: Thunk[];
  /** Set for a part of a NixOS system (`nixosConfigurations.web.config.system.build.toplevel`): the system it belongs to. */
  ofSystem?: SystemValue;
  /** Set when the value comes from outside the scanned tree (a flake input's module): what it is. */
  outside?: string;
  /**
   * For a string with interpolations declint could not evaluate: its text,
   * each such part written as U+FFFC, so that what is known of it can still
   * be read (a sudoers tag beside a package path).
   */
  partialText?: string;
}

/** A lazily evaluated value; forcing twice returns the same value. */
export class Thunk {
  private state: 'pending' | 'running' | 'done';
  private result: Value | undefined;
  /** The tree reads the value was computed from, when they were traced (see read-trace.ts). */
  private reads: string[] | undefined = undefined;

  private constructor(private compute: (() => Value) | undefined, value?: Value) {
    this.state = value ? 'done' : 'pending';
    this.result = value;
  }

  static of(value: Value): Thunk {
    return new Thunk(undefined, value);
  }

  static lazy(compute: () => Value): Thunk {
    return new Thunk(compute);
  }

  /** The value, where it was computed already; undefined where it was not (nothing is evaluated). */
  get computed(): Value | undefined {
    return this.state === 'done' ? this.result : undefined;
  }

  force(): Value {
    if (this.state === 'done') {
      if (this.reads !== undefined) replayReads(this.reads);
      return this.result!;
    }
    if (this.state === 'running') {
      return { kind: 'unknown', why: 'infinite recursion' };
    }
    this.state = 'running';
    const trace = readTrace.reads;
    const start = trace ? trace.length : 0;
    try {
      this.result = this.compute!();
    } catch (error) {
      // Forced again later, it stays unknown instead of answering `undefined`.
      this.result = { kind: 'unknown', why: 'its evaluation failed' };
      throw error;
    } finally {
      this.state = 'done';
      this.compute = undefined;
      if (trace !== undefined && trace === readTrace.reads && trace.length > start) this.reads = keepReadsSince(trace, start);
    }
    return this.result;
  }
}

/** Stands for an interpolation declint could not evaluate, in the partial text of a string (`partialText`). */
export const UNKNOWN_PART = '\uFFFC';

export function unknown(why: string, configPath?: string[], configReader?: ConfigReader): UnknownValue {
  // Reasons quote the reasons they wrap: bounded, so that a long chain of operators cannot build a huge one.
  if (why.length > MAX_WHY) why = `${why.slice(0, MAX_WHY - 3)}...`;
  if (!configPath) return { kind: 'unknown', why };
  return configReader ? { kind: 'unknown', why, configPath, configReader } : { kind: 'unknown', why, configPath };
}

/** Reads a host's configuration: the effective value of an option path, or undefined where nothing sets it. */
export type ConfigReader = (path: string[]) => Value | undefined;

/** An unknown list of which `items` are some of the elements (see `UnknownValue.knownItems`). */
export function partialList(why: string, items: Thunk[]): UnknownValue {
  return { kind: 'unknown', why, knownItems: items };
}

/** The elements a module list is known to hold, and why it may hold others: whole for a list, some for a partial list. */
export function listElements(value: Value): { items: Thunk[]; missing?: string } | undefined {
  if (value.kind === 'list') return { items: value.items };
  if (value.kind === 'unknown' && value.knownItems) return { items: value.knownItems, missing: value.why };
  return undefined;
}

/** Calls a function value (a lambda or a builtin, partially applied or not) on an argument. */
export function applyValue(fn: Value, arg: Thunk): Value {
  switch (fn.kind) {
    case 'lambda':
      return fn.apply(arg);
    case 'builtin': {
      const args = [...fn.args, arg];
      // Object.assign: an object literal that spreads and then adds properties is slow on Node 20 (evaluate.ts, evalBounded).
      if (args.length < fn.arity) return Object.assign({}, fn, { args, origin: undefined });
      return fn.impl(args);
    }
    case 'attrs': {
      // A set with `__functor` is callable: `f.__functor f arg`.
      const functor = fn.attrs.get('__functor');
      if (functor) return applyValue(applyValue(functor.value.force(), Thunk.of(fn)), arg);
      return unknown('cannot call an attribute set');
    }
    case 'unknown':
      return unknown(fn.why);
    default:
      return unknown(`cannot call a ${fn.kind}`);
  }
}

export function isUnknown(value: Value): value is UnknownValue {
  return value.kind === 'unknown';
}

/** The JSON-like data of a fully known value, or undefined when any part is unknown. */
export type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

const MAX_WHY = 1000;

/**
 * The plain data of a value, within a node budget: a value that shares its
 * parts (`let a1 = { x = a0; y = a0; }; …`) is small in memory and huge as
 * a tree, and beyond the budget it is not fully known.
 */
export function toPlain(value: Value, depth = 0, budget = { nodes: MAX_PLAIN_NODES }): Plain | undefined {
  if (depth > 64 || --budget.nodes < 0) return undefined;
  switch (value.kind) {
    case 'string':
      return value.input === undefined ? value.value : undefined;
    case 'path':
      return value.input === undefined ? value.value : undefined;
    case 'int':
    case 'float':
      return value.value;
    case 'bool':
      return value.value;
    case 'null':
      return null;
    case 'list': {
      const out: Plain[] = [];
      for (const item of value.items) {
        const plain = toPlain(item.force(), depth + 1, budget);
        if (plain === undefined) return undefined;
        out.push(plain);
      }
      return out;
    }
    case 'attrs': {
      if (value.open) return undefined;
      const out: { [key: string]: Plain } = {};
      for (const [key, attr] of value.attrs) {
        const plain = toPlain(attr.value.force(), depth + 1, budget);
        if (plain === undefined) return undefined;
        out[key] = plain;
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** What `toPartialPlain` puts where a part of a value is unknown. */
export interface OpaquePart {
  $unknown: string;
}

export function isOpaquePart(value: unknown): value is OpaquePart {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as OpaquePart).$unknown === 'string';
}

/**
 * The data of a value with its unknown parts kept as `{ $unknown: why }`
 * markers instead of making the whole value unknown (rules that judge what
 * is known, such as a sudo tag beside a command built from a package path).
 * A string known in part is its partial text (U+FFFC for each unknown part).
 */
export function toPartialPlain(value: Value, depth = 0, budget = { nodes: MAX_PLAIN_NODES }): Plain | OpaquePart {
  if (depth > 64) return { $unknown: 'nested too deep' };
  if (--budget.nodes < 0) return { $unknown: `more than ${MAX_PLAIN_NODES} values` };
  switch (value.kind) {
    case 'list':
      return value.items.map((item) => toPartialPlain(item.force(), depth + 1, budget)) as Plain;
    case 'attrs': {
      const out: { [key: string]: Plain } = {};
      for (const [key, attr] of value.attrs) out[key] = toPartialPlain(attr.value.force(), depth + 1, budget) as Plain;
      return out;
    }
    case 'unknown':
      return value.partialText !== undefined ? value.partialText : { $unknown: value.why };
    default: {
      const plain = toPlain(value, depth, budget);
      return plain === undefined ? { $unknown: `a ${value.kind}` } : plain;
    }
  }
}

/** The first part of a value that is not known (an item of a list, a member of a set), where `toPlain` gives up. */
export function unknownPart(value: Value, depth = 0, budget = { nodes: MAX_PLAIN_NODES }): { why: string } | undefined {
  if (depth > 64) return { why: 'nested too deeply' };
  if (--budget.nodes < 0) return { why: `more than ${MAX_PLAIN_NODES} values` };
  switch (value.kind) {
    case 'unknown':
      return value;
    case 'list':
      for (const item of value.items) {
        const part = unknownPart(item.force(), depth + 1, budget);
        if (part) return part;
      }
      return undefined;
    case 'attrs':
      if (value.open) return { why: value.open };
      for (const attr of value.attrs.values()) {
        const part = unknownPart(attr.value.force(), depth + 1, budget);
        if (part) return part;
      }
      return undefined;
    default:
      return toPlain(value) === undefined ? { why: `a ${value.kind} is not a value an option holds` } : undefined;
  }
}

/** A short human description of a value for messages (`"yes"`, `false`, `[ 22 ]`). */
export function describeValue(value: Value): string {
  const plain = toPlain(value);
  if (plain === undefined) return value.kind === 'unknown' ? `unknown (${value.why})` : `<${value.kind}>`;
  return describePlain(plain);
}

export function describePlain(plain: Plain): string {
  if (typeof plain === 'string') return JSON.stringify(plain);
  if (plain === null || typeof plain !== 'object') return String(plain);
  const text = JSON.stringify(plain);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Structural equality of known values; undefined when either side is not fully known. */
export function valuesEqual(a: Value, b: Value, depth = 0, budget = { nodes: MAX_PLAIN_NODES }): boolean | undefined {
  if (depth > 32 || --budget.nodes < 0) return undefined;
  if (a.kind === 'unknown' || b.kind === 'unknown') return undefined;
  if ((a.kind === 'int' || a.kind === 'float') && (b.kind === 'int' || b.kind === 'float')) return a.value === b.value;
  // Values of different types are never equal (a function compared with null is false in Nix too).
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'string':
      if (a.input !== undefined || (b as typeof a).input !== undefined) return undefined;
      return a.value === (b as typeof a).value;
    case 'path': {
      const other = b as typeof a;
      if (a.input !== undefined || other.input !== undefined) return a.input === other.input && a.value === other.value ? true : undefined;
      return (a.absolute ?? a.value) === (other.absolute ?? other.value);
    }
    case 'bool':
      return a.value === (b as typeof a).value;
    case 'null':
      return true;
    case 'list': {
      const items = (b as typeof a).items;
      if (a.items.length !== items.length) return false;
      for (let i = 0; i < items.length; i++) {
        const eq = valuesEqual(a.items[i].force(), items[i].force(), depth + 1, budget);
        if (eq !== true) return eq;
      }
      return true;
    }
    case 'attrs': {
      const other = b as typeof a;
      if (a.open || other.open) return undefined;
      if (a.attrs.size !== other.attrs.size) return false;
      for (const [k, v] of a.attrs) {
        const w = other.attrs.get(k);
        if (!w) return false;
        const eq = valuesEqual(v.value.force(), w.value.force(), depth + 1, budget);
        if (eq !== true) return eq;
      }
      return true;
    }
    default:
      return undefined;
  }
}

