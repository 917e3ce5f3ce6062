import type { Finding } from '../findings/finding';
import type { AnalyzedFile } from '../pipeline/analyze';
import { checkFlakeLock } from './check-flake-lock';
import { checkNixModule, renamedOptionFindings } from './check-nixos';
import type { PredicateContext } from './predicates';
import type { Rule } from './rule';

/**
 * Runs the rules whose target matches on one analyzed file. Only `explicit`
 * violations are judged per file: a value written in this file. A value the
 * analyzer could not fold is never judged (precision first).
 */
export function checkFile(file: AnalyzedFile, rules: Rule[], ctx: PredicateContext): Finding[] {
  const findings: Finding[] = file.kind === 'nix' ? renamedOptionFindings(file.path, file.module, file.lines, rules) : [];
  for (const rule of rules) {
    switch (file.kind) {
      case 'nix':
        if (rule.target === 'nixos') findings.push(...checkNixModule(file.path, file.module, file.lines, rule, ctx));
        break;
      case 'talos':
        // Required here, not at the top: the YAML library is loaded only when a Talos file is checked.
        if (rule.target === 'talos') findings.push(...(require('./check-talos') as typeof import('./check-talos')).checkTalosFile(file.path, file.talos, file.lines, rule, ctx));
        break;
      case 'flake-lock':
        if (rule.target === 'flake-lock') findings.push(...checkFlakeLock(file.path, file.lock, rule, ctx, file.lines));
        break;
    }
  }
  return findings;
}
