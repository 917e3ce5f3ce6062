import ignore from 'ignore';
import * as path from 'path';
import type { Finding } from '../findings/finding';
import { configurationRoots } from '../nix/discover-hosts';
import { discoverHosts, HostDiscovery, UnresolvedHost } from '../hosts/discover';
import { guestSpecs } from '../hosts/frameworks/guests';
import { EvalSession } from '../nix/evaluate';
import { contentsRead, textTraceEntry, TreeIO } from './tree-io';
import { collectApart, noteRead, tracing } from '../nix/read-trace';
import type { Coverage } from '../coverage/coverage';
import { nixosHostCoverage } from '../coverage/nixos-hosts';
import type { DeclaredHost } from '../config/config';
import { jsonValue } from '../nix/builtins/io';
import { Thunk } from '../nix/value';
import { aliasTable, buildHost, BuildOptions, Host, SharedModules, HostNote, HostRole, HostSpec, looksLikeSystem, MAX_HOST_MODULES, nearChanged, SourceSite, specialisations } from '../nix/host';
import { formatOptionPath, hasWildcard, optionKey, parseOptionPath } from '../nix/option-path';
import { HostCheckContext, judgeHost, judgeMatchedOption, mergeHostFindings } from '../rules/check-host';
import type { Judgement } from '../findings/judgement';
import type { Rule } from '../rules/rule';
import { ruleRenames, ruleSources, ruleSubjectPaths } from '../rules/sources';
import { KnownParses, NixSourceLoader, ParsedSources } from './source-loader';
import { PendingModules, reachableModules } from './pending-modules';
import { isInside, reportPath } from '../source/paths';
import { describePlain, Plain, toPlain } from '../nix/value';
import { shownValue } from '../redaction/secrets';
import type { LineIndex, Range } from '../source/position';
import { internalErrorFinding } from '../findings/unchecked';
import { MAX_SOURCE_BYTES, readText } from '../source/read-text';
import { timing } from '../timing';

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
  /**
   * With `keepHosts` false: the length of module text kept read between
   * hosts past which modules are let go (PendingModules);
   * MODULE_BUDGET_BYTES by default.
   */
  moduleBudgetBytes?: number;
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
  /** Parses of the per-file phase by absolute path, which the loader made here reads instead of parsing again. */
  parsed?: ParsedSources;
  /**
   * False where `parsed` lacks some files the per-file phase parsed (a tree
   * too large for every parse to be kept): the parses of files no host
   * imports by the import graph are then let go before the first host.
   * Where every parse was kept they stay, read by hosts that import
   * modules through a directory listing (`builtins.readDir`), which the
   * graph does not show.
   */
  parsedAll?: boolean;
  /**
   * What `check --cache` knows of the modules' parses: the content hash of
   * each file the per-file phase found to parse without a repeated
   * attribute (a text of that hash parsed here is not checked again), and
   * the parses kept from earlier runs (cache/parse-store.ts).
   */
  known?: KnownParses;
  /** A loader kept between runs (the language server's, which reads open buffers); by default a fresh one. */
  loader?: NixSourceLoader;
  /** Evaluate only the hosts this accepts (the language server re-evaluates the hosts an edit affects); all by default. */
  only?: (spec: HostSpec) => boolean;
  /** The NixOS release each flake.lock (absolute path) locks, kept between runs by the language server until a flake file changes. */
  lockedReleases?: Map<string, HostSpec['release'] | null>;
  /** Builds a host (the language server updates the host it has when it can); buildHost by default. */
  build?: (spec: HostSpec, options: BuildOptions) => Host;
  /** A discovery kept from an earlier run (the language server's, while none of the paths it looked at changed). */
  discovery?: KeptDiscovery;
  /** Hosts declared in `.declint.yaml` (`hosts:`), and the config's report path. */
  declared?: { file: string; hosts: DeclaredHost[] };
  /** Told each host once it is checked (progress on a terminal). */
  onHost?: (name: string) => void;
  /** Keeps what evaluating each host gave between runs (`check --cache`). */
  cache?: HostOutcomeCache;
}

