import { replayReads, traceReads, tracing } from './read-trace';
import { addPath, TrieNode, updatedTrie } from './path-trie';
import * as path from 'path';
import type { Span } from '../source/position';
import { Evaluator, EvalSession } from './evaluate';
import { conditionsHold, NixModule, OptionDeclaration, OptionDefinition, readModule, readModuleValue, redefined, renamedDefinition } from './module';
import { declaresBelow, nixosDefault, optionMerge, optionsBelow, unsetValue } from './nixos-options';
import { canonicalOptionPath, formatOptionPath, OPTION_KEY_SEPARATOR, optionKey, samePath, underSysctl } from './option-path';
import type { NixNode } from './syntax';
import { Attr, AttrsValue, describeValue, Plain, Thunk, toPlain, unknown, Value } from './value';
import { shownValue } from '../redaction/secrets';

/** How a host includes a module. */
export type ModuleRef =
  | { kind: 'file'; absolutePath: string; from: SourceSite }
  | { kind: 'inline'; value: Value; evaluator: Evaluator; from: SourceSite; /** Directory its paths are relative to. */ dir: string }
  | { kind: 'external'; name: string; from: SourceSite }
  /** An element of a module list declint cannot read: the host is read in part. */
  | { kind: 'unread'; why: string; from: SourceSite };

/** A place in a scanned file. */
export interface SourceSite {
  /** Report path of the file. */
  file: string;
  span: Span;
}

/** What a NixOS system is for, so users can scope rules to some of them (`hostTypes`) or leave some out. */
export type HostRole = 'host' | 'vm' | 'iso' | 'test' | 'template';

/** A host as found in a flake or as a `configuration.nix` root. */
export interface HostSpec {
  name: string;
  /** The `nixosSystem { … }` call, or the top of `configuration.nix`: where absence findings go. */
  root: SourceSite;
  modules: ModuleRef[];
  specialArgs: Map<string, Thunk>;
  /** How the host was found (`nixosConfigurations (mapAttrs over readDir hosts) → nixosSystem`). */
  construct?: string;
  role?: HostRole;
  /**
   * Parts of the host's module list declint could not read (an element it
   * cannot evaluate): the host is read in part, and what its modules do not
   * set is not judged.
   */
  unread?: HostNote[];
  /** Set where the host's flake uses a module that makes guest systems of a host option (`guests` of nixos-extra-modules). */
  guests?: 'nixos-extra-modules';
  /** The NixOS release the host builds from (its flake's locked nixpkgs), for rules with `since` / `until`. */
  release?: { release: string; source: string };
  /**
   * What reading this host's definition read of the tree, apart from what
   * host discovery read for every host (`check --cache`: a change there
   * evaluates this host alone again). Set only while reads are traced.
   */
  reads?: string[];
}

/** A parsed `.nix` file, as the host builder needs it. */
export interface LoadedSource {
  /** The file read (a directory's `default.nix`). */
  absolutePath: string;
  file: string;
  text: string;
  root: NixNode;
  /** Set when `root` is the previous reading's tree with one binding's value replaced in place. */
  patch?: BindingPatch;
  /** Set when `root` is the previous reading's tree with one name of a binding's attribute path changed in place. */
  rename?: BindingRename;
}

/**
 * One name of a binding's attribute path changed in place (`renameInPlace`):
 * the definitions it wrote were at or below `path` (the option path of its
 * names), and are at or below `renamed` now.
 */
export interface BindingRename {
  binding: NixNode;
  path: string[];
  renamed: string[];
}

/** One binding of a module given a new value expression in place, the rest of its tree kept. */
export interface BindingPatch {
  binding: NixNode;
  /** The value expression before the edit, and after. */
  before: NixNode;
  after: NixNode;
}

export interface SourceLoader {
  /** The parsed file, or a reason why it cannot be used (outside the root, missing, syntax error). */
  load(absolutePath: string): LoadedSource | LoadError;
}

export interface LoadError {
  error: string;
  /** For a file that exists in the tree but does not parse: its report path. */
  unparsed?: string;
  /** For a file that exists in the tree but does not parse: the file (a directory's `default.nix`). */
  absolutePath?: string;
}

/** One definition in a host, with the file it came from. */
export interface HostDefinition {
  file: string;
  /** The option path after old names are forwarded to new ones. */
  path: string[];
  /** The path as written, when it was an old name. */
  writtenPath?: string[];
  def: OptionDefinition;
  /**
   * The module's place in the host's collection (breadth-first from the
   * roots, as nixpkgs' collectModules finds them). The module system merges
   * definitions of later modules first: an imported module's list items come
   * before its importer's.
   */
  module: number;
}

export type ContributionStatus = 'won' | 'overridden' | 'inactive' | 'undecided';

export interface Contribution {
  definition: HostDefinition;
  status: ContributionStatus;
}

/** The effective value of one option in one host, with every definition that contributed. */
export type Effective =
  | { kind: 'known'; value: Value; plain: Plain | undefined; contributions: Contribution[] }
  | { kind: 'unknown'; why: string; contributions: Contribution[] }
  | {
      kind: 'absent';
      /** The default a module of the host declares (`mkOption { default = …; }`). */
      declaredDefault?: Value;
      /** NixOS's own default, from the option table (nixos-options.json). */
      nixosDefault?: Value;
    };

/** What could not be followed while collecting a host's modules. */
export interface HostNote {
  site: SourceSite;
  message: string;
}

const KEY_SEPARATOR = OPTION_KEY_SEPARATOR;
const key = optionKey;

/**
 * A host's modules merged the way the NixOS module system merges them:
 * the lowest priority wins, lists of the winning priority concatenate in
 * `mkOrder` order, `mkIf` conditions are read against the host's own
 * configuration, and two different scalar values at the winning priority are
 * a conflict. Values are computed on demand, per option, to a fixpoint:
 * `config.a.b` in one module reads the effective value of `a.b`.
 */
export class Host {
  readonly files = new Set<string>();
  readonly definitions: HostDefinition[] = [];
  readonly notes: HostNote[] = [];
  /** Modules from outside the scanned tree (flake inputs, modulesPath), listed and never read. */
  readonly externalModules: { site: SourceSite; name: string }[] = [];
  /**
   * Parts of the host inside the tree that could not be read: an element of
   * a module list declint cannot evaluate, an imported file that does not
   * exist or does not parse. What they might set is not judged absent.
   */
  readonly unread: HostNote[] = [];
  /**
   * Modules in the tree declint could not read, in whole or in part (a body
   * built by a function, an `imports` list it cannot fold): like an unread
   * external module, they may set any option.
   */
  readonly unreadable: { site: SourceSite; file: string; why: string }[] = [];
  readonly conflicts = new Map<string, Contribution[]>();
  private byPath = new Map<string, HostDefinition[]>();
  /** Names defined below each path, as a tree of maps (`services` → `openssh` → …). */
  private tree: TrieNode = new Map();
  private readonly declarations = new Map<string, { declaration: OptionDeclaration; file: string }>();
  private readonly memo = new Map<string, Effective>();
  private readonly resolving = new Set<string>();
  private collecting = true;
  /** @internal Configuration reads answered as unknown because collection was not finished. */
  readsWhileCollecting = 0;
  /**
   * @internal Built to a fixpoint: no module read `config` while collected, or
   * the last round collected the same definitions as the one before.
   */
  settled = false;
  /** More modules than declint evaluates for one host: see MAX_HOST_MODULES. */
  tooLarge = false;
  /**
   * @internal How values handed out by this host read the configuration later:
   * through the builder's indirection, so that a value given out while a later
   * round was collected reads the finished host, not this one.
   */
  reader: ((p: string[]) => Value | undefined) | undefined;
  /**
   * @internal Every option path read through this host's `config` while it
   * was built and since (keys of `key()`); shared with the hosts that
   * `updateHost` derives from it.
   */
  configReads = new Set<string>();
  /**
   * @internal The newest host of this build, shared by the hosts `updateHost`
   * derives from it: values handed out earlier read their `config` there. A
   * cell rather than a chain of successors, so replaced hosts can be freed.
   */
  current: { host: Host } = { host: this };
  /** @internal Replaced by a newer host through `updateHost`. */
  replaced = false;
  /**
   * @internal Set on a host updated in place (`updateHost`): the option paths
   * whose definitions changed. Every other option has the effective value it
   * had in the previous host, so a rule that reads none of these paths
   * concludes what it concluded there.
   */
  changedPaths: string[][] | undefined;
  /** @internal How `updateHost` made this host: one binding's value evaluated again, or one module's definitions read again. */
  updatedBy: 'binding' | 'name' | 'module' | undefined;
  /** @internal What each module file imports, as collected. */
  readonly importsByFile = new Map<string, string>();
  /** @internal Files that hold inline modules (`imports = [ { … } ]`) besides their own. */
  readonly filesWithInlineModules = new Set<string>();
  /** @internal Where each module file is imported from (where a note about it points). */
  readonly importSites = new Map<string, SourceSite>();
  /**
   * @internal Module files dropped from this host in place because they
   * stopped parsing (`updateHost`): the definition their own followed, and
   * the note that says so, to put them back where they were.
   */
  readonly detached = new Map<string, { after: HostDefinition | undefined; note: HostNote }>();
  /**
   * @internal Set on a host updated in place whose modules define the same
   * option paths as the previous host's (only values changed): the options a
   * wildcard matches are the same.
   */
  samePathsAsPrevious = false;
  /** Option paths (keys) with two or more definitions at their best priority: where conflicts can be. */
  private contested: string[] | undefined;

