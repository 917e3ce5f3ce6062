import { escapeMarkup } from './markup';
import { Finding, messageWithHosts } from '../findings/finding';
import type { CheckResult } from './result';

/** What a JUnit test case is about: the hosts of a host-level finding, else its file. */
function subject(f: Finding): string {
  return f.hosts?.length ? `host ${f.hosts.join(', ')}` : f.location.file;
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
  const byRule = new Map<string, Finding[]>();
  for (const f of shown) {
    const list = byRule.get(f.ruleId);
    if (list) list.push(f);
    else byRule.set(f.ruleId, [f]);
  }
  let tests = 0;
  let failures = 0;
  const suites = ids.map((id) => {
    const cases = new Map<string, Finding[]>();
    for (const f of byRule.get(id) ?? []) {
      const list = cases.get(subject(f));
      if (list) list.push(f);
      else cases.set(subject(f), [f]);
    }
    const body = cases.size
      ? [...cases].map(([name, list]) => {
          const failed = list
            .map((f) => `      <failure type="${f.severity}" message="${escapeMarkup(messageWithHosts(f))}">${escapeMarkup(`${f.location.file}:${f.location.range.start.line}:${f.location.range.start.column}`)}</failure>`)
            .join('\n');
          return `    <testcase classname="${escapeMarkup(id)}" name="${escapeMarkup(name)}">\n${failed}\n    </testcase>`;
        })
      : [`    <testcase classname="${escapeMarkup(id)}" name="${escapeMarkup(titles.get(id) ?? id)}"/>`];
    tests += body.length;
    failures += cases.size;
    return `  <testsuite name="${escapeMarkup(id)}" tests="${body.length}" failures="${cases.size}" errors="0">\n${body.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="declint" tests="${tests}" failures="${failures}" errors="0">\n${suites.join('\n')}\n</testsuites>\n`;
}