/**
 * How a host came to be evaluated, and what besides its spec its outcome
 * depends on: found by discovery or declared in the config; a
 * configuration.nix root (named after its hostName unless another host
 * took the name); a module given as a root (with the special arguments of
 * the host that reads it).
 */
export type HostContext = { kind: 'found' } | { kind: 'configuration'; taken: string[] } | { kind: 'root'; reader?: string };

/**
 * What evaluating one host (with the guest systems it declares) adds to the
 * host phase's result; the result cache keeps it as it is.
 */
export interface HostOutcome {
  notes: HostNote[];
  coverage: HostCoverage[];
  /** Each host evaluated: its module files and the files its root lists (report paths). */
  evaluated: { name: string; files: string[]; rootModules: string[] }[];
  findings: Finding[];
  judgements: Judgement[];
  /** The hosts whose rules ran. */
  hostsChecked: string[];
  /** The name an accepted configuration.nix root took (no other may take it). */
  taken?: string;
}

export function emptyOutcome(): HostOutcome {
  return { notes: [], coverage: [], evaluated: [], findings: [], judgements: [], hostsChecked: [] };
}

/**
 * The result cache's hold on the host phase (cache/host-phase.ts): it
 * records what discovery and each host's evaluation read of the tree, and
 * gives back a host's outcome while none of that changed.
 */
export interface HostOutcomeCache {
  /** Runs host discovery, noting what it reads: every host depends on that, but for what each host's own definition read (`HostSpec.reads`), which is that host's alone. */
  discover<T>(run: () => T): T;
  /**
   * A host's outcome: kept from an earlier run while nothing it read
   * changed, else `evaluate`d now. `reachedLimits` tells whether evaluation
   * has reached a limit so far: limit notes are read from the loaded files
   * at the end of the run, so such an outcome is not kept.
   */
  host(spec: HostSpec, context: HostContext, evaluate: () => HostOutcome, reachedLimits: () => boolean): HostOutcome;
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
  /** Each evaluated host's module files as its root lists them (`modules = [ … ]`, or the configuration.nix), in order. */
  rootModules: Map<string, string[]>;
  findings: Finding[];
  /** Each rule's conclusion on each host, when asked for. */
  judgements: Judgement[];
  notes: HostNote[];
  /** Hosts a flake or entry file declares that declint could not resolve. */
  unresolved: UnresolvedHost[];
  /** Every host found or declared, with how it was read: what coverage reports. */
  hostCoverage: HostCoverage[];
  /** What host discovery found, and the paths it looked at (the language server keeps it until one changes); absent when the phase was taken from the result cache. */
  discovery?: KeptDiscovery;
  /** The same as `hostCoverage`, in the project's coverage model (every output reports it). */
  coverageReport: Coverage;
  loader: NixSourceLoader;
}

/** A host discovery with every path it looked at: it holds for as long as none of them changes. */
export interface KeptDiscovery {
  result: HostDiscovery;
  looked: ReadonlySet<string>;
  /**
   * The files whose content was read for every host (outside any flake's
   * or host's own part of discovery), where that is known (a run without a
   * read trace of its own: the language server's); see `definitionReaders`.
   */
  shared?: ReadonlySet<string>;
}

