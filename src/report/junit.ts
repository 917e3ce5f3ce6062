import { Finding, messageWithHosts } from '../findings/finding';
import type { CheckResult } from './result';

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * JUnit XML for CI systems without SARIF: a test suite per rule, a test case
 * per host or file it judged with findings (failing, one failure element per
 * finding), and one passing case for a rule that found nothing.
 */
export function formatJunit(result: CheckResult): string {
  const shown = result.findings.filter((f) => !f.suppressed);
  const ids = [...new Set([...result.rules.map((r) => r.id), ...shown.map((f) => f.ruleId)])].sort();
  const titles = new Map(result.rules.map((r) => [r.id, r.title]));
  const suites = ids.map((id) => {
    const findings = shown.filter((f) => f.ruleId === id);
    const cases = new Map<string, Finding[]>();
    for (const f of findings) {
      const subject = f.hosts?.length ? `host ${f.hosts.join(', ')}` : f.location.file;
      cases.set(subject, [...(cases.get(subject) ?? []), f]);
    }
    const body = findings.length
      ? [...cases].map(([subject, list]) => {
          const failures = list
            .map((f) => `      <failure type="${f.severity}" message="${xml(messageWithHosts(f))}">${xml(`${f.location.file}:${f.location.range.start.line}:${f.location.range.start.column}`)}</failure>`)
            .join('\n');
          return `    <testcase classname="${xml(id)}" name="${xml(subject)}">\n${failures}\n    </testcase>`;
        })
      : [`    <testcase classname="${xml(id)}" name="${xml(titles.get(id) ?? id)}"/>`];
    const failed = findings.length ? cases.size : 0;
    return `  <testsuite name="${xml(id)}" tests="${body.length}" failures="${failed}" errors="0">\n${body.join('\n')}\n  </testsuite>`;
  });
  const tests = suites.length ? ids.reduce((n, id) => n + Math.max(1, new Set(shown.filter((f) => f.ruleId === id).map((f) => (f.hosts?.length ? f.hosts.join() : f.location.file))).size), 0) : 0;
  const failures = ids.reduce((n, id) => n + new Set(shown.filter((f) => f.ruleId === id).map((f) => (f.hosts?.length ? f.hosts.join() : f.location.file))).size, 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="declint" tests="${tests}" failures="${failures}" errors="0">\n${suites.join('\n')}\n</testsuites>\n`;
}
