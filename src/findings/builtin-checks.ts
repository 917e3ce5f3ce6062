import type { Severity } from './finding';

/**
 * Findings that come from declint itself rather than from a rule file: a
 * file that does not parse, two definitions the NixOS module system cannot
 * merge. Reporters describe them like rules.
 */
export interface BuiltinCheck {
  id: string;
  name: string;
  title: string;
  description: string;
  severity: Severity;
}

export const BUILTIN_CHECKS: Record<string, BuiltinCheck> = {
  'parse-error': {
    id: 'parse-error',
    name: 'ParseError',
    title: 'File does not parse.',
    description: 'The file could not be parsed, so no rule could check it. Fix the syntax error; until then the file is not covered.',
    severity: 'error',
  },
  'internal-error': {
    id: 'internal-error',
    name: 'InternalError',
    title: 'declint failed on this file.',
    description:
      'declint itself failed while checking the file (a bug, not a problem of the file): its findings may be incomplete, and the other files were still checked. The run exits 2 only with --fail-on-internal-error. Please report it.',
    severity: 'error',
  },
  'declint-unreadable': {
    id: 'declint-unreadable',
    name: 'UnreadableFile',
    title: 'File or directory not read.',
    description:
      'A file or directory of the scan could not be read (permission denied, a path longer than the system allows, not a regular file, larger than the size limit, or resolving outside the scanned tree), so nothing in it was checked.',
    severity: 'warning',
  },
  'declint-limit': {
    id: 'declint-limit',
    name: 'LimitReached',
    title: 'Analysis limit reached.',
    description:
      'A resource limit that keeps every run bounded was reached at this place: nesting depth, evaluation budget, time budget or the size of a value. What lies beyond it is not judged (as an unknown value would not be); everything else in the file is.',
    severity: 'note',
  },
  'nix-renamed-option': {
    id: 'nix-renamed-option',
    name: 'RenamedOption',
    title: 'Option set under its old name.',
    description:
      'NixOS still accepts the old name of a renamed option and forwards it to the new one, with an evaluation warning; declint judges the value under the new name. Use the new name so that the configuration reads the way NixOS evaluates it.',
    severity: 'note',
  },
  'declint-suppression': {
    id: 'declint-suppression',
    name: 'InvalidSuppression',
    title: 'Suppression without effect.',
    description:
      'An inline `# declint-ignore RULE-ID: reason` must name existing rules and give a reason, and it must suppress something; otherwise it is reported so that stale or careless suppressions do not accumulate.',
    severity: 'warning',
  },
  'declint-exception-expired': {
    id: 'declint-exception-expired',
    name: 'ExpiredException',
    title: 'Expired exception.',
    description:
      'An exception in `.declint.yaml` has passed its `expires` date: it no longer applies, and the findings it covered are reported again until it is renewed with a new review or removed.',
    severity: 'warning',
  },
  'declint-reference-date': {
    id: 'declint-reference-date',
    name: 'ReferenceDateBeforeLock',
    title: 'Reference date before the lock was written.',
    description:
      'The run judges dates as of a day (`--now`, else `SOURCE_DATE_EPOCH`, else today) that is before the newest revision in a flake.lock, so lock ages and channel statuses cannot be judged and no finding about them would be reported. Nix builds and `nix develop` shells set `SOURCE_DATE_EPOCH` to 315532800 (1980-01-01): pass `--now` or unset it.',
    severity: 'error',
  },
  'declint-baseline-fixed': {
    id: 'declint-baseline-fixed',
    name: 'BaselineEntryFixed',
    title: 'Baseline entry no longer found.',
    description: 'A finding recorded in the baseline no longer occurs: it was fixed, and the baseline can shrink (`declint check --baseline FILE --update-baseline`).',
    severity: 'note',
  },
  'talhelper-patch': {
    id: 'talhelper-patch',
    name: 'UnreadTalhelperPatch',
    title: 'talhelper patch not read.',
    description:
      'A patch that talconfig.yaml names could not be read: the `@./file` does not exist or lies outside the scanned tree, or the patch is not valid YAML. talhelper genconfig fails on it, and declint judges the nodes without it.',
    severity: 'warning',
  },
  'nix-conflict': {
    id: 'nix-conflict',
    name: 'ConflictingDefinitions',
    title: 'Conflicting option definitions.',
    description:
      'Two modules of a host give one option different values at the same priority; the NixOS module system refuses to merge them and the build fails. declint cannot tell which value is meant and judges neither.',
    severity: 'error',
  },
};