/** Host discovery in a session of its own, recording what it reads. */
function discoverWith(input: HostPhaseInput, loader: NixSourceLoader, imported: Set<string>): KeptDiscovery {
  const io = new TreeIO(loader, { remember: input.keepHosts === false });
  const discover = () => discoverHosts({ nixFiles: input.nixFiles, roots: input.roots, loader, session: new EvalSession(io), imported });
  // Where the hosts are kept (the language server), discovery's reads are traced, to tell what every host's definition
  // depends on from what one host's does (HostSpec.reads). Under the result cache's trace, that cache splits them; a
  // plain check keeps no discovery.
  const traced = tracing() || input.keepHosts === false ? undefined : collectApart(discover);
  const result = traced ? traced.result : discover();
  for (const f of input.nixFiles) if (path.basename(f.absolutePath) === 'flake.nix') io.looked.add(f.absolutePath);
  return { result, looked: io.looked, ...(traced ? { shared: contentsRead(traced.reads) } : {}) };
}

/**
 * The hosts whose definition read the content of a file discovery looked
 * at, where no other host's did (a file a flake imports to build one host;
 * none for a file only tested for being an entry file, or whose existence
 * alone was asked): where its content changes, only they need to be built
 * again from their new definition (discovery runs again all the same, for
 * the hosts it may add). Undefined where every host depends on it, or where
 * that is not known.
 */
export function definitionReaders(discovery: KeptDiscovery, absolutePath: string): Set<string> | undefined {
  if (!discovery.shared || discovery.shared.has(absolutePath)) return undefined;
  const readers = new Set<string>();
  for (const group of discovery.result.groups) for (const spec of group.specs) if (spec.reads && contentsRead(spec.reads).has(absolutePath)) readers.add(spec.name);
  return readers;
}

/** One host as coverage reports it: evaluated, read in part (with what was not read), or declared and not resolved (with why). */
export interface HostCoverage {
  name?: string;
  role?: HostRole;
  construct: string;
  site: SourceSite;
  status: 'evaluated' | 'partial' | 'unresolved';
  reasons: HostNote[];
}