  /** The host's spec; a `configuration.nix` root is renamed after its `networking.hostName` once read. */
  constructor(public spec: HostSpec) {}

  /**
   * The option paths some module defines that match a pattern whose `*`
   * segments stand for any one name (`users.users.*.password`), found through
   * the path trie instead of a scan of every definition.
   */
  definedPathsMatching(pattern: readonly string[]): string[][] {
    const out: string[][] = [];
    const walk = (node: TrieNode, depth: number, concrete: string[]): void => {
      if (depth === pattern.length) {
        if (this.byPath.has(key(concrete))) out.push(concrete);
        return;
      }
      const segment = pattern[depth];
      if (segment === '*') for (const [name, child] of node) walk(child, depth + 1, [...concrete, name]);
      else {
        const child = node.get(segment);
        if (child) walk(child, depth + 1, [...concrete, segment]);
      }
    };
    walk(this.tree, 0, []);
    return out;
  }

  /**
   * The option paths that match a pattern and are defined there or below
   * (`services.nginx.virtualHosts.*` → each virtual host some module sets a
   * field of; `services.restic.backups.*.pruneOpts` → that option of every
   * backup job, set or not), through the path trie.
   */
  pathsMatching(pattern: readonly string[]): string[][] {
    const out: string[][] = [];
    const walk = (node: TrieNode | undefined, depth: number, concrete: string[]): void => {
      // The last segment of a pattern names an option of each match found above it, set or not.
      if (depth === pattern.length - 1 && pattern[depth] !== '*') {
        out.push([...concrete, pattern[depth]]);
        return;
      }
      if (depth === pattern.length) {
        out.push(concrete);
        return;
      }
      if (!node) return;
      const segment = pattern[depth];
      if (segment === '*') for (const [name, child] of node) walk(child, depth + 1, [...concrete, name]);
      else walk(node.get(segment), depth + 1, [...concrete, segment]);
    };
    walk(this.tree, 0, []);
    return out;
  }

  get name(): string {
    return this.spec.name;
  }

  /**
   * The evaluator's view of `config`: the effective value, or undefined when
   * nothing sets it. A set whose keys are defined one by one is read lazily,
   * key by key (`cfg = config.services.foo;` then `cfg.enable`): reading it
   * whole would make every condition inside it depend on itself.
   */
  readConfig(optionPath: string[]): Value | undefined {
    if (this.collecting) return unknown(`${formatOptionPath(optionPath)} is read while the host's modules are being collected`);
    const below = this.namesBelow(optionPath);
    if (below && (this.byPath.get(key(optionPath)) ?? []).every((d) => isEmptySet(d.def.value))) return this.attrsBelow(optionPath, below);
    const effective = this.effective(optionPath);
    switch (effective.kind) {
      case 'known':
        return effective.value;
      case 'unknown':
        return unknown(effective.why);
      default: {
        // A condition on an option nobody sets reads its default (a module's own declaration, else NixOS's),
        // unless a module declint cannot read may set it.
        const unread = opaqueExternalModules(this);
        if ((effective.declaredDefault || effective.nixosDefault) && unread.length > 0) {
          return unknown(`${formatOptionPath(optionPath)} is not set in the modules declint read, and unread modules (${unread.join(', ')}) may set it`);
        }
        if (effective.declaredDefault) return effective.declaredDefault;
        if (effective.nixosDefault) return effective.nixosDefault;
        // Options are declared below it (`options.services.foo.enable`, or NixOS's): their defaults are read through it.
        if (this.declaresBelow(optionPath) || declaresBelow(optionPath)) return this.attrsBelow(optionPath, new Set());
        return undefined;
      }
    }
  }

  /** Whether a module of this host declares an option below the path. */
  private declaresBelow(optionPath: string[]): boolean {
    const prefix = key(optionPath) + KEY_SEPARATOR;
    for (const k of this.declarations.keys()) if (k.startsWith(prefix)) return true;
    return false;
  }

  /** Modules added so far: the next one's place (`HostDefinition.module`). */
  private modulesAdded = 0;

  /** @internal Adds one module's definitions; `aliases` forwards old option names. */
  addModule(file: string, module: NixModule, aliases: AliasTable): void {
    this.files.add(file);
    const place = this.modulesAdded++;
    for (const def of module.definitions) this.definitions.push(hostDefinition(def.file ?? file, def, aliases, place));
    for (const declaration of module.declarations) this.declarations.set(key(declaration.path), { declaration, file });
  }

  /** @internal Ends collection: indexes definitions by path (values are read later, on demand). */
  seal(): void {
    for (const d of this.definitions) {
      const k = key(d.path);
      const list = this.byPath.get(k) ?? [];
      list.push(d);
      this.byPath.set(k, list);
      addPath(this.tree, d.path);
    }
    this.collecting = false;
  }

  /** @internal Whether a file's new module declares exactly the options (and defaults) the host has from it. */
  sameDeclarations(file: string, module: NixModule): boolean {
    const before = new Map([...this.declarations].filter(([, d]) => d.file === file).map(([k, d]) => [k, d.declaration]));
    if (before.size !== module.declarations.length) return false;
    // A default declint cannot compare (a function) may have changed without showing: only comparable defaults are the same.
    return module.declarations.every((d) => {
      const old = before.get(key(d.path));
      if (!old || !old.default !== !d.default) return false;
      return !d.default || sameValue(old.default!.force(), d.default.force()) === true;
    });
  }

  /**
   * @internal A copy of this host in which one file's definitions are the
   * given module's, in the same place. Effective values already computed are
   * kept where neither the file's definitions nor the `changed` paths (at,
   * above or below) are involved.
   */
  withModuleReplaced(file: string, module: NixModule, aliases: AliasTable, changed: string[][], detached?: { after: HostDefinition | undefined }): Host {
    const host = this.shell();
    // Whether the file could be read is the new text's to say.
    const unreadable = host.unreadable.findIndex((u) => u.file === file && !u.why.startsWith(`${file}: imports `));
    const site = unreadable >= 0 ? host.unreadable[unreadable].site : (host.importSites.get(file) ?? host.spec.root);
    if (unreadable >= 0) host.unreadable.splice(unreadable, 1);
    if (module.opaque) host.unreadable.push({ site, file, why: `${file}: ${module.opaque}` });
    let placed = false;
    const removed: HostDefinition[] = [];
    const added: HostDefinition[] = [];
    const place = (module_: number) => {
      placed = true;
      for (const def of module.definitions) {
        const hostDef = hostDefinition(file, def, aliases, module_);
        host.definitions.push(hostDef);
        added.push(hostDef);
      }
    };
    // A file put back after it parses again goes after the definition its own followed (in a module between it and the next).
    if (detached && detached.after === undefined) place(-0.5);
    for (const d of this.definitions) {
      if (d.file !== file) {
        host.definitions.push(d);
        if (detached && d === detached.after) place(d.module + 0.5);
      } else {
        removed.push(d);
        if (!placed) place(d.module);
      }
    }
    if (!host.sealFrom(this, file, removed, added)) host.seal();
    this.keepComputed(host, (c) => c.definition.file === file, changed);
    return host;
  }

  /**
   * @internal This host with one definition given a new value (its binding
   * was edited in place), its option, place and everything else the same,
   * changed in place: copying a large host's indexes at every keystroke
   * would cost more than the evaluation. Effective values computed here are
   * dropped where that definition or a `changed` path is involved.
   */
  replaceDefinition(old: HostDefinition, def: OptionDefinition, changed: string[][]): void {
    const replacement: HostDefinition = { ...old, def };
    const at = this.definitions.indexOf(old);
    if (at >= 0) this.definitions[at] = replacement;
    const k = key(old.path);
    this.byPath.set(k, (this.byPath.get(k) ?? []).map((d) => (d === old ? replacement : d)));
    // Same option paths and priorities: the tree and where conflicts can be stay as they are.
    this.samePathsAsPrevious = true;
    this.dropComputed((c) => c.definition === old, changed);
  }

  /** Drops the effective values and conflicts computed here that a replaced definition or a changed path (at, above or below) is part of. */
  private dropComputed(replaced: (c: Contribution) => boolean, changed: string[][]): void {
    const stale = staleComputed(replaced, changed);
    for (const [k, effective] of this.memo) if (stale(k, effective.kind === 'absent' ? [] : effective.contributions)) this.memo.delete(k);
    for (const [k, contributions] of this.conflicts) if (stale(k, contributions)) this.conflicts.delete(k);
  }

  /**
   * @internal This host with some definitions of one file under other
   * option paths (a name of their binding was edited in place), each in its
   * place, changed in place as `replaceDefinition` changes a value. False,
   * with nothing changed, where a new path is one the host already defines:
   * the place among those definitions is not known here.
   */
  moveDefinitions(moves: { old: HostDefinition; def: OptionDefinition }[], aliases: AliasTable, changed: string[][]): boolean {
    const now = new Map(moves.map(({ old, def }) => [old, hostDefinition(old.file, def, aliases, old.module)]));
    const added = new Map<string, HostDefinition[]>();
    for (const d of now.values()) {
      const k = key(d.path);
      if (this.byPath.has(k)) return false;
      added.set(k, [...(added.get(k) ?? []), d]);
    }
    for (let i = 0; i < this.definitions.length; i++) this.definitions[i] = now.get(this.definitions[i]) ?? this.definitions[i];
    const gone: string[][] = [];
    for (const old of now.keys()) {
      const k = key(old.path);
      const rest = (this.byPath.get(k) ?? []).filter((d) => !now.has(d));
      if (rest.length > 0) this.byPath.set(k, rest);
      else if (this.byPath.delete(k)) gone.push(old.path);
    }
    for (const [k, list] of added) this.byPath.set(k, list);
    this.tree = updatedTrie(this.tree, [...added.values()].map((list) => list[0].path), gone, (p) => this.byPath.has(key(p)));
    this.samePathsAsPrevious = false;
    this.dropComputed((c) => now.has(c.definition), changed);
    return true;
  }

