import { placeOf } from '../nix/builtins/io';
import type { EvalSession } from '../nix/evaluate';
import { applyValue, Attr, AttrsValue, listElements, Thunk, unknown, Value } from '../nix/value';
import { mergeDefinitions } from './module-merge';

/**
 * The modules of a flake-level module system (flake-parts, clan), collected
 * the way `lib.evalModules` collects them: each module is a set, a function
 * of the module arguments, or a path to a file holding one; `imports` are
 * followed; `config` in a full-form module holds the definitions; and
 * `_module.args` adds arguments every module sees. Only the definitions are
 * gathered, per top-level option name; their merge is `mergeDefinitions`.
 */
export interface CollectedModules {
  /** Definitions of each top-level option (`flake`, `perSystem`, `clan`, `systems`, …), in module order. */
  definitions: Map<string, Thunk[]>;
  /** Modules that could not be read, with why. */
  unread: string[];
  /** The arguments every module is called with, completed by `_module.args`. */
  args: AttrsValue;
  /** The merged configuration (`config` of every module), lazily. */
  config: AttrsValue;
}

const META_KEYS = new Set(['imports', 'options', 'disabledModules', 'meta', '_file', 'key', 'freeformType', '_class']);

/** At most this many modules per flake-level evaluation: real flakes have tens. */
const MAX_MODULES = 2000;

export function collectModules(root: Thunk, baseArgs: Map<string, Thunk>, session: EvalSession): CollectedModules {
  const definitions = new Map<string, Thunk[]>();
  const unread: string[] = [];
  const argAttrs = new Map<string, Attr>();
  for (const [k, v] of baseArgs) argAttrs.set(k, { value: v });
  const configAttrs = new Map<string, Attr>();
  const config: AttrsValue = { kind: 'attrs', attrs: configAttrs, open: 'the configuration is read while its modules are collected' };
  argAttrs.set('config', { value: Thunk.of(config) });
  const args: AttrsValue = { kind: 'attrs', attrs: argAttrs, open: 'a module argument declint does not model' };
  const define = (name: string, value: Thunk) => {
    const list = definitions.get(name);
    if (list) list.push(value);
    else definitions.set(name, [value]);
  };
  const seenFiles = new Set<string>();
  let count = 0;
  const visit = (module: Value, depth: number): void => {
    if (++count > MAX_MODULES || depth > 64) {
      unread.push('too many modules');
      return;
    }
    let value = module;
    const place = value.kind === 'path' || value.kind === 'string' ? placeOf(value) : undefined;
    if (place?.kind === 'tree') {
      if (seenFiles.has(place.absolute)) return;
      seenFiles.add(place.absolute);
      value = session.importFile(place.absolute);
    } else if (place) {
      unread.push(place.kind === 'input' ? `${place.subpath} of ${place.input}, which declint does not fetch` : place.why);
      return;
    }
    if (value.kind === 'lambda' || value.kind === 'builtin') value = applyValue(value, Thunk.of(args));
    if (value.kind === 'merge' || value.kind === 'if' || value.kind === 'override') {
      // A whole module written as `mkIf c { … }`: its definitions under the wrapper.
      const wrapped = value;
      for (const name of wrapperNames(wrapped)) define(name, Thunk.lazy(() => selectUnder(wrapped, name)));
      return;
    }
    if (value.kind !== 'attrs') {
      unread.push(value.kind === 'unknown' ? value.why : `a module that is a ${value.kind}`);
      return;
    }
    const imports = value.attrs.get('imports');
    if (imports) {
      const list = imports.value.force();
      const found = listElements(list);
      if (found) {
        for (const item of found.items) visit(item.force(), depth + 1);
        if (found.missing !== undefined) unread.push(found.missing);
      } else unread.push(list.kind === 'unknown' ? list.why : 'imports is not a list');
    }
    const fullForm = value.attrs.has('config') || value.attrs.has('options');
    const body = fullForm ? value.attrs.get('config')?.value.force() : value;
    if (!body) return;
    if (body.kind !== 'attrs') {
      unread.push(body.kind === 'unknown' ? body.why : `config is a ${body.kind}`);
      return;
    }
    for (const [name, attr] of body.attrs) {
      if (!fullForm && META_KEYS.has(name)) continue;
      if (name === '_module') {
        const moduleArgs = attr.value.force();
        const extra = moduleArgs.kind === 'attrs' ? moduleArgs.attrs.get('args')?.value.force() : undefined;
        if (extra?.kind === 'attrs') for (const [k, v] of extra.attrs) if (!argAttrs.has(k)) argAttrs.set(k, v);
        continue;
      }
      define(name, attr.value);
    }
    if (body.open) unread.push(body.open);
  };
  visit(root.force(), 0);
  for (const [name, defs] of definitions) {
    configAttrs.set(name, { value: Thunk.lazy(() => mergeDefinitions(defs, (merged) => submoduleArgs(merged, args)) ?? unknown(`${name} is not set`)) });
  }
  delete (config as { open?: string }).open;
  if (unread.length > 0) config.open = `a module declint could not read (${unread[0]})`;
  return { definitions, unread, args, config };
}

/** The arguments of a submodule function (`flake = { config, lib, ... }: { … }`): its own merged value as `config`. */
function submoduleArgs(merged: Thunk, outer: AttrsValue): Value {
  const attrs = new Map(outer.attrs);
  attrs.set('config', { value: merged });
  return { kind: 'attrs', attrs, open: outer.open };
}

function wrapperNames(value: Value, depth = 0): string[] {
  if (depth > 16) return [];
  switch (value.kind) {
    case 'attrs':
      return [...value.attrs.keys()].filter((k) => !META_KEYS.has(k));
    case 'override':
    case 'order':
    case 'if':
      return wrapperNames(value.content.force(), depth + 1);
    case 'merge':
      return [...new Set(value.contents.flatMap((c) => wrapperNames(c.force(), depth + 1)))];
    default:
      return [];
  }
}

/** The definition of one option inside a wrapped module (`mkIf c { flake = …; }`), still wrapped. */
function selectUnder(value: Value, name: string, depth = 0): Value {
  if (depth > 16) return unknown('nested too deeply');
  switch (value.kind) {
    case 'attrs':
      return value.attrs.get(name)?.value.force() ?? { kind: 'attrs', attrs: new Map() };
    case 'override':
      return { ...value, content: Thunk.lazy(() => selectUnder(value.content.force(), name, depth + 1)) };
    case 'order':
      return { ...value, content: Thunk.lazy(() => selectUnder(value.content.force(), name, depth + 1)) };
    case 'if':
      return { ...value, content: Thunk.lazy(() => selectUnder(value.content.force(), name, depth + 1)) };
    case 'merge':
      return { ...value, contents: value.contents.map((c) => Thunk.lazy(() => selectUnder(c.force(), name, depth + 1))) };
    default:
      return value;
  }
}

/** The merged value of one option, or undefined when no module defines it. */
export function option(collected: CollectedModules, name: string): Value | undefined {
  return collected.config.attrs.get(name)?.value.force();
}