/** Finds the hosts in the scanned tree, merges each one's modules and runs the NixOS rules on them. */
export function checkHosts(input: HostPhaseInput): HostPhaseResult {
  const loader = input.loader ?? new NixSourceLoader(input.roots, input.base, undefined, input.parsed, input.known);
  const aliases = aliasTable(input.rules.flatMap(ruleRenames));
  // Made when a host is first built: an edit the language server applies to every host in place needs none.
  let madeSession: EvalSession | undefined;
  const session = (): EvalSession => (madeSession ??= new EvalSession(new TreeIO(loader, { remember: input.keepHosts === false })));
  // A module that cannot read the host is read once for all the hosts of this run.
  const sharedModules = new SharedModules();
  // A plain check drops each host once judged; past a budget, it also lets go of the modules no host to come imports.
  const pending = input.keepHosts === false ? new PendingModules((spec) => moduleClosure(spec, input.imports), input.moduleBudgetBytes ?? MODULE_BUDGET_BYTES) : undefined;
  const forget = (paths: ReadonlySet<string>) => {
    madeSession?.forgetImports(paths);
    sharedModules.forget(paths);
  };
  const imported = new Set([...input.imports.values()].flat());
  const discovered = input.discovery ?? (input.cache ? input.cache.discover(() => discoverWith(input, loader, imported)) : discoverWith(input, loader, imported));
  const discovery = discovered.result;
  const specs: HostSpec[] = [];
  const notes: HostNote[] = [...discovery.notes];
  // A flake or entry file whose discovery failed is an internal error there; the others' hosts are still found.
  const findings: Finding[] = discovery.failures.map((f) => internalErrorFinding(f.file, f.error));
  for (const group of discovery.groups) {
    // The flake's locked nixpkgs is the NixOS release of its hosts (version-gated rules read it).
    let release: HostSpec['release'] | undefined;
    if (group.flakeDir) {
      const lockPath = path.join(group.flakeDir, 'flake.lock');
      release = input.lockedReleases?.get(lockPath) ?? undefined;
      if (!input.lockedReleases?.has(lockPath)) {
        release = lockedNixosRelease(lockPath);
        input.lockedReleases?.set(lockPath, release ?? null);
      }
    }
    specs.push(...group.specs.map((h) => (release ? { ...h, release } : h)));
  }
  // A host declared by hand replaces one of the same name that discovery found or could not resolve.
  const declaredSpecs = (input.declared?.hosts ?? []).map((d) => declaredSpec(d, input.declared!.file));
  const declaredNames = new Set(declaredSpecs.map((s) => s.name));
  // A set of hosts declint could not read at all is stood for by the hosts declared by hand, when there are any.
  const standsFor = declaredSpecs.length > 0 ? ` (the hosts declared in ${input.declared!.file} stand for them)` : '';
  const unresolved = discovery.unresolved.filter((u) => (u.name === undefined ? !standsFor : !declaredNames.has(u.name)));
  for (let i = specs.length - 1; i >= 0; i--) if (declaredNames.has(specs[i].name)) specs.splice(i, 1);
  specs.push(...declaredSpecs);
  const reasons = new Map<UnresolvedHost, HostNote>();
  for (const u of discovery.unresolved) {
    const note = { site: u.site, message: u.name !== undefined ? u.reason : `${u.reason}${unresolved.includes(u) ? '' : standsFor}` };
    notes.push(note);
    reasons.set(u, note);
  }
  // Hosts are built and checked one at a time; with `keepHosts` false each is dropped once checked,
  // so a large fleet holds one host's evaluation in memory, not all of them.
  const nixosRules = input.rules.filter((r) => r.target === 'nixos');
  const ctx = { now: input.now, lines: (file: string) => loader.lines(file), explain: input.judgements === true };
  const judgements: Judgement[] = [];
  const hosts: Host[] = [];
  const hostFiles = new Set<string>();
  const filesByHost = new Map<string, Set<string>>();
  const coverage: HostCoverage[] = [];
  // Hosts declared but not resolved come after the ones evaluated.
  const unresolvedCoverage: HostCoverage[] = unresolved.map((u) => ({ ...(u.name !== undefined ? { name: u.name } : {}), construct: u.construct, site: u.site, status: 'unresolved', reasons: [reasons.get(u)!] }));
  const rootModules = new Map<string, string[]>();
  /** Evaluates a host (and the guest systems it declares) into `out`; `accept` may turn a configuration.nix down once it is read. */
  const evaluate = (spec: HostSpec, out: HostOutcome, accept: (host: Host) => boolean = () => true): void => {
    const covered = (spec: HostSpec, status: HostCoverage['status'], reasons: HostNote[]) =>
      out.coverage.push({ name: spec.name, ...(spec.role ? { role: spec.role } : {}), construct: spec.construct ?? 'configuration.nix', site: spec.root, status, reasons });
    const building = timing?.start();
    const options: BuildOptions = {
      loader,
      aliases,
      get session() {
        return session();
      },
      sharedModules,
    };
    const host = (input.build ?? buildHost)(spec, options);
    if (building !== undefined) timing!.count('evaluate', building);
    out.notes.push(...host.notes);
    if (host.tooLarge) covered(spec, 'unresolved', host.notes);
    if (host.tooLarge || !accept(host)) return;
    const role = refinedRole(host);
    if (role !== host.spec.role) host.spec = { ...host.spec, role };
    // Parts of the tree the host could not read: list elements, missing files, modules whose body declint cannot read.
    const unread = [...host.unread, ...host.unreadable.filter((u) => !host.unread.some((n) => n.message === u.why)).map((u) => ({ site: u.site, message: u.why }))];
    covered(host.spec, host.files.size === 0 ? 'unresolved' : unread.length > 0 ? 'partial' : 'evaluated', host.files.size === 0 ? [{ site: spec.root, message: 'none of its modules could be read' }, ...unread] : unread);
    out.evaluated.push({ name: host.name, files: [...host.files], rootModules: listedModules(spec, host.files, input.base) });
    if (input.keepHosts !== false) hosts.push(host);
    // A host none of whose modules could be read would make every option look unset.
    if (host.files.size === 0) return;
    const judging = timing?.start();
    for (const checked of [host, ...specialisations(host)]) {
      if (checked !== host && input.keepHosts !== false) hosts.push(checked);
      const type = hostType(checked, input.hostTypes ?? {});
      for (const rule of nixosRules) {
        // A rule meant for some kinds of host skips hosts of another kind; a host of no known kind gets every rule.
        if (rule.hostTypes && type && !rule.hostTypes.includes(type)) {
          if (input.judgements) {
            out.judgements.push({ ruleId: rule.id, subject: checked.name, subjectKind: 'host', status: 'not-applicable', reason: `the rule is for ${rule.hostTypes.join(' and ')} hosts; this host is a ${type}` });
          }
          continue;
        }
        const concluded = checked === host && checked.changedPaths && !input.judgements ? judgeUpdated(checked, rule, checked.changedPaths, input.previous?.(checked, rule), ctx) : judgeHost(checked, rule, ctx);
        for (const judgement of concluded) {
          if (judgement.finding) out.findings.push(judgement.finding);
          if (input.judgements) out.judgements.push(judgement);
        }
        if (checked === host) input.judged?.(checked, rule, concluded);
      }
      out.findings.push(...conflictFindings(checked, ctx.lines));
    }
    if (judging !== undefined) timing!.count('rules', judging);
    out.hostsChecked.push(host.name);
    // Guest systems a host declares (nixos-extra-modules `guests`) are hosts of their own, found once the host is read.
    if (spec.guests) for (const guest of guestSpecs(host, session(), path.dirname(path.resolve(input.base, spec.root.file)))) evaluateGuarded(guest, out);
  };
  /**
   * A host too large to evaluate is noted without being built; one whose
   * evaluation fails is reported at its root, and the other hosts are still checked.
   */
  const evaluateGuarded = (spec: HostSpec, out: HostOutcome, accept?: (host: Host) => boolean): void => {
    if (input.only && !input.only(spec)) return;
    // The import graph read file by file tells a host's size before anything is evaluated.
    const size = moduleClosure(spec, input.imports).size;
    if (size > MAX_HOST_MODULES) {
      const note = { site: spec.root, message: `host ${spec.name} imports about ${size} module files, more than the ${MAX_HOST_MODULES} declint evaluates as one host; its files are checked one by one` };
      out.notes.push(note);
      out.coverage.push({ name: spec.name, ...(spec.role ? { role: spec.role } : {}), construct: spec.construct ?? 'configuration.nix', site: spec.root, status: 'unresolved', reasons: [note] });
      return;
    }
    try {
      evaluate(spec, out, accept);
    } catch (error) {
      const range = safeRange(() => loader.lines(spec.root.file).rangeOf(spec.root.span));
      out.findings.push({ ...internalErrorFinding(spec.root.file, error, range), hosts: [spec.name] });
    }
  };
  /** Evaluates a host, or takes what evaluating it gave from the result cache, and adds the outcome to the phase's. */
  const run = (spec: HostSpec, context: HostContext, accept?: (host: Host, out: HostOutcome) => boolean): void => {
    if (input.only && !input.only(spec)) return;
    const compute = () => {
      const out = emptyOutcome();
      evaluateGuarded(spec, out, accept && ((host) => accept(host, out)));
      return out;
    };
    const out = input.cache ? input.cache.host(spec, context, compute, () => loader.limitFindings().length > 0) : compute();
    pending?.done(spec, loader, forget);
    notes.push(...out.notes);
    coverage.push(...out.coverage);
    for (const evaluated of out.evaluated) {
      for (const file of evaluated.files) hostFiles.add(file);
      filesByHost.set(evaluated.name, new Set(evaluated.files));
      rootModules.set(evaluated.name, evaluated.rootModules);
    }
    findings.push(...out.findings);
    judgements.push(...out.judgements);
    if (out.taken !== undefined) taken.add(out.taken);
    for (const name of out.hostsChecked) input.onHost?.(name);
  };
  // Names taken by the hosts found so far: a configuration.nix root is named after its networking.hostName only where that name is free.
  const taken = new Set(specs.map((s) => s.name));
  const nixFiles = input.nixFiles.map((f) => ({ absolutePath: f.absolutePath, file: f.path }));
  // Module files given as roots (`explain-option --root`), each with the special arguments of the host that reads it, once the hosts are known.
  const extraRoots = (input.extraRoots ?? []).map((absolutePath): HostSpec => {
    const file = reportPath(input.base, absolutePath);
    const from = { file, span: { start: 0, end: 0 } };
    return { name: file, root: from, modules: [{ kind: 'file', absolutePath, from }], specialArgs: new Map() };
  });
  /** The module files of hosts not known yet: configuration.nix roots (some are found to be a flake host's modules) and module roots given. */
  const readLater = (roots: HostSpec[]) => new Set(roots.flatMap((spec) => [...moduleClosure(spec, input.imports)]));
  pending?.expect(specs);
  pending?.reserve(readLater([...configurationRoots(nixFiles, imported), ...extraRoots]));
  if (input.parsedAll === false) pending?.forgetUnimported(loader);
  for (const spec of specs) run(spec, { kind: 'found' });
  const inFlakeHosts = new Set(hostFiles);
  // Where a flake declares the hosts, a configuration.nix is one of its modules, not a host of its own.
  const candidates = nixFiles.filter((f) => !inFlakeHosts.has(f.file) && !discovery.hostFlakeDirs.some((dir) => isInside(dir, f.absolutePath)));
  // A configuration.nix of something else (a test, a home-manager profile) is not a NixOS host.
  // A configuration.nix root is named after its networking.hostName where the modules set it to a known name.
  const configurations = configurationRoots(candidates, imported);
  pending?.expect(configurations);
  pending?.reserve(readLater(extraRoots));
  if (input.parsedAll === false) pending?.forgetUnimported(loader);
  for (const spec of configurations) {
    run(spec, { kind: 'configuration', taken: [...taken].sort() }, (host, out) => {
      if (!looksLikeSystem(host)) return false;
      namedAfterHostName(host, taken);
      out.taken = host.name;
      return true;
    });
  }
  for (const spec of extraRoots) {
    const reader = readerOf(spec.root.file, specs, filesByHost);
    run(reader ? { ...spec, specialArgs: reader.specialArgs } : spec, { kind: 'root', ...(reader ? { reader: reader.name } : {}) });
  }
  coverage.push(...unresolvedCoverage);
  const site = (s: SourceSite) => {
    try {
      const { line, column } = loader.lines(s.file).rangeOf(s.span).start;
      return { file: s.file, line, column };
    } catch {
      return undefined; // a file that can no longer be read: the reason still says what
    }
  };
  return { hosts, hostFiles, filesByHost, rootModules, findings: mergeHostFindings(findings), judgements, notes, unresolved, hostCoverage: coverage, coverageReport: nixosHostCoverage(coverage, site), discovery: discovered, loader };
}

