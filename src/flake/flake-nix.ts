import { Evaluator } from '../nix/evaluate';
import type { LoadedSource } from '../nix/host';
import { Attr, AttrsValue, toPlain, Value } from '../nix/value';
import type { Span } from '../source/position';

/**
 * What a `flake.nix` declares, read with declint's own Nix evaluator (never
 * by running Nix): its `inputs` and `nixConfig`, and the inputs its `outputs`
 * function takes (an input used only there comes from the flake registry).
 */
export interface FlakeInput {
  name: string;
  /** The input's `url`, when it folds to a string. */
  url?: string;
  /** `flake = false`. */
  flake?: boolean;
  /** `follows = "…"` of the input itself. */
  follows?: string;
  /** Other attributes written in the input (`type`, `owner`, `narHash`, `rev`…), as far as they fold. */
  attrs: Record<string, unknown>;
  /** Where the input is defined (its `url` string when there is one). */
  span: Span;
}

export interface NixConfigSetting {
  name: string;
  /** The value as plain data; undefined when it does not fold. */
  value: unknown;
  span: Span;
}

export interface FlakeNix {
  inputs: FlakeInput[];
  /** False when `inputs` is not a set declint can read (then nothing is said about missing inputs). */
  inputsKnown: boolean;
  /** Names of the `outputs` function's formals other than `self` (`{ self, nixpkgs, ... }:`). */
  outputsArgs: string[];
  nixConfig: NixConfigSetting[];
  /** The whole file, for findings about the flake as a whole. */
  span: Span;
}

export function readFlakeNix(source: LoadedSource): FlakeNix {
  const evaluator = new Evaluator();
  const top = evaluator.eval(source.root, evaluator.root);
  const whole: Span = { start: 0, end: 0 };
  const empty: FlakeNix = { inputs: [], inputsKnown: false, outputsArgs: [], nixConfig: [], span: whole };
  if (top.kind !== 'attrs') return empty;
  const inputsAttr = top.attrs.get('inputs');
  const inputsValue = inputsAttr?.value.force();
  const inputs: FlakeInput[] = [];
  let inputsKnown = inputsAttr === undefined;
  if (inputsValue?.kind === 'attrs' && !inputsValue.open) {
    inputsKnown = true;
    for (const [name, attr] of inputsValue.attrs) inputs.push(readInput(name, attr, inputsAttr?.binding ?? whole));
  }
  const nixConfig: NixConfigSetting[] = [];
  const configAttr = top.attrs.get('nixConfig');
  const config = configAttr?.value.force();
  if (config?.kind === 'attrs') {
    for (const [name, attr] of config.attrs) {
      const value = attr.value.force();
      nixConfig.push({ name, value: toPlain(value), span: value.origin?.span ?? attr.binding ?? configAttr?.binding ?? whole });
    }
  }
  const outputs = top.attrs.get('outputs')?.value.force();
  const outputsArgs = outputs?.kind === 'lambda' ? (outputs.formals ?? []).filter((name) => name !== 'self') : [];
  return { inputs, inputsKnown, outputsArgs, nixConfig, span: whole };
}

function readInput(name: string, attr: Attr, fallback: Span): FlakeInput {
  const value = attr.value.force();
  const span = attr.binding ?? fallback;
  if (value.kind === 'string') return { name, url: value.value, attrs: {}, span: value.origin?.span ?? span };
  if (value.kind !== 'attrs') return { name, attrs: {}, span };
  const get = (key: string): Value | undefined => (value as AttrsValue).attrs.get(key)?.value.force();
  const url = get('url');
  const flake = get('flake');
  const follows = get('follows');
  const attrs: Record<string, unknown> = {};
  for (const [key, a] of value.attrs) {
    if (key === 'inputs') continue;
    const plain = toPlain(a.value.force());
    if (plain !== undefined) attrs[key] = plain;
  }
  return {
    name,
    ...(url?.kind === 'string' ? { url: url.value } : {}),
    ...(flake?.kind === 'bool' ? { flake: flake.value } : {}),
    ...(follows?.kind === 'string' ? { follows: follows.value } : {}),
    attrs,
    span: url?.kind === 'string' && url.origin ? url.origin.span : span,
  };
}
