import { isSecretPath, redacted, scrubSecrets, shownValue } from '../redaction/secrets';
import type { Finding, Location, RelatedLocation } from '../findings/finding';
import type { Judgement } from '../findings/judgement';
import { Effective, Host, opaqueExternalModules } from '../nix/host';
import { formatOptionPath, hasWildcard, parseOptionPath } from '../nix/option-path';
import { toPlain } from '../nix/value';
import type { LineIndex, Span } from '../source/position';
import { PredicateContext, testPredicate } from './predicates';
import type { Rule, Violation } from './rule';
import { renderMessage } from './violation';
import { inRange, parseVersion } from './version-gate';

export interface HostCheckContext extends PredicateContext {
  /** Line tables of the scanned files, by report path. */
  lines(file: string): LineIndex;
  /**
   * Say why for every conclusion, passes included (the compliance report);
   * off, a pass is only a status, and checking costs no more than the findings.
   */
  explain?: boolean;
  /**
   * A conclusion kept from an earlier evaluation of the same host for one
   * option a wildcard rule matches (the language server, while typing);
   * undefined to judge the option again.
   */
  reuse?: (optionPath: string[]) => Judgement | undefined;
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
  return judgeHost(host, rule, { ...ctx, explain: false }).flatMap((j) => (j.finding ? [j.finding] : []));
}

/** The rule's conclusion on the host, with its evidence: a finding, a pass, or why it decided nothing. */
export function judgeHost(host: Host, rule: Rule, ctx: HostCheckContext): Judgement[] {
  if (!('option' in rule.subject)) return [];
  const judged = (status: Judgement['status'], reason: string, evidence?: Location): Judgement[] => [
    { ruleId: rule.id, subject: host.name, subjectKind: 'host', status, reason, ...(evidence ? { evidence } : {}) },
  ];
  // A rule for some NixOS releases skips a host whose locked nixpkgs is another release (unknown: the rule runs).
  const release = host.spec.release ? parseVersion(host.spec.release.release) : undefined;
  if ((rule.since || rule.until) && release && !inRange(release, rule.since, rule.until)) {
    const range = [rule.since && `from ${rule.since}`, rule.until && `up to ${rule.until}`].filter(Boolean).join(' ');
    return judged('not-applicable', `the rule applies to NixOS ${range}; this host's nixpkgs is ${host.spec.release!.release}`);
  }
  if (rule.when) {
    const whenPath = parseOptionPath(rule.when.option);
    const whenEffective = host.effective(whenPath);
    const precondition = valueOf(whenEffective, rule.when.default);
    if (precondition === undefined) return judged('not-evaluated', `${rule.when.option} could not be resolved statically`, evidenceOf(host, whenEffective, ctx));
    if (testPredicate(rule.when.test, precondition.value, ctx) !== true) {
      if (ctx.explain === false) return judged('not-applicable', '');
      const shown = shownValue(precondition.value, whenPath, 'nixos');
      return judged('not-applicable', `${rule.when.option} = ${shown}${precondition.fromDefault ? ' (default)' : ''}`, evidenceOf(host, whenEffective, ctx));
    }
  }
  const pattern = parseOptionPath(rule.subject.option);
  const opaque = opaqueExternalModules(host);
  // Absence is not judged where an unread module (a flake input, the hardened profile) might set the option.
  if (!hasWildcard(pattern)) return [judgeOption(host, rule, pattern, opaque, ctx)];
  // `users.users.*.password`: every concrete option the host defines that matches; absence cannot be enumerated.
  const concrete = host.definedPathsMatching(pattern);
  if (concrete.length === 0) {
    return opaque.length > 0
      ? judged('not-evaluated', `no module read sets ${rule.subject.option}; unread modules (${opaque.join(', ')}) might`)
      : judged('pass', `no module sets ${rule.subject.option}`, rootLocation(host, ctx));
  }
  return concrete.map((optionPath) => ctx.reuse?.(optionPath) ?? judgeOption(host, rule, optionPath, 'pattern', ctx));
}

/** The rule's conclusion on one concrete option its wildcard subject matches in the host. */
export function judgeMatchedOption(host: Host, rule: Rule, optionPath: string[], ctx: HostCheckContext): Judgement {
  return judgeOption(host, rule, optionPath, 'pattern', ctx);
}

