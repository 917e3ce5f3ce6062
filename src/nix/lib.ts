import { Attr, AttrsValue, BuiltinValue, Thunk, Value, unknown } from './value';
import { MAX_STRING_LENGTH } from './limits';

/**
 * The parts of nixpkgs' `lib` and Nix's `builtins` that the static evaluator
 * folds. Priorities and orders are those of nixpkgs `lib/modules.nix`:
 * mkOptionDefault 1500, mkDefault 1000, plain 100, mkImageMediaOverride 60,
 * mkForce 50, mkVMOverride 10; mkBefore 500, mkAfter 1500.
 * Every other member reads as unknown, naming the function.
 */

export const PRIORITY = {
  vmOverride: 10,
  force: 50,
  imageMediaOverride: 60,
  plain: 100,
  default: 1000,
  optionDefault: 1500,
} as const;

export const ORDER = { before: 500, plain: 1000, after: 1500 } as const;

function builtin(name: string, arity: number, impl: (args: Thunk[]) => Value): BuiltinValue {
  return { kind: 'builtin', name, arity, args: [], impl };
}

function attrsOf(entries: Record<string, Value>, open: string): AttrsValue {
  const attrs = new Map<string, Attr>();
  for (const [name, value] of Object.entries(entries)) attrs.set(name, { value: Thunk.of(value) });
  return { kind: 'attrs', attrs, open };
}

const override = (name: string, priority: number) =>
  builtin(name, 1, ([content]) => ({ kind: 'override', priority, content }));

const order = (name: string, n: number) => builtin(name, 1, ([content]) => ({ kind: 'order', order: n, content }));

function bool(value: Value, what: string): boolean | Value {
  if (value.kind === 'bool') return value.value;
  if (value.kind === 'unknown') return unknown(`${what}: ${value.why}`, value.configPath);
  return unknown(`${what} is a ${value.kind}, not a bool`);
}

/** `lib.optional`, `optionals`, `optionalAttrs`, `optionalString`: `cond` selects `value` or the empty one. */
function conditional(name: string, empty: () => Value, wrap: (v: Thunk) => Value) {
  return builtin(name, 2, ([cond, value]) => {
    const c = bool(cond.force(), `condition of ${name}`);
    if (typeof c !== 'boolean') return c;
    return c ? wrap(value) : empty();
  });
}

function mkOption(): BuiltinValue {
  return builtin('mkOption', 1, ([spec]) => {
    const s = spec.force();
    if (s.kind !== 'attrs') return { kind: 'option' };
    const fallback = s.attrs.get('default');
    return fallback ? { kind: 'option', default: fallback.value } : { kind: 'option' };
  });
}

let cachedLib: AttrsValue | undefined;

/** nixpkgs' `lib`, as far as the evaluator folds it. */
export function createLib(): AttrsValue {
  if (cachedLib) return cachedLib;
  const forced = (t: Thunk) => t.force();
  cachedLib = attrsOf(
    {
      mkOverride: builtin('mkOverride', 2, ([priority, content]) => {
        const p = priority.force();
        if (p.kind !== 'int') return unknown('mkOverride with an unknown priority');
        return { kind: 'override', priority: p.value, content };
      }),
      mkVMOverride: override('mkVMOverride', PRIORITY.vmOverride),
      mkForce: override('mkForce', PRIORITY.force),
      mkImageMediaOverride: override('mkImageMediaOverride', PRIORITY.imageMediaOverride),
      mkDefault: override('mkDefault', PRIORITY.default),
      mkOptionDefault: override('mkOptionDefault', PRIORITY.optionDefault),
      mkIf: {
        kind: 'builtin',
        name: 'mkIf',
        arity: 2,
        args: [],
        impl: ([condition, content]) => ({ kind: 'if', condition, conditionText: '', content }),
      },
      mkMerge: builtin('mkMerge', 1, ([list]) => {
        const l = list.force();
        if (l.kind !== 'list') return unknown('mkMerge of something that is not a list');
        return { kind: 'merge', contents: l.items };
      }),
      mkOrder: builtin('mkOrder', 2, ([n, content]) => {
        const v = n.force();
        if (v.kind !== 'int') return unknown('mkOrder with an unknown order');
        return { kind: 'order', order: v.value, content };
      }),
      mkBefore: order('mkBefore', ORDER.before),
      mkAfter: order('mkAfter', ORDER.after),
      mkOption: mkOption(),
      mkEnableOption: builtin('mkEnableOption', 1, () => ({ kind: 'option', default: Thunk.of({ kind: 'bool', value: false }) })),
      mkPackageOption: builtin('mkPackageOption', 3, () => ({ kind: 'option' })),
      optional: conditional('optional', () => ({ kind: 'list', items: [] }), (v) => ({ kind: 'list', items: [v] })),
      optionals: conditional('optionals', () => ({ kind: 'list', items: [] }), forced),
      optionalAttrs: conditional('optionalAttrs', () => ({ kind: 'attrs', attrs: new Map() }), forced),
      optionalString: conditional('optionalString', () => ({ kind: 'string', value: '' }), forced),
      concatStringsSep: concatStringsSep(),
      toString: toStringBuiltin(),
      nixosSystem: builtin('nixosSystem', 1, ([args]) => ({ kind: 'system', args })),
    },
    'this lib function is not evaluated',
  );
  return cachedLib;
}

