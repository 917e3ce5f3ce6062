import type { EvalContext } from './eval-context';
import { attrBuiltins, libAttrsets } from './builtins/attrs';
import { coreBuiltins, libTrivial } from './builtins/core';
import { InputImports, ioBuiltins } from './builtins/io';
import { libLists, listBuiltins } from './builtins/lists';
import { libPath, libStrings, stringBuiltins } from './builtins/strings';
import { Attr, AttrsValue, BuiltinValue, Thunk, Value, unknown } from './value';

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

const forced = (t: Thunk) => t.force();

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
  if (value.kind === 'unknown') return unknown(`${what}: ${value.why}`, value.configPath, value.configReader);
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

/** The module-system functions of nixpkgs' lib (`lib.modules`, `lib.options`): their results are data the module model reads. */
function moduleFunctions(): Record<string, Value> {
  return {
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
    // Modules that only forward or remove old option names: nothing for declint to read in them.
    mkRenamedOptionModule: inertModule('mkRenamedOptionModule', 2),
    mkAliasOptionModule: inertModule('mkAliasOptionModule', 2),
    mkRemovedOptionModule: inertModule('mkRemovedOptionModule', 2),
    mkChangedOptionModule: inertModule('mkChangedOptionModule', 3),
    mkMergedOptionModule: inertModule('mkMergedOptionModule', 3),
  };
}

/** A function returning a module that declares or renames options and defines nothing declint reads. */
function inertModule(name: string, arity: number): BuiltinValue {
  return builtin(name, arity, () => ({ kind: 'attrs', attrs: new Map() }));
}

/** What builds a NixOS system: its argument set is read by host discovery. */
export function systemConstructor(via: string): BuiltinValue {
  return builtin(via, 1, ([args]) => ({ kind: 'system', args, via }));
}

const libs = new WeakMap<EvalContext, AttrsValue>();
let pureLib: AttrsValue | undefined;

/**
 * nixpkgs' `lib`, as far as the evaluator folds it. With a context, the
 * functions that read files (`importJSON`, `filesystem.listFilesRecursive`)
 * see the scanned tree; without one they are unknown.
 */
export function createLib(ctx?: EvalContext): AttrsValue {
  const cached = ctx ? libs.get(ctx) : pureLib;
  if (cached) return cached;
  const io = ctx ? createBuiltins(ctx) : undefined;
  const fromIo = (name: string): Value => io?.attrs.get(name)?.value.force() ?? unknown(`lib.${name} reads files, which is not done here`);
  const trivial = libTrivial();
  const lists = { ...libLists(), optional: conditional('optional', () => ({ kind: 'list', items: [] }), (v) => ({ kind: 'list', items: [v] })), optionals: conditional('optionals', () => ({ kind: 'list', items: [] }), forced) };
  const attrsets = { ...libAttrsets(), optionalAttrs: conditional('optionalAttrs', () => ({ kind: 'attrs', attrs: new Map() }), forced) };
  const strings = { ...libStrings(), optionalString: conditional('optionalString', () => ({ kind: 'string', value: '' }), forced) };
  const modules = moduleFunctions();
  const fileFunctions = { importJSON: fromIo('importJSON'), fileContents: fromIo('fileContents'), pathExists: fromIo('pathExists'), readFile: fromIo('readFile') };
  const namespace = (entries: Record<string, Value>) => attrsOf(entries, 'this lib function is not evaluated');
  const lib = attrsOf(
    {
      ...coreBuiltins(),
      ...trivial,
      ...lists,
      ...attrsets,
      ...strings,
      ...modules,
      ...fileFunctions,
      cleanSource: fromIo('cleanSource'),
      nixosSystem: systemConstructor('nixosSystem'),
      trivial: namespace(trivial),
      lists: namespace(lists),
      attrsets: namespace(attrsets),
      strings: namespace(strings),
      modules: namespace(modules),
      options: namespace({ mkOption: modules.mkOption, mkEnableOption: modules.mkEnableOption, mkPackageOption: modules.mkPackageOption }),
      fixedPoints: namespace({ fix: trivial.fix }),
      filesystem: namespace({ listFilesRecursive: fromIo('listFilesRecursive') }),
      sources: namespace({ cleanSource: fromIo('cleanSource') }),
      fileset: namespace({}),
      path: namespace(libPath()),
      systems: namespace({ flakeExposed: { kind: 'list', items: ['x86_64-linux', 'aarch64-linux', 'x86_64-darwin', 'aarch64-darwin'].map((s) => Thunk.of({ kind: 'string', value: s })) } }),
    },
    'this lib function is not evaluated',
  );
  lib.whole = true;
  if (ctx) libs.set(ctx, lib);
  else pureLib = lib;
  return lib;
}

const builtinSets = new WeakMap<EvalContext, AttrsValue>();
let pureBuiltins: AttrsValue | undefined;

/** Nix's `builtins`, as far as the evaluator folds them; `import` and the file readers only with a context. */
export function createBuiltins(ctx?: EvalContext, inputs?: InputImports): AttrsValue {
  const cached = ctx ? builtinSets.get(ctx) : pureBuiltins;
  if (cached) return cached;
  const io = ctx
    ? ioBuiltins(ctx, inputs ?? { importInput: () => undefined })
    : {
        import: builtin('import', 1, ([path]) => {
          const p = path.force();
          return unknown(`import ${p.kind === 'path' ? p.value : 'of an unknown path'} is not evaluated`);
        }),
        readFile: builtin('readFile', 1, () => unknown('builtins.readFile: file contents are not evaluated')),
      };
  const set = attrsOf({ ...coreBuiltins(), ...listBuiltins(), ...attrBuiltins(), ...stringBuiltins(), ...io }, 'this builtin is not evaluated');
  if (ctx) builtinSets.set(ctx, set);
  else pureBuiltins = set;
  return set;
}
