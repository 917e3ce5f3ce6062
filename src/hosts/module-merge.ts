import { Attr, AttrsValue, Thunk, unknown, Value } from '../nix/value';

/**
 * The merge of flake-level module definitions (flake-parts' `flake`, clan's
 * `machines`, lite-config's `hosts`): sets merge name by name, lazily; any
 * other value is taken from its first definition (two definitions of one
 * host are an error in the real module system, so the first is as good as
 * any). `mkIf` with a known condition keeps or drops its content; with an
 * unknown one the content is left out and the set is open (a name may read
 * as unknown, never as absent); `mkMerge`, priorities and orders are opened
 * up. A function definition (`flake = { config, ... }: { … }`) is called with
 * `args(merged)`.
 */
export function mergeDefinitions(definitions: Thunk[], args?: (merged: Thunk) => Value): Value | undefined {
  let merged: Thunk;
  // eslint-disable-next-line prefer-const
  merged = Thunk.lazy(() => mergeForced(definitions, args, merged));
  return definitions.length === 0 ? undefined : merged.force();
}

function mergeForced(definitions: Thunk[], args: ((merged: Thunk) => Value) | undefined, self: Thunk): Value {
  const values: Value[] = [];
  let open: string | undefined;
  const add = (value: Value, depth: number): void => {
    if (depth > 32) return;
    switch (value.kind) {
      case 'override':
      case 'order':
        add(value.content.force(), depth + 1);
        return;
      case 'merge':
        for (const item of value.contents) add(item.force(), depth + 1);
        return;
      case 'if': {
        const condition = value.condition.force();
        if (condition.kind === 'bool') {
          if (condition.value) add(value.content.force(), depth + 1);
        } else open ??= `depends on ${value.conditionText || 'a condition declint cannot decide'}`;
        return;
      }
      case 'lambda':
      case 'builtin':
        if (args) {
          const applied = value.kind === 'lambda' ? value.apply(Thunk.of(args(self))) : unknown('a function definition');
          add(applied, depth + 1);
        } else values.push(value);
        return;
      default:
        values.push(value);
    }
  };
  for (const d of definitions) add(d.force(), 0);
  if (values.length === 0) return open ? { kind: 'attrs', attrs: new Map(), open } : { kind: 'attrs', attrs: new Map() };
  const sets = values.filter((v): v is AttrsValue => v.kind === 'attrs');
  if (sets.length < values.length) {
    const unknownOne = values.find((v) => v.kind === 'unknown');
    // A set defined next to something declint cannot read: the names it knows stay, the rest is open.
    if (unknownOne && sets.length > 0) return mergeSets(sets, unknownOne.kind === 'unknown' ? unknownOne.why : 'a definition is not known');
    return values[0];
  }
  if (sets.length === 1 && !open) return sets[0];
  return mergeSets(sets, open);
}

function mergeSets(sets: AttrsValue[], open: string | undefined): AttrsValue {
  const byName = new Map<string, Attr[]>();
  for (const set of sets) {
    open ??= set.open;
    for (const [name, attr] of set.attrs) {
      const list = byName.get(name);
      if (list) list.push(attr);
      else byName.set(name, [attr]);
    }
  }
  const attrs = new Map<string, Attr>();
  for (const [name, defs] of byName) {
    if (defs.length === 1) attrs.set(name, defs[0]);
    else attrs.set(name, { value: Thunk.lazy(() => mergeDefinitions(defs.map((d) => d.value)) ?? unknown('no definition')), ...(defs[0].binding ? { binding: defs[0].binding, file: defs[0].file } : {}) });
  }
  const via = sets.length === 1 ? sets[0].via : undefined;
  const merged: AttrsValue = open ? { kind: 'attrs', attrs, open } : { kind: 'attrs', attrs };
  return via ? { ...merged, via } : merged;
}
