import type { Finding } from '../findings/finding';
import type { AnalyzedFile } from '../pipeline/analyze';
import { checkNixModule, nixosRulesFor, renamedOptionFindings } from './check-nixos';
import type { PredicateContext } from './predicates';
import type { Rule } from './rule';

/**
 * Runs the rules whose target matches on one analyzed file. Only `explicit`
 * violations are judged per file: a value written in this file. A value the
 * analyzer could not fold is never judged (precision first).
 */
export function checkFile(file: AnalyzedFile, rules: Rule[], ctx: PredicateContext): Finding[] {
  const findings: Finding[] = file.kind === 'nix' ? renamedOptionFindings(file.path, file.module, file.lines, rules) : [];
  if (file.kind === 'talos') {
    // Required here, not at the top: the Talos model is loaded only when a Talos file is checked.
    const { checkTalosView } = require('./check-talos') as typeof import('./check-talos');
    const { fileView } = require('../talos/views') as typeof import('../talos/views');
    // One view of the file (its documents as provenanced trees) for every Talos rule.
    const view = fileView(file.path, file.talos, file.lines);
    for (const rule of rules) if (rule.target === 'talos') findings.push(...checkTalosView(view, rule, ctx));
    return findings;
  }
  if (file.kind === 'nix') {
    for (const rule of nixosRulesFor(file.module, rules)) findings.push(...checkNixModule(file.path, file.module, file.lines, rule, ctx));
  } else if (file.kind === 'flake-lock' && rules.some((r) => r.target === 'flake-lock')) {
    const { checkFlakeLock, referenceDateFindings } = require('./check-flake-lock') as typeof import('./check-flake-lock');
    findings.push(...referenceDateFindings(file.path, file.lock, ctx));
    for (const rule of rules) if (rule.target === 'flake-lock') findings.push(...checkFlakeLock(file.path, file.lock, rule, ctx, file.lines));
  }
  return findings;
}
