import type { ControlMap, Severity } from '../findings/finding';

export type RuleTarget = 'nixos' | 'talos' | 'flake-lock' | 'flake';

/** A predicate over a known value, as written in rule files. */
export type Predicate =
  | { equals: unknown }
  | { notEquals: unknown }
  | { oneOf: unknown[] }
  | { noneOf: unknown[] }
  | { matches: string }
  | { notMatches: string }
  | { contains: unknown }
  | { notContains: unknown }
  | { containsAny: unknown[] }
  | { lessThan: number }
  | { greaterThan: number }
  | { olderThanDays: number }
  | { exists: true }
  | { absent: true }
  | { all: Predicate[] }
  | { any: Predicate[] }
  | { not: Predicate }
  | { named: string };

/**
 * One more place a NixOS rule's setting can be written: another option
 * (`initialPassword` beside `password`, `allowedUDPPorts` beside
 * `allowedTCPPorts`, one sysctl among several), or a line of a verbatim
 * config text (`services.openssh.extraConfig`, `security.sudo.extraConfig`).
 */
export interface AlsoSource {
  option: string;
  aliases?: string[];
  /** The upstream default of this option where no module sets it. */
  default?: unknown;
  /** The option holds config text; the rule judges its lines in this format (see `config-text.ts`). */
  text?: { format: TextFormat; key?: string };
  /**
   * An alternative that satisfies the rule (a second factor, a backup tool,
   * a faillock rule): where its value passes this test the rule passes on
   * the host and nothing else of it is reported. Such an option is never
   * reported itself.
   */
  passWhen?: Predicate;
  /** What `passWhen` accepts, in words (required where it uses a regex). */
  describe?: string;
}

/** Verbatim config texts declint reads line by line. */
export type TextFormat = 'sshd' | 'sudoers' | 'systemd';

export type Subject =
  | {
      option: string;
      aliases?: string[];
      /** The option holds config text; the rule judges one key of it (see `AlsoSource.text`). */
      text?: AlsoSource['text'];
      /** More options (or config-text lines) judged with the same violations. */
      also?: AlsoSource[];

      /**
       * Judge what is known of a value: an unknown part (a command built from
       * a package path) is an opaque marker instead of making the whole value
       * unknown, so a tag beside it is still judged.
       */
      partial?: boolean;
    }
  /**
   * Talos: a path in documents of a kind (`v1alpha1`, a multi-document kind,
   * `SecretsBundle`); with `paths`, each path is judged, and absence means
   * none of them is set.
   */
  | { document: string | string[]; path?: string; paths?: string[] }
  | { node: 'inputs'; at?: string }
  /** A top-level field of `flake.lock`; a missing field is tested as `null`. */
  | { lockField: 'version' }
  /**
   * The lock graph as a whole: every node reference (`root` and each
   * `inputs` entry, tested as `{ from, input, target, resolves }`), or each
   * nixpkgs node whose revision differs from the root's nixpkgs
   * (`{ node, rev, primaryRev, users }`).
   */
  | { lockGraph: 'references' | 'nixpkgsCopies' }
  /** flake.nix: each input, each `nixConfig` setting, or each input flake.nix and flake.lock disagree on. */
  | { flake: 'inputs' | 'nixConfig' | 'lockSync' };

/** A precondition: the rule applies only where this option's value passes the test. */
export interface When {
  option: string;
  aliases?: string[];
  test: Predicate;
  /** The test in words, for the docs (required where it uses a regex). */
  describe?: string;
  /** The option's upstream default, used where no module sets it. */
  default?: unknown;
}

export interface Violation {
  /**
   * `explicit`: a value written in a file; `default`: the option is absent
   * and the default is insecure; `deleted` (Talos): a patch removes it
   * (`$patch: delete`, a JSON 6902 `remove`), reported at the removal.
   */
  mode: 'explicit' | 'default' | 'deleted';
  /** For a rule with several options: the ones (as the subject names them, `option#Key` for one key of a config text) this violation judges; all when absent. */
  only?: string[];
  test: Predicate;
  /** The test in words, for the docs (required where it uses a regex: users read this, not the pattern). */
  describe?: string;
  severity: Severity;
  /** Message template: `{value}`, `{path}`, `{node}`, `{host}`, `{culprit}` (what a named predicate found). */
  message: string;
}

export interface Rule {
  id: string;
  title: string;
  target: RuleTarget;
  subject: Subject;
  /** The upstream default when the subject is absent. */
  default?: unknown;
  when?: When;
  violations: Violation[];
  securitySeverity: number;
  tags: string[];
  /** The hardening level the rule belongs to (nixfleet governance): minimal ⊂ standard ⊂ strict ⊂ paranoid. */
  level: 'minimal' | 'standard' | 'strict' | 'paranoid';
  /** The kinds of host the rule is meant for; all when absent. */
  hostTypes?: ('server' | 'workstation' | 'appliance')[];
  /** First and last release (NixOS `23.05`, Talos `v1.12`) the rule applies to, where the catalog marks one. */
  since?: string;
  until?: string;
  controls: ControlMap;
  rationale: string;
  remediation: { text: string; snippet?: string };
  references: string[];
  /**
   * The value that satisfies the rule, written by `check --fix` and the
   * editor's quick fix; `unsafe` says why applying it unseen may break a
   * working system (it is then applied only with `--unsafe-fixes`).
   */
  fix?: { value: unknown; unsafe?: string; options?: string[]; values?: Record<string, unknown> };
  /** The rule file, relative to the rules directory it came from. */
  source: string;
}
