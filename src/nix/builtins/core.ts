import { Thunk, unknown, Value } from '../value';
import { Builtins, builtin, call, callLazy, int, need, bool, str, NULL, record, truth } from './registry';

/**
 * The rest of `builtins` and nixpkgs `lib.trivial`: type tests, arithmetic,
 * `throw`/`abort` (unknown: declint never decides that an evaluation fails),
 * tracing (its message is dropped), and function combinators.
 */

const typeNames: Partial<Record<Value['kind'], string>> = {
  string: 'string', int: 'int', float: 'float', bool: 'bool', null: 'null', path: 'path', list: 'list', attrs: 'set', lambda: 'lambda', builtin: 'lambda',
};

function typeOf(value: Value): string | undefined {
  if (value.kind === 'unknown') return value.knownItems ? 'list' : undefined;
  return typeNames[value.kind];
}

const typeTest = (name: string, type: string) =>
  builtin(name, 1, ([x]) => {
    const t = typeOf(x.force());
    return t === undefined ? unknown(`${name}: the value is not known`) : bool(t === type || (type === 'int' && t === 'int'));
  });

function arithmetic(name: string, op: (a: number, b: number) => number | undefined) {
  return builtin(name, 2, ([a, b]) => {
    const x = a.force();
    const y = b.force();
    if ((x.kind !== 'int' && x.kind !== 'float') || (y.kind !== 'int' && y.kind !== 'float')) return unknown(`${name} of values that are not known numbers`);
    const result = op(x.value, y.value);
    if (result === undefined) return unknown(`${name}: division by zero`);
    const kind = x.kind === 'float' || y.kind === 'float' ? 'float' : 'int';
    return { kind, value: kind === 'int' ? Math.trunc(result) : result };
  });
}

const lessThan = builtin('lessThan', 2, ([a, b]) => {
  const x = a.force();
  const y = b.force();
  if ((x.kind === 'int' || x.kind === 'float') && (y.kind === 'int' || y.kind === 'float')) return bool(x.value < y.value);
  if (x.kind === 'string' && y.kind === 'string' && x.input === undefined && y.input === undefined) return bool(x.value < y.value);
  return unknown('lessThan of values that are not known');
});

/** `functionArgs f`: the formals of a set pattern, each true where it has a default. */
const functionArgs = builtin('functionArgs', 1, ([f]) => {
  const fn = f.force();
  if (fn.kind === 'lambda') return record(Object.fromEntries((fn.formals ?? []).map((name, i) => [name, bool(fn.formalDefaults?.[i] ?? false)])));
  if (fn.kind === 'builtin') return record({});
  return unknown('functionArgs of a value that is not a known function');
});

/** `builtins.tryEval e`: declint never sees an evaluation fail, so a known value succeeds and an unknown stays unknown. */
const tryEval = builtin('tryEval', 1, ([e]) => {
  const v = e.force();
  if (v.kind === 'unknown') return unknown(`tryEval: ${v.why}`);
  return record({ success: bool(true), value: v });
});

const warn = (name: string) => builtin(name, 2, ([, v]) => v.force());

export function coreBuiltins(): Builtins {
  return {
    true: bool(true),
    false: bool(false),
    null: NULL,
    isNull: builtin('isNull', 1, ([v]) => {
      const x = v.force();
      return x.kind === 'unknown' ? unknown('isNull of an unknown value') : bool(x.kind === 'null');
    }),
    typeOf: builtin('typeOf', 1, ([x]) => {
      const t = typeOf(x.force());
      return t === undefined ? unknown('typeOf: the value is not known') : str(t);
    }),
    isAttrs: typeTest('isAttrs', 'set'),
    isList: typeTest('isList', 'list'),
    isString: typeTest('isString', 'string'),
    isBool: typeTest('isBool', 'bool'),
    isInt: typeTest('isInt', 'int'),
    isFloat: typeTest('isFloat', 'float'),
    isPath: typeTest('isPath', 'path'),
    isFunction: typeTest('isFunction', 'lambda'),
    throw: builtin('throw', 1, ([m]) => {
      const message = m.force();
      return unknown(message.kind === 'string' ? `throw "${message.value}"` : 'throw');
    }),
    abort: builtin('abort', 1, () => unknown('abort')),
    trace: builtin('trace', 2, ([, v]) => v.force()),
    traceVal: builtin('traceVal', 1, ([v]) => v.force()),
    warn: warn('warn'),
    seq: builtin('seq', 2, ([a, b]) => {
      a.force();
      return b.force();
    }),
    deepSeq: builtin('deepSeq', 2, ([, b]) => b.force()),
    tryEval,
    functionArgs,
    add: arithmetic('add', (a, b) => a + b),
    sub: arithmetic('sub', (a, b) => a - b),
    mul: arithmetic('mul', (a, b) => a * b),
    div: arithmetic('div', (a, b) => (b === 0 ? undefined : a / b)),
    lessThan,
    unsafeDiscardStringContext: builtin('unsafeDiscardStringContext', 1, ([s]) => s.force()),
    storeDir: str('/nix/store'),
    langVersion: int(6),
  };
}

export function libTrivial(): Builtins {
  const id = builtin('id', 1, ([x]) => x.force());
  return {
    id,
    const: builtin('const', 2, ([x]) => x.force()),
    flip: builtin('flip', 3, ([f, a, b]) => call(f.force(), b, a)),
    pipe: builtin('pipe', 2, ([x, fs]) => {
      const l = need(fs.force(), 'list', 'pipe');
      if (l.kind === 'unknown') return l;
      let acc: Thunk = x;
      for (const f of l.items) acc = callLazy(f, acc);
      return acc.force();
    }),
    fix: builtin('fix', 1, ([f]) => {
      let self: Thunk;
      // eslint-disable-next-line prefer-const
      self = Thunk.lazy(() => call(f.force(), self));
      return self.force();
    }),
    warn: warn('warn'),
    warnIf: builtin('warnIf', 3, ([, , v]) => v.force()),
    warnIfNot: builtin('warnIfNot', 3, ([, , v]) => v.force()),
    throwIf: builtin('throwIf', 3, ([c, m, v]) => {
      const t = truth(c.force());
      if (t === false) return v.force();
      if (t === true) return unknown(`throwIf: ${m.force().kind === 'string' ? (m.force() as { value: string }).value : 'thrown'}`);
      return unknown(`throwIf: ${t.why}`);
    }),
    throwIfNot: builtin('throwIfNot', 3, ([c, m, v]) => {
      const t = truth(c.force());
      if (t === true) return v.force();
      if (t === false) return unknown(`throwIfNot: ${m.force().kind === 'string' ? (m.force() as { value: string }).value : 'thrown'}`);
      return unknown(`throwIfNot: ${t.why}`);
    }),
    assertMsg: builtin('assertMsg', 2, ([c]) => c.force()),
    boolToString: builtin('boolToString', 1, ([b]) => {
      const t = truth(b.force());
      return typeof t === 'boolean' ? str(t ? 'true' : 'false') : unknown(`boolToString: ${t.why}`);
    }),
    mod: arithmetic('mod', (a, b) => (b === 0 ? undefined : a % b)),
    min: arithmetic('min', Math.min),
    max: arithmetic('max', Math.max),
  };
}
