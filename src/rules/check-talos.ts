import { redacted, shownValue } from '../redaction/secrets';
import { isRecord } from '../source/records';
import type { Finding } from '../findings/finding';
import type { Judgement } from '../findings/judgement';
import { key, Origin, ProvenancedTree, treeValuesAt } from '../talos/tree';
import { containsUnknown, mayBeSetByTemplate } from '../talos/unknown';
import { inRange } from '../talos/version';
import { describeVersion, TalosDocView, TalosView } from '../talos/views';
import { PredicateContext, testPredicate } from './predicates';
import type { Rule, Violation } from './rule';
import { culpritPathOf, firstExplicitViolation, renderMessage, violationFinding } from './violation';
import { compareText } from '../source/compare-text';

/**
 * A Talos rule on a view (one file, or a talhelper node's effective config):
 * - explicit values: each path of the rule (with `*` for any key or list
 *   item) in every document of its kinds, reported at the line that set the
 *   value (for a merged value, the patch step that made it bad);
 * - absence: only in complete documents (a full machine config, a talhelper
 *   node), judged against the rule's default, reported where the value was
 *   deleted or at the document's anchor;
 * - version gates (`since`/`until`): a rule outside the config's Talos
 *   version is skipped; when the version is unknown its findings are notes
 *   that say which versions they concern;
 * - unknown values (a template expression, an unresolved reference) are
 *   never judged, and nothing is judged absent where one may set it.
 */
