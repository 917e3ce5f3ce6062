import { createHash } from 'crypto';
import type { Finding } from './finding';

/** Rule, file and what the finding is about (option path and value, node, host): not the line number. */
export function semanticFingerprint(finding: Finding): string {
  const key = [finding.ruleId, finding.location.file, finding.subject ?? finding.message, (finding.hosts ?? []).join(',')].join('\u0000');
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}
