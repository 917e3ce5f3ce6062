import { parseOptionPath } from '../nix/option-path';
import type { AlsoSource, Predicate, Rule, Violation } from './rule';

/**
 * The places a NixOS rule reads its setting from: the subject's option (with
 * its old names), then each `also` option or config text, each with the
 * violations that judge it and the default that applies where it is unset.
 */
export interface RuleSource {
  /** The option as the rule file names it (what a violation's `only` refers to). */
  option: string;
  /** The option and its old names, parsed. */
  paths: string[][];
  /** The distinct first names of `paths` (`services`, `nix`, or `*`). */
  heads: string[];
  default?: unknown;
  text?: AlsoSource['text'];
  /** An alternative that only ever satisfies the rule (see `AlsoSource.passWhen`); it has no violations. */
  passWhen?: Predicate;
  violations: Violation[];
  /** The first source is the rule's own option; `also` sources follow. */
  main: boolean;
}

const cache = new WeakMap<Rule, RuleSource[]>();

function withHeads(paths: string[][]): Pick<RuleSource, 'paths' | 'heads'> {
  return { paths, heads: [...new Set(paths.map((p) => p[0]))] };
}

/** A NixOS rule's sources, parsed once per rule (this runs for every rule on every file); none for other targets. */
export function ruleSources(rule: Rule): RuleSource[] {
  let sources = cache.get(rule);
  if (!sources) {
    sources = [];
    const s = rule.subject;
    if ('option' in s) {
      // `only` names an option, or one key of a config text (`services.journald.extraConfig#MaxRetentionSec`).
      const forSource = (option: string, text?: AlsoSource['text']) =>
        rule.violations.filter((v) => !v.only || v.only.includes(option) || (text?.key !== undefined && v.only.includes(`${option}#${text.key}`)));
      sources.push({
        option: s.option,
        ...withHeads([s.option, ...(s.aliases ?? [])].map(parseOptionPath)),
        ...(rule.default !== undefined ? { default: rule.default } : {}),
        ...(s.text ? { text: s.text } : {}),
        violations: forSource(s.option, s.text),
        main: true,
      });
      for (const also of s.also ?? []) {
        sources.push({
          option: also.option,
          ...withHeads([also.option, ...(also.aliases ?? [])].map(parseOptionPath)),
          ...(also.default !== undefined ? { default: also.default } : {}),
          ...(also.text ? { text: also.text } : {}),
          ...(also.passWhen ? { passWhen: also.passWhen } : {}),
          violations: also.passWhen ? [] : forSource(also.option, also.text),
          main: false,
        });
      }
    }
    cache.set(rule, sources);
  }
  return sources;
}

/** Old option names a rule knows, each with the name NixOS forwards it to. */
export function ruleRenames(rule: Rule): { from: string[]; to: string[] }[] {
  const pairs = ruleSources(rule).flatMap((s) => s.paths.slice(1).map((from) => ({ from, to: s.paths[0] })));
  if (rule.when) for (const a of rule.when.aliases ?? []) pairs.push({ from: parseOptionPath(a), to: parseOptionPath(rule.when.option) });
  return pairs;
}

/** Every option path a rule reads (its sources and old names), for telling whether an edit concerns it. */
export function ruleSubjectPaths(rule: Rule): string[][] {
  // Asked for every rule on every host at each keystroke in the editor.
  let paths = subjectPaths.get(rule);
  if (!paths) subjectPaths.set(rule, (paths = ruleSources(rule).flatMap((s) => s.paths)));
  return paths;
}

const subjectPaths = new WeakMap<Rule, string[][]>();