export function checkTalosView(view: TalosView, rule: Rule, ctx: PredicateContext): Finding[] {
  if (!('document' in rule.subject)) return [];
  const gated = rule.since !== undefined || rule.until !== undefined;
  if (gated && view.version && !inRange(view.version.version, rule.since, rule.until)) return [];
  // No stated version, but the kinds used prove the config is recent enough for a `since` rule.
  if (gated && !view.version && view.minimum && rule.since && !rule.until && inRange(view.minimum.version, rule.since)) {
    view = { ...view, version: view.minimum };
  }
  const kinds = Array.isArray(rule.subject.document) ? rule.subject.document : [rule.subject.document];
  const written = rule.subject.paths ?? [rule.subject.path ?? ''];
  const patterns = written.map((p) => p.split('.'));
  // A violation with `only` judges the values of those paths (as the subject writes them) alone.
  const violationsFor = (i: number) => rule.violations.filter((v) => !v.only || v.only.includes(written[i]));
  const secret = rule.tags.includes('secrets');
  const out: Finding[] = [];
  // Absence is judged across the view: a v1.14 replacement document (KubeEtcdEncryptionConfig…) stands for the old field.
  const setAnywhere = view.documents.some(
    (doc) => kinds.includes(doc.kind) && patterns.some((p) => treeValuesAt(doc.tree, p).some((l) => l.value !== null && l.value !== undefined)),
  );
  for (const doc of view.documents) {
    if (!kinds.includes(doc.kind)) continue;
    if (rule.when && !whenHolds(rule, doc.tree, ctx)) continue;
    let anyFound = false;
    for (const [i, pattern] of patterns.entries()) {
      const found = treeValuesAt(doc.tree, pattern).filter((l) => l.value !== null && l.value !== undefined);
      anyFound ||= found.length > 0;
      for (const located of found) {
        if (containsUnknown(located.value)) continue;
        const violation = firstExplicitViolation(violationsFor(i), located.value, ctx);
        if (!violation) continue;
        const concrete = located.path.join('.');
        // The line of the part that made the test hold (one sysctl of the map), else the step that made the value bad.
        const part = culpritPathOf(violation.test, located.value);
        const origin = (part && doc.tree.originsUnder([...located.path, ...part]).length > 0 ? doc.tree.originOf([...located.path, ...part]) : undefined) ?? blame(doc, located.path, violation, ctx);
        if (!origin) continue;
        const finding = violationFinding(rule, violation, located.value, { path: concrete, ...(view.node ? { host: view.node } : {}) }, {
          file: origin.file,
          range: origin.range,
          // A secret's value never goes into a finding, not even into its fingerprint.
          subject: secret ? concrete : `${concrete}=${JSON.stringify(redacted(located.value, located.path, 'talos'))}`,
          valuePath: located.path,
        });
        out.push(annotate(finding, view, origin, gated, rule));
      }
    }
    out.push(...deletionFindings(view, doc, rule, patterns, gated));
    // An absent value is judged only where the config is complete and, for a gated rule, its version known.
    const judgeAbsence =
      doc.complete && rule.default !== undefined && patterns.every((p) => !p.includes('*') && !mayBeSetByTemplate(doc.tree.value, p)) && !(gated && !view.version);
    if (!anyFound && !setAnywhere && judgeAbsence) {
      const violation = rule.violations.find((v) => v.mode === 'default' && testPredicate(v.test, rule.default, ctx) === true);
      if (!violation) continue;
      const shown = patterns.map((p) => p.join('.')).join(' / ');
      const deleted = patterns.map((p) => deletionOf(doc.tree, p)).find((o) => o !== undefined);
      const message = renderMessage(violation.message, { path: shown, value: JSON.stringify(rule.default), ...(view.node ? { host: view.node } : {}) }).replace(/\.$/, '');
      const where = deleted ?? { ...doc.anchor, step: 0 };
      const finding: Finding = {
        ruleId: rule.id,
        severity: violation.severity,
        message: `${message} (${shown} ${deleted ? 'is deleted by this patch' : 'is not set'}).`,
        location: { file: where.file, range: deleted ? deleted.range : { start: where.range.start, end: where.range.start } },
        related: [],
        subject: `${rule.id}@default`,
      };
      out.push(annotate(finding, view, where, gated, rule));
    }
  }
  // A typed document the config does not have at all (no NetworkDefaultActionConfig): its defaults apply,
  // judged on a complete machine config and reported at its start.
  const kindPresent = view.documents.some((d) => kinds.includes(d.kind));
  const complete = view.documents.find((d) => d.kind === 'v1alpha1' && d.complete);
  const configKinds = kinds.every((k) => !OUTSIDE_THE_CONFIG.has(k));
  if (!kindPresent && configKinds && !kinds.includes('v1alpha1') && complete && rule.default !== undefined && !(gated && !view.version)) {
    const violation = rule.violations.find((v) => v.mode === 'default' && testPredicate(v.test, rule.default, ctx) === true);
    if (violation) {
      const message = renderMessage(violation.message, { path: patterns.map((p) => p.join('.')).join(' / '), value: JSON.stringify(rule.default), ...(view.node ? { host: view.node } : {}) }).replace(/\.$/, '');
      const finding: Finding = {
        ruleId: rule.id,
        severity: violation.severity,
        message: `${message} (no ${kinds.join(' or ')} document).`,
        location: { file: complete.anchor.file, range: complete.anchor.range },
        related: [],
        subject: `${rule.id}@default`,
      };
      out.push(annotate(finding, view, undefined, gated, rule));
    }
  }
  return out;
}

/** Documents that are not part of a machine config: a config without one is not missing it. */
const OUTSIDE_THE_CONFIG = new Set(['Talconfig', 'Schematic', 'SecretsBundle']);

/** Node name, version note and generated-value note on a finding. */
function annotate(finding: Finding, view: TalosView, origin: Origin | undefined, gated: boolean, rule: Rule): Finding {
  let message = finding.message;
  if (origin?.note) message = `${message.replace(/\.$/, '')} (${origin.note}).`;
  if (gated && !view.version) {
    const range = rule.since && rule.until ? `Talos ${rule.since} to ${rule.until}` : rule.since ? `Talos ${rule.since} and later` : `Talos ${rule.until} and older`;
    message = `${message.replace(/\.$/, '')} (the Talos version is not known here; this applies to ${range} only).`;
    return { ...finding, severity: 'note', message, ...(view.node ? { hosts: [view.node] } : {}) };
  }
  if (gated && view.version) message = `${message.replace(/\.$/, '')} (${describeVersion(view)}).`;
  return { ...finding, message, ...(view.node ? { hosts: [view.node] } : {}) };
}

