import ignore from 'ignore';
import * as path from 'path';
import type { Finding } from '../findings/finding';
import { configurationRoots, hostsFromFlake } from '../nix/discover-hosts';
import { aliasTable, buildHost, BuildOptions, Host, HostNote, HostSpec, looksLikeSystem, MAX_HOST_MODULES, nearChanged, specialisations } from '../nix/host';
import { hasWildcard, parseOptionPath } from '../nix/option-path';
import { HostCheckContext, judgeHost, judgeMatchedOption, mergeHostFindings } from '../rules/check-host';
import type { Judgement } from '../findings/judgement';
import type { Rule } from '../rules/rule';
import { NixSourceLoader } from './source-loader';
import { reportPath } from '../source/paths';
import { formatOptionPath } from '../nix/option-path';
import { toPlain } from '../nix/value';
import { shownValue } from '../redaction/secrets';
import type { LineIndex, Range } from '../source/position';
import { internalErrorFinding } from '../findings/unchecked';
import { MAX_SOURCE_BYTES, readText } from '../source/read-text';

/** Two values at the winning priority for one option: the build would fail, and declint judges neither. */
function conflictFindings(host: Host, lines: (file: string) => LineIndex): Finding[] {
  return host.findConflicts().map(({ path: optionPath, contributions }) => {
    const winners = contributions.filter((c) => c.status === 'won').map((c) => c.definition);
    const [first, ...others] = winners;
    const values = winners.map((d) => `${shownValue(toPlain(d.def.value), optionPath, 'nixos')} in ${d.file}`).join(', ');
    return {
      ruleId: 'nix-conflict',
      severity: 'error' as const,
      message: `${formatOptionPath(optionPath)} has conflicting definitions at priority ${first.def.priority} (${values}); nixos-rebuild fails on this.`,
      location: { file: first.file, range: lines(first.file).rangeOf(first.def.binding) },
      related: others.map((d) => ({ file: d.file, range: lines(d.file).rangeOf(d.def.binding), message: 'conflicting definition' })),
      hosts: [host.name],
      subject: `conflict:${formatOptionPath(optionPath)}`,
    };
  });
}

export interface HostPhaseInput {
  /** The scanned `.nix` files. */
  nixFiles: { absolutePath: string; path: string }[];
  /** Directories the scan covers (host graphs stay inside them). */
  roots: string[];
  base: string;
  /** What each scanned `.nix` file imports, from the per-file phase (absolute paths). */
  imports: Map<string, string[]>;
  rules: Rule[];
  now: Date;
  /** Module files treated as host roots (`explain-option --root`). */
  extraRoots?: string[];
  /** Keep every host's evaluation for the caller (hosts, explain-option); false for a plain check. */
  keepHosts?: boolean;
  /** Host name or root-path glob → host type, from the config; rules with `hostTypes` run only on matching hosts. */
  hostTypes?: Record<string, 'server' | 'workstation' | 'appliance'>;
  /** Keep every rule's conclusion on every host, passes included (the compliance report's evidence). */
  judgements?: boolean;
  /**
   * A rule's conclusions on a host from its previous evaluation (the language
   * server), asked for a host updated in place, and which of them are `stale`
   * though their option did not change (a finding in the edited file may
   * have moved with the text around it).
   */
  previous?: (host: Host, rule: Rule) => PreviousJudgements | undefined;
  /** Told each rule's conclusions on each host (not on specialisations), to keep them for `previous`. */
  judged?: (host: Host, rule: Rule, judgements: Judgement[]) => void;
  /** A loader kept between runs (the language server's, which reads open buffers); by default a fresh one. */
  loader?: NixSourceLoader;
  /** Evaluate only the hosts this accepts (the language server re-evaluates the hosts an edit affects); all by default. */
  only?: (spec: HostSpec) => boolean;
  /** The NixOS release each flake.lock (absolute path) locks, kept between runs by the language server until a flake file changes. */
  lockedReleases?: Map<string, HostSpec['release'] | null>;
  /** Builds a host (the language server updates the host it has when it can); buildHost by default. */
  build?: (spec: HostSpec, options: BuildOptions) => Host;
}