/**
 * One concrete option. `unread` lists the modules declint could not read that might set it, so that
 * its absence is not judged; `pattern` marks an option found through a wildcard, whose absence never is.
 */
function judgeOption(host: Host, rule: Rule, optionPath: string[], unread: string[] | 'pattern', ctx: HostCheckContext): Judgement {
  const shownPath = formatOptionPath(optionPath);
  const base = { ruleId: rule.id, subject: host.name, subjectKind: 'host' as const, option: optionPath };
  const effective = host.effective(optionPath);
  const judgesDefault = rule.violations.some((v) => v.mode === 'default');
  if (effective.kind === 'absent') {
    if (unread === 'pattern') return { ...base, status: 'pass', reason: `${shownPath} is not set`, evidence: rootLocation(host, ctx) };
    if (unread.length > 0) return { ...base, status: 'not-evaluated', reason: `${shownPath} is not set in the modules read; unread modules (${unread.join(', ')}) might set it` };
  }
  const resolved = valueOf(effective, rule.default);
  if (!resolved) {
    if (effective.kind === 'absent' && !judgesDefault) return { ...base, status: 'pass', reason: `${shownPath} is not set`, evidence: rootLocation(host, ctx) };
    // Why a secret option is not known would quote its expression: not said.
    const why = effective.kind === 'unknown' && !isSecretPath(optionPath, 'nixos') ? `: ${scrubSecrets(effective.why)}` : '';
    return { ...base, status: 'not-evaluated', reason: `${shownPath} could not be resolved statically${why}`, ...evidenceField(host, effective, ctx) };
  }
  const mode = resolved.fromDefault ? 'default' : 'explicit';
  const shown = shownValue(resolved.value, optionPath, 'nixos');
  const violation = rule.violations.find((v) => v.mode === mode && testPredicate(v.test, resolved.value, ctx) === true);
  if (!violation) {
    if (ctx.explain === false) return { ...base, status: 'pass', reason: '' };
    const reason = resolved.fromDefault ? `${shownPath} is not set; the default is ${shown}` : `${shownPath} = ${shown}`;
    return { ...base, status: 'pass', reason, ...evidenceField(host, effective, ctx) };
  }
  const vars = { value: shown, path: shownPath, host: host.name };
  if (effective.kind !== 'known') {
    const finding = rootFinding(host, rule, violation, vars, ctx, `${shownPath} is not set; the NixOS default is ${shown}`);
    return { ...base, status: 'fail', reason: `${shownPath} is not set; the default is ${shown}`, evidence: finding.location, finding };
  }
  const winners = effective.contributions.filter((c) => c.status === 'won').map((c) => c.definition);
  if (winners.length === 0) {
    const finding = rootFinding(host, rule, violation, vars, ctx, `${shownPath} = ${shown}`);
    return { ...base, status: 'fail', reason: `${shownPath} = ${shown}`, evidence: finding.location, finding };
  }
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
  const finding: Finding = {
    ruleId: rule.id,
    severity: violation.severity,
    message: renderMessage(violation.message, { ...vars, path: formatOptionPath(winner.writtenPath ?? winner.path) }),
    location: site(winner.file, winner.def.binding, ctx),
    related,
    hosts: [host.name],
    subject: `${shownPath}=${JSON.stringify(redacted(resolved.value, optionPath, 'nixos'))}`,
  };
  return { ...base, status: 'fail', reason: `${shownPath} = ${shown}`, evidence: finding.location, finding };
}

/** Where an option's value comes from: its winning definition, or the host root for a default. */
function evidenceOf(host: Host, effective: Effective, ctx: HostCheckContext): Location {
  if (effective.kind === 'known') {
    const winner = effective.contributions.find((c) => c.status === 'won');
    if (winner) return site(winner.definition.file, winner.definition.def.binding, ctx);
  }
  return rootLocation(host, ctx);
}

function evidenceField(host: Host, effective: Effective, ctx: HostCheckContext): { evidence: Location } {
  return { evidence: evidenceOf(host, effective, ctx) };
}

function rootLocation(host: Host, ctx: HostCheckContext): Location {
  return site(host.spec.root.file, host.spec.root.span, ctx);
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