  /** A new host with this one's spec, files, notes, imports and declarations, and no definitions yet. */
  private shell(): Host {
    const host = new Host(this.spec);
    host.reader = this.reader;
    host.configReads = this.configReads;
    host.readsWhileCollecting = this.readsWhileCollecting;
    host.settled = this.settled;
    for (const f of this.files) host.files.add(f);
    for (const f of this.filesWithInlineModules) host.filesWithInlineModules.add(f);
    for (const [f, site] of this.importSites) host.importSites.set(f, site);
    for (const [f, detached] of this.detached) host.detached.set(f, detached);
    host.notes.push(...this.notes);
    host.unread.push(...this.unread);
    host.externalModules.push(...this.externalModules);
    host.unreadable.push(...this.unreadable);
    for (const [f, imports] of this.importsByFile) host.importsByFile.set(f, imports);
    for (const [k, d] of this.declarations) host.declarations.set(k, d);
    return host;
  }

  /** Hands the effective values and conflicts computed here to a copy, except those a replaced definition or a changed path (at, above or below) is part of. */
  private keepComputed(host: Host, replaced: (c: Contribution) => boolean, changed: string[][]): void {
    const stale = staleComputed(replaced, changed);
    for (const [k, effective] of this.memo) if (!stale(k, effective.kind === 'absent' ? [] : effective.contributions)) host.memo.set(k, effective);
    for (const [k, contributions] of this.conflicts) if (!stale(k, contributions)) host.conflicts.set(k, contributions);
  }

  /**
   * Seals a copy made by `withModuleReplaced` from the previous host's
   * indexes, redoing only the option paths one file's definitions touch.
   * False (nothing done) where the file defines a path other files define
   * too and did not before: its place among theirs is not known here.
   */
  private sealFrom(previous: Host, file: string, removed: HostDefinition[], added: HostDefinition[]): boolean {
    const addedByKey = new Map<string, HostDefinition[]>();
    for (const d of added) {
      const k = key(d.path);
      const list = addedByKey.get(k);
      if (list) list.push(d);
      else addedByKey.set(k, [d]);
    }
    const removedKeys = new Set(removed.map((d) => key(d.path)));
    const byPath = new Map(previous.byPath);
    for (const k of new Set([...removedKeys, ...addedByKey.keys()])) {
      const before = previous.byPath.get(k) ?? [];
      const mine = addedByKey.get(k) ?? [];
      const at = before.findIndex((d) => d.file === file);
      const others = before.filter((d) => d.file !== file);
      if (at < 0 && mine.length > 0 && others.length > 0) return false;
      const list = at < 0 ? [...others, ...mine] : [...before.slice(0, at), ...mine, ...before.slice(at).filter((d) => d.file !== file)];
      if (list.length === 0) byPath.delete(k);
      else byPath.set(k, list);
    }
    this.byPath = byPath;
    const samePaths = removedKeys.size === addedByKey.size && [...removedKeys].every((k) => addedByKey.has(k));
    this.samePathsAsPrevious = samePaths;
    if (samePaths) this.tree = previous.tree;
    else {
      // Only the paths the file's definitions touch: the rest of the trie is the previous host's.
      const gone = removed.filter((d) => !byPath.has(key(d.path))).map((d) => d.path);
      this.tree = updatedTrie(previous.tree, [...addedByKey.values()].map((list) => list[0].path), gone, (p) => byPath.has(key(p)));
    }
    this.collecting = false;
    return true;
  }

  /**
   * Options with two different values at the winning priority, which the
   * module system refuses to merge. Only options with such candidates are
   * evaluated.
   */
  findConflicts(): { path: string[]; contributions: Contribution[] }[] {
    this.contested ??= [...this.byPath].filter(([, defs]) => {
      if (defs.length < 2) return false;
      let best = Infinity;
      let atBest = 0;
      for (const d of defs) {
        if (d.def.priority < best) (best = d.def.priority), (atBest = 1);
        else if (d.def.priority === best) atBest++;
      }
      return atBest >= 2;
    }).map(([k]) => k);
    const out: { path: string[]; contributions: Contribution[] }[] = [];
    for (const k of this.contested) {
      const defs = this.byPath.get(k)!;
      this.effective(defs[0].path);
      const conflict = this.conflicts.get(k);
      if (conflict) out.push({ path: defs[0].path, contributions: conflict });
    }
    return out;
  }

  /** The effective value of an option in this host, with provenance. */
  effective(optionPath: string[]): Effective {
    const k = key(optionPath);
    const cached = this.memo.get(k);
    if (cached) return cached;
    if (this.resolving.has(k)) return { kind: 'unknown', why: `${formatOptionPath(optionPath)} depends on itself`, contributions: [] };
    this.resolving.add(k);
    try {
      const result = this.compute(optionPath);
      this.memo.set(k, result);
      return result;
    } finally {
      this.resolving.delete(k);
    }
  }

  private compute(optionPath: string[]): Effective {
    // An expression declint could not read above this path may set it (`services.openssh = f x;`).
    for (let i = optionPath.length - 1; i >= 1; i--) {
      const covering = (this.byPath.get(key(optionPath.slice(0, i))) ?? []).filter((d) => isOpaque(d.def.value) && conditionsHold(d.def) !== false);
      if (covering.length > 0) {
        const where = covering[0];
        return {
          kind: 'unknown',
          why: `${formatOptionPath(where.path)} is set by an expression declint cannot evaluate (${where.file})`,
          contributions: covering.map((definition) => ({ definition, status: 'undecided' as const })),
        };
      }
    }
    const defs = this.byPath.get(key(optionPath)) ?? [];
    const below = this.namesBelow(optionPath);
    // An attribute set whose keys are defined one by one (`boot.kernel.sysctl."…" = …;`), perhaps also as `{ }`.
    if (below && defs.every((d) => d.def.value.kind === 'attrs')) return this.mergedSet(optionPath, below, defs);
    if (defs.length === 0) return this.absent(optionPath);
    const active: HostDefinition[] = [];
    const undecided: HostDefinition[] = [];
    const inactive: HostDefinition[] = [];
    for (const d of defs) {
      const holds = conditionsHold(d.def);
      (holds === true ? active : holds === false ? inactive : undecided).push(d);
    }
    const best = Math.min(...active.map((d) => d.def.priority));
    const contested = undecided.filter((d) => d.def.priority <= best);
    const status = (d: HostDefinition, winners: HostDefinition[]): ContributionStatus =>
      inactive.includes(d) ? 'inactive' : undecided.includes(d) ? 'undecided' : winners.includes(d) ? 'won' : 'overridden';
    if (contested.length > 0) {
      const conditions = contested.flatMap((d) => d.def.conditions.filter((c) => c.value.kind !== 'bool').map((c) => `\`${c.text}\``));
      return {
        kind: 'unknown',
        why: `depends on ${[...new Set(conditions)].join(', ')}`,
        contributions: defs.map((d) => ({ definition: d, status: status(d, []) })),
      };
    }
    if (active.length === 0) return this.absent(optionPath);
    const winners = active.filter((d) => d.def.priority === best);
    const contributions = defs.map((d) => ({ definition: d, status: status(d, winners) }));
    const values = winners.map((d) => d.def.value);
    const opaqueValue = values.find(isOpaque);
    if (opaqueValue) return { kind: 'unknown', why: opaqueValue.kind === 'unknown' ? opaqueValue.why : 'an attribute set with computed names', contributions };
    if (values.every((v) => v.kind === 'list')) {
      const items = mergeOrder(winners).flatMap((d) => {
        const v = d.def.value;
        return v.kind === 'list' ? v.items : [];
      });
      const value: Value = { kind: 'list', items };
      return { kind: 'known', value, plain: toPlain(value), contributions };
    }
    if (values.length === 1) return { kind: 'known', value: values[0], plain: toPlain(values[0]), contributions };
    return this.combined(optionPath, mergeOrder(winners), best, contributions);
  }