/**
 * The host whose special arguments a module file used as a root of its own
 * is given: the host that reads it, where exactly one host does (a host's
 * own module, written against its flake's `specialArgs`); none where no host
 * or several read it, whose arguments may differ.
 */
function readerOf(file: string, specs: HostSpec[], filesByHost: Map<string, Set<string>>): HostSpec | undefined {
  const readers = specs.filter((s) => filesByHost.get(s.name)?.has(file));
  return readers.length === 1 ? readers[0] : undefined;
}

/** The module files a host's root lists, as report paths of the files read (a directory is its default.nix). */
function listedModules(spec: HostSpec, files: Set<string>, base: string): string[] {
  return spec.modules.flatMap((m) => {
    if (m.kind !== 'file') return [];
    const file = reportPath(base, m.absolutePath);
    const inDirectory = file === '.' ? 'default.nix' : `${file}/default.nix`;
    return files.has(file) ? [file] : files.has(inDirectory) ? [inDirectory] : [];
  });
}

/**
 * Where a setting of one host goes: the first module its root lists that no
 * other host reads (its own configuration.nix), so that adding it changes
 * that host only.
 */
export function ownModule(host: string, phase: Pick<HostPhaseResult, 'filesByHost' | 'rootModules'>): string | { why: string } {
  const listed = phase.rootModules.get(host);
  if (!listed) return { why: `host ${host} was not evaluated` };
  const shared = (file: string) => [...phase.filesByHost].some(([other, files]) => other !== host && files.has(file));
  const own = listed.find((file) => !shared(file) && !file.endsWith('flake.nix'));
  return own ?? { why: `every module file host ${host} lists is shared with other hosts` };
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
  if (tracing()) noteRead(textTraceEntry(lockPath, read.kind === 'text' ? read.text : undefined));
  if (read.kind !== 'text') return undefined;
  // Required here, not at the top: the lock reader is loaded only for a flake with a lock.
  const { lockValues } = require('../flake/lock') as typeof import('../flake/lock');
  const { nixosReleaseFromLock } = require('../flake/nixos-release') as typeof import('../flake/nixos-release');
  const lock = lockValues(read.text);
  return lock ? nixosReleaseFromLock(lock) : undefined;
}

