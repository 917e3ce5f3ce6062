import { record } from '../nix/builtins/registry';
import type { Value } from '../nix/value';

/**
 * The stand-in of a flake input: the members declint models, and for any
 * other member an unknown that says it comes from that input (`outside`),
 * so a module taken from it counts as external, not as unread.
 */
export function inputSet(name: string, members: Record<string, Value>): Value {
  return { ...record(members, `inputs.${name} is another flake, which declint does not fetch`), outside: `inputs.${name}` };
}