  /**
   * Two or more values at the winning priority, none a list, combined the
   * way the option's type merges them (nixos-options.json): strings of a
   * `lines` option joined, booleans of `boolByOr` or-ed; different values of
   * a type that does not merge are a conflict, as is a second definition of
   * a unique one. Where the type is not known, different values (and equal
   * strings, which a `lines` type would join) are unknown, and no conflict is
   * claimed: the module system may merge them.
   */
  private combined(optionPath: string[], ordered: HostDefinition[], priority: number, contributions: Contribution[]): Effective {
    const values = ordered.map((d) => d.def.value);
    const plains = values.map((v) => toPlain(v));
    // Values in a message are redacted where the option holds a secret (a password defined twice).
    const shown = (v: Value, i: number): string => (plains[i] === undefined ? describeValue(v) : shownValue(plains[i], optionPath, 'nixos'));
    const same = plains.every((p) => JSON.stringify(p) === JSON.stringify(plains[0]));
    const known = (value: Value): Effective => ({ kind: 'known', value, plain: toPlain(value), contributions });
    const conflict = (why: string): Effective => {
      this.conflicts.set(key(optionPath), contributions);
      return { kind: 'unknown', why, contributions };
    };
    const differ = `conflicting definitions at priority ${priority}: ${values.map(shown).join(' vs ')}`;
    const merge = optionMerge(optionPath);
    if (merge.kind === 'unknown') {
      if (same && values[0].kind !== 'string' && plains[0] !== undefined) return known(values[0]);
      return { kind: 'unknown', why: `${values.length} definitions at priority ${priority} (${values.map(shown).join(', ')}) of an option whose type declint does not know: the module system merges them or refuses them, by type`, contributions };
    }
    if (merge.nullable && plains.some((p) => p === null)) return plains.every((p) => p === null) ? known(values[0]) : conflict(differ);
    switch (merge.kind) {
      case 'separated':
        if (values.every((v) => v.kind === 'string')) return known({ kind: 'string', value: values.map((v) => (v.kind === 'string' ? v.value : '')).join(merge.separator) });
        return { kind: 'unknown', why: `part of ${formatOptionPath(optionPath)} is not known: ${values.map(shown).join(', ')}`, contributions };
      case 'or':
        if (values.every((v) => v.kind === 'bool')) return known({ kind: 'bool', value: values.some((v) => v.kind === 'bool' && v.value) });
        return { kind: 'unknown', why: `part of ${formatOptionPath(optionPath)} is not known: ${values.map(shown).join(', ')}`, contributions };
      case 'unique':
        return conflict(`defined ${values.length} times at priority ${priority} (${values.map(shown).join(', ')}); the option takes one definition`);
      default:
        if (plains.some((p) => p === undefined)) return { kind: 'unknown', why: `part of ${formatOptionPath(optionPath)} is not known: ${values.map(shown).join(', ')}`, contributions };
        return same ? known(values[0]) : conflict(differ);
    }
  }

  private absent(optionPath: string[]): Effective {
    const declared = this.declarations.get(key(optionPath));
    const nixos = nixosDefault(optionPath);
    return {
      kind: 'absent',
      ...(declared?.declaration.default ? { declaredDefault: declared.declaration.default.force() } : {}),
      ...(nixos ? { nixosDefault: nixos } : {}),
    };
  }

  /**
   * @internal Where `readConfig` gives the set of the names below a path,
   * each read when asked (no module defines the path itself): those names.
   */
  readsNamesAt(optionPath: string[]): Set<string> | undefined {
    const below = this.namesBelow(optionPath);
    return below && (this.byPath.get(key(optionPath)) ?? []).every((d) => isEmptySet(d.def.value)) ? below : undefined;
  }

  /** The names defined directly below an option path, when some are. */
  private namesBelow(optionPath: string[]): Set<string> | undefined {
    let below: TrieNode | undefined = this.tree;
    for (const segment of optionPath) below = below?.get(segment);
    return below && below.size > 0 ? new Set(below.keys()) : undefined;
  }

  /**
   * An attribute set defined key by key: the merged set of its keys' values,
   * unknown where one of them is, absent where none applies. Empty sets
   * (`sysctl = { };`) written for the option itself are definitions too.
   */
  private mergedSet(optionPath: string[], names: Set<string>, own: HostDefinition[]): Effective {
    const contributions: Contribution[] = [];
    let defined = false;
    let undecided: HostDefinition | undefined;
    for (const d of own) {
      const holds = conditionsHold(d.def);
      contributions.push({ definition: d, status: holds === true ? 'won' : holds === false ? 'inactive' : 'undecided' });
      if (holds === false) continue;
      const value = d.def.value;
      if (isOpaque(value)) return { kind: 'unknown', why: value.kind === 'unknown' ? value.why : `${formatOptionPath(optionPath)} is an attribute set with computed names (${d.file})`, contributions };
      if (holds === true) defined = true;
      else undecided ??= d;
    }
    const attrs = new Map<string, Attr>();
    for (const name of names) {
      const member = [...optionPath, name];
      const effective = this.effective(member);
      if (effective.kind === 'absent') continue;
      contributions.push(...effective.contributions);
      if (effective.kind === 'unknown') return { kind: 'unknown', why: `${formatOptionPath(member)}: ${effective.why}`, contributions };
      attrs.set(name, { value: Thunk.of(effective.value) });
    }
    // Options declared below it that nothing sets hold their defaults in the set, as the module system fills them in.
    for (const [name, declared] of this.declaredBelow(optionPath)) {
      if (attrs.has(name) || names.has(name)) continue;
      if (!declared) return { kind: 'unknown', why: `${formatOptionPath([...optionPath, name])} is not set, and its default is not a value declint knows`, contributions };
      attrs.set(name, { value: Thunk.of(declared) });
    }
    if (attrs.size === 0 && undecided) {
      const conditions = undecided.def.conditions.filter((c) => c.value.kind !== 'bool').map((c) => `\`${c.text}\``);
      return { kind: 'unknown', why: `depends on ${[...new Set(conditions)].join(', ')}`, contributions };
    }
    if (attrs.size === 0 && !defined) return this.absent(optionPath);
    const value: Value = { kind: 'attrs', attrs };
    return { kind: 'known', value, plain: toPlain(value), contributions };
  }

  /** The options declared directly below a path (by the host's modules, or NixOS's table), with their constant defaults. */
  private declaredBelow(optionPath: string[]): Map<string, Value | undefined> {
    const out = new Map<string, Value | undefined>();
    for (const [name, option] of optionsBelow(optionPath)) out.set(name, unsetValue(option));
    const prefix = key(optionPath) + KEY_SEPARATOR;
    for (const [k, { declaration }] of this.declarations) {
      if (!k.startsWith(prefix) || k.indexOf(KEY_SEPARATOR, prefix.length) >= 0) continue;
      const value = declaration.default?.force();
      out.set(declaration.path[optionPath.length], value && toPlain(value) !== undefined ? value : undefined);
    }
    return out;
  }

  /** `config.a` where only `a.b`, `a.c` are defined: an attribute set whose members resolve lazily. */
  private attrsBelow(optionPath: string[], names: Set<string>): Value {
    const self = this;
    return lazyAttrs(this.reader ?? ((p) => self.readConfig(p)), optionPath, names);
  }
}

/**
 * The attribute set of the options below a path, each read when asked. Made
 * outside `Host`: a value kept by the hosts `updateHost` derives must not
 * hold the host that made it, or every host of an editing session stays in
 * memory through its successor.
 */
function lazyAttrs(read: (p: string[]) => Value | undefined, optionPath: string[], names: Set<string>): Value {
  const attrs = new Map<string, Attr>();
  for (const name of names) {
    attrs.set(name, { value: Thunk.lazy(() => read([...optionPath, name]) ?? unknown(`${formatOptionPath([...optionPath, name])} is not set`)) });
  }
  // A name not set here is read from the configuration too: a declared option's default (`cfg.enable`).
  return { kind: 'attrs', attrs, open: `other options under ${formatOptionPath(optionPath)} are not set in this host`, configPath: optionPath, configReader: read };
}

/**
 * Whether what was computed for an option (by key) no longer holds once
 * some definitions are replaced: one of them contributed, or the option
 * lies at, above or below a changed path.
 */
function staleComputed(replaced: (c: Contribution) => boolean, changed: string[][]): (k: string, contributions: Contribution[]) => boolean {
  const related = nearChanged(changed);
  return (k, contributions) => contributions.some(replaced) || related(k);
}

function isEmptySet(value: Value): boolean {
  return value.kind === 'attrs' && !value.open && value.attrs.size === 0;
}

/** A value that may hide definitions: not folded, or an attribute set with computed names. */
function isOpaque(value: Value): boolean {
  return value.kind === 'unknown' || (value.kind === 'attrs' && value.open !== undefined && !value.whole && !value.outside);
}

function hostDefinition(file: string, def: OptionDefinition, aliases: AliasTable, module: number): HostDefinition {
  const canonical = forward(def.path, aliases);
  return { file, path: canonical, def, module, ...(canonical !== def.path ? { writtenPath: def.path } : {}) };
}

/**
 * Definitions in the order the module system merges them: by `mkOrder`,
 * then later modules first (nixpkgs merges the collected module list from
 * its end), a module's own definitions in the order it writes them.
 */
export function mergeOrder(defs: HostDefinition[]): HostDefinition[] {
  return [...defs].sort((a, b) => a.def.order - b.def.order || b.module - a.module);
}

/** Old option names and the new ones they forward to. */
export type AliasTable = { from: string[]; to: string[] }[];

/** Old option names forwarded to new ones (`services.openssh.permitRootLogin` → `…settings.PermitRootLogin`). */
function forward(optionPath: string[], aliases: AliasTable): string[] {
  // Indexed loops: this runs for every definition of every host, mostly before V8 has optimized it.
  for (let a = 0; a < aliases.length; a++) {
    const { from, to } = aliases[a];
    if (from.length > optionPath.length) continue;
    let i = 0;
    while (i < from.length && from[i] === optionPath[i]) i++;
    if (i === from.length) return [...to, ...optionPath.slice(from.length)];
  }
  return optionPath;
}

export function aliasTable(pairs: { from: string[]; to: string[] }[]): AliasTable {
  return pairs;
}

