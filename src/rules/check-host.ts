import { isSecretPath, redacted, scrubSecrets, shownValue } from '../redaction/secrets';
import type { Finding, Location, RelatedLocation } from '../findings/finding';
import type { Judgement } from '../findings/judgement';
import { Effective, Host, HostDefinition, opaqueExternalModules } from '../nix/host';
import { formatOptionPath, hasWildcard, matchesPattern, optionKey, parseOptionPath } from '../nix/option-path';
import { describePlain, Plain, toPartialPlain, toPlain } from '../nix/value';
import type { LineIndex, Span } from '../source/position';
import { PredicateContext, testPredicate } from './predicates';
import type { Rule, Violation } from './rule';
import { effectiveTextEntries, textFindings } from './check-nixos';
import { optionOfKey, writtenWhenUnset } from './config-text';
import { ruleSources, RuleSource } from './sources';
import { culpritOf, judgesPartially, renderMessage } from './violation';
import { inRange, parseVersion } from './version-gate';
import { compareText } from '../source/compare-text';

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
  /** @internal Set when the rule's precondition is not known: what the findings depend on (`only if …`). */
  onlyIf?: string;
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
  const sources = ruleSources(rule);
  if (sources.length === 0) return [];
  const judged = (status: Judgement['status'], reason: string, evidence?: Location): Judgement[] => [
    { ruleId: rule.id, subject: host.name, subjectKind: 'host', status, reason, ...(evidence ? { evidence } : {}) },
  ];
  // A rule for some NixOS releases skips a host whose locked nixpkgs is another release (unknown: the rule runs).
  const release = host.spec.release ? parseVersion(host.spec.release.release) : undefined;
  if ((rule.since || rule.until) && release && !inRange(release, rule.since, rule.until)) {
    const range = [rule.since && `from ${rule.since}`, rule.until && `up to ${rule.until}`].filter(Boolean).join(' ');
    return judged('not-applicable', `the rule applies to NixOS ${range}; this host's nixpkgs is ${host.spec.release!.release}`);
  }
  // Modules declint cannot read (a flake input, an installer profile, a part of the tree) may set any option the host's own modules leave unset.
  const opaque = opaqueExternalModules(host);
  if (rule.when) {
    const whenPath = parseOptionPath(rule.when.option);
    const whenEffective = host.effective(whenPath);
    const unreadMaySet = whenEffective.kind === 'absent' && opaque.length > 0;
    const precondition = unreadMaySet ? undefined : valueOf(whenEffective, rule.when.default);
    if (precondition === undefined) {
      // The precondition is not known: explicit violations are still reported, saying on what they depend.
      const condition = `${rule.when.option}${'equals' in rule.when.test ? ` is ${describePlain(rule.when.test.equals as Plain)}` : " meets the rule's condition"}`;
      ctx = { ...ctx, onlyIf: unreadMaySet ? `only if ${condition}: no module declint read sets it, and unread modules (${opaque.join(', ')}) may` : `only if ${condition}, which declint could not resolve` };
    } else if (testPredicate(rule.when.test, precondition.value, ctx) !== true) {
      if (ctx.explain === false) return judged('not-applicable', '');
      const shown = shownValue(precondition.value, whenPath, 'nixos');
      return judged('not-applicable', `${rule.when.option} = ${shown}${precondition.fromDefault ? ' (default)' : ''}`, evidenceOf(host, whenEffective, ctx));
    }
  }
  const conclusions = sources
    .filter((source) => !source.passWhen)
    .flatMap((source) => (source.text ? judgeText(host, rule, source, ctx) : judgeSource(host, rule, source, opaque, ctx)));
  const satisfied = sources.find((source) => source.passWhen && satisfiedOn(host, source, ctx));
  if (satisfied) {
    // An alternative is in place (a second factor, a backup tool): nothing else of the rule is reported.
    return conclusions.flatMap((c) => {
      if ('setsOption' in c) return [];
      const j = 'judgement' in c ? c.judgement : c;
      if (j.status !== 'fail') return [j];
      const { finding: _finding, evidence: _evidence, ...rest } = j;
      return [{ ...rest, status: 'pass' as const, reason: `${satisfied.option} satisfies the rule` }];
    });
  }
  return withDefaultsMerged(host, rule, conclusions, ctx);
}