/** A rule's `when` on the same document: a dotted path, its default where absent; unknown values do not pass. */
function whenHolds(rule: Rule, tree: ProvenancedTree, ctx: PredicateContext): boolean {
  const when = rule.when!;
  const value = tree.get(when.option.split('.'));
  const judged = value === undefined || value === null ? when.default : value;
  return judged !== undefined && testPredicate(when.test, judged, ctx) === true;
}

/**
 * A rule's `deleted` violations: each `$patch: delete` or JSON 6902 `remove`
 * in the document of a path the rule judges, or of a parent of it, reported
 * at the removal (a patch that drops the PodSecurity plugin or the audit
 * policy leaves nothing for the other violations to see).
 */
function deletionFindings(view: TalosView, doc: TalosDocView, rule: Rule, patterns: string[][], gated: boolean): Finding[] {
  const violation = rule.violations.find((v) => v.mode === 'deleted');
  if (!violation) return [];
  const out: Finding[] = [];
  for (const [k, origin] of doc.tree.deletions) {
    const deleted = k.split('\u0000');
    if (!patterns.some((p) => deleted.length <= p.length && deleted.every((segment, i) => p[i] === '*' || p[i] === segment))) continue;
    const path = deleted.join('.');
    const message = renderMessage(violation.message, { path, value: '', culprit: '', ...(view.node ? { host: view.node } : {}) });
    const finding: Finding = { ruleId: rule.id, severity: violation.severity, message, location: { file: origin.file, range: origin.range }, related: [], subject: `deleted:${path}` };
    out.push(annotate(finding, view, origin, gated, rule));
  }
  return out;
}

/** The origin of a `$patch: delete` / JSON 6902 `remove` of the path or of one of its parents. */
function deletionOf(tree: ProvenancedTree, path: string[]): Origin | undefined {
  for (let n = path.length; n > 0; n--) {
    const found = tree.deletions.get(key(path.slice(0, n)));
    if (found) return found;
  }
  return undefined;
}

/**
 * Where a bad value was set. A scalar: the line that wrote it. A map or list
 * built by several steps (base, patches): the step after which the rule's
 * test first held for good, at that step's first line under the path.
 */
function blame(doc: TalosDocView, path: string[], violation: Violation, ctx: PredicateContext): Origin | undefined {
  const own = doc.tree.originOf(path);
  const under = doc.tree.originsUnder(path);
  const value = doc.tree.get(path);
  if (!doc.replay || !doc.steps || !(isRecord(value) || Array.isArray(value))) return own;
  const steps = Array.from({ length: doc.steps + 1 }, (_, i) => i);
  let culprit: number | undefined;
  let previous = false;
  for (const step of steps) {
    const then = doc.replay(step).get(path);
    const holds = then !== undefined && then !== null && testPredicate(violation.test, then, ctx) === true;
    if (holds && !previous) culprit = step;
    previous = holds;
  }
  if (culprit === undefined) return own;
  // The step's own lines under the path; of those, the values it wrote (not the maps it only passed through).
  const written = under.filter((o) => o.origin.step === culprit);
  const leaves = written.filter((o) => !written.some((other) => other.key.startsWith(o.key + '\u0000')));
  const first = leaves.map((o) => o.origin).sort((a, b) => compareText(a.file, b.file) || a.range.start.offset - b.range.start.offset)[0];
  return first ?? own;
}