export interface BuildOptions {
  /** Reads modules; it refuses files outside the scanned tree. */
  loader: SourceLoader;
  aliases: AliasTable;
  /** What `import`, `readDir` and the like in a module may read (the scanned tree); without it they are unknown. */
  session?: EvalSession;
  /**
   * Module files read for one host, kept for the next hosts that read them
   * with the same arguments (`hostIndependence`), for as long as the loader
   * and the session are the same.
   */
  sharedModules?: SharedModules;
}

/** Modules read once for every host, by file and by the arguments they take from the host (see `hostIndependence`). */
export class SharedModules {
  private readonly modules = new Map<string, { module: NixModule; reads: readonly string[] }>();
  private readonly thunkIds = new WeakMap<Thunk, number>();

  /**
   * What a module file's reading depends on besides its text, or undefined
   * where that is the host itself. A file whose value is a set literal reads
   * nothing from the host; a module function whose arguments are named
   * (`{ lib, pkgs, ... }:`, no `args@`) and do not include `config` receives
   * only those arguments: its reading is the same for every host that passes
   * the same values for them (specialArgs, by identity). A function that
   * names `config`, or takes the whole set, may read the host's options at
   * any time, even after it was collected.
   */
  key(absolutePath: string, root: NixNode, specialArgs: Map<string, Thunk>): string | undefined {
    let body = root.namedChild(0);
    while (body?.type === 'parenthesized_expression') body = body.namedChild(0);
    if (body?.type === 'attrset_expression' || body?.type === 'rec_attrset_expression') return absolutePath;
    if (body?.type !== 'function_expression' || body.childForFieldName('universal')) return undefined;
    const formals = body.childForFieldName('formals');
    if (!formals) return undefined;
    const names = formals.namedChildren.flatMap((f) => (f.type === 'formal' ? [f.childForFieldName('name')?.text ?? ''] : []));
    if (names.includes('config')) return undefined;
    const given = names.flatMap((name) => {
      const value = specialArgs.get(name);
      return value ? [`${name}=${this.idOf(value)}`] : [];
    });
    return [absolutePath, ...given].join('\u0000');
  }

  /** A module read before; what reading it read is noted again in the current read trace (`check --cache`). */
  get(key: string): NixModule | undefined {
    const kept = this.modules.get(key);
    if (kept) replayReads(kept.reads);
    return kept?.module;
  }

  set(key: string, module: NixModule, reads: readonly string[]): void {
    this.modules.set(key, { module, reads });
  }

  /** Forgets the readings of these module files (read again by the next host that imports one). */
  forget(absolutePaths: ReadonlySet<string>): void {
    for (const key of this.modules.keys()) if (absolutePaths.has(key.split('\u0000', 1)[0])) this.modules.delete(key);
  }

  private idOf(thunk: Thunk): number {
    let id = this.thunkIds.get(thunk);
    if (id === undefined) this.thunkIds.set(thunk, (id = this.nextId++));
    return id;
  }

  private nextId = 1;
}

/** At most this many rounds of collection; real configurations settle in two. */
const MAX_ROUNDS = 4;

/**
 * A host that imports more module files than this is not evaluated: the
 * evaluation of every module is kept per host (about 0.3 MB each), and real
 * NixOS hosts import tens to a few hundred. Its files are then checked one by
 * one, and a note says why.
 */
export const MAX_HOST_MODULES = 1000;

/** How reads of `config` are answered while a host is being built, and after. */
interface Answering {
  /** The finished host: every read made after building goes here. */
  final?: Host;
  /** The previous round's host, answering reads made while collecting. */
  previous?: Host;
  /** Reads made by the module being collected now. */
  reads: number;
  /** While a round after the first collects: each read, in order, with the answer the previous round's host gave. */
  answers?: Answered[];
}

/** A read of `config` made while collecting, and the answer it got. */
interface Answered {
  path: string[];
  answer: Value | undefined;
}

/**
 * Collects a host's modules (following imports inside the scan root) and
 * merges them, to a fixpoint: the structure of a module may read the
 * configuration (`networking.firewall.allowedUDPPorts = config.….allowedTCPPorts;`,
 * a list under `lib.optionals cfg.openFirewall`), so the modules that read it
 * while being collected are collected again with the previous round's answers,
 * until the options they define no longer change. Every read made after
 * building goes to the finished host itself.
 */
export function buildHost(spec: HostSpec, options: BuildOptions): Host {
  const answering: Answering = { reads: 0 };
  const reads = new Set<string>();
  const resolveConfig = (p: string[]): Value | undefined => {
    reads.add(key(p));
    if (answering.final) return answering.final.current.host.readConfig(p);
    answering.reads++;
    if (!answering.previous) return unknown(`${formatOptionPath(p)} is read while the host's modules are being collected`);
    const answer = answering.previous.readConfig(p);
    answering.answers?.push({ path: p, answer });
    return answer;
  };
  /** Modules that read nothing while collected are the same in every round and are kept. */
  const stable = new Map<string, NixModule>();
  let previous: Host | undefined;
  let host = collectHost(spec, options, resolveConfig, answering, stable);
  let settled = host.readsWhileCollecting === 0;
  let answered: Answered[] = [];
  for (let round = 1; round < MAX_ROUNDS && host.readsWhileCollecting > 0 && !host.tooLarge; round++) {
    // Reads from here on are answered by the round just collected: those `answersHold` makes, as the next round would.
    answering.previous = host;
    // Settled when this round defines what the last one did, or when the next would: it would read the same answers.
    if (previous && (sameDefinitions(previous, host) || answersHold(answered, host))) {
      settled = true;
      break;
    }
    previous = host;
    answered = answering.answers = [];
    host = collectHost(spec, options, resolveConfig, answering, stable);
    answering.answers = undefined;
  }
  host.settled = settled || (previous !== undefined && sameDefinitions(previous, host));
  answering.final = host;
  answering.previous = undefined;
  host.configReads = reads;
  return host;
}

/**
 * Whether `host`, just collected, gives every read its collection made the
 * answer the previous round's host gave it, in the order they were made:
 * then collecting again with `host` answering would read the same answers,
 * make the same reads, and define the same as `host` (the fixpoint
 * `buildHost` looks for), and that round is not needed. Answers compare as
 * far as the collection looked at them (`sameAnswer`).
 */
function answersHold(answered: readonly Answered[], host: Host): boolean {
  return answered.every(({ path: p, answer }) => {
    const now = host.readConfig(p);
    return answer === now || (answer !== undefined && now !== undefined && sameAnswer(answer, now));
  });
}

/**
 * Whether `now` answers a read as `before` did for what read `before`
 * looked at: the same kind and fields (where each part was written
 * included), and inside it the same values wherever the reader evaluated a
 * part of `before`; parts it never evaluated are not compared (nor
 * evaluated in `now`). Functions and systems cannot be compared.
 */
function sameAnswer(before: Value, now: Value, depth = 0): boolean {
  if (before === now) return true;
  if (depth > 64 || !comparable(before) || !comparable(now) || before.kind !== now.kind || !sameFields(before, now, true)) return false;
  // Each name bound at the same place: definitions read through the set point there.
  if (before.kind === 'attrs' && !sameNames(before, now as typeof before, true)) return false;
  const xs = innerValues(before);
  const ys = innerValues(now);
  if (xs.length !== ys.length) return false;
  return xs.every((x, i) => {
    const seen = x.computed;
    return seen === undefined || sameAnswer(seen, ys[i].force(), depth + 1);
  });
}

/**
 * The host with one module file's new text, when that can be had without
 * collecting the host again: the file is read on its own, and its
 * definitions replace its old ones in place. That is exact when the module
 * reads nothing from `config` while it is collected (or the host's build
 * settled, and the module's reads are answered by the host: `readAlone`),
 * imports the same modules as before, declares the same options, and no
 * option whose definitions changed was ever read through `config` by this
 * host (so no other module's structure or already computed value depends
 * on them; a set read above one counts only for its names:
 * `readThroughConfig`). Otherwise undefined: build the host again.
 */
export function updateHost(previous: Host, absolutePath: string, options: BuildOptions): Host | undefined {
  if (previous.tooLarge || previous.replaced) return undefined;
  const loaded = options.loader.load(absolutePath);
  if ('error' in loaded) return loaded.unparsed !== undefined ? detachedHost(previous, loaded.unparsed, loaded.error, options.aliases) : undefined;
  const file = loaded.file;
  if (!previous.files.has(file)) return reattachedHost(previous, loaded, options);
  const patched = loaded.patch ? patchedHost(previous, file, loaded.patch, options.aliases) : loaded.rename ? renamedHost(previous, file, loaded.rename, options.aliases) : undefined;
  if (patched) return patched;
  if (previous.filesWithInlineModules.has(file)) return undefined;
  // A module whose structure reads `config` (`mkIf cfg.enable`, `nodes.${cfg.node}`) is read against the host it
  // is part of, which a settled build answers with the same values each round (see `answeredReader`).
  const answered = previous.settled;
  const { module, reading } = readAlone(previous, loaded, options, answered);
  const dir = path.dirname(loaded.absolutePath);
  const sameImports = importsKey(module, dir) === previous.importsByFile.get(file);
  const oldDefinitions = previous.definitions.filter((d) => d.file === file);
  // A module that had no definitions has no place in the host's order to put new ones.
  if (oldDefinitions.length === 0 && module.definitions.length > 0) return undefined;
  const changed = (answered || reading.reads() === 0) && sameImports && previous.sameDeclarations(file, module) ? changedPaths(oldDefinitions, module.definitions, options.aliases) : undefined;
  // Unanswered, values forced by the comparison count as read while collecting, as they were read with the module alone;
  // answered, every read went through the host and is among its `configReads`.
  if ((reading.finish() > 0 && !answered) || !changed) return undefined;
  const host = previous.withModuleReplaced(file, module, options.aliases, changed);
  if (readThroughConfig(previous, changed, host)) return undefined;
  return succeeded(previous, host, changed, 'module');
}