/** Whether an alternative of the rule (`passWhen`) is set on the host to a value that passes it. */
function satisfiedOn(host: Host, source: RuleSource, ctx: HostCheckContext): boolean {
  const paths = source.paths.flatMap((p) => (hasWildcard(p) ? host.pathsMatching(p) : [p]));
  return paths.some((p) => {
    const effective = host.effective(p);
    // A set built from definitions below it (`borgbackup.jobs.home.paths`) is judged on what is known of it.
    return effective.kind === 'known' && testPredicate(source.passWhen!, effective.plain ?? toPartialPlain(effective.value), ctx) === true;
  });
}

/** One option source of the rule on the host: the option itself, or every concrete option its wildcard matches. */
function judgeSource(host: Host, rule: Rule, source: RuleSource, opaque: string[], ctx: HostCheckContext): Conclusion[] {
  const pattern = source.paths[0];
  // Another option of the rule that nothing sets and that has no default is nothing to judge (nor to list as evidence).
  const silentWhenAbsent = !source.main && source.default === undefined;
  // Absence is not judged where an unread module (a flake input, the hardened profile) might set the option.
  if (!hasWildcard(pattern)) {
    if (silentWhenAbsent && host.effective(pattern).kind === 'absent') return [];
    return [judgeOption(host, rule, source, pattern, opaque, ctx)];
  }
  // `users.users.*.password`: that option of every user the host defines. Its absence is judged only
  // for a rule that states a default there (`services.restic.backups.*.pruneOpts` of each job).
  const concrete = source.paths.flatMap((p) => host.pathsMatching(p));
  const judgesAbsence = pattern[pattern.length - 1] !== '*' && source.violations.some((v) => v.mode === 'default');
  const base = { ruleId: rule.id, subject: host.name, subjectKind: 'host' as const };
  if (concrete.length === 0) {
    if (silentWhenAbsent) return [];
    return opaque.length > 0
      ? [{ ...base, status: 'not-evaluated', reason: `no module read sets ${source.option}; unread modules (${opaque.join(', ')}) might` }]
      : [{ ...base, status: 'pass', reason: `no module sets ${source.option}`, evidence: rootLocation(host, ctx) }];
  }
  return concrete.map((optionPath) => (ctx.onlyIf ? undefined : ctx.reuse?.(optionPath)) ?? judgeOption(host, rule, source, optionPath, judgesAbsence ? opaque : 'pattern', ctx));
}

/** The rule's conclusion on one concrete option its wildcard subject matches in the host. */
export function judgeMatchedOption(host: Host, rule: Rule, optionPath: string[], ctx: HostCheckContext): Judgement {
  const source = ruleSources(rule).find((s) => s.paths.some((p) => matchesPattern(p, optionPath))) ?? ruleSources(rule)[0];
  const conclusion = judgeOption(host, rule, source, optionPath, 'pattern', ctx);
  return 'judgement' in conclusion ? conclusion.judgement : conclusion;
}

/**
 * A conclusion, or a default that violates the rule: those of all the rule's
 * options become one finding at the host's root (an unset sysctl each would
 * be five findings on one line).
 */
type Conclusion =
  | Judgement
  /** A config-text line that takes effect for the key of this option (its unset default is then not judged). */
  | { setsOption: string[] }
  | { failsByDefault: true; judgement: Judgement; violation: Violation; unset: { path: string; value: unknown } };


/**
 * One concrete option. `unread` lists the modules declint could not read that might set it, so that
 * its absence is not judged; `pattern` marks an option found through a wildcard, whose absence never is.
 */
