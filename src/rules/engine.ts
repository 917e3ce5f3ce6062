import type { Finding, RelatedLocation } from '../findings/finding';
import { formatOptionPath, parseOptionPath, samePath } from '../nix/option-path';
import { describePlain, Plain, toPlain } from '../nix/value';
import type { AnalyzedFile } from '../pipeline/analyze';
import type { Range } from '../source/position';
import { valueAt } from '../talos/documents';
import { PredicateContext, testPredicate } from './predicates';
import type { Rule, Violation } from './rule';

/**
 * Runs the rules whose target matches on one analyzed file. Only `explicit`
 * violations are judged per file: a value written in this file. A value the
 * analyzer could not fold is never judged (precision first).
 */
export function checkFile(file: AnalyzedFile, rules: Rule[], ctx: PredicateContext): Finding[] {
  const findings: Finding[] = [];
  for (const rule of rules) {
    switch (file.kind) {
      case 'nix':
        if (rule.target === 'nixos') findings.push(...checkNixFile(file, rule, ctx));
        break;
      case 'talos':
        if (rule.target === 'talos') findings.push(...checkTalosFile(file, rule, ctx));
        break;
      case 'flake-lock':
        if (rule.target === 'flake-lock') findings.push(...checkFlakeLock(file, rule, ctx));
        break;
    }
  }
  return findings;
}

interface Subjectivity {
  value: unknown;
  vars: Record<string, string>;
}

/** The first explicit violation whose test holds for the value. */
function firstViolation(rule: Rule, value: unknown, ctx: PredicateContext): Violation | undefined {
  return rule.violations.find((v) => v.mode === 'explicit' && testPredicate(v.test, value, ctx) === true);
}

function finding(rule: Rule, violation: Violation, subject: Subjectivity, file: string, range: Range, related: RelatedLocation[], key: string): Finding {
  return {
    ruleId: rule.id,
    severity: violation.severity,
    message: renderMessage(violation.message, { value: describeValue(subject.value), ...subject.vars }),
    location: { file, range },
    related,
    subject: key,
  };
}

function describeValue(value: unknown): string {
  return describePlain(value as Plain);
}

/** Replaces `{name}` placeholders; unknown placeholders stay as written. */
export function renderMessage(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? vars[name] : whole));
}

function checkNixFile(file: Extract<AnalyzedFile, { kind: 'nix' }>, rule: Rule, ctx: PredicateContext): Finding[] {
  if (!('option' in rule.subject)) return [];
  const option = parseOptionPath(rule.subject.option);
  const paths = [option, ...(rule.subject.aliases ?? []).map(parseOptionPath)];
  const out: Finding[] = [];
  for (const def of file.module.definitions) {
    if (!paths.some((p) => samePath(p, def.path))) continue;
    const value = toPlain(def.value);
    if (value === undefined) continue;
    const violation = firstViolation(rule, value, ctx);
    if (!violation) continue;
    const related: RelatedLocation[] = [];
    const origin = def.value.origin?.range;
    if (origin && (origin.start.offset < def.binding.start.offset || origin.start.offset >= def.binding.end.offset)) {
      related.push({ file: file.path, range: origin, message: 'the value is written here' });
    }
    const written = formatOptionPath(def.path);
    const f = finding(rule, violation, { value, vars: { path: written } }, file.path, def.binding, related, `${formatOptionPath(option)}=${JSON.stringify(value)}`);
    if (def.conditions.length > 0) {
      const when = def.conditions.map((c) => `\`${c.text}\``).join(' and ');
      f.message = `${f.message.replace(/\.$/, '')} (only when ${when}).`;
    }
    out.push(f);
  }
  return out;
}

function checkTalosFile(file: Extract<AnalyzedFile, { kind: 'talos' }>, rule: Rule, ctx: PredicateContext): Finding[] {
  if (!('document' in rule.subject)) return [];
  const { document: kind, path } = rule.subject;
  const segments = path.split('.');
  const out: Finding[] = [];
  for (const doc of file.talos.documents) {
    if (doc.kind !== kind || doc.role === 'json6902-patch') continue;
    const located = valueAt(doc.document, segments, file.lines);
    if (!located || located.value === null || located.value === undefined) continue;
    const violation = firstViolation(rule, located.value, ctx);
    if (!violation) continue;
    out.push(finding(rule, violation, { value: located.value, vars: { path } }, file.path, located.range, [], `${path}=${JSON.stringify(located.value)}`));
  }
  return out;
}

function checkFlakeLock(file: Extract<AnalyzedFile, { kind: 'flake-lock' }>, rule: Rule, ctx: PredicateContext): Finding[] {
  if (!('node' in rule.subject)) return [];
  const out: Finding[] = [];
  for (const node of file.lock.nodes) {
    if (node.key === file.lock.root) continue;
    const violation = firstViolation(rule, node.data, ctx);
    if (!violation) continue;
    const locked = (node.data.locked ?? {}) as Record<string, unknown>;
    const vars = { node: node.key, type: typeof locked.type === 'string' ? locked.type : 'unknown' };
    const range = rule.subject.at === 'locked' && node.lockedRange ? node.lockedRange : node.keyRange;
    const f = finding(rule, violation, { value: node.key, vars }, file.path, range, [], `node:${node.key}`);
    out.push(f);
  }
  return out;
}