/** A module with nothing in it: what a file that does not parse gives its host. */
const NO_MODULE: NixModule = { definitions: [], declarations: [], imports: [] };

/**
 * The host after one of its module files stopped parsing (typing leaves the
 * text broken for a while): the host a full build gives, without that
 * module, a note saying why. Made in place where the module imports and
 * declares nothing and no option it defines was read through `config`; a
 * file that still does not parse leaves the host as it is.
 */
function detachedHost(previous: Host, file: string, error: string, aliases: AliasTable): Host | undefined {
  if (previous.detached.has(file)) {
    // Broken before and now: the host has no part of it either way.
    previous.changedPaths = [];
    previous.updatedBy = 'module';
    return previous;
  }
  const site = previous.importSites.get(file);
  const own = previous.definitions.filter((d) => d.file === file);
  if (!site || own.length === 0 || previous.filesWithInlineModules.has(file) || previous.importsByFile.get(file) !== '[]' || !previous.sameDeclarations(file, NO_MODULE)) return undefined;
  const changed = distinctPaths(own.map((d) => d.path));
  if (readThroughConfig(previous, changed)) return undefined;
  const at = previous.definitions.indexOf(own[0]);
  const host = previous.withModuleReplaced(file, NO_MODULE, aliases, changed);
  host.files.delete(file);
  host.importsByFile.delete(file);
  const note = { site, message: error };
  host.notes.push(note);
  host.unread.push(note);
  host.detached.set(file, { after: at > 0 ? previous.definitions[at - 1] : undefined, note });
  // The host is now read in part: what it leaves unset is judged anew everywhere, not only on the changed paths.
  return wholly(succeeded(previous, host, changed, 'module'));
}

/**
 * The host after a module file that did not parse (`detachedHost`) parses
 * again: its definitions back where they stood, when it still imports and
 * declares nothing, reads no `config` while collected, and none of its
 * options was read through `config`.
 */
function reattachedHost(previous: Host, loaded: LoadedSource, options: BuildOptions): Host | undefined {
  const detached = previous.detached.get(loaded.file);
  if (!detached || (detached.after && !previous.definitions.includes(detached.after))) return undefined;
  const { module, reading } = readAlone(previous, loaded, options);
  const reads = reading.finish();
  if (reads > 0 || module.definitions.length === 0 || importsKey(module, path.dirname(loaded.absolutePath)) !== '[]' || module.declarations.length > 0) return undefined;
  const changed = distinctPaths(module.definitions.map((d) => forward(d.path, options.aliases)));
  if (readThroughConfig(previous, changed)) return undefined;
  const host = previous.withModuleReplaced(loaded.file, module, options.aliases, changed, detached);
  host.files.add(loaded.file);
  host.importsByFile.set(loaded.file, '[]');
  host.detached.delete(loaded.file);
  const noted = host.notes.indexOf(detached.note);
  if (noted >= 0) host.notes.splice(noted, 1);
  const unread = host.unread.indexOf(detached.note);
  if (unread >= 0) host.unread.splice(unread, 1);
  return wholly(succeeded(previous, host, changed, 'module'));
}

function distinctPaths(paths: string[][]): string[][] {
  return [...new Map(paths.map((p) => [key(p), p])).values()];
}

/**
 * A host's module file read on its own, as a build reads it, with how many `config` reads its
 * collection made: answered as unknown (`collectingReader`), or, with
 * `answered`, by the host itself. A settled build collected each module
 * with the answers its finished host gives; so long as none of the paths
 * the edit changes was ever read through `config` (`readThroughConfig`,
 * checked after), the new text read against the previous host is what a
 * new build collects from it.
 */
function readAlone(host: Host, loaded: LoadedSource, options: BuildOptions, answered = false): { module: NixModule; reading: ReturnType<typeof collectingReader> } {
  const reading = answered ? answeredReader(host.reader!) : collectingReader(host.reader!);
  // With the session and file a build reads it with (`collectHost`): its paths and `import`s resolve the same.
  return { module: readModule(loaded.root, { resolveConfig: reading.resolveConfig, specialArgs: host.spec.specialArgs, ...sessionOf(options, loaded) }), reading };
}

/** Like `collectingReader`, but every read, while collecting too, goes through the host's reader (which records it). */
function answeredReader(reader: (p: string[]) => Value | undefined): ReturnType<typeof collectingReader> {
  let reads = 0;
  return {
    resolveConfig: (p) => {
      reads++;
      return reader(p);
    },
    reads: () => reads,
    finish: () => reads,
  };
}

/**
 * How a module read on its own answers `config`: unknown while it is
 * collected (counting the reads), then through the host's reader. Made
 * apart from `updateHost` so that the module's values hold the reader, not
 * the host being replaced (or each host would keep its predecessor alive).
 */
function collectingReader(reader: (p: string[]) => Value | undefined): { resolveConfig: (p: string[]) => Value | undefined; reads(): number; finish(): number } {
  let collecting = true;
  let reads = 0;
  return {
    resolveConfig: (p) => {
      if (!collecting) return reader(p);
      reads++;
      return unknown(`${formatOptionPath(p)} is read while the module is collected`);
    },
    reads: () => reads,
    finish: () => {
      collecting = false;
      return reads;
    },
  };
}

/**
 * The host after an edit inside one literal's binding (`BindingPatch`),
 * updated in place: that definition re-evaluated alone, every other one
 * kept with what was computed from it. Undefined unless exactly one definition of the file came
 * from that binding's old expression, and nothing read its option through
 * `config` (other modules' structure or values may depend on it).
 */
function patchedHost(previous: Host, file: string, patch: BindingPatch, aliases: AliasTable): Host | undefined {
  const olds = previous.definitions.filter((d) => d.file === file && d.def.leaf?.binding === patch.binding);
  if (olds.length !== 1 || olds[0].def.leaf!.expression !== patch.before) return undefined;
  const old = olds[0];
  const def = redefined(old.def, patch.after);
  if (!def || !samePath(forward(def.path, aliases), old.path)) return undefined;
  const changed = [old.path];
  // One value below the same path: every set above it has the same names after the change.
  if (readThroughConfig(previous, changed, previous)) return undefined;
  previous.replaceDefinition(old, def, changed);
  previous.changedPaths = changed;
  previous.updatedBy = 'binding';
  return previous;
}

/**
 * The host after a name of one binding's attribute path was edited in place
 * (`BindingRename`), without reading the module again: its definitions
 * from that binding under the new path, every other one as it was. Exact
 * where each of the module's definitions at or below the binding's path came
 * from that binding, and each from that binding is there (a value the binding takes
 * from a `let` elsewhere in the file, or from another file, makes the
 * module be read again), and nothing read the old or the new path through
 * `config`. Names under `boot.kernel.sysctl` (joined into one key) and
 * `_module` (the module arguments) are left to a new reading.
 */
function renamedHost(previous: Host, file: string, rename: BindingRename, aliases: AliasTable): Host | undefined {
  const { binding, path: before, renamed } = rename;
  if (previous.filesWithInlineModules.has(file) || [before, renamed].some((p) => p[0] === '_module' || underSysctl(p))) return undefined;
  // A module declint could not read whole (a name it cannot tell at its top) is read again, which says so again.
  if (previous.unreadable.some((u) => u.file === file)) return undefined;
  const own = previous.definitions.filter((d) => d.file === file);
  if (own.length === 0 || own.some((d) => d.module !== own[0].module)) return undefined;
  const at = before.length;
  const under = (p: string[]) => p.length >= at && before.every((name, i) => p[i] === name);
  // A definition this module made from a set written in another file is listed under that file.
  if (previous.definitions.some((d) => d.file !== file && d.module === own[0].module && under(d.def.path))) return undefined;
  const inside = (d: HostDefinition) => (d.def.file ?? file) === file && binding.startIndex <= d.def.binding.start && d.def.binding.end <= binding.endIndex;
  const moves: { old: HostDefinition; def: OptionDefinition }[] = [];
  const changed: string[][] = [];
  for (const d of own) {
    const moved = inside(d);
    if (moved !== under(d.def.path) || (moved && underSysctl(d.def.path))) return undefined;
    if (!moved) continue;
    const def = renamedDefinition(d.def, canonicalOptionPath([...renamed, ...d.def.path.slice(at)]));
    moves.push({ old: d, def });
    changed.push(d.path, forward(def.path, aliases));
  }
  if (changed.length === 0) return undefined;
  const paths = distinctPaths(changed);
  // Nothing read any of them through `config`, and the new paths are new to the host: this host, changed in place.
  if (!readThroughConfig(previous, paths) && previous.moveDefinitions(moves, aliases, paths)) {
    previous.changedPaths = paths;
    previous.updatedBy = 'name';
    return previous;
  }
  const now = new Map(moves.map(({ old, def }) => [old, def]));
  const definitions = own.map((d) => now.get(d) ?? d.def);
  const host = previous.withModuleReplaced(file, { definitions, declarations: [], imports: [] }, aliases, paths);
  if (readThroughConfig(previous, paths, host)) return undefined;
  return succeeded(previous, host, paths, 'name');
}

