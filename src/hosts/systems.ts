import { Attr, SystemValue, Thunk, Value } from '../nix/value';

/**
 * A NixOS system made by a framework (clan, colmena, snowfall, …) the way
 * its own code calls `nixosSystem`: the argument set it passes, as data
 * host discovery reads.
 */
export function frameworkSystem(via: string, modules: Thunk[], specialArgs: Map<string, Thunk>, missing?: string): SystemValue {
  const list: Value = missing === undefined ? { kind: 'list', items: modules } : { kind: 'unknown', why: missing, knownItems: modules };
  const args = new Map<string, Attr>([
    ['modules', { value: Thunk.of(list) }],
    ['specialArgs', { value: Thunk.of({ kind: 'attrs', attrs: new Map([...specialArgs].map(([k, v]) => [k, { value: v }])) }) }],
  ]);
  return { kind: 'system', args: Thunk.of({ kind: 'attrs', attrs: args }), via };
}

/** A module declint knows is there but does not read: a framework's own, from an input it does not fetch. */
export function unreadModule(why: string, input: string): Thunk {
  return Thunk.of({ kind: 'unknown', why, outside: `inputs.${input}` });
}
