import type { Finding, RelatedLocation } from '../findings/finding';
import { Effective, Host, opaqueExternalModules } from '../nix/host';
import { formatOptionPath, hasWildcard, matchesPattern, parseOptionPath } from '../nix/option-path';
import { describePlain, Plain, toPlain } from '../nix/value';
import type { LineIndex, Span } from '../source/position';
import { PredicateContext, testPredicate } from './predicates';
import type { Rule, Violation } from './rule';
import { renderMessage } from './violation';
import { inRange, parseVersion } from './version-gate';

export interface HostCheckContext extends PredicateContext {
  /** Line tables of the scanned files, by report path. */
  lines(file: string): LineIndex;
}

/**
 * A NixOS rule on one host's effective configuration:
 * - the winning value (after priorities, mkIf and merging) against the rule's
 *   explicit violations, reported at the winning definition, with the ones it
 *   overrode as related locations;
 * - an option no module sets against the rule's default violations, judged
 *   on the upstream default and reported at the host's root;
 * - nothing when the value, or the rule's precondition, is unknown.
 */
export function checkHost(host: Host, rule: Rule, ctx: HostCheckContext): Finding[] {
  if (!('option' in rule.subject)) return [];
  // A rule for some NixOS releases skips a host whose locked nixpkgs is another release (unknown: the rule runs).
  const release = host.spec.release ? parseVersion(host.spec.release.release) : undefined;
  if ((rule.since || rule.until) && release && !inRange(release, rule.since, rule.until)) return [];
  if (rule.when) {
    const precondition = valueOf(host.effective(parseOptionPath(rule.when.option)), rule.when.default);
    if (precondition === undefined || testPredicate(rule.when.test, precondition.value, ctx) !== true) return [];
  }
  const pattern = parseOptionPath(rule.subject.option);
  // Absence is not judged where an unread module (a flake input, the hardened profile) might set the option.
  if (!hasWildcard(pattern)) return checkOption(host, rule, pattern, opaqueExternalModules(host).length === 0, ctx);
  // `users.users.*.password`: every concrete option the host defines that matches; absence cannot be enumerated.
  const concrete = new Map<string, string[]>();
  for (const d of host.definitions) if (matchesPattern(pattern, d.path)) concrete.set(d.path.join('\u0000'), d.path);
  return [...concrete.values()].flatMap((optionPath) => checkOption(host, rule, optionPath, false, ctx));
}

function checkOption(host: Host, rule: Rule, optionPath: string[], judgeAbsence: boolean, ctx: HostCheckContext): Finding[] {
  const effective = host.effective(optionPath);
  if (effective.kind === 'absent' && !judgeAbsence) return [];
  const resolved = valueOf(effective, rule.default);
  if (!resolved) return [];
  const mode = resolved.fromDefault ? 'default' : 'explicit';
  const violation = rule.violations.find((v) => v.mode === mode && testPredicate(v.test, resolved.value, ctx) === true);
  if (!violation) return [];
  const shown = describePlain(resolved.value as Plain);
  const vars = { value: shown, path: formatOptionPath(optionPath), host: host.name };
  if (effective.kind !== 'known') {
    return [rootFinding(host, rule, violation, vars, ctx, `${formatOptionPath(optionPath)} is not set; the NixOS default is ${shown}`)];
  }
  const winners = effective.contributions.filter((c) => c.status === 'won').map((c) => c.definition);
  if (winners.length === 0) return [rootFinding(host, rule, violation, vars, ctx, `${formatOptionPath(optionPath)} = ${shown}`)];
  // For a merged list, point at the definition whose own part is bad (the module that added the port).
  const winner =
    winners.length > 1 ? (winners.find((d) => {
      const own = toPlain(d.def.value);
      return own !== undefined && testPredicate(violation.test, own, ctx) === true;
    }) ?? winners[0]) : winners[0];
  const related: RelatedLocation[] = effective.contributions
    .filter((c) => c.status === 'overridden')
    .map((c) => ({ ...site(c.definition.file, c.definition.def.binding, ctx), message: `overridden definition (priority ${c.definition.def.priority})` }));
  related.push({ ...site(host.spec.root.file, host.spec.root.span, ctx), message: `host ${host.name}` });
  return [
    {
      ruleId: rule.id,
      severity: violation.severity,
      message: renderMessage(violation.message, { ...vars, path: formatOptionPath(winner.writtenPath ?? winner.path) }),
      location: site(winner.file, winner.def.binding, ctx),
      related,
      hosts: [host.name],
      subject: `${formatOptionPath(optionPath)}=${JSON.stringify(resolved.value)}`,
    },
  ];
}

function rootFinding(host: Host, rule: Rule, violation: Violation, vars: Record<string, string>, ctx: HostCheckContext, detail: string): Finding {
  const message = renderMessage(violation.message, vars).replace(/\.$/, '');
  return {
    ruleId: rule.id,
    severity: violation.severity,
    message: `${message} (${detail}).`,
    location: site(host.spec.root.file, host.spec.root.span, ctx),
    related: [],
    hosts: [host.name],
    subject: `${rule.id}@default`,
  };
}

function site(file: string, span: Span, ctx: HostCheckContext) {
  return { file, range: ctx.lines(file).rangeOf(span) };
}

/** The value a rule judges: the effective one, or the upstream default where nothing sets it. */
function valueOf(effective: Effective, upstreamDefault: unknown): { value: unknown; fromDefault: boolean } | undefined {
  switch (effective.kind) {
    case 'known':
      return effective.plain === undefined ? undefined : { value: effective.plain, fromDefault: false };
    case 'unknown':
      return undefined;
    default:
      if (effective.declaredDefault) {
        const plain = toPlain(effective.declaredDefault);
        return plain === undefined ? undefined : { value: plain, fromDefault: true };
      }
      return upstreamDefault === undefined ? undefined : { value: upstreamDefault, fromDefault: true };
  }
}

/** Merges findings that several hosts share (a definition in a common module) into one, listing the hosts. */
export function mergeHostFindings(findings: Finding[]): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const f of findings) {
    const k = `${f.ruleId}|${f.location.file}|${f.location.range.start.offset}|${f.severity}|${f.subject}`;
    const existing = byKey.get(k);
    if (existing) existing.hosts = [...new Set([...(existing.hosts ?? []), ...(f.hosts ?? [])])].sort();
    else byKey.set(k, { ...f });
  }
  return [...byKey.values()];
}

