import type { FlakeLock } from '../flake/lock';
import { lastModifiedDate } from '../flake/last-modified';
import type { Finding } from '../findings/finding';
import type { Range } from '../source/position';
import type { Judgement } from '../findings/judgement';
import type { Rule } from '../rules/rule';
import { formatVersion } from '../talos/version';
import type { TalosView } from '../talos/views';
import { compareText } from '../source/compare-text';

/**
 * The subjects the report judges besides NixOS hosts: Talos nodes (complete
 * machine configs and talhelper nodes) and flake.lock files.
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
  /** `machine.install.extensions` images (an Image Factory installer bakes its extensions into the image instead). */
  extensions?: string[];
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
  /** The lock node's key, whether the flake names it itself (else a dependency of an input), and its content hash. */
  key: string;
  direct: boolean;
  narHash?: string;
  /** The forge of a `github`/`gitlab`/`sourcehut` input (its `host`, or the public one). */
  host?: string;
  line: number;
}

/** A complete machine config of one file (its documents), or a talhelper node's effective config, as a node. */
export function talosNode(view: TalosView, fallbackName: string): TalosNode | undefined {
  const config = view.documents.find((d) => d.kind === 'v1alpha1' && d.complete);
  if (!config) return undefined;
  const hostname = config.tree.get(['machine', 'network', 'hostname']);
  const type = config.tree.get(['machine', 'type']);
  const image = config.tree.get(['machine', 'install', 'image']);
  const extensionList = config.tree.get(['machine', 'install', 'extensions']);
  const extensions = Array.isArray(extensionList) ? extensionList.flatMap((e) => (e && typeof e === 'object' && typeof (e as { image?: unknown }).image === 'string' ? [(e as { image: string }).image] : [])) : [];
  const name = view.node ?? (typeof hostname === 'string' && hostname !== '' ? hostname : fallbackName);
  return {
    name,
    file: config.anchor.file,
    line: config.anchor.range.start.line,
    ...(typeof type === 'string' ? { type } : {}),
    ...(view.version ? { talosVersion: formatVersion(view.version.version) } : {}),
    ...(typeof image === 'string' ? { installImage: image } : {}),
    ...(extensions.length ? { extensions } : {}),
  };
}

/** A flake.lock rule on one lock file: its findings, or a pass over every input it judged. */
export function judgeLockFile(file: string, lock: FlakeLock, rule: Rule, findings: Finding[]): Judgement[] {
  const inputs = lock.nodes.filter((n) => n.key !== lock.root).length;
  const what = 'lockField' in rule.subject ? `${rule.subject.lockField} = ${JSON.stringify(lock.version)}` : `${inputs} locked input${inputs === 1 ? '' : 's'} checked`;
  const range = lock.versionRange ?? lock.nodes[0]?.keyRange;
  return judgedByFindings({ file, kind: 'flake-lock', files: [file] }, rule, findings, what, range);
}

const FORGES: Record<string, string> = { github: 'github.com', gitlab: 'gitlab.com', sourcehut: 'git.sr.ht' };

export function pinnedInputs(file: string, lock: FlakeLock): PinnedInput[] {
  const rootNode = lock.nodes.find((n) => n.key === lock.root);
  const direct = new Set(Object.values(lock.rootInputs).filter((v): v is string => typeof v === 'string'));
  return lock.nodes
    .filter((n) => n !== rootNode)
    .map((n) => {
      const locked = (n.data.locked ?? {}) as Record<string, unknown>;
      const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
      const type = text(locked.type) ?? 'unknown';
      const source =
        typeof locked.owner === 'string' && typeof locked.repo === 'string'
          ? `${locked.owner}/${locked.repo}`
          : (text(locked.url) ?? text(locked.path) ?? text(locked.id) ?? '');
      const rev = text(locked.rev);
      const date = lastModifiedDate(locked)?.toISOString().slice(0, 10);
      const host = text(locked.host) ?? FORGES[type];
      return {
        lockFile: file,
        name: direct.has(n.key) ? n.key : `${n.key} (transitive)`,
        type,
        source,
        ...(rev ? { rev } : {}),
        ...(date ? { date } : {}),
        key: n.key,
        direct: direct.has(n.key),
        ...(typeof locked.narHash === 'string' ? { narHash: locked.narHash } : {}),
        ...(host ? { host } : {}),
        line: n.keyRange.start.line,
      };
    })
    .sort((a, b) => compareText(a.name, b.name));
}

/**
 * A flake.nix rule on one flake: its findings (FLAKE-005 may point at the
 * sibling flake.lock), or a pass over the inputs and nixConfig it read.
 */
export function judgeFlakeFile(file: string, rule: Rule, findings: Finding[]): Judgement[] {
  const start = { line: 1, column: 1, offset: 0 };
  const files = [file, file.replace(/flake\.nix$/, 'flake.lock')];
  return judgedByFindings({ file, kind: 'flake', files }, rule, findings, 'the inputs and nixConfig of flake.nix pass', { start, end: start });
}

/** A rule on a file-level subject: a fail for each of its findings in the subject's files, else one pass. */
function judgedByFindings(
  subject: { file: string; kind: 'flake' | 'flake-lock'; files: string[] },
  rule: Rule,
  findings: Finding[],
  passReason: string,
  passRange: Range | undefined,
): Judgement[] {
  const base = { ruleId: rule.id, subject: subject.file, subjectKind: subject.kind };
  const failed = findings.filter((f) => f.ruleId === rule.id && subject.files.includes(f.location.file));
  if (failed.length > 0) return failed.map((finding) => ({ ...base, status: 'fail' as const, reason: finding.message.replace(/\.$/, ''), evidence: finding.location, finding }));
  return [{ ...base, status: 'pass', reason: passReason, ...(passRange ? { evidence: { file: subject.file, range: passRange } } : {}) }];
}