function concatStringsSep(): BuiltinValue {
  return builtin('concatStringsSep', 2, ([sep, list]) => {
    const s = sep.force();
    const l = list.force();
    if (s.kind !== 'string' || l.kind !== 'list') return unknown('concatStringsSep of unknown values');
    const parts: string[] = [];
    let length = 0;
    for (const item of l.items) {
      const v = item.force();
      if (v.kind !== 'string') return unknown('concatStringsSep of a list with unknown elements');
      parts.push(v.value);
      length += v.value.length + s.value.length;
      if (length > MAX_STRING_LENGTH) return unknown(`concatStringsSep builds a string of more than ${MAX_STRING_LENGTH} characters`);
    }
    return { kind: 'string', value: parts.join(s.value) };
  });
}

function toStringBuiltin(): BuiltinValue {
  return builtin('toString', 1, ([arg]) => {
    const v = arg.force();
    switch (v.kind) {
      case 'string':
        return v;
      case 'int':
      case 'float':
        return { kind: 'string', value: String(v.value) };
      case 'bool':
        return { kind: 'string', value: v.value ? '1' : '' };
      case 'null':
        return { kind: 'string', value: '' };
      default:
        return unknown(`toString of a ${v.kind}`);
    }
  });
}

/** `map f list`: each element is `f` applied to it, lazily. */
function mapBuiltin(): BuiltinValue {
  return builtin('map', 2, ([fn, list]) => {
    const f = fn.force();
    const l = list.force();
    if (l.kind !== 'list') return unknown('map over something that is not a known list');
    if (f.kind !== 'lambda' && f.kind !== 'builtin') return unknown('map with a function that is not known');
    return {
      kind: 'list',
      items: l.items.map((item) => Thunk.lazy(() => (f.kind === 'lambda' ? f.apply(item) : applyBuiltin(f, item)))),
    };
  });
}

function applyBuiltin(fn: BuiltinValue, arg: Thunk): Value {
  const args = [...fn.args, arg];
  return args.length < fn.arity ? { ...fn, args } : fn.impl(args);
}

/** Nix's `builtins`, as far as the evaluator folds them. */
export function createBuiltins(): AttrsValue {
  return attrsOf(
    {
      true: { kind: 'bool', value: true },
      false: { kind: 'bool', value: false },
      null: { kind: 'null' },
      toString: toStringBuiltin(),
      concatStringsSep: concatStringsSep(),
      map: mapBuiltin(),
      isNull: builtin('isNull', 1, ([v]) => {
        const x = v.force();
        return x.kind === 'unknown' ? unknown('isNull of an unknown value') : { kind: 'bool', value: x.kind === 'null' };
      }),
      import: builtin('import', 1, ([path]) => {
        const p = path.force();
        return unknown(`import ${p.kind === 'path' ? p.value : 'of an unknown path'} is not evaluated`);
      }),
      readFile: builtin('readFile', 1, () => unknown('builtins.readFile: file contents are not evaluated')),
      throw: builtin('throw', 1, () => unknown('throw')),
      abort: builtin('abort', 1, () => unknown('abort')),
    },
    'this builtin is not evaluated',
  );
}
