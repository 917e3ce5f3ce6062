import * as fs from 'fs';
import * as path from 'path';
import { Config, DEFAULT_CONFIG, findConfig, Level, loadConfig } from '../config/config';
import { selectRules } from '../config/select-rules';
import { candidateKind } from '../discover/classify';
import { discoverFiles } from '../discover/walk';
import { isEntryCandidate, mayBuildSystems } from '../hosts/discover';
import type { Finding } from '../findings/finding';
import { internalErrorFinding } from '../findings/unchecked';
import { MAX_SOURCE_BYTES, readText } from '../source/read-text';
import type { Judgement } from '../findings/judgement';
import { buildHost, BuildOptions, Host, HostSpec, updateHost } from '../nix/host';
import { combineFindings, configuredRules } from '../pipeline/check';
import type { ParsedNix } from '../pipeline/analyze';
import { checkFileText, FileChecked } from '../pipeline/check-files';
import { checkHosts, definitionReaders, KeptDiscovery, ownModule } from '../pipeline/check-hosts';
import { checkFlakes, readIfPresent } from '../pipeline/check-flakes';
import { checkTalosNodes, TalosNodesPhaseResult } from '../pipeline/check-talos-nodes';
import { NixSourceLoader } from '../pipeline/source-loader';
import { loadRuleSet } from '../rules/builtin';
import { mergeHostFindings } from '../rules/check-host';
import { renamedOptionFindings } from '../rules/check-nixos';
import { parseSuppressions } from '../findings/suppressions';
import type { Rule } from '../rules/rule';
import { LocatedError } from '../source/errors';
import { isInside, reportPath } from '../source/paths';
import { firstSyntaxError } from '../nix/parser';
import type { LineIndex } from '../source/position';
import type { OpenDocuments } from './open-documents';

/** What the editor may set (initializationOptions, or the `declint` section of workspace/configuration). */
export interface Settings {
  /** More rule directories, relative to the workspace root. */
  ruleDirs: string[];
  /** Frameworks to select (replaces the config's). */
  frameworks?: string[];
  /** Hardening level (replaces the config's). */
  level?: Level;
  /** Suppressed and excepted findings: not shown, or shown as hints. */
  suppressed: 'hide' | 'hint';
  /** Changes closer together than this are analyzed together, once this long has passed without another. */
  debounceMs: number;
  /** How long an open module that stops parsing is held (its hosts keep their last evaluation) after its last change. */
  settleMs: number;
}

/**
 * An analysis of a typing edit takes a few milliseconds (one binding is
 * evaluated again): no debounce by default, changes that arrive while one
 * runs are analyzed together after it. A module that stops parsing is held
 * for a second after its last change (see `Workspace.fileChanged`).
 */
export const DEFAULT_SETTINGS: Settings = { ruleDirs: [], suppressed: 'hide', debounceMs: 0, settleMs: 1000 };

/** Reads editor-given settings, keeping the defaults for anything missing or of the wrong type. */
export function readSettings(raw: unknown, base: Settings = DEFAULT_SETTINGS): Settings {
  const given = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const strings = (v: unknown) => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined);
  const level = typeof given.level === 'string' && ['minimal', 'standard', 'strict', 'paranoid'].includes(given.level) ? (given.level as Level) : base.level;
  const frameworks = strings(given.frameworks) ?? base.frameworks;
  return {
    ruleDirs: strings(given.ruleDirs) ?? base.ruleDirs,
    ...(frameworks && frameworks.length > 0 ? { frameworks } : {}),
    ...(level ? { level } : {}),
    suppressed: given.suppressed === 'hint' || given.suppressed === 'hide' ? given.suppressed : base.suppressed,
    debounceMs: typeof given.debounceMs === 'number' && given.debounceMs >= 0 ? given.debounceMs : base.debounceMs,
    settleMs: typeof given.settleMs === 'number' && given.settleMs >= 0 ? given.settleMs : base.settleMs,
  };
}

