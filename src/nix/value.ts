import type { Evaluator, Scope } from './evaluate';
import type { NixNode } from './syntax';
import type { Span } from '../source/position';
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
}

interface Base {
  origin?: Origin;
}

export interface StringValue extends Base {
  kind: 'string';
  value: string;
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
  /** The path as written (`./modules/ssh.nix`); resolution is the module graph's job. */
  value: string;
}
export interface ListValue extends Base {
  kind: 'list';
  items: Thunk[];
}

export interface Attr {
  value: Thunk;
  /** The binding that defined this attribute (`a.b = …;`, `inherit a;`). */
  binding?: Span;
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
}

export interface LambdaValue extends Base {
  kind: 'lambda';
  apply(arg: Thunk): Value;
  /** The names of a set pattern's formals (`{ self, nixpkgs ? null, ... }:`); absent for `x:`. */
  formals?: string[];
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
}

/** A lazily evaluated value; forcing twice returns the same value. */
export class Thunk {
  private state: 'pending' | 'running' | 'done';
  private result: Value | undefined;

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

  force(): Value {
    if (this.state === 'done') return this.result!;
    if (this.state === 'running') {
      return { kind: 'unknown', why: 'infinite recursion' };
    }
    this.state = 'running';
    try {
      this.result = this.compute!();
    } catch (error) {
      // Forced again later, it stays unknown instead of answering `undefined`.
      this.result = { kind: 'unknown', why: 'its evaluation failed' };
      throw error;
    } finally {
      this.state = 'done';
      this.compute = undefined;
    }
    return this.result;
  }
}

export function unknown(why: string, configPath?: string[]): UnknownValue {
  // Reasons quote the reasons they wrap: bounded, so that a long chain of operators cannot build a huge one.
  if (why.length > MAX_WHY) why = `${why.slice(0, MAX_WHY - 3)}...`;
  return configPath ? { kind: 'unknown', why, configPath } : { kind: 'unknown', why };
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
    case 'path':
      return value.value;
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