/**
 * A Talos rule's conclusion on a complete view (a full machine config, a
 * talhelper node), for the compliance report: its findings (from
 * `checkTalosView`, the one judge), or a pass with the line that sets the
 * value (or the config's start where the Talos default applies), or why the
 * rule decided nothing (another Talos version, its precondition false).
 */
export function judgeTalosView(view: TalosView, subject: string, rule: Rule, ctx: PredicateContext): Judgement[] {
  if (!('document' in rule.subject)) return [];
  const base = { ruleId: rule.id, subject, subjectKind: 'talos-node' as const };
  const findings = checkTalosView(view, rule, ctx);
  if (findings.length > 0) return findings.map((finding) => ({ ...base, status: 'fail' as const, reason: finding.message.replace(/\.$/, ''), evidence: finding.location, finding }));
  const gated = rule.since !== undefined || rule.until !== undefined;
  const anchor = view.documents.find((d) => d.complete)?.anchor ?? view.documents[0]?.anchor;
  const at = anchor ? { evidence: anchor } : {};
  if (gated && view.version && !inRange(view.version.version, rule.since, rule.until)) {
    const range = [rule.since && `from ${rule.since}`, rule.until && `up to ${rule.until}`].filter(Boolean).join(' ');
    return [{ ...base, status: 'not-applicable', reason: `the rule applies to Talos ${range}; this is ${describeVersion(view)}`, ...at }];
  }
  const kinds = Array.isArray(rule.subject.document) ? rule.subject.document : [rule.subject.document];
  const patterns = (rule.subject.paths ?? [rule.subject.path ?? '']).map((p) => p.split('.'));
  const docs = view.documents.filter((d) => kinds.includes(d.kind));
  if (rule.when && docs.length > 0 && docs.every((d) => !whenHolds(rule, d.tree, ctx))) {
    return [{ ...base, status: 'not-applicable', reason: `${rule.when.option} does not meet the rule's precondition`, ...at }];
  }
  const secret = rule.tags.includes('secrets');
  const found = docs.flatMap((d) => patterns.flatMap((p) => treeValuesAt(d.tree, p).filter((l) => l.value !== null && l.value !== undefined).map((l) => ({ ...l, doc: d }))));
  if (found.length > 0) {
    return found.map((l) => {
      if (containsUnknown(l.value)) {
        const origin = l.doc.tree.originOf(l.path);
        const reason = `${l.path.join('.')} is set by a template expression or a reference declint does not resolve`;
        return { ...base, status: 'not-evaluated' as const, reason, ...(origin ? { evidence: { file: origin.file, range: origin.range } } : at) };
      }
      const origin = l.doc.tree.originOf(l.path);
      // A secret's value is never shown, even encrypted.
      const shown = secret ? 'is set (value not shown)' : `= ${shownValue(l.value, l.path, 'talos')}`;
      const how = origin?.note ? ` (${origin.note})` : '';
      return { ...base, status: 'pass' as const, reason: `${l.path.join('.')} ${shown}${how}`, ...(origin ? { evidence: { file: origin.file, range: origin.range } } : at) };
    });
  }
  const shownPath = patterns.map((p) => p.join('.')).join(' / ');
  if (docs.some((d) => patterns.some((p) => mayBeSetByTemplate(d.tree.value, p)))) {
    return [{ ...base, status: 'not-evaluated', reason: `${shownPath} may be set by a template expression declint does not resolve`, ...at }];
  }
  if (gated && !view.version && rule.default !== undefined) {
    return [{ ...base, status: 'not-evaluated', reason: `${shownPath} is not set, and the Talos version that decides its default is not known`, ...at }];
  }
  if (rule.default !== undefined && rule.default !== null) return [{ ...base, status: 'pass', reason: `${shownPath} is not set; the Talos default is ${shownValue(rule.default, [], 'talos')}`, ...at }];
  return [{ ...base, status: 'pass', reason: `${shownPath} is not set`, ...at }];
}