export interface PreviousJudgements {
  judgements: Judgement[];
  stale: (judgement: Judgement) => boolean;
}

export interface HostPhaseResult {
  /** The evaluated hosts, when asked to keep them. */
  hosts: Host[];
  /** Report paths of every file that belongs to a host. */
  hostFiles: Set<string>;
  /** Each evaluated host's module files (report paths), to tell which hosts a changed file affects. */
  filesByHost: Map<string, Set<string>>;
  findings: Finding[];
  /** Each rule's conclusion on each host, when asked for. */
  judgements: Judgement[];
  notes: HostNote[];
  loader: NixSourceLoader;
}

/** Finds the hosts in the scanned tree, merges each one's modules and runs the NixOS rules on them. */
export function checkHosts(input: HostPhaseInput): HostPhaseResult {
  const loader = input.loader ?? new NixSourceLoader(input.roots, input.base);
  const aliases = aliasTable(
    input.rules.flatMap((r) => [
      ...('option' in r.subject ? (r.subject.aliases ?? []).map((a) => ({ from: parseOptionPath(a), to: parseOptionPath((r.subject as { option: string }).option) })) : []),
      ...(r.when?.aliases ?? []).map((a) => ({ from: parseOptionPath(a), to: parseOptionPath(r.when!.option) })),
    ]),
  );
  const specs: HostSpec[] = [];
  const notes: HostNote[] = [];
  const findings: Finding[] = [];
  let flakeDeclaresHosts = false;
  for (const file of input.nixFiles) {
    if (path.basename(file.absolutePath) !== 'flake.nix') continue;
    const loaded = loader.load(file.absolutePath);
    if ('error' in loaded) continue;
    let found: ReturnType<typeof hostsFromFlake>;
    try {
      found = hostsFromFlake(loaded, file.absolutePath);
    } catch (error) {
      findings.push(internalErrorFinding(file.path, error));
      continue;
    }
    // The flake's locked nixpkgs is the NixOS release of its hosts (version-gated rules read it).
    const lockPath = path.join(path.dirname(file.absolutePath), 'flake.lock');
    let release = input.lockedReleases?.get(lockPath) ?? undefined;
    if (!input.lockedReleases?.has(lockPath)) {
      release = lockedNixosRelease(lockPath);
      input.lockedReleases?.set(lockPath, release ?? null);
    }
    specs.push(...found.hosts.map((h) => (release ? { ...h, release } : h)));
    notes.push(...found.notes);
    flakeDeclaresHosts ||= found.declaresHosts;
  }
  // Hosts are built and checked one at a time; with `keepHosts` false each is dropped once checked,
  // so a large fleet holds one host's evaluation in memory, not all of them.
  const nixosRules = input.rules.filter((r) => r.target === 'nixos');
  const ctx = { now: input.now, lines: (file: string) => loader.lines(file), explain: input.judgements === true };
  const judgements: Judgement[] = [];
  const hosts: Host[] = [];
  const hostFiles = new Set<string>();
  const filesByHost = new Map<string, Set<string>>();
  const evaluate = (spec: HostSpec, accept: (host: Host) => boolean = () => true): void => {
    if (input.only && !input.only(spec)) return;
    // The import graph read file by file tells a host's size before anything is evaluated.
    const size = estimatedModules(spec, input.imports);
    if (size > MAX_HOST_MODULES) {
      notes.push({ site: spec.root, message: `host ${spec.name} imports about ${size} module files, more than the ${MAX_HOST_MODULES} declint evaluates as one host; its files are checked one by one` });
      return;
    }
    const host = (input.build ?? buildHost)(spec, { loader, aliases });
    notes.push(...host.notes);
    if (host.tooLarge || !accept(host)) return;
    for (const file of host.files) hostFiles.add(file);
    filesByHost.set(host.name, new Set(host.files));
    if (input.keepHosts !== false) hosts.push(host);
    // A host none of whose modules could be read would make every option look unset.
    if (host.files.size === 0) return;
    for (const checked of [host, ...specialisations(host)]) {
      if (checked !== host && input.keepHosts !== false) hosts.push(checked);
      const type = hostType(checked, input.hostTypes ?? {});
      for (const rule of nixosRules) {
        // A rule meant for some kinds of host skips hosts of another kind; a host of no known kind gets every rule.
        if (rule.hostTypes && type && !rule.hostTypes.includes(type)) {
          if (input.judgements) {
            judgements.push({ ruleId: rule.id, subject: checked.name, subjectKind: 'host', status: 'not-applicable', reason: `the rule is for ${rule.hostTypes.join(' and ')} hosts; this host is a ${type}` });
          }
          continue;
        }
        const concluded = checked === host && checked.changedPaths && !input.judgements ? judgeUpdated(checked, rule, checked.changedPaths, input.previous?.(checked, rule), ctx) : judgeHost(checked, rule, ctx);
        for (const judgement of concluded) {
          if (judgement.finding) findings.push(judgement.finding);
          if (input.judgements) judgements.push(judgement);
        }
        if (checked === host) input.judged?.(checked, rule, concluded);
      }
      findings.push(...conflictFindings(checked, ctx.lines));
    }
  };
  /** One host's failure is reported at its root, and the other hosts are still checked. */
  const evaluateGuarded = (spec: HostSpec, accept?: (host: Host) => boolean): void => {
    try {
      evaluate(spec, accept);
    } catch (error) {
      const range = safeRange(() => loader.lines(spec.root.file).rangeOf(spec.root.span));
      findings.push({ ...internalErrorFinding(spec.root.file, error, range), hosts: [spec.name] });
    }
  };
  for (const spec of specs) evaluateGuarded(spec);
  const inFlakeHosts = new Set(hostFiles);
  // Where a flake declares the hosts, a configuration.nix is one of its modules, not a host of its own.
  const candidates = flakeDeclaresHosts
    ? []
    : input.nixFiles.filter((f) => !inFlakeHosts.has(f.path)).map((f) => ({ absolutePath: f.absolutePath, file: f.path }));
  // A configuration.nix of something else (a test, a home-manager profile) is not a NixOS host.
  const imported = new Set([...input.imports.values()].flat());
  for (const spec of configurationRoots(candidates, imported)) evaluateGuarded(spec, looksLikeSystem);
  for (const absolutePath of input.extraRoots ?? []) {
    const file = reportPath(input.base, absolutePath);
    const from = { file, span: { start: 0, end: 0 } };
    evaluateGuarded({ name: file, root: from, modules: [{ kind: 'file', absolutePath, from }], specialArgs: new Map() });
  }
  return { hosts, hostFiles, filesByHost, findings: mergeHostFindings(findings), judgements, notes, loader };
}