/**
 * The module text a plain check keeps read between hosts (PendingModules).
 * What is kept of a module costs about 60 times its text (syntax, values,
 * readings); on a generated fleet of 500 hosts and 20,000 files, keeping
 * every module peaked at 1,606 MB, this at 618 MB, in the same CPU time.
 * The 17 development repositories' hosts read 2 MB together.
 */
const MODULE_BUDGET_BYTES = 512 * 1024;

/** Module files reachable from a host's roots through the imports each file names (by root list, for as long as the imports map is the same object). */
const closures = new WeakMap<Map<string, string[]>, Map<string, ReadonlySet<string>>>();

/** The module files a host imports by the import graph, up to MAX_HOST_MODULES (its size tells a host too large to evaluate). */
function moduleClosure(spec: HostSpec, imports: Map<string, string[]>): ReadonlySet<string> {
  let byRoots = closures.get(imports);
  if (!byRoots) closures.set(imports, (byRoots = new Map()));
  const roots = spec.modules.flatMap((m) => (m.kind === 'file' ? [m.absolutePath] : [])).join('\u0000');
  let closure = byRoots.get(roots);
  if (closure === undefined) byRoots.set(roots, (closure = reachableModules(spec, imports, MAX_HOST_MODULES)));
  return closure;
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
  const subject = ruleSubjectPaths(rule);
  const precondition = preconditionPaths(rule);
  const touches = (patterns: string[][]) => patterns.some((pattern) => changed.some((p) => overlaps(pattern, p)));
  if (touches(precondition)) return judgeHost(host, rule, ctx);
  if (!touches(subject) && !previous.judgements.some(previous.stale)) return previous.judgements;
  // One option, or several (whose unset defaults make one finding together): judged again as a whole.
  if (!hasWildcard(subject[0]) || ruleSources(rule).length > 1) return judgeHost(host, rule, ctx);
  // An option is judged again where it lies at, above or below a changed path, or its finding may have moved.
  const near = nearChanged(changed);
  const again = (j: Judgement) => previous.stale(j) || near(optionKey(j.option!));
  if (host.samePathsAsPrevious) return previous.judgements.map((j) => (j.option && again(j) ? judgeMatchedOption(host, rule, j.option, ctx) : j));
  const byOption = new Map(previous.judgements.flatMap((j) => (j.option && !again(j) ? [[optionKey(j.option), j] as const] : [])));
  return judgeHost(host, rule, { ...ctx, reuse: (option) => byOption.get(optionKey(option)) });
}

