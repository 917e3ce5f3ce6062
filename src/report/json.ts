import { coverageReport, emptyCoverage } from '../coverage/coverage';
import { CheckResult, countBySeverity } from './result';

/** Machine-readable findings; the shape is versioned by `schemaVersion`. */
export function formatJson(result: CheckResult): string {
  const report = {
    schemaVersion: 1,
    tool: { name: 'declint', version: result.toolVersion },
    ...(result.referenceDate ? { referenceDate: result.referenceDate } : {}),
    summary: {
      filesScanned: result.filesScanned,
      findings: result.findings.filter((f) => !f.suppressed).length,
      bySeverity: countBySeverity(result.findings.filter((f) => !f.suppressed)),
      suppressed: result.findings.filter((f) => f.suppressed).length,
    },
    findings: result.findings.map((f) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      message: f.message,
      file: f.location.file,
      range: f.location.range,
      ...(f.hosts ? { hosts: f.hosts } : {}),
      related: f.related,
      controls: result.rules.find((r) => r.id === f.ruleId)?.controls ?? {},
      ...(f.suppressed ? { suppressed: f.suppressed } : {}),
      ...(result.fixes?.has(f) ? { fix: result.fixes.get(f) } : {}),
    })),
    coverage: coverageReport(result.coverage ?? emptyCoverage()),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