/**
 * Whether the host ever read one of the paths (or above or below one)
 * through `config`. Given the host made with the change (`after`), a set
 * read above a changed path (`cfg = config.services.foo;`) that both hosts
 * give as the set of the names below it, each read when asked
 * (`Host.readsNamesAt`), does not count where the names are the same in
 * both: what it gave is those names, and every member read is a read of its
 * own, checked in turn.
 */
function readThroughConfig(host: Host, changed: string[][], after?: Host): boolean {
  for (const p of changed) {
    for (let i = 1; i <= p.length; i++) {
      const at = p.slice(0, i);
      if (!host.configReads.has(key(at))) continue;
      const names = i < p.length && after ? host.readsNamesAt(at) : undefined;
      if (!names || !sameSet(names, after!.readsNamesAt(at))) return true;
    }
    const below = key(p) + KEY_SEPARATOR;
    for (const read of host.configReads) if (read.startsWith(below)) return true;
  }
  return false;
}

function sameSet(a: Set<string>, b: Set<string> | undefined): boolean {
  return b !== undefined && a.size === b.size && [...a].every((x) => b.has(x));
}

/** A host whose unread parts changed: every rule is judged on it again (absence reads differently everywhere). */
function wholly(host: Host): Host {
  host.changedPaths = undefined;
  return host;
}

/** Makes `host`, derived from `previous` with `changed` paths, the newest host of its build. */
function succeeded(previous: Host, host: Host, changed: string[][], by: 'binding' | 'name' | 'module'): Host {
  host.changedPaths = changed;
  host.updatedBy = by;
  previous.replaced = true;
  host.current = previous.current;
  host.current.host = host;
  return host;
}

/**
 * The option paths whose definitions differ between a module's old and new
 * definitions (by priority, order, conditions and value, in the module's
 * order for each path). Typing changes one definition: compared pairwise
 * first; where more differ (a renamed or moved binding shifts every one
 * after it), compared path by path.
 */
function changedPaths(old: HostDefinition[], now: OptionDefinition[], aliases: AliasTable): string[][] | undefined {
  const same = (a: OptionDefinition, b: OptionDefinition): boolean | undefined => {
    // The same literal that reads nothing has the same value: not evaluated to be compared (a large module's thousands of strings).
    const literal = a.leaf && b.leaf && isClosedLiteral(a.leaf.expression) && a.leaf.expression.text === b.leaf.expression.text;
    const values = literal || sameValue(a.value, b.value);
    if (values === undefined) return undefined;
    return (
      a.priority === b.priority &&
      a.order === b.order &&
      a.conditions.length === b.conditions.length &&
      a.conditions.every((c, j) => c.text === b.conditions[j].text) &&
      values
    );
  };
  const forwarded = now.map((def) => ({ path: forward(def.path, aliases), def }));
  if (old.length === now.length) {
    const changed: string[][] = [];
    for (let i = 0; i < old.length && changed.length <= 4; i++) {
      const verdict = samePath(old[i].path, forwarded[i].path) ? same(old[i].def, now[i]) : false;
      if (verdict === undefined) return undefined;
      if (!verdict) changed.push(old[i].path, forwarded[i].path);
    }
    if (changed.length <= 4) return changed;
  }
  const byPath = (defs: { path: string[]; def: OptionDefinition }[]) => {
    const out = new Map<string, { path: string[]; defs: OptionDefinition[] }>();
    for (const { path: p, def } of defs) {
      const entry = out.get(key(p));
      if (entry) entry.defs.push(def);
      else out.set(key(p), { path: p, defs: [def] });
    }
    return out;
  };
  const before = byPath(old);
  const after = byPath(forwarded);
  const changed: string[][] = [];
  for (const [k, { path: p, defs }] of before) {
    const now = after.get(k)?.defs;
    if (!now || now.length !== defs.length) {
      changed.push(p);
      continue;
    }
    for (let i = 0; i < defs.length; i++) {
      const verdict = same(defs[i], now[i]);
      if (verdict === undefined) return undefined;
      if (!verdict) {
        changed.push(p);
        break;
      }
    }
  }
  for (const [k, { path: p, defs }] of after) {
    if (before.has(k)) continue;
    // A new path's values must be data too, as the old ones had to be (and read whole, as those were).
    if (defs.some((d) => !isData(d.value))) return undefined;
    changed.push(p);
  }
  return changed;
}

/** Syntax a literal that reads no name is made of: its value is its text's. */
const CLOSED_LITERAL = new Set(['string_expression', 'indented_string_expression', 'string_fragment', 'escape_sequence', 'integer_expression', 'float_expression', 'list_expression']);

function isClosedLiteral(node: NixNode, depth = 0): boolean {
  return depth < 16 && CLOSED_LITERAL.has(node.type) && node.namedChildren.every((c) => isClosedLiteral(c, depth + 1));
}

/** The kinds of value `sameValue` compares: data, unknowns, and the module-system wrappers around them. */
const COMPARED = new Set<Value['kind']>(['string', 'path', 'int', 'float', 'bool', 'null', 'list', 'attrs', 'unknown', 'if', 'override', 'order', 'merge']);

/** The values inside a value (list items, set members, a wrapper's condition and content), in order. */
function innerValues(value: Value): Thunk[] {
  switch (value.kind) {
    case 'list':
      return value.items;
    case 'attrs':
      return [...value.attrs.values()].map((a) => a.value);
    case 'unknown':
      return value.knownItems ?? [];
    case 'if':
      return [value.condition, value.content];
    case 'override':
    case 'order':
      return [value.content];
    case 'merge':
      return value.contents;
    default:
      return [];
  }
}

/** Fields of a value that hold the values `innerValues` lists, or say only where it was written. */
const NESTED_FIELDS = new Set(['items', 'attrs', 'knownItems', 'condition', 'content', 'contents', 'origin']);

/** Whether a value is data all through, read whole (wrappers included): what `sameValue` can tell apart. */
function isData(value: Value, depth = 0): boolean {
  if (depth > 64 || !comparable(value)) return false;
  return innerValues(value).every((t) => isData(t.force(), depth + 1));
}

/**
 * Whether two values are the same for everything that reads them: the same
 * data and wrappers, and where a part is unknown, unknown in the same way
 * (the same reason, the same option it stands for, the same known part of
 * its text). Undefined where that cannot be told (a function, a system):
 * the caller then takes the definitions as different.
 */
export function sameValue(a: Value, b: Value, depth = 0): boolean | undefined {
  if (depth > 64) return undefined;
  if (a === b) return true;
  if (!comparable(a) || !comparable(b)) return undefined;
  if (a.kind !== b.kind || !sameFields(a, b, false)) return false;
  if (a.kind === 'attrs' && !sameNames(a, b as typeof a, false)) return false;
  const xs = innerValues(a);
  const ys = innerValues(b);
  if (xs.length !== ys.length) return false;
  let verdict: boolean | undefined = true;
  for (let i = 0; i < xs.length && verdict; i++) verdict = sameValue(xs[i].force(), ys[i].force(), depth + 1);
  return verdict;
}

/** Whether `sameValue` can tell a value apart: data, unknowns and the module-system wrappers, not a function or a system. */
function comparable(value: Value): boolean {
  return COMPARED.has(value.kind) && !(value.kind === 'unknown' && value.ofSystem);
}

/** Whether two sets have the same names in the same order (each bound at the same place, with `bindings`). */
function sameNames(a: AttrsValue, b: AttrsValue, bindings: boolean): boolean {
  if (a.attrs.size !== b.attrs.size) return false;
  const theirs = b.attrs.entries();
  for (const [name, attr] of a.attrs) {
    const [other, their] = theirs.next().value!;
    if (name !== other) return false;
    if (bindings && (attr.file !== their.file || attr.binding?.start !== their.binding?.start || attr.binding?.end !== their.binding?.end)) return false;
  }
  return true;
}

/** Whether two values of one kind have the same fields besides the values inside them (`origin` too, with `origin`). */
function sameFields(a: Value, b: Value, origin: boolean): boolean {
  const fields = (v: Value) => Object.keys(v).filter((k) => (origin && k === 'origin') || !NESTED_FIELDS.has(k));
  const own = fields(a);
  if (own.length !== fields(b).length) return false;
  return own.every((k) => {
    const x = (a as unknown as Record<string, unknown>)[k];
    const y = (b as unknown as Record<string, unknown>)[k];
    return x === y || JSON.stringify(x) === JSON.stringify(y);
  });
}

/**
 * Whether an option (by key) lies at, above or below one of the changed
 * paths, in time independent of how many changed: the keys at and above
 * each changed path are in one set, and an option below one has a prefix
 * in another.
 */
export function nearChanged(changed: string[][]): (k: string) => boolean {
  const exact = new Set(changed.map(key));
  const atOrAbove = new Set(changed.flatMap((p) => p.map((_, i) => key(p.slice(0, i + 1)))));
  return (k) => {
    if (atOrAbove.has(k)) return true;
    for (let i = k.indexOf(KEY_SEPARATOR); i >= 0; i = k.indexOf(KEY_SEPARATOR, i + 1)) if (exact.has(k.slice(0, i))) return true;
    return false;
  };
}

/** What a module imports, as a comparable string. */
function importsKey(module: NixModule, dir: string): string {
  return JSON.stringify(
    module.imports.map((i) => {
      const ref = importRef(i.value, dir, { file: '', span: { start: 0, end: 0 } });
      return ref.kind === 'file' ? `file:${ref.absolutePath}` : ref.kind === 'external' ? `external:${ref.name}` : 'inline';
    }),
  );
}