/** A range that cannot be computed (the file vanished) is the file's start. */
function safeRange(range: () => Range): Range | undefined {
  try {
    return range();
  } catch {
    return undefined;
  }
}

function lockedNixosRelease(lockPath: string): HostSpec['release'] {
  const read = readText(lockPath, { maxBytes: MAX_SOURCE_BYTES });
  if (read.kind !== 'text') return undefined;
  // Required here, not at the top: the lock reader is loaded only for a flake with a lock.
  const { readFlakeLock } = require('../flake/lock') as typeof import('../flake/lock');
  const { nixosReleaseFromLock } = require('../flake/nixos-release') as typeof import('../flake/nixos-release');
  const lock = readFlakeLock(read.text);
  return lock.kind === 'flake-lock' ? nixosReleaseFromLock(lock.lock) : undefined;
}

/** Module files reachable from a host's roots through the imports each file names (by root list, for as long as the imports map is the same object). */
const estimates = new WeakMap<Map<string, string[]>, Map<string, number>>();

function estimatedModules(spec: HostSpec, imports: Map<string, string[]>): number {
  let byRoots = estimates.get(imports);
  if (!byRoots) estimates.set(imports, (byRoots = new Map()));
  const roots = spec.modules.flatMap((m) => (m.kind === 'file' ? [m.absolutePath] : [])).join('\u0000');
  let size = byRoots.get(roots);
  if (size === undefined) byRoots.set(roots, (size = countModules(spec, imports)));
  return size;
}