/** The option paths a rule's precondition reads (its option and old names), listed once per rule. */
function preconditionPaths(rule: Rule): string[][] {
  let paths = preconditions.get(rule);
  if (!paths) preconditions.set(rule, (paths = rule.when ? [rule.when.option, ...(rule.when.aliases ?? [])].map(parseOptionPath) : []));
  return paths;
}

const preconditions = new WeakMap<Rule, string[][]>();

/** Whether two option paths (`*` for any name) are equal or one lies below the other. */
function overlaps(pattern: readonly string[], p: readonly string[]): boolean {
  const n = Math.min(pattern.length, p.length);
  for (let i = 0; i < n; i++) if (pattern[i] !== '*' && p[i] !== '*' && pattern[i] !== p[i]) return false;
  return true;
}

/** Renames a `configuration.nix` host after its known `networking.hostName` (unless another host has that name); always accepts it. */
function namedAfterHostName(host: Host, taken: Set<string>): true {
  const hostName = host.effective(['networking', 'hostName']);
  const name = hostName.kind === 'known' && typeof hostName.plain === 'string' && /^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(hostName.plain) ? hostName.plain : undefined;
  if (name && name !== host.name && !taken.has(name)) host.spec = { ...host.spec, name, construct: `configuration.nix named by networking.hostName` };
  taken.add(host.name);
  return true;
}