function sameDefinitions(a: Host, b: Host): boolean {
  if (a.definitions.length !== b.definitions.length || a.files.size !== b.files.size) return false;
  return a.definitions.every((d, i) => d.file === b.definitions[i].file && d.path.length === b.definitions[i].path.length && d.path.every((s, j) => s === b.definitions[i].path[j]));
}

function collectHost(spec: HostSpec, options: BuildOptions, resolveConfig: (p: string[]) => Value | undefined, answering: Answering, stable: Map<string, NixModule>): Host {
  const host = new Host(spec);
  host.reader = resolveConfig;
  host.unread.push(...(spec.unread ?? []));
  const queue: ModuleRef[] = [...spec.modules];
  const seen = new Set<string>();
  for (let next = 0; next < queue.length; next++) {
    const ref = asFile(queue[next], options.session);
    if (ref.kind === 'external') {
      host.externalModules.push({ site: ref.from, name: ref.name });
      continue;
    }
    if (ref.kind === 'unread') {
      host.unread.push({ site: ref.from, message: ref.why });
      continue;
    }
    let module: NixModule;
    let file: string;
    let dir: string;
    answering.reads = 0;
    if (ref.kind === 'inline') {
      file = ref.from.file;
      host.filesWithInlineModules.add(file);
      dir = ref.dir;
      module = readModuleValue(ref.value, ref.from.span, ref.evaluator, { specialArgs: spec.specialArgs, session: options.session, resolveConfig });
    } else {
      // The loader refuses files outside the scanned tree.
      const loaded = options.loader.load(ref.absolutePath);
      if ('error' in loaded) {
        const note = { site: ref.from, message: loaded.error };
        host.notes.push(note);
        host.unread.push(note);
        // Where its definitions would stand, should it parse again (`updateHost`).
        if (loaded.unparsed !== undefined) host.detached.set(loaded.unparsed, { after: host.definitions[host.definitions.length - 1], note });
        continue;
      }
      if (seen.has(loaded.absolutePath)) continue; // an import cycle, or a module imported twice
      if (seen.size >= MAX_HOST_MODULES) {
        host.tooLarge = true;
        host.notes.push({ site: spec.root, message: `host ${spec.name} imports more than ${MAX_HOST_MODULES} module files; it is not evaluated as a whole, its files are checked one by one` });
        break;
      }
      seen.add(loaded.absolutePath);
      file = loaded.file;
      dir = path.dirname(loaded.absolutePath);
      const sharedKey = options.sharedModules?.key(loaded.absolutePath, loaded.root, spec.specialArgs);
      const kept = stable.get(loaded.absolutePath) ?? (sharedKey !== undefined ? options.sharedModules!.get(sharedKey) : undefined);
      if (kept) module = kept;
      else {
        // A module kept for every host cannot name `config`: it is read without this host's, which it would hold on to.
        const read = () => readModule(loaded.root, { ...(sharedKey === undefined ? { resolveConfig } : {}), specialArgs: spec.specialArgs, ...sessionOf(options, loaded) });
        // The reads of the tree it made are kept with a shared module: each host that takes it is charged them (read-trace.ts).
        const traced = sharedKey !== undefined && tracing() ? traceReads(read) : { result: read(), reads: [] };
        module = traced.result;
        if (answering.reads === 0) stable.set(loaded.absolutePath, module);
        if (answering.reads === 0 && sharedKey !== undefined) options.sharedModules!.set(sharedKey, module, traced.reads);
      }
    }
    host.readsWhileCollecting += answering.reads;
    host.addModule(file, module, options.aliases);
    if (module.opaque) host.unreadable.push({ site: ref.from, file, why: `${file}: ${module.opaque}` });
    if (ref.kind === 'file') {
      host.importsByFile.set(file, importsKey(module, dir));
      host.importSites.set(file, ref.from);
    }
    for (const imported of module.imports) {
      // A whole list declint cannot fold names modules it cannot tell, none of which is known to be inert.
      if (imported.wholeList && imported.value.kind === 'unknown') host.unreadable.push({ site: { file, span: imported.span }, file, why: `${file}: imports ${imported.value.why}` });
      else queue.push(importRef(imported.value, dir, { file: imported.file ?? file, span: imported.span }));
    }
  }
  host.seal();
  return host;
}

/**
 * An inline module that is the whole of a file (`(import ./m.nix)` in a list
 * of imports) is read as that file, like `./m.nix`: with the host's `config`,
 * its own paths, and once per host.
 */
function asFile(ref: ModuleRef, session: EvalSession | undefined): ModuleRef {
  const whole = ref.kind === 'inline' ? session?.fileOf(ref.value) : undefined;
  return whole ? { kind: 'file', absolutePath: whole, from: ref.from } : ref;
}

/** The session and file a module is read with, so that its paths and `import`s resolve. */
function sessionOf(options: BuildOptions, loaded: LoadedSource): { session?: EvalSession; file?: { absolutePath: string; report: string } } {
  return options.session ? { session: options.session, file: { absolutePath: loaded.absolutePath, report: loaded.file } } : {};
}

/**
 * What an `imports` entry refers to: a file, an inline module, a module
 * from outside the tree (a flake input's, a nixpkgs profile), or an element
 * declint cannot read — which leaves the host read in part, never dropped.
 */
function importRef(value: Value, dir: string, from: SourceSite): ModuleRef {
  const site = from;
  switch (value.kind) {
    case 'path':
      if (value.input !== undefined) return { kind: 'external', name: `${value.input}${value.value}`, from: site };
      return { kind: 'file', absolutePath: value.absolute ?? path.resolve(dir, value.value), from };
    case 'string':
      if (value.input !== undefined) return { kind: 'external', name: `${value.input}${value.value}`, from: site };
      return value.value.startsWith('/') ? { kind: 'file', absolutePath: value.value, from } : { kind: 'external', name: value.value, from };
    case 'attrs':
    case 'lambda':
    case 'if':
    case 'merge':
    case 'override':
      return { kind: 'inline', value, evaluator: new Evaluator(), from, dir };
    case 'unknown':
      // Something from a flake input, or `modulesPath + …`: outside the tree. Anything else declint failed to read.
      if (value.outside || /modulesPath/.test(value.why)) return { kind: 'external', name: value.why, from };
      return { kind: 'unread', why: `an import declint cannot read: ${value.why}`, from };
    default:
      return { kind: 'unread', why: `an import that is a ${value.kind}`, from };
  }
}

/**
 * Modules from outside the tree that are known not to set security options
 * (hardware and VM profiles, secret managers, home-manager, disk layout).
 * Any other unread module may set anything, so absence is not judged on
 * hosts that import one: the option might be set where declint cannot look.
 * Installer images are not inert: nixpkgs' installation-device profile turns
 * sshd on and lets root in.
 */
export const INERT_EXTERNAL = /qemu-guest|not-detected|all-hardware|hardware|headless|virtualisation|sd-card\/sd-image(?!.*installer)|sops-nix|agenix|ragenix|home-manager|disko|impermanence|nix-index|nixos-generators/;

/**
 * The modules of a host declint did not read that might set any option:
 * external ones not known to be inert (see INERT_EXTERNAL), and files of the
 * tree it could not read. Where a host is only partly read for another
 * reason (a module list not fully known), this is where it belongs.
 */
export function opaqueExternalModules(host: Host): string[] {
  return [...host.externalModules.map((e) => e.name).filter((name) => !INERT_EXTERNAL.test(name)), ...host.unreadable.map((u) => u.why), ...host.unread.map((n) => n.message)];
}

/** Options only a whole NixOS system defines: a `configuration.nix` whose graph sets none is not a host. */
const SYSTEM_MARKERS = [['system', 'stateVersion'], ['fileSystems'], ['boot', 'loader'], ['networking', 'hostName'], ['boot', 'initrd']];

/** Whether the host's modules look like a whole NixOS system. */
export function looksLikeSystem(host: Host): boolean {
  return host.definitions.some((d) => SYSTEM_MARKERS.some((m) => m.every((segment, i) => d.path[i] === segment)));
}

/**
 * `specialisation.<name>.configuration` defines a variant of the host (a
 * boot entry with more settings): the host's own definitions plus the
 * variant's, named `<host>/<name>`. With `inheritParentConfig = false` the
 * variant has only its own. Values the variant reads from `config` are read
 * from the parent host.
 */
export function specialisations(host: Host): Host[] {
  // From the path trie (every host is asked at each keystroke in the editor): a name with an option defined below its configuration.
  const names = new Set(host.pathsMatching(['specialisation', '*', 'configuration', '*']).map((p) => p[1]));
  return [...names].sort().map((name) => {
    const inherit = host.effective(['specialisation', name, 'inheritParentConfig']);
    const standalone = inherit.kind === 'known' && inherit.plain === false;
    const variant = new Host({ ...host.spec, name: `${host.name}/${name}` });
    for (const d of host.definitions) {
      if (d.path[0] === 'specialisation') {
        if (d.path[1] === name && d.path[2] === 'configuration' && d.path.length > 3) variant.definitions.push({ ...d, path: d.path.slice(3) });
      } else if (!standalone) {
        variant.definitions.push(d);
      }
    }
    for (const file of host.files) variant.files.add(file);
    variant.reader = host.reader;
    variant.seal();
    return variant;
  });
}