interface FileState {
  absolutePath: string;
  /** Report path, relative to the workspace root. */
  path: string;
  checked: FileChecked;
  /**
   * Set while the file's own rules have not run because its hosts judge it
   * (an edit inside one value of a host's module): `completeFileCheck` runs
   * what is left once the hosts are evaluated.
   */
  awaitingHosts?: true;
}

/**
 * The analysis of one workspace, kept between edits: each file's per-file
 * results, each host's evaluation and findings. A change re-checks the
 * changed file and re-evaluates only the hosts whose module graph contains it
 * (every host when a `flake.nix` changes, since it declares them).
 */
export class Workspace {
  private files = new Map<string, FileState>();
  private loader: NixSourceLoader;
  private hostFindings = new Map<string, Finding[]>();
  /** Each rule's conclusions on each host, by host name and rule ID: they stand for a host updated in place where nothing the rule reads changed. */
  private ruleJudgements = new Map<string, Map<string, Judgement[]>>();
  /** The Talos node and flake.nix phases' results, kept until a YAML, Terraform or flake file changes. */
  private talosNodePhase: TalosNodesPhaseResult | undefined;
  private flakeFindings: Finding[] | undefined;
  /** See `hostPhaseInputs`. */
  private hostInputs: { nixFiles: { absolutePath: string; path: string }[]; imports: Map<string, string[]> } | undefined;
  /** The NixOS release each flake.lock locks, read again when a flake file changes. */
  private readonly lockedReleases = new Map<string, HostSpec['release'] | null>();
  private filesByHost = new Map<string, Set<string>>();
  /** The module files each host's root lists, in order (where a fix adds a setting to a host). */
  private rootModules = new Map<string, string[]>();
  /**
   * Every file each host has included since the last full evaluation: a
   * module that stops parsing drops out of its host, and must still bring the
   * host back for re-evaluation once it parses again.
   */
  private membership = new Map<string, Set<string>>();
  private hostsByName = new Map<string, Host[]>();
  /** Host specs evaluated at least once (some are then not kept: a configuration.nix that is no system). */
  private seenSpecs = new Set<string>();
  private combined: Finding[] | undefined;
  /** Open modules held while they do not parse (see `fileChanged`): their state and the text their hosts read. */
  private readonly held = new Map<string, { state: FileState; text: string }>();
  /** The text of each open module its hosts last read, when it parsed. */
  private readonly evaluatedText = new Map<string, string>();
  /** The file whose change the next host evaluation follows: hosts that include it are updated in place where that is exact. */
  private changedFile: string | undefined;
  /** The hosts found, kept until a path discovery looked at changes. */
  private discovery: KeptDiscovery | undefined;
  /** While a change is taken: the hosts whose definition read the changed file, built anew from their new definition. */
  private rebuilt: Set<string> | undefined;
  /** How each host was last evaluated: one binding's value again, one binding's definitions under a new name, one module's definitions again (all in place), or built anew. */
  readonly lastEvaluation = new Map<string, 'binding' | 'name' | 'module' | 'built'>();
  allRules: Rule[] = [];
  /** The custom rule directories in use (settings and `.declint.yaml`), which may declare frameworks. */
  ruleDirs: string[] = [];
  rules: Rule[] = [];
  config: Config | undefined;
  /** The `.declint.yaml` in use, when there is one. */
  configPath: string | undefined;
  /** Why the config could not be used (it is then ignored until fixed). */
  configError: LocatedError | undefined;

  constructor(
    readonly root: string,
    private readonly documents: OpenDocuments,
    private settings: Settings,
  ) {
    this.loader = new NixSourceLoader([root], root, documents);
  }

  /** The report path of every file asked for: each edit lists the workspace's files by it. */
  private readonly reportPaths = new Map<string, string>();

  reportPath(absolutePath: string): string {
    let file = this.reportPaths.get(absolutePath);
    if (file === undefined) this.reportPaths.set(absolutePath, (file = reportPath(this.root, absolutePath)));
    return file;
  }

