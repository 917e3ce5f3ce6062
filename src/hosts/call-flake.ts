import * as path from 'path';
import { Evaluator, EvalSession, MAX_SESSION_STEPS } from '../nix/evaluate';
import type { LoadedSource } from '../nix/host';
import { Attr, AttrsValue, Thunk, unknown, Value } from '../nix/value';
import { FlakeEnv, stringOf } from './flake-env';
import { InputKind, inputKind } from './input-kinds';
import { inputStandIn, otherInput } from './stand-ins';

export interface CalledFlake {
  env: FlakeEnv;
  /** The flake's outputs, as far as they can be read. */
  outputs: Value;
  /** The evaluated top-level set of `flake.nix` (`inputs`, `outputs`, …). */
  top: Value;
}

/**
 * Evaluates a flake's `outputs` the way Nix does (`call-flake.nix`): the
 * function is called with every input and `self`, where `self` is the
 * outputs themselves plus `outPath`, `inputs` and `sourceInfo`, a lazy fixed
 * point. Inputs are stand-ins (`inputStandIn`): nothing is fetched.
 */
export function callFlake(loaded: LoadedSource, session: EvalSession): CalledFlake {
  const evaluator = new Evaluator({ session, file: { absolutePath: loaded.absolutePath, report: loaded.file }, maxSteps: MAX_SESSION_STEPS });
  const top = evaluator.eval(loaded.root, evaluator.root);
  const dir = path.dirname(loaded.absolutePath);
  const declared = declaredInputs(top);
  const kinds = new Map<string, InputKind>();
  for (const [name, { url, follows }] of declared) kinds.set(name, follows ? kindOfFollowed(follows, declared) : inputKind(name, url));
  const notFlakes = new Set([...declared].filter(([, d]) => d.flake === false).map(([name]) => name));
  // `nixpkgs` may be used without being declared: the flake registry supplies it.
  if (!kinds.has('nixpkgs')) kinds.set('nixpkgs', 'nixpkgs');
  const inputAttrs = new Map<string, Attr>();
  const inputs: AttrsValue = { kind: 'attrs', attrs: inputAttrs, open: 'an input this flake does not declare', whole: true };
  let outputs: Thunk;
  const self = Thunk.lazy(() => selfOf(outputs.force(), dir, inputs));
  const env: FlakeEnv = { session, dir, file: loaded.file, self, inputs: Thunk.of(inputs), kinds };
  for (const [name, kind] of kinds) inputAttrs.set(name, { value: Thunk.lazy(() => inputStandIn(name, notFlakes.has(name) ? 'other' : kind, env, !notFlakes.has(name))) });
  inputAttrs.set('self', { value: self });
  outputs = Thunk.lazy(() => {
    if (top.kind !== 'attrs') return unknown(top.kind === 'unknown' ? top.why : `flake.nix is a ${top.kind}, not a set`);
    const fn = top.attrs.get('outputs')?.value.force();
    if (!fn) return unknown('flake.nix has no outputs');
    return evaluator.apply(fn, Thunk.of(inputs));
  });
  return { env, outputs: outputs.force(), top };
}

/** The flake's `inputs` as written: url and `follows` of each. */
function declaredInputs(top: Value): Map<string, { url?: string; follows?: string; flake?: boolean }> {
  const out = new Map<string, { url?: string; follows?: string; flake?: boolean }>();
  if (top.kind !== 'attrs') return out;
  const inputs = top.attrs.get('inputs')?.value.force();
  if (inputs?.kind !== 'attrs') return out;
  for (const [name, attr] of inputs.attrs) {
    const value = attr.value.force();
    if (value.kind === 'string') out.set(name, { url: value.value });
    else if (value.kind === 'attrs') {
      const url = stringOf(value.attrs.get('url')?.value.force());
      const follows = stringOf(value.attrs.get('follows')?.value.force());
      const flake = value.attrs.get('flake')?.value.force();
      out.set(name, { ...(url ? { url } : {}), ...(follows ? { follows } : {}), ...(flake?.kind === 'bool' ? { flake: flake.value } : {}) });
    } else out.set(name, {});
  }
  return out;
}

/**
 * The kind of an input that follows another: `follows = "a"` is input `a`
 * (itself perhaps following another); `follows = "a/b"` is the input `b` of
 * flake `a`, whose URL declint does not see, so its name tells
 * (`nixpkgs.follows = "clan-core/nixpkgs"` is nixpkgs, not clan-core).
 */
function kindOfFollowed(follows: string, declared: Map<string, { url?: string; follows?: string; flake?: boolean }>, seen = new Set<string>()): InputKind {
  const path = follows.split('/').filter((part) => part !== '');
  const last = path[path.length - 1] ?? '';
  if (path.length !== 1) return inputKind(last, undefined);
  const input = declared.get(last);
  if (input?.follows !== undefined && !seen.has(last)) return kindOfFollowed(input.follows, declared, seen.add(last));
  return inputKind(last, input?.url);
}

/** `self`: the outputs, and what Nix adds to them. */
function selfOf(outputs: Value, dir: string, inputs: AttrsValue): Value {
  const attrs = new Map<string, Attr>(outputs.kind === 'attrs' ? outputs.attrs : []);
  attrs.set('outPath', { value: Thunk.of({ kind: 'path', value: '.', absolute: dir }) });
  attrs.set('inputs', { value: Thunk.of(inputs) });
  attrs.set('sourceInfo', { value: Thunk.of({ kind: 'attrs', attrs: new Map([['outPath', { value: Thunk.of({ kind: 'path', value: '.', absolute: dir }) }]]), open: 'sourceInfo is not known' }) });
  attrs.set('_type', { value: Thunk.of({ kind: 'string', value: 'flake' }) });
  const open = outputs.kind === 'attrs' ? outputs.open : `the flake's outputs are not known (${outputs.kind === 'unknown' ? outputs.why : outputs.kind})`;
  return open ? { kind: 'attrs', attrs, open, whole: true } : { kind: 'attrs', attrs, whole: true };
}

export { otherInput };