/** A host declared in `.declint.yaml`: its modules as files, its specialArgs as Nix values. */
function declaredSpec(host: DeclaredHost, file: string): HostSpec {
  const root: SourceSite = { file, span: { start: host.offset, end: host.offset } };
  const specialArgs = new Map<string, Thunk>(Object.entries(host.specialArgs).map(([k, v]) => [k, Thunk.lazy(() => jsonValue(JSON.stringify(v)))]));
  return {
    name: host.name,
    root,
    modules: host.modules.map((absolutePath) => ({ kind: 'file', absolutePath, from: root })),
    specialArgs,
    construct: `declared in ${file}`,
    role: host.role ?? 'host',
  };
}

/** Options that only a desktop-hypervisor guest, a WSL instance or a container sets: such a host is a VM, not a machine. */
const GUEST_OPTIONS = [
  ['wsl', 'enable'],
  ['virtualisation', 'vmware', 'guest', 'enable'],
  ['virtualisation', 'virtualbox', 'guest', 'enable'],
  ['virtualisation', 'hypervGuest', 'enable'],
  ['hardware', 'parallels', 'enable'],
  ['services', 'spice-vdagentd', 'enable'],
  ['boot', 'isContainer'],
];
/** nixpkgs modules that make a system an installer image, or a container or VM image. */
const IMAGE_MODULES = /installer\/cd-dvd|iso-image\.nix|installer\/sd-card|installer\/netboot/;
const GUEST_MODULES = /virtualisation\/(lxc-container|lxc-image-metadata|lxd-virtual-machine|incus-virtual-machine|proxmox-lxc|docker-image|hyperv-guest|vmware-guest|virtualbox-image)/;

/** A host's role once read: an installer image or a guest by what its modules import and set; else what discovery said. */
function refinedRole(host: Host): HostRole | undefined {
  const role = host.spec.role ?? 'host';
  if (role !== 'host') return role;
  const outside = [...host.externalModules.map((e) => e.name), ...host.unread.map((n) => n.message)];
  if (outside.some((name) => IMAGE_MODULES.test(name))) return 'iso';
  if (outside.some((name) => GUEST_MODULES.test(name))) return 'vm';
  for (const option of GUEST_OPTIONS) {
    const effective = host.effective(option);
    if (effective.kind === 'known' && effective.plain === true) return 'vm';
  }
  return role;
}