  /** The module a fix adds a host's missing setting to (see `ownModule`). */
  hostModule(host: string): string | { why: string } {
    return ownModule(host, { filesByHost: this.filesByHost, rootModules: this.rootModules });
  }

  /** Loads config and rules, finds the workspace's files and checks them all; `progress` is told the share done. */
  async index(settings: Settings, progress: (done: number, total: number) => void = () => {}): Promise<void> {
    this.settings = settings;
    await this.loadConfigAndRules();
    this.files.clear();
    this.held.clear();
    this.evaluatedText.clear();
    this.hostInputs = undefined;
    this.loader = new NixSourceLoader([this.root], this.root, this.documents);
    const discovered = await discoverFiles([this.root], { base: this.root, ignore: this.config?.ignore ?? [] });
    const now = new Date();
    const known = new Set(discovered.map((f) => f.absolutePath));
    const open = this.documents.all().filter((d) => !known.has(d.absolutePath) && isInside(this.root, d.absolutePath) && candidateKind(d.absolutePath));
    const todo = [...discovered.map((f) => f.absolutePath), ...open.map((d) => d.absolutePath)];
    for (let i = 0; i < todo.length; i++) {
      this.checkFile(todo[i], now);
      if (i % 32 === 31) {
        progress(i + 1, todo.length);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    progress(todo.length, todo.length);
    this.resetHosts();
    this.evaluateHosts(() => true, now);
    for (const document of this.documents.all()) this.noteEvaluatedText(document.absolutePath);
  }

  /**
   * A file's text changed (an edit, a save, a change on disk, a deletion):
   * re-checks it and re-evaluates the hosts it belongs to. Returns the names
   * of the hosts evaluated again.
   *
   * With `typing` (an edit of an open buffer), an open module of some host
   * that stops parsing is held: it is checked on its own (its syntax error
   * is reported at once) and its hosts keep the evaluation of its last text
   * that parsed, as the IDEs keep their last good analysis, instead of being
   * evaluated again without it at every keystroke until it parses again.
   * When it parses again with that same text (the slip undone) nothing else
   * is evaluated; with another text, or on `settle`, it is taken as any
   * change is, and the findings are again exactly those of `declint check`.
   */
  fileChanged(absolutePath: string, typing = false): string[] {
    const settled = this.settle(absolutePath);
    const held = this.held.get(absolutePath);
    if (held) {
      // The slip undone: the text held, which parsed, is back (no need to parse it again to know).
      const undone = this.documents.atPath(absolutePath)?.text === held.text;
      if (typing && !undone && this.checkHeld(absolutePath)) return settled;
      // The hosts read the text held: the change is taken from there.
      this.held.delete(absolutePath);
      this.setFile(absolutePath, held.state);
      if (this.documents.atPath(absolutePath)?.text === held.text) {
        this.combined = undefined;
        return settled;
      }
      return [...new Set([...settled, ...this.applyChange(absolutePath)])].sort();
    }
    const start = typing ? this.startHold(absolutePath) : undefined;
    if (start === 'held') return settled;
    return [...new Set([...settled, ...this.applyChange(absolutePath, start === 'read')])].sort();
  }

  /** Whether an open module is held (see `fileChanged`). */
  isHeld(absolutePath: string): boolean {
    return this.held.has(absolutePath);
  }

  /**
   * Takes the held modules' texts (all but `except`) as changes now: their
   * hosts are evaluated without them. Returns the hosts evaluated again.
   */
  settle(except?: string): string[] {
    const evaluated: string[] = [];
    for (const [absolutePath, held] of [...this.held]) {
      if (absolutePath === except) continue;
      this.held.delete(absolutePath);
      this.setFile(absolutePath, held.state);
      evaluated.push(...this.applyChange(absolutePath));
    }
    return [...new Set(evaluated)].sort();
  }

  /**
   * Holds an open module of some host whose new text does not parse. The
   * loader reads the new text as for any change (typing in a value: that
   * binding alone, without parsing the whole file); 'read' when it parses
   * (the change is then taken from that reading), undefined when the module
   * is not one to hold.
   */
  private startHold(absolutePath: string): 'held' | 'read' | undefined {
    const open = this.documents.atPath(absolutePath);
    const state = this.files.get(absolutePath);
    const read = this.evaluatedText.get(absolutePath);
    if (!open?.isNix || !isInside(this.root, absolutePath) || isFlakeFile(absolutePath) || !state || state.awaitingHosts || read === undefined) return undefined;
    // Only a module whose hosts read its last text (which parsed) has a good evaluation to keep.
    const good = this.loader.reading(absolutePath);
    if (!good || 'error' in good || good.text !== read || this.hostsOf(state.path).length === 0) return undefined;
    this.loader.forget(absolutePath);
    const now = this.loader.load(absolutePath);
    if (!('error' in now) || now.unparsed === undefined) return 'read';
    this.loader.restore(absolutePath, good);
    this.held.set(absolutePath, { state, text: read });
    return this.checkHeld(absolutePath) ? 'held' : undefined;
  }

  /** A held module's own check, while its text does not parse (its hosts still read the text held); false once it parses. */
  private checkHeld(absolutePath: string): boolean {
    const open = this.documents.atPath(absolutePath)!;
    const tree = open.nixTree;
    if (!tree || !firstSyntaxError(tree)) return false;
    const file = { absolutePath, path: this.reportPath(absolutePath) };
    const checked = checkFileText(file, open.text, this.rules, new Date(), { tree }, this.config?.flakes);
    // The hosts and the host phase still read the text held, imports included.
    this.files.set(absolutePath, { ...file, checked: { ...checked, imports: this.held.get(absolutePath)!.state.checked.imports } });
    this.combined = undefined;
    return true;
  }

  /** The change of a file, taken as it is: the file checked again, the hosts that include it evaluated again. */
  private applyChange(absolutePath: string, read = false): string[] {
    const now = new Date();
    const exists = this.documents.atPath(absolutePath) !== undefined || fs.existsSync(absolutePath);
    const before = this.files.get(absolutePath);
    // Unless the loader has just read the new text (`startHold`).
    if (!read) this.loader.forget(absolutePath);
    // A file outside the workspace is checked only while it is open.
    const kept = isInside(this.root, absolutePath) || this.documents.atPath(absolutePath) !== undefined;
    if (exists && kept && candidateKind(absolutePath)) this.checkFile(absolutePath, now, before);
    else this.deleteFile(absolutePath);
    const name = path.basename(absolutePath);
    // A file host discovery read (a flake, a library it imports, a host list in JSON), or one that comes or goes in a
    // directory it listed, or one it may now read (`startsBuildingSystems`), may change which hosts there are: the hosts
    // are found again.
    const discovered =
      this.discovery &&
      (this.discovery.looked.has(absolutePath) || ((!before || !exists) && this.listedAbove(absolutePath, this.discovery.looked)) || (exists && this.startsBuildingSystems(absolutePath, !before)));
    // A file read for some hosts' definitions alone (a host file its flake imports): those hosts are built again, the others kept.
    const readers = discovered && before && exists && !isFlakeFile(absolutePath) ? definitionReaders(this.discovery!, absolutePath) : undefined;
    if (discovered) this.discovery = undefined;
    const flakeFile = isFlakeFile(absolutePath) || (discovered === true && !readers);
    // The Talos node and flake.nix phases read only YAML, Terraform and flake files: an edit elsewhere keeps their findings.
    if (candidateKind(name) === 'yaml' || candidateKind(name) === 'terraform') this.talosNodePhase = undefined;
    if (flakeFile) {
      this.flakeFindings = undefined;
      this.lockedReleases.clear();
    }
    if (!absolutePath.endsWith('.nix') && !flakeFile) {
      this.combined = undefined;
      return [];
    }
    const file = this.reportPath(absolutePath);
    if (flakeFile) {
      // The flake declares the hosts, and its lock their NixOS release: any of them may have changed, appeared or gone.
      this.resetHosts();
      return this.evaluateHosts(() => true, now);
    }
    const evaluate = () => {
      const importsChanged = !sameList(before?.checked.imports, this.files.get(absolutePath)?.checked.imports);
      this.changedFile = absolutePath;
      return this.evaluateHosts(
        (spec) =>
          !this.seenSpecs.has(spec.name) ||
          spec.root.file === file ||
          (this.membership.get(spec.name)?.has(file) ?? false) ||
          (importsChanged && !this.filesByHost.has(spec.name)) ||
          (this.rebuilt?.has(spec.name) ?? false),
        now,
      );
    };
    this.rebuilt = readers;
    let evaluated: string[];
    try {
      evaluated = evaluate();
    } finally {
      this.rebuilt = undefined;
    }
    // A host whose definition no longer gives a NixOS system declint can read is gone until it does again.
    for (const name of readers ?? []) if (!evaluated.includes(name)) this.forgetHost(name);
    this.noteEvaluatedText(absolutePath);
    // The file's own check was left to its hosts, which could not take the edit in place: its imports may have
    // changed, and with them which files are hosts; evaluated again then, with the imports it has now.
    if (!this.completeFileCheck(absolutePath, now)) return evaluated;
    return [...new Set([...evaluated, ...evaluate()])].sort();
  }

  /** Remembers the text of an open module its hosts have just read, when it parses (what a slip may be undone to). */
  private noteEvaluatedText(absolutePath: string): void {
    // What the loader read, which parsed: asked of it rather than of a parse of the document (typing in a value parses none).
    const reading = this.loader.reading(absolutePath);
    const text = this.documents.atPath(absolutePath)?.text;
    if (text !== undefined && reading && !('error' in reading) && reading.text === text) this.evaluatedText.set(absolutePath, text);
    else this.evaluatedText.delete(absolutePath);
  }

  /**
   * Whether a file discovery only tested for building systems by itself
   * (outside any flake, imported by no file), or a new file outside every
   * flake, now may (`import <nixpkgs/nixos> { … }`, a colmena `hive.nix`):
   * discovery did not evaluate it, so nothing it looked at changed.
   */
  private startsBuildingSystems(absolutePath: string, isNew: boolean): boolean {
    const { entryCandidates, flakeDirs } = this.discovery!.result;
    // A new file: which files import it is not known here (one that does is found again for nothing).
    const candidate = entryCandidates.has(absolutePath) || (isNew && isEntryCandidate(absolutePath, flakeDirs, NO_FILES));
    return candidate && mayBuildSystems(absolutePath, () => this.loader.peek(absolutePath));
  }

  /** Whether discovery listed a directory that holds the path (a new `hosts/<name>/default.nix` is a new entry of `hosts/`). */
  private listedAbove(absolutePath: string, looked: ReadonlySet<string>): boolean {
    for (let dir = path.dirname(absolutePath); isInside(this.root, dir); dir = path.dirname(dir)) {
      if (looked.has(dir)) return true;
      if (dir === this.root) break;
    }
    return false;
  }

  /** Every finding of the workspace, suppressed and excepted ones marked. */
  findings(): Finding[] {
    if (this.combined) return this.combined;
    const now = new Date();
    const files = [...this.files.keys()].map((absolutePath) => ({ absolutePath, path: this.reportPath(absolutePath) }));
    // Talos nodes are built from the files on disk (unsaved patches count once saved); flake.nix is read through the open buffers.
    const talosNodes = (this.talosNodePhase ??= checkTalosNodes({
      files,
      talosFiles: [...this.files.values()].flatMap((f) => (f.checked.talos ? [f.checked.talos] : [])),
      rules: this.rules,
      now,
      roots: [this.root],
      base: this.root,
    }));
    this.flakeFindings ??= checkFlakes(files, this.rules, now, this.loader, this.config?.flakes, (absolutePath) => this.documents.atPath(absolutePath)?.text ?? readIfPresent(absolutePath));
    this.combined = combineFindings({
      perFile: [...this.files.values()].flatMap((f) => f.checked.findings),
      hostFindings: mergeHostFindings([...this.hostFindings.values()].flat()),
      hostFiles: new Set([...this.filesByHost.values()].flatMap((s) => [...s])),
      talosNodeFindings: talosNodes.findings,
      talosNodeFiles: talosNodes.files,
      flakeFindings: this.flakeFindings,
      suppressions: [...this.files.values()].flatMap((f) => f.checked.suppressions),
      rules: this.rules,
      allRules: this.allRules,
      config: this.config,
      now,
    });
    return this.combined;
  }

  /** The evaluated hosts (with their specialisations) whose modules include a file. */
  hostsOf(file: string): Host[] {
    return [...this.filesByHost].filter(([, files]) => files.has(file)).flatMap(([name]) => this.hostsByName.get(name) ?? []);
  }

  lines(file: string): LineIndex {
    return this.loader.lines(file);
  }


  /**
   * Runs the file's own rules, or with `before` (its previous state) leaves
   * them to `completeFileCheck` when hosts include the file and it parses:
   * the NixOS rules' per-file findings on a host's file give way to the
   * host's, and the hosts are evaluated with the imports it had, which stay
   * the same wherever a host takes the edit in place.
   */
  private checkFile(absolutePath: string, now: Date, before?: FileState): void {
    const open = this.documents.atPath(absolutePath);
    let text = open?.text;
    if (text === undefined) {
      const read = readText(absolutePath, { maxBytes: MAX_SOURCE_BYTES });
      if (read.kind === 'error') {
        this.deleteFile(absolutePath);
        return;
      }
      text = read.text;
    }
    const file = { absolutePath, path: this.reportPath(absolutePath) };
    try {
      // An open module is converted once, by the loader, for both the file's own check and its hosts.
      let parsed: ParsedNix | undefined;
      if (open?.isNix) {
        const loaded = isInside(this.root, absolutePath) ? this.loader.load(absolutePath) : undefined;
        if (before && !before.awaitingHosts && loaded && !('error' in loaded) && !isFlakeFile(absolutePath) && this.judgedByHosts(file.path)) {
          this.setFile(absolutePath, { ...file, checked: { findings: [], scanned: true, imports: before.checked.imports, suppressions: parseSuppressions(file.path, text) }, awaitingHosts: true });
          this.combined = undefined;
          return;
        }
        // No tree where parsing took longer than its budget: the file's own check says so.
        const tree = open.nixTree;
        if (tree) parsed = { tree, ...(loaded && !('error' in loaded) ? { root: loaded.root } : {}) };
      }
      this.setFile(absolutePath, { ...file, checked: checkFileText(file, text, this.rules, now, parsed, this.config?.flakes) });
    } catch (error) {
      // A bug on one document must not take the others down: the file is reported, not the server.
      this.setFile(absolutePath, { ...file, checked: { findings: [internalErrorFinding(file.path, error)], scanned: true, suppressions: [] } });
    }
    this.combined = undefined;
  }

  private setFile(absolutePath: string, state: FileState): void {
    const before = this.files.get(absolutePath);
    if (!before || !sameList(before.checked.imports, state.checked.imports)) this.hostInputs = undefined;
    this.files.set(absolutePath, state);
  }

  private deleteFile(absolutePath: string): void {
    if (this.files.delete(absolutePath)) this.hostInputs = undefined;
  }

  /** The workspace's `.nix` files in report order and what each imports, as the host phase reads them; kept while no file comes, goes or imports anew. */
  private hostPhaseInputs(): NonNullable<Workspace['hostInputs']> {
    if (this.hostInputs) return this.hostInputs;
    const nixFiles = [...this.files.values()].filter((f) => f.absolutePath.endsWith('.nix') && isInside(this.root, f.absolutePath)).map((f) => ({ absolutePath: f.absolutePath, path: f.path }));
    nixFiles.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const imports = new Map([...this.files.values()].flatMap((f) => (f.checked.imports ? [[f.absolutePath, f.checked.imports] as [string, string[]]] : [])));
    return (this.hostInputs = { nixFiles, imports });
  }

  /** Whether hosts include the file, none through an inline module (whose definitions its own reading would not list). */
  private judgedByHosts(file: string): boolean {
    const hosts = this.hostsOf(file);
    return hosts.length > 0 && hosts.every((h) => !h.filesWithInlineModules.has(file));
  }

  /**
   * The rest of a check `checkFile` left to the hosts. Where every host that
   * includes the file took the edit in place (which they do only when its
   * imports stayed the same), the file's renamed options, from its
   * definitions in one of them. Otherwise the whole check; true when that
   * found other imports than before.
   */
  private completeFileCheck(absolutePath: string, now: Date): boolean {
    const state = this.files.get(absolutePath);
    if (!state?.awaitingHosts) return false;
    const hosts = this.hostsOf(state.path);
    const inPlace = hosts.length > 0 && hosts.every((h) => this.lastEvaluation.get(h.name.split('/')[0]) !== 'built');
    if (!inPlace) {
      this.checkFile(absolutePath, now);
      return !sameList(state.checked.imports, this.files.get(absolutePath)?.checked.imports);
    }
    const definitions = hosts[0].definitions.filter((d) => d.file === state.path).map((d) => d.def);
    const module = { definitions, declarations: [], imports: [] };
    const { awaitingHosts: _, ...checkedState } = state;
    this.setFile(absolutePath, { ...checkedState, checked: { ...state.checked, findings: renamedOptionFindings(state.path, module, this.loader.lines(state.path), this.rules) } });
    this.combined = undefined;
    return false;
  }

  /** What is kept of each host, by its name. */
  private get perHost(): { delete(name: string): boolean; clear(): void }[] {
    return [this.hostFindings, this.ruleJudgements, this.filesByHost, this.rootModules, this.membership, this.hostsByName, this.seenSpecs];
  }

  /** Forgets what was evaluated of one host. */
  private forgetHost(name: string): void {
    for (const kept of this.perHost) kept.delete(name);
    this.combined = undefined;
  }

  private resetHosts(): void {
    this.lockedReleases.clear();
    for (const kept of this.perHost) kept.clear();
  }

  private evaluateHosts(only: (spec: HostSpec) => boolean, now: Date): string[] {
    const evaluated = new Set<string>();
    const { nixFiles, imports } = this.hostPhaseInputs();
    const changedReport = this.changedFile ? this.reportPath(this.changedFile) : undefined;
    let result;
    try {
      result = checkHosts({
        nixFiles,
        roots: [this.root],
        base: this.root,
        imports,
        rules: this.rules,
        now,
        keepHosts: true,
        hostTypes: this.config?.hostTypes ?? {},
        ...(this.config?.hosts ? { declared: { file: this.reportPath(this.configPath ?? ''), hosts: this.config.hosts } } : {}),
        loader: this.loader,
        lockedReleases: this.lockedReleases,
        ...(this.discovery ? { discovery: this.discovery } : {}),
        build: (spec, options) => this.build(spec, options),
        previous: (host, rule) => {
          const judgements = this.ruleJudgements.get(host.name)?.get(rule.id);
          if (!judgements) return undefined;
          // A finding in the edited file may have moved with the text around it, though its option did not change.
          const edited = changedReport;
          return { judgements, stale: (j: Judgement) => j.finding !== undefined && (j.finding.location.file === edited || j.finding.related.some((r) => r.file === edited)) };
        },
        judged: (host, rule, judgements) => {
          let byRule = this.ruleJudgements.get(host.name);
          if (!byRule) this.ruleJudgements.set(host.name, (byRule = new Map()));
          byRule.set(rule.id, judgements);
        },
        only: (spec) => {
          if (!only(spec)) return false;
          evaluated.add(spec.name);
          return true;
        },
      });
    } catch (error) {
      this.combined = undefined;
      throw error;
    } finally {
      this.changedFile = undefined;
    }
    this.discovery = result.discovery;
    for (const name of evaluated) {
      this.seenSpecs.add(name);
      this.hostFindings.delete(name);
      this.filesByHost.delete(name);
      this.rootModules.delete(name);
      this.hostsByName.delete(name);
    }
    // A host renamed once read (a configuration.nix after its networking.hostName) is known by its new name.
    for (const name of result.filesByHost.keys()) {
      if (evaluated.has(name)) continue;
      this.hostFindings.delete(name);
      this.hostsByName.delete(name);
    }
    for (const [name, files] of result.rootModules) this.rootModules.set(name, files);
    for (const [name, files] of result.filesByHost) {
      this.filesByHost.set(name, files);
      this.membership.set(name, new Set([...(this.membership.get(name) ?? []), ...files]));
    }
    for (const host of result.hosts) {
      const base = host.name.split('/')[0];
      this.hostsByName.set(base, [...(this.hostsByName.get(base) ?? []), host]);
    }
    // Findings shared by several hosts come merged; each host keeps its own share, merged again when combined.
    for (const finding of result.findings) {
      const byBase = new Map<string, string[]>();
      for (const h of finding.hosts ?? []) byBase.set(h.split('/')[0], [...(byBase.get(h.split('/')[0]) ?? []), h]);
      for (const [base, names] of byBase) this.hostFindings.set(base, [...(this.hostFindings.get(base) ?? []), { ...finding, hosts: names }]);
    }
    this.combined = undefined;
    return [...evaluated].sort();
  }

  /** A host again: the previous evaluation with the changed file's new definitions when that is exact, else built anew. */
  private build(spec: HostSpec, options: BuildOptions): Host {
    // A host whose definition changed is built from its new one; another is brought up to date where it can be.
    const previous = this.rebuilt?.has(spec.name) ? undefined : this.hostsByName.get(spec.name)?.[0];
    const updated = previous && this.changedFile ? updateHost(previous, this.changedFile, options) : undefined;
    this.lastEvaluation.set(spec.name, updated?.updatedBy ?? 'built');
    return updated ?? buildHost(spec, options);
  }

  /** Reads `.declint.yaml` and the rules; a broken config is reported and the defaults apply until it is fixed. */
  private async loadConfigAndRules(): Promise<void> {
    this.configError = undefined;
    this.configPath = findConfig(this.root);
    let config: Config | undefined;
    if (this.configPath) {
      try {
        config = loadConfig(this.configPath, this.reportPath(this.configPath));
      } catch (error) {
        if (!(error instanceof LocatedError)) throw error;
        this.configError = error;
      }
    }
    const s = this.settings;
    const effective: Config = {
      ...(config ?? DEFAULT_CONFIG),
      ...(s.frameworks ? { frameworks: s.frameworks.map((key) => ({ key, variant: {} })) } : {}),
      ...(s.level ? { level: s.level } : {}),
    };
    const ruleDirs = [...s.ruleDirs.map((d) => path.resolve(this.root, d)), ...effective.ruleDirs];
    this.ruleDirs = ruleDirs;
    this.config = config ? effective : s.frameworks || s.level ? effective : undefined;
    try {
      this.allRules = await loadRuleSet(ruleDirs, this.root);
    } catch (error) {
      if (!(error instanceof LocatedError)) throw error;
      this.configError = error;
      this.allRules = await loadRuleSet([], this.root);
    }
    try {
      this.rules = configuredRules(this.allRules, this.config, ruleDirs, this.root);
    } catch (error) {
      if (!(error instanceof LocatedError)) throw error;
      // The configuration is shown as broken; the editor keeps the default selection meanwhile.
      this.configError ??= error;
      this.rules = selectRules(this.allRules, DEFAULT_CONFIG);
    }
    this.ruleJudgements.clear();
    this.talosNodePhase = undefined;
    this.flakeFindings = undefined;
  }
}

/** For a file whose importers are not known. */
const NO_FILES: ReadonlySet<string> = new Set();

function sameList(a: string[] | undefined, b: string[] | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]));
}

function isFlakeFile(absolutePath: string): boolean {
  const name = path.basename(absolutePath);
  return name === 'flake.nix' || name === 'flake.lock';
}
