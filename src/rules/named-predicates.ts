import type { PredicateContext } from './predicates';
import { FLAKE_PREDICATES } from './named/flake';
import { FLAKE_LOCK_PREDICATES } from './named/flake-lock';
import { IMAGE_PREDICATES } from './named/image';
import { LIFECYCLE_PREDICATES } from './named/lifecycle';
import { NIXOS_PREDICATES } from './named/nixos';
import { NIXOS_B_PREDICATES } from './named/nixos-b';
import { NIXOS_CONTROL_PREDICATES } from './named/nixos-controls';
import { TALOS_PREDICATES } from './named/talos';

/**
 * Predicates that data alone cannot express, referenced from rule files as
 * `{ named: <name> }`. Each returns `undefined` when the value is not of the
 * shape it judges, so an unexpected value never produces a finding.
 */
export interface NamedPredicate {
  description: string;
  /** `ctx` carries today's date and the project's policy, for the few predicates that read them. */
  test(value: unknown, ctx?: PredicateContext): boolean | undefined;
  /** Where the test holds, what made it hold in the user's words (`kernel.kptr_restrict = 0`): the `{culprit}` of messages. */
  culprit?(value: unknown): string | undefined;
  /** Where the test holds, the path inside the value of what made it hold (a key of a sysctl map), to report that line. */
  culpritPath?(value: unknown): string[] | undefined;
}

/** Every named predicate, by the name rule files use; one file per area under `named/`. */
export const NAMED_PREDICATES: Record<string, NamedPredicate> = {
  ...IMAGE_PREDICATES,
  ...LIFECYCLE_PREDICATES,
  ...FLAKE_LOCK_PREDICATES,
  ...FLAKE_PREDICATES,
  ...TALOS_PREDICATES,
  ...NIXOS_PREDICATES,
  ...NIXOS_B_PREDICATES,
  ...NIXOS_CONTROL_PREDICATES,
};