function judgeOption(host: Host, rule: Rule, source: RuleSource, optionPath: string[], unread: string[] | 'pattern', ctx: HostCheckContext): Exclude<Conclusion, { setsOption: string[] }> {
  const shownPath = formatOptionPath(optionPath);
  // A function, not `{ ...base, status, reason }`: a spread followed by properties is slow on Node 20 (see bench/README.md).
  const judged = (status: Judgement['status'], reason: string, more?: Pick<Judgement, 'evidence' | 'finding'>): Judgement => ({ ruleId: rule.id, subject: host.name, subjectKind: 'host', option: optionPath, status, reason, ...more });
  const effective = host.effective(optionPath);
  const judgesDefault = source.violations.some((v) => v.mode === 'default');
  // Under a precondition not known, only a value a module writes is judged, never a default.
  if (ctx.onlyIf && effective.kind === 'absent') return judged('not-evaluated', `${shownPath} is not set; the rule applies ${ctx.onlyIf}`);
  if (effective.kind === 'absent') {
    if (unread === 'pattern') return judged('pass', `${shownPath} is not set`, { evidence: rootLocation(host, ctx) });
    if (unread.length > 0) return judged('not-evaluated', `${shownPath} is not set in the modules read; unread modules (${unread.join(', ')}) might set it`);
  }
  const resolved = valueOf(effective, source.default, judgesPartially(rule));
  if (!resolved) {
    if (effective.kind === 'absent' && !judgesDefault) return judged('pass', `${shownPath} is not set`, { evidence: rootLocation(host, ctx) });
    // Why a secret option is not known would quote its expression: not said.
    const why = effective.kind === 'unknown' && !isSecretPath(optionPath, 'nixos') ? `: ${scrubSecrets(effective.why)}` : '';
    return judged('not-evaluated', `${shownPath} could not be resolved statically${why}`, evidenceField(host, effective, ctx));
  }
  const mode = resolved.fromDefault ? 'default' : 'explicit';
  const shown = shownValue(resolved.value, optionPath, 'nixos');
  const violation = source.violations.find((v) => v.mode === mode && testPredicate(v.test, resolved.value, ctx) === true);
  if (!violation) {
    if (ctx.explain === false) return judged('pass', '');
    return judged('pass', resolved.fromDefault ? unsetReason(shownPath, resolved.value) : `${shownPath} = ${shown}`, evidenceField(host, effective, ctx));
  }
  if (effective.kind !== 'known') {
    return { failsByDefault: true, judgement: judged('fail', unsetReason(shownPath, resolved.value)), violation, unset: { path: shownPath, value: resolved.value } };
  }
  const vars = { value: shown, path: shownPath, host: host.name, culprit: culpritOf(violation.test, resolved.value) ?? '' };
  const winners = effective.contributions.filter((c) => c.status === 'won').map((c) => c.definition);
  if (winners.length === 0) {
    // A set built from definitions below it (a virtual host's fields): reported at the first of them.
    const below = firstDefinitionBelow(host, optionPath);
    const finding = below
      ? { ruleId: rule.id, severity: violation.severity, message: onlyIfSuffix(renderMessage(violation.message, vars), ctx), location: site(below.file, below.def.binding, ctx), related: [hostRelated(host, ctx)], hosts: [host.name], subject: `${shownPath}=${JSON.stringify(resolved.value)}` }
      : rootFinding(host, rule, violation, vars, ctx, `${shownPath} = ${shown}`);
    return judged('fail', `${shownPath} = ${shown}`, { evidence: finding.location, finding });
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
  related.push(hostRelated(host, ctx));
  const finding: Finding = {
    ruleId: rule.id,
    severity: violation.severity,
    message: onlyIfSuffix(renderMessage(violation.message, { ...vars, path: formatOptionPath(winner.writtenPath ?? winner.path) }), ctx),
    location: site(winner.file, winner.def.binding, ctx),
    related,
    hosts: [host.name],
    subject: `${shownPath}=${JSON.stringify(redacted(resolved.value, optionPath, 'nixos'))}`,
  };
  return judged('fail', `${shownPath} = ${shown}`, { evidence: finding.location, finding });
}

/** Unset options by the default that applies to them: `a and b are not set (default 1); c is not set`. */
function unsetDetail(unset: { path: string; value: unknown }[]): string {
  const byDefault = new Map<string, string[]>();
  for (const u of unset) {
    const shown = u.value === null ? '' : describePlain(u.value as Plain);
    byDefault.set(shown, [...(byDefault.get(shown) ?? []), u.path]);
  }
  return [...byDefault]
    .map(([shown, paths]) => `${pathList(paths)} ${paths.length === 1 ? 'is' : 'are'} not set${shown ? `; the default is ${shown}` : ''}`)
    .join('; ');
}

/** Option paths as one phrase, their common parent written once: `boot.kernel.sysctl."a", "b" and "c"`. */
function pathList(paths: string[]): string {
  if (paths.length === 1) return paths[0];
  const parsed = paths.map(parseOptionPath);
  const parent = parsed[0].slice(0, -1);
  const shared = parent.length > 0 && parsed.every((p) => p.length === parent.length + 1 && p.slice(0, -1).every((s, i) => s === parent[i]));
  const items = shared ? parsed.map((p, i) => (i === 0 ? paths[0] : formatOptionPath(p.slice(-1)))) : paths;
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The first definition (in file order) of an option below a path. */
function firstDefinitionBelow(host: Host, optionPath: string[]): HostDefinition | undefined {
  const below = host.definitions.filter((d) => d.path.length > optionPath.length && optionPath.every((s, i) => d.path[i] === s));
  return below.sort((a, b) => compareText(a.file, b.file) || a.def.binding.start - b.def.binding.start)[0];
}

/** Why an unset option passes or fails, in the user's words: an option NixOS leaves unset has no default to name. */
function unsetReason(shownPath: string, value: unknown): string {
  return value === null ? `${shownPath} is not set` : `${shownPath} is not set; the default is ${describePlain(value as Plain)}`;
}

/**
 * A config-text source (`services.openssh.extraConfig`) on the host: each
 * definition that takes part, line by line (two modules' texts are joined,
 * so each is read on its own). A line that takes effect also stands for the
 * option NixOS renders for its key, whose unset default is then not judged.
 */
function judgeText(host: Host, rule: Rule, source: RuleSource, ctx: HostCheckContext): Conclusion[] {
  const base = { ruleId: rule.id, subject: host.name, subjectKind: 'host' as const, option: source.paths[0] };
  const effective = host.effective(source.paths[0]);
  // No text, no line to judge: the rule's own option carries its conclusion.
  if (effective.kind === 'absent') return source.main ? [{ ...base, status: 'pass', reason: `${source.option} is not set`, evidence: rootLocation(host, ctx) }] : [];
  const taking = effective.contributions.filter((c) => c.status === 'won' || c.status === 'undecided');
  const keyOption = optionOfKey(source.text!.format, source.text!.key);
  const optionWritesKey = (): boolean | undefined => {
    const written = keyOption ? host.effective(keyOption) : undefined;
    if (!written || written.kind === 'absent') return writtenWhenUnset(source.text!.format, source.text!.key);
    return written.kind === 'known' && written.plain !== undefined ? written.plain !== null : undefined;
  };
  const out: Conclusion[] = [];
  const decided = taking.filter((c) => c.status === 'won');
  if (keyOption && decided.some((c) => effectiveTextEntries(c.definition.def, source, optionWritesKey).length > 0)) {
    out.push({ setsOption: keyOption });
  }
  const findings = decided.flatMap((c) =>
    textFindings(c.definition.file, c.definition.def, ctx.lines(c.definition.file), rule, source, ctx, optionWritesKey).map((f) => ({
      ...f,
      related: [...f.related, hostRelated(host, ctx)],
      hosts: [host.name],
    })),
  );
  if (findings.length > 0) return [...out, ...findings.map((finding) => ({ ...base, status: 'fail' as const, reason: finding.message.replace(/\.$/, ''), evidence: finding.location, finding }))];
  if (taking.some((c) => c.status === 'undecided')) return [...out, { ...base, status: 'not-evaluated', reason: `${source.option} depends on a condition declint could not resolve` }];
  return [...out, { ...base, status: 'pass', reason: `no line of ${source.option} violates the rule`, ...evidenceField(host, effective, ctx) }];
}

/** The defaults that violate the rule, one finding at the host's root per violation, listing the options left unset. */
function withDefaultsMerged(host: Host, rule: Rule, conclusions: Conclusion[], ctx: HostCheckContext): Judgement[] {
  const out: Judgement[] = [];
  const byViolation = new Map<Violation, Extract<Conclusion, { failsByDefault: true }>[]>();
  const setInText = new Set(conclusions.flatMap((c) => ('setsOption' in c ? [optionKey(c.setsOption)] : [])));
  for (const c of conclusions) {
    if ('setsOption' in c) continue;
    if ('failsByDefault' in c && c.judgement.option && setInText.has(optionKey(c.judgement.option))) {
      out.push({ ...c.judgement, status: 'pass', reason: `${formatOptionPath(c.judgement.option)} is set by a line of a config text` });
      continue;
    }
    if (!('failsByDefault' in c)) {
      out.push(c);
      continue;
    }
    const group = byViolation.get(c.violation);
    if (group) group.push(c);
    else byViolation.set(c.violation, [c]);
  }
  for (const [violation, group] of byViolation) {
    const vars = { path: group.map((c) => c.unset.path).join(', '), host: host.name, value: group.length === 1 ? describePlain(group[0].unset.value as Plain) : '', culprit: group.length === 1 ? (culpritOf(violation.test, group[0].unset.value) ?? '') : '' };
    const finding = { ...rootFinding(host, rule, violation, vars, ctx, unsetDetail(group.map((c) => c.unset))), defaults: group.map((c) => c.unset.path) };
    // Each option keeps its judgement (the report's evidence); the one finding rides on the first.
    for (const c of group) out.push({ ...c.judgement, evidence: finding.location, ...(c === group[0] ? { finding } : {}) });
  }
  return out;
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

function hostRelated(host: Host, ctx: HostCheckContext): RelatedLocation {
  return { ...site(host.spec.root.file, host.spec.root.span, ctx), message: `host ${host.name}` };
}

function site(file: string, span: Span, ctx: HostCheckContext) {
  return { file, range: ctx.lines(file).rangeOf(span) };
}

/** The value a rule judges: the effective one, or the upstream default where nothing sets it. */
function valueOf(effective: Effective, upstreamDefault: unknown, partial = false): { value: unknown; fromDefault: boolean } | undefined {
  switch (effective.kind) {
    case 'known':
      if (effective.plain === undefined && partial) return { value: toPartialPlain(effective.value), fromDefault: false };
      return effective.plain === undefined ? undefined : { value: effective.plain, fromDefault: false };
    case 'unknown':
      return undefined;
    default:
      if (effective.declaredDefault) {
        const plain = toPlain(effective.declaredDefault);
        return plain === undefined ? undefined : { value: plain, fromDefault: true };
      }
      // The rule's own statement first (it may know a release's default), then NixOS's option table.
      if (upstreamDefault !== undefined) return { value: upstreamDefault, fromDefault: true };
      return effective.nixosDefault ? { value: toPlain(effective.nixosDefault), fromDefault: true } : undefined;
  }
}

/** A finding under a precondition declint could not decide says so. */
function onlyIfSuffix(message: string, ctx: HostCheckContext): string {
  return ctx.onlyIf ? `${message.replace(/\.$/, '')} (${ctx.onlyIf}).` : message;
}

/** Merges findings that several hosts share (a definition in a common module) into one, listing the hosts. */
export function mergeHostFindings(findings: Finding[]): Finding[] {
  // The hosts of each finding are gathered first and listed once: merging them pairwise, a finding of
  // every host in a fleet of h hosts was sorted h times (the language server merges at each keystroke).
  const byKey = new Map<string, { first: Finding; hosts?: Set<string> }>();
  for (const f of findings) {
    const k = `${f.ruleId}|${f.location.file}|${f.location.range.start.offset}|${f.severity}|${f.subject}`;
    const existing = byKey.get(k);
    if (!existing) byKey.set(k, { first: f });
    else {
      existing.hosts ??= new Set(existing.first.hosts ?? []);
      for (const h of f.hosts ?? []) existing.hosts.add(h);
    }
  }
  return [...byKey.values()].map(({ first, hosts }) => (hosts ? { ...first, hosts: [...hosts].sort() } : { ...first }));
}

