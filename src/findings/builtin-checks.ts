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
  'nix-conflict': {
    id: 'nix-conflict',
    name: 'ConflictingDefinitions',
    title: 'Conflicting option definitions.',
    description:
      'Two modules of a host give one option different values at the same priority; the NixOS module system refuses to merge them and the build fails. declint cannot tell which value is meant and judges neither.',
    severity: 'error',
  },
};
