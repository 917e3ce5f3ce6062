import type { Finding } from '../findings/finding';
import { isUncheckedFinding } from '../findings/unchecked';

/**
 * Results that say part of the scan was not checked are not kept: the next
 * run tries again. A failure may depend on the moment (memory, a file being
 * written), a limit on time spent does, and a file that could not be read
 * may be readable now.
 */
export function keepableFindings(findings: Finding[]): boolean {
  return !findings.some(isUncheckedFinding);
}
