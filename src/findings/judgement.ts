import type { Finding, Location } from './finding';

/**
 * What a rule concluded about one subject (a NixOS host, a Talos node, a
 * flake.nix, a flake.lock): the compliance report's evidence, pass or fail.
 * - `fail`: the rule found a violation (`finding`);
 * - `pass`: the value the rule judges is known and acceptable (`evidence` is
 *   the definition that sets it, or the host root when it is the default);
 * - `not-applicable`: the rule's precondition does not hold (SSH disabled);
 * - `not-evaluated`: the value, or the precondition, could not be resolved
 *   statically, so the rule decided nothing.
 */
export type JudgementStatus = 'fail' | 'pass' | 'not-applicable' | 'not-evaluated';

export interface Judgement {
  ruleId: string;
  /** The host, node or file judged. */
  subject: string;
  subjectKind: 'host' | 'talos-node' | 'flake' | 'flake-lock' | 'file';
  status: JudgementStatus;
  /** Why, in one sentence without a final period: `services.openssh.settings.PermitRootLogin = "no"`. */
  reason: string;
  /** Where the judged value is written (or the subject's root, for a default). */
  evidence?: Location;
  finding?: Finding;
  /** The concrete NixOS option judged (one of those a wildcard rule matches). */
  option?: string[];
}
