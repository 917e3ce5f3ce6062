import ignore from 'ignore';
import type { Finding } from '../findings/finding';
import type { Config } from './config';

/**
 * Config exceptions: a rule accepted for some hosts or paths, with a
 * mandatory rationale and an optional owner, ticket and expiry. Excepted
 * findings are kept and marked (the compliance report and SARIF show them
 * with the rationale); an expired exception stops applying and is itself
 * reported at its line in the config.
 */
export function applyExceptions(findings: Finding[], config: Config, now: Date): { findings: Finding[]; problems: Finding[] } {
  const today = now.toISOString().slice(0, 10);
  const problems: Finding[] = [];
  const active = config.exceptions.filter((e) => {
    if (e.expires === undefined || e.expires >= today) return true;
    problems.push({
      ruleId: 'declint-exception-expired',
      severity: 'warning',
      message: `The exception for ${e.rule} expired on ${e.expires}${e.owner ? ` (owner ${e.owner})` : ''}; its findings are reported again until it is reviewed and renewed or removed.`,
      location: { file: config.file, range: { start: { line: e.line, column: e.column, offset: 0 }, end: { line: e.line, column: e.column, offset: 0 } } },
      related: [],
    });
    return false;
  });
  const matchers = active.map((e) => ({ e, paths: e.paths ? ignore().add(e.paths) : undefined }));
  const marked = findings.map((f) => {
    if (f.suppressed) return f;
    const match = matchers.find(
      ({ e, paths }) =>
        e.rule === f.ruleId &&
        (!e.hosts || (f.hosts ?? []).some((h) => e.hosts!.includes(h))) &&
        (!paths || (!f.location.file.startsWith('/') && !f.location.file.startsWith('..') && paths.ignores(f.location.file))),
    );
    if (!match) return f;
    const { e } = match;
    return {
      ...f,
      suppressed: {
        kind: 'exception' as const,
        justification: e.rationale,
        location: { file: config.file, line: e.line },
        ...(e.owner ? { owner: e.owner } : {}),
        ...(e.ticket ? { ticket: e.ticket } : {}),
        ...(e.expires ? { expires: e.expires } : {}),
      },
    };
  });
  return { findings: marked, problems };
}
