import type { Finding } from '../findings/finding';

/** Results that say declint failed on something are not kept: the next run tries again (a bug fixed by a rebuild invalidates anyway, but a failure may depend on the moment). */
export function keepableFindings(findings: Finding[]): boolean {
  return !findings.some((f) => f.ruleId === 'internal-error');
}