function countModules(spec: HostSpec, imports: Map<string, string[]>): number {
  const seen = new Set<string>();
  const queue = spec.modules.flatMap((m) => (m.kind === 'file' ? [m.absolutePath] : []));
  while (queue.length > 0 && seen.size <= MAX_HOST_MODULES) {
    let file = queue.pop()!;
    if (!imports.has(file) && imports.has(path.join(file, 'default.nix'))) file = path.join(file, 'default.nix');
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...(imports.get(file) ?? []));
  }
  return seen.size;
}

/** The type the config gives a host: by its name, or by a glob on its name or root file. */
function hostType(host: Host, types: Record<string, 'server' | 'workstation' | 'appliance'>): 'server' | 'workstation' | 'appliance' | undefined {
  for (const [pattern, type] of Object.entries(types)) {
    const matcher = ignore().add(pattern);
    const base = host.name.split('/')[0];
    if (pattern === host.name || pattern === base || matcher.ignores(base) || matcher.ignores(host.spec.root.file)) return type;
  }
  return undefined;
}

/**
 * A rule on a host updated in place: every option whose definitions did not
 * change has the effective value it had before, so the previous conclusions
 * stand, for the whole rule when it reads none of the changed options, else
 * for each option a wildcard rule matches that did not change. Where the
 * host defines the same option paths as before, a wildcard rule matches the
 * same options, and only the changed ones are judged again.
 */
function judgeUpdated(host: Host, rule: Rule, changed: string[][], previous: PreviousJudgements | undefined, ctx: HostCheckContext): Judgement[] {
  if (!previous || !('option' in rule.subject)) return judgeHost(host, rule, ctx);
  const subject = [rule.subject.option, ...(rule.subject.aliases ?? [])].map(parseOptionPath);
  const precondition = rule.when ? [rule.when.option, ...(rule.when.aliases ?? [])].map(parseOptionPath) : [];
  const touches = (patterns: string[][]) => patterns.some((pattern) => changed.some((p) => overlaps(pattern, p)));
  if (touches(precondition)) return judgeHost(host, rule, ctx);
  if (!touches(subject) && !previous.judgements.some(previous.stale)) return previous.judgements;
  if (!hasWildcard(subject[0])) return judgeHost(host, rule, ctx);
  // An option is judged again where it lies at, above or below a changed path, or its finding may have moved.
  const near = nearChanged(changed);
  const again = (j: Judgement) => previous.stale(j) || near(j.option!.join('\u0000'));
  if (host.samePathsAsPrevious) return previous.judgements.map((j) => (j.option && again(j) ? judgeMatchedOption(host, rule, j.option, ctx) : j));
  const byOption = new Map(previous.judgements.flatMap((j) => (j.option && !again(j) ? [[j.option.join('\u0000'), j] as const] : [])));
  return judgeHost(host, rule, { ...ctx, reuse: (option) => byOption.get(option.join('\u0000')) });
}

/** Whether two option paths (`*` for any name) are equal or one lies below the other. */
function overlaps(pattern: readonly string[], p: readonly string[]): boolean {
  const n = Math.min(pattern.length, p.length);
  for (let i = 0; i < n; i++) if (pattern[i] !== '*' && p[i] !== '*' && pattern[i] !== p[i]) return false;
  return true;
}
