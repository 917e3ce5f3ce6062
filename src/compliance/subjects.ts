import type { FlakeLock } from '../flake/lock';
import type { Finding, Location } from '../findings/finding';
import type { Judgement } from '../findings/judgement';
import type { Rule } from '../rules/rule';
import type { LineIndex } from '../source/position';
import { TalosDocument, TalosFile, valueAt, valuesAt } from '../talos/documents';

/**
 * The subjects the report judges besides NixOS hosts: Talos nodes (complete
 * machine configs) and flake.lock files, with each rule's conclusion on them
 * read from the findings of the check and the values in the file.
 */
export interface TalosNode {
  /** `machine.network.hostname`, else the file path (with the document number in a file of several). */
  name: string;
  file: string;
  line: number;
  /** `machine.type`: controlplane, worker, init. */
  type?: string;
  /** The Talos version of the installer image tag (`ghcr.io/siderolabs/installer:v1.11.3`). */
  talosVersion?: string;
  installImage?: string;
}

export interface PinnedInput {
  lockFile: string;
  name: string;
  type: string;
  /** `owner/repo`, a URL or a path, as locked. */
  source: string;
  rev?: string;
  /** `lastModified` as a date, `YYYY-MM-DD`. */
  date?: string;
  line: number;
}

export function talosNodes(file: string, talos: TalosFile, lines: LineIndex): { node: TalosNode; doc: TalosDocument }[] {
  const configs = talos.documents.filter((d) => d.role === 'machine-config');
  return configs.map((doc, i) => {
    const at = (p: string) => valueAt(doc.document, p.split('.'), lines)?.value;
    const hostname = at('machine.network.hostname');
    const image = at('machine.install.image');
    const version = typeof image === 'string' ? /:(v\d+\.\d+(?:\.\d+)?)(?:@|$)/.exec(image)?.[1] : undefined;
    const type = at('machine.type');
    const name = typeof hostname === 'string' && hostname !== '' ? hostname : configs.length > 1 ? `${file}#${i + 1}` : file;
    return {
      node: {
        name,
        file,
        line: doc.range.start.line,
        ...(typeof type === 'string' ? { type } : {}),
        ...(version ? { talosVersion: version } : {}),
        ...(typeof image === 'string' ? { installImage: image } : {}),
      },
      doc,
    };
  });
}

/**
 * A Talos rule on one node: a finding of the check in the node's document
 * fails it; otherwise the value it judges passes, or its absence (judged on
 * the Talos default where the rule knows one).
 */
export function judgeTalosNode(node: TalosNode, doc: TalosDocument, talos: TalosFile, rule: Rule, findings: Finding[], lines: LineIndex): Judgement[] {
  if (!('document' in rule.subject)) return [];
  const base = { ruleId: rule.id, subject: node.name, subjectKind: 'talos-node' as const };
  const { document: kind, path } = rule.subject;
  // The node's documents: its machine config, and the typed documents of the same file.
  const docs = kind === 'v1alpha1' ? [doc] : talos.documents.filter((d) => d.kind === kind);
  const inNode = (f: Finding) =>
    f.ruleId === rule.id && f.location.file === node.file && docs.some((d) => f.location.range.start.offset >= d.range.start.offset && f.location.range.start.offset <= d.range.end.offset);
  const failed = findings.filter(inNode);
  if (failed.length > 0) return failed.map((finding) => ({ ...base, status: 'fail' as const, reason: firstSentence(finding.message), evidence: finding.location, finding }));
  const found = docs.flatMap((d) => valuesAt(d.document, path.split('.'), lines)).filter((l) => l.value !== null && l.value !== undefined);
  if (found.length > 0) {
    return found.map((l) => ({ ...base, status: 'pass' as const, reason: `${l.path.join('.')} = ${shortJson(l.value)}`, evidence: { file: node.file, range: l.range } }));
  }
  const root: Location = { file: node.file, range: { start: doc.range.start, end: doc.range.start } };
  if (rule.default !== undefined) return [{ ...base, status: 'pass', reason: `${path} is not set; the Talos default is ${JSON.stringify(rule.default)}`, evidence: root }];
  return [{ ...base, status: 'pass', reason: `${path} is not set`, evidence: root }];
}

/** A flake.lock rule on one lock file: its findings, or a pass over every input it judged. */
export function judgeLockFile(file: string, lock: FlakeLock, rule: Rule, findings: Finding[]): Judgement[] {
  const base = { ruleId: rule.id, subject: file, subjectKind: 'flake-lock' as const };
  const failed = findings.filter((f) => f.ruleId === rule.id && f.location.file === file);
  if (failed.length > 0) return failed.map((finding) => ({ ...base, status: 'fail' as const, reason: firstSentence(finding.message), evidence: finding.location, finding }));
  const inputs = lock.nodes.filter((n) => n.key !== lock.root).length;
  const what = 'lockField' in rule.subject ? `${rule.subject.lockField} = ${JSON.stringify(lock.version)}` : `${inputs} locked input${inputs === 1 ? '' : 's'} checked`;
  const range = lock.versionRange ?? lock.nodes[0]?.keyRange;
  return [{ ...base, status: 'pass', reason: what, ...(range ? { evidence: { file, range } } : {}) }];
}

export function pinnedInputs(file: string, lock: FlakeLock): PinnedInput[] {
  const rootNode = lock.nodes.find((n) => n.key === lock.root);
  const direct = new Set(Object.values(lock.rootInputs).filter((v): v is string => typeof v === 'string'));
  return lock.nodes
    .filter((n) => n !== rootNode)
    .map((n) => {
      const locked = (n.data.locked ?? {}) as Record<string, unknown>;
      const type = String(locked.type ?? 'unknown');
      const source =
        typeof locked.owner === 'string' && typeof locked.repo === 'string'
          ? `${locked.owner}/${locked.repo}`
          : String(locked.url ?? locked.path ?? locked.id ?? '');
      const rev = typeof locked.rev === 'string' ? locked.rev : undefined;
      const date = typeof locked.lastModified === 'number' ? new Date(locked.lastModified * 1000).toISOString().slice(0, 10) : undefined;
      return {
        lockFile: file,
        name: direct.has(n.key) ? n.key : `${n.key} (transitive)`,
        type,
        source,
        ...(rev ? { rev } : {}),
        ...(date ? { date } : {}),
        line: n.keyRange.start.line,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A value as JSON, cut to a readable length (a whole `apiServer` block says nothing more than its first line). */
function shortJson(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

function firstSentence(message: string): string {
  return message.replace(/\.$/, '');
}
