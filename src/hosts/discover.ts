import * as path from 'path';
import type { EvalSession } from '../nix/evaluate';
import type { HostNote, HostRole, HostSpec, SourceSite } from '../nix/host';
import { Attr, AttrsValue, SystemValue, Thunk, Value } from '../nix/value';
import type { NixSourceLoader } from '../pipeline/source-loader';
import { traceApart } from '../nix/read-trace';
import { isInside } from '../source/paths';
import { callFlake } from './call-flake';
import type { FlakeEnv } from './flake-env';
import { hiveNodes } from './frameworks/colmena';
import { flakeCompat, isFlakeCompat } from './frameworks/flake-compat';
import { bindingNameAt, hostSpec, siteOf } from './host-specs';
import { outsideImports } from './outside-imports';

/** A host a flake or entry file declares that declint could not resolve, with why. */
export interface UnresolvedHost {
  /** The host's name, where at least that is known. */
  name?: string;
  site: SourceSite;
  reason: string;
  construct: string;
}

export interface HostDiscovery {
  /** Hosts found, grouped by the flake that declares them (none for entry files). */
  groups: { flakeDir?: string; specs: HostSpec[] }[];
  unresolved: UnresolvedHost[];
  notes: HostNote[];
  /** Directories of flakes that declare hosts: a `configuration.nix` below one is one of their modules, not a host of its own. */
  hostFlakeDirs: string[];
  /** Directories that hold a flake.nix (entry files below them are read through the flake). */
  flakeDirs: string[];
  /** Flakes and entry files whose reading failed (a bug in declint): each is an internal error at the file, the others are still read. */
  failures: { file: string; error: unknown }[];
  /** Files outside any flake that no file imports, each tested for building systems by itself (`mayBuildSystems`). */
  entryCandidates: ReadonlySet<string>;
}

export interface DiscoveryInput {
  nixFiles: { absolutePath: string; path: string }[];
  /** The scanned roots: a flake at one of them names its hosts plainly, any other as `<dir>#<name>`. */
  roots: string[];
  loader: NixSourceLoader;
  session: EvalSession;
  /** Files some scanned file imports (they are not entry points). */
  imported: Set<string>;
}

/** Text that shows a flake declares NixOS systems even where declint cannot read them. */
const DECLARES_HOSTS = /\bnixosConfigurations\b|\bcolmena(Hive)?\b|\bnixosSystem\b|clan-core|\bbuildClan\b/;
/** Text of a file outside any flake that may build a NixOS system by itself. */
const ENTRY_FILE = /<nixpkgs\/nixos>|nixos\/lib\/eval-config\.nix|nixpkgs\/nixos\b|\bnixus\b/;

/**
 * Whether a file outside any flake may build NixOS systems by itself (an
 * entry file: a colmena `hive.nix`, or a text that names NixOS's entry
 * points), its text asked for only where the name does not tell: only such
 * a file is evaluated.
 */
export function mayBuildSystems(absolutePath: string, text: () => string | undefined): boolean {
  return isHiveFile(absolutePath) || ENTRY_FILE.test(text() ?? '');
}

/**
 * Whether discovery tests a file for building systems by itself: a `.nix`
 * file outside every flake (`flakeDirs`, whose files are read through the
 * flake) that no scanned file imports.
 */
export function isEntryCandidate(absolutePath: string, flakeDirs: readonly string[], imported: ReadonlySet<string>): boolean {
  return absolutePath.endsWith('.nix') && path.basename(absolutePath) !== 'flake.nix' && !imported.has(absolutePath) && !flakeDirs.some((d) => isInside(d, absolutePath));
}

/** A colmena hive outside any flake, which builds its nodes by its name alone. */
function isHiveFile(absolutePath: string): boolean {
  return path.basename(absolutePath) === 'hive.nix';
}

/**
 * Finds the NixOS systems of a scanned tree the way Nix would evaluate
 * them, without running anything: every flake's outputs (with its
 * frameworks), then files outside flakes that build a system by themselves
 * (`import <nixpkgs/nixos> { … }`, nixus, a colmena `hive.nix`).
 */
export function discoverHosts(input: DiscoveryInput): HostDiscovery {
  input.session.outsideImport ??= outsideImports(input.session);
  input.session.knownImport ??= (absolutePath) => (isFlakeCompat(absolutePath) ? flakeCompat(input.session) : undefined);
  const result: HostDiscovery = { groups: [], unresolved: [], notes: [], hostFlakeDirs: [], flakeDirs: [], failures: [], entryCandidates: new Set() };
  const flakes = input.nixFiles.filter((f) => path.basename(f.absolutePath) === 'flake.nix');
  for (const flake of flakes) {
    result.flakeDirs.push(path.dirname(flake.absolutePath));
    readApart(result, () => readFlake(flake.absolutePath, input, result));
  }
  const entries = input.nixFiles.filter((f) => isEntryCandidate(f.absolutePath, result.flakeDirs, input.imported));
  result.entryCandidates = new Set(entries.map((e) => e.absolutePath));
  for (const entry of entries) readApart(result, () => readEntryFile(entry.absolutePath, input, result));
  return result;
}

/** The hosts of one flake.nix, added to `result`. */
function readFlake(absolutePath: string, input: DiscoveryInput, result: HostDiscovery): void {
  const dir = path.dirname(absolutePath);
  const loaded = input.loader.load(absolutePath);
  if ('error' in loaded) return;
  const declares = DECLARES_HOSTS.test(loaded.text);
  if (declares) result.hostFlakeDirs.push(dir);
  const whole: SourceSite = { file: loaded.file, span: { start: 0, end: 0 } };
  try {
    const called = callFlake(loaded, input.session);
    const prefix = input.roots.some((root) => samePath(root, dir)) ? '' : `${flakeLabel(input.roots, dir)}#`;
    const template = /(^|\/)templates\//.test(prefix);
    // A flake.nix that is not a set (a flake-parts module kept under that name) is no flake.
    if (called.top.kind !== 'attrs' && called.top.kind !== 'unknown') return;
    const found = systemsOfOutputs(called.outputs, called.env, whole, declares, input.loader);
    result.groups.push({
      flakeDir: dir,
      specs: found.systems.map((s) => {
        const defaults = new Map([['inputs', called.env.inputs], ['self', called.env.self]]);
        const spec = ownSpec(s, () => hostSpec(prefix + s.name, s.system, { site: s.site, construct: s.construct, role: template ? 'template' : s.role, dir, defaults }, input.session));
        return [...called.env.kinds.values()].includes('nixos-extra-modules') ? { ...spec, guests: 'nixos-extra-modules' as const } : spec;
      }),
    });
    result.unresolved.push(...found.unresolved.map((u) => ({ ...u, ...(u.name !== undefined ? { name: prefix + u.name } : {}) })));
  } catch (error) {
    result.unresolved.push({ site: whole, reason: `internal error while evaluating the flake: ${(error as Error).message}`, construct: 'flake outputs' });
    result.failures.push({ file: loaded.file, error });
  }
}

/** The hosts of one file outside any flake that builds systems by itself, added to `result`. */
function readEntryFile(absolutePath: string, input: DiscoveryInput, result: HostDiscovery): void {
  // Most candidates build nothing: their text is tested before anything is parsed (a warm cache parsed none of them).
  if (!mayBuildSystems(absolutePath, () => input.loader.peek(absolutePath))) return;
  const isHive = isHiveFile(absolutePath);
  const loaded = input.loader.load(absolutePath);
  if ('error' in loaded) return;
  const whole: SourceSite = { file: loaded.file, span: { start: 0, end: 0 } };
  try {
    const found = systemsOfEntryFile(absolutePath, isHive, input.session, whole);
    if (found.length > 0) {
      result.groups.push({ specs: found.map((s) => ownSpec(s, () => hostSpec(s.name, s.system, { site: s.site, construct: s.construct, role: s.role, dir: path.dirname(absolutePath) }, input.session))) });
    }
  } catch (error) {
    result.unresolved.push({ site: whole, reason: `internal error while evaluating the file: ${(error as Error).message}`, construct: 'entry file' });
    result.failures.push({ file: loaded.file, error });
  }
}

/**
 * One flake or entry file read as a part of discovery of its own
 * (read-trace.ts, `traceApart`): what reading it read is its hosts' (added
 * to what each host's own definition read), not the hosts' of another
 * flake, nor anyone's where it builds no host (a file tested for being an
 * entry file, a flake without hosts: which hosts there are is found again
 * on every run).
 */
function readApart(result: HostDiscovery, read: () => void): void {
  const before = result.groups.length;
  const { reads } = traceApart(read);
  if (reads.length === 0) return;
  for (const group of result.groups.slice(before)) group.specs = group.specs.map((s) => ({ ...s, reads: [...new Set([...reads, ...(s.reads ?? [])])] }));
}

/**
 * A host's definition read as a part of discovery of its own: what that
 * read (a host file its flake imports to build its module list), with what
 * forcing its system read, is the host's, not every host's (read-trace.ts,
 * `traceApart`).
 */
function ownSpec(found: FoundSystem, read: () => HostSpec): HostSpec {
  const { result, reads } = traceApart(read);
  const all = found.reads ? [...new Set([...found.reads, ...reads])] : reads;
  return all.length > 0 ? { ...result, reads: all } : result;
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

/** `templates/starter` for a flake below a scanned root. */
function flakeLabel(roots: string[], dir: string): string {
  const root = roots.find((r) => isInside(r, dir)) ?? path.dirname(dir);
  return path.relative(root, dir).split(path.sep).join('/');
}

interface FoundSystem {
  name: string;
  system: SystemValue;
  site: SourceSite;
  construct: string;
  role?: HostRole;
  /** What forcing this system's value read (`forcePart`): its host's alone. */
  reads?: string[];
}

/** Systems are the same when they share their argument set (a package made from a configuration is not a new host). */
type Seen = Set<Thunk>;

/** The system a value is, or belongs to (`….config.system.build.toplevel`). */
function systemOf(value: Value): SystemValue | undefined {
  if (value.kind === 'system') return value;
  if (value.kind === 'unknown' && value.ofSystem) return value.ofSystem;
  return undefined;
}

function attrSite(attr: Attr, set: Value, fallback: SourceSite): SourceSite {
  if (attr.binding && attr.file) return { file: attr.file, span: attr.binding };
  return set.origin?.file ? { file: set.origin.file, span: set.origin.span } : fallback;
}

/**
 * The NixOS systems a flake's outputs hold: `nixosConfigurations`, colmena
 * nodes (`colmenaHive.nodes`, the raw `colmena` hive), and systems exposed
 * only as `checks` (test configurations) or `packages` (images) — each once.
 */
function systemsOfOutputs(outputs: Value, env: FlakeEnv, whole: SourceSite, declares: boolean, loader: NixSourceLoader): { systems: FoundSystem[]; unresolved: UnresolvedHost[] } {
  const systems: FoundSystem[] = [];
  const unresolved: UnresolvedHost[] = [];
  const seen: Seen = new Set();
  const names = new Set<string>();
  const add: AddSystem = (name, system, site, construct, reads, role) => {
    if (seen.has(system.args) || names.has(name)) return;
    seen.add(system.args);
    names.add(name);
    systems.push({ name, system, site, construct, ...(role ? { role } : {}), ...(reads.length > 0 ? { reads } : {}) });
  };
  if (outputs.kind !== 'attrs') {
    if (declares) unresolved.push({ site: whole, reason: `the flake's outputs are not statically resolvable (${outputs.kind === 'unknown' ? outputs.why : `a ${outputs.kind}`})`, construct: 'flake outputs' });
    return { systems, unresolved };
  }
  const output = (name: string): { attr: Attr; value: Value } | undefined => {
    const attr = outputs.attrs.get(name);
    return attr ? { attr, value: attr.value.force() } : undefined;
  };
  const configurations = output('nixosConfigurations');
  if (configurations) {
    const site = attrSite(configurations.attr, outputs, whole);
    const set = configurations.value;
    if (set.kind === 'attrs') {
      for (const [name, attr] of set.attrs) {
        const { value, reads } = forcePart(attr);
        const system = systemOf(value);
        const at = attrSite(attr, set, siteOf(value, site));
        if (system) add(name, system, siteOf(system, at), construct('nixosConfigurations', set, system), reads);
        else unresolved.push({ name, site: at, reason: `nixosConfigurations.${name} is not a NixOS system declint can read (${value.kind === 'unknown' ? value.why : `a ${value.kind}`})`, construct: construct(`nixosConfigurations.${name}`, set) });
      }
      if (set.open) unresolved.push({ site, reason: `some names in nixosConfigurations are not known (${set.open})`, construct: construct('nixosConfigurations', set) });
    } else {
      unresolved.push({ site, reason: `nixosConfigurations is not statically resolvable (${set.kind === 'unknown' ? set.why : `a ${set.kind}`})`, construct: 'nixosConfigurations' });
    }
  } else if (outputs.open && declares) {
    unresolved.push({ site: whole, reason: `the flake's outputs are read in part (${outputs.open}); nixosConfigurations is not among what declint could read`, construct: 'flake outputs' });
  }
  // Images of other formats (`isoConfigurations`, snowfall's virtual targets): NixOS systems of another output.
  for (const name of outputs.attrs.keys()) {
    if (!/^[a-z0-9]+Configurations$/.test(name) || NOT_NIXOS.has(name)) continue;
    const images = output(name);
    if (images?.value.kind === 'attrs') collectSystems(images.value, name, attrSite(images.attr, outputs, whole), add, unresolved, true);
  }
  const hive = output('colmenaHive');
  if (hive?.value.kind === 'attrs') {
    const nodes = hive.value.attrs.get('nodes')?.value.force();
    if (nodes?.kind === 'attrs') collectSystems(nodes, 'colmenaHive.nodes', attrSite(hive.attr, outputs, whole), add, unresolved);
  }
  const rawHive = output('colmena');
  if (rawHive?.value.kind === 'attrs' && !rawHive.value.attrs.has('nodes')) {
    const nodes = hiveNodes(rawHive.value);
    if (nodes.kind === 'attrs') collectSystems(nodes, 'colmena', attrSite(rawHive.attr, outputs, whole), add, unresolved, true);
  }
  // Systems exposed only as checks or packages: one host per place a system is built, whatever the
  // number of platforms or nixpkgs it is built for, named as that place names it.
  const callSites = new Set<string>();
  for (const [name, role] of [['checks', 'test'], ['packages', undefined], ['legacyPackages', undefined]] as const) {
    const perSystem = output(name);
    if (perSystem?.value.kind !== 'attrs') continue;
    for (const system of systemOrder(perSystem.value)) {
      const set = perSystem.value.attrs.get(system)?.value.force();
      if (set?.kind !== 'attrs') continue;
      for (const [entry, attr] of set.attrs) {
        const { value, reads } = forcePart(attr);
        const found = systemOf(value);
        if (!found || seen.has(found.args)) continue;
        const at = found.calledAt?.[found.calledAt.length - 1] ?? found.origin;
        const origin = at?.file ? `${at.file}:${at.span.start}:${at.span.end}` : undefined;
        if (origin && callSites.has(origin)) continue;
        if (origin) callSites.add(origin);
        add(nameAtCallSite(found, loader) ?? entry, found, attrSite(attr, set, siteOf(found, whole)), construct(`${name}.${system}`, set, found), reads, role ?? (value.kind === 'system' ? undefined : 'vm'));
      }
    }
  }
  return { systems, unresolved };
}

/** The name the file that builds a system gives it (`example-common = nixosSystem { … };`). */
function nameAtCallSite(system: SystemValue, loader: NixSourceLoader): string | undefined {
  const at = system.calledAt?.[system.calledAt.length - 1] ?? system.origin;
  if (!at?.file) return undefined;
  const loaded = loader.load(path.resolve(loader.base, at.file));
  return 'error' in loaded ? undefined : bindingNameAt(loaded.root, at.span);
}

type AddSystem = (name: string, system: SystemValue, site: SourceSite, construct: string, reads: string[], role?: HostRole) => void;

/**
 * One attribute of a set of systems forced as a part of discovery of its
 * own (read-trace.ts, `traceApart`): what that read (the host's file, which
 * its flake imports to build it) is that host's, not every host's.
 */
function forcePart(attr: Attr): { value: Value; reads: string[] } {
  const { result, reads } = traceApart(() => attr.value.force());
  return { value: result, reads };
}

/** Every system of a set of nodes, and every node that is none. */
function collectSystems(nodes: AttrsValue, label: string, site: SourceSite, add: AddSystem, unresolved: UnresolvedHost[], quiet = false): void {
  for (const [name, attr] of nodes.attrs) {
    const { value, reads } = forcePart(attr);
    const system = systemOf(value);
    if (system) add(name, system, attrSite(attr, nodes, site), construct(label, nodes, system), reads);
    else if (!quiet) unresolved.push({ name, site: attrSite(attr, nodes, site), reason: `${label}.${name} is not a NixOS system declint can read (${value.kind === 'unknown' ? value.why : `a ${value.kind}`})`, construct: `${label}.${name}` });
  }
}

/** Outputs named `…Configurations` that hold no NixOS system (or that are read above). */
const NOT_NIXOS = new Set(['nixosConfigurations', 'darwinConfigurations', 'homeConfigurations', 'nixbsdConfigurations', 'nixOnDroidConfigurations', 'systemConfigs']);

/** Linux systems first, x86_64 before others: the same configuration is built for several. */
function systemOrder(set: AttrsValue): string[] {
  const rank = (s: string) => (s === 'x86_64-linux' ? 0 : s.endsWith('-linux') ? 1 : 2);
  return [...set.attrs.keys()].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
}

function construct(output: string, set: Value, system?: SystemValue): string {
  const via = set.via ? ` (${set.via})` : '';
  return `${output}${via}${system ? ` → ${system.via}` : ''}`;
}

/**
 * The systems an entry file outside any flake builds: the file's value (a
 * function whose arguments all have defaults is called with none) is a
 * system, a part of one (`(import <nixpkgs/nixos> { … }).config.system.build.isoImage`),
 * a colmena hive, or a set of nodes (nixus).
 */
function systemsOfEntryFile(absolutePath: string, isHive: boolean, session: EvalSession, whole: SourceSite): FoundSystem[] {
  let value = session.importFile(absolutePath);
  if (value.kind === 'lambda') {
    if (!value.formals || value.formalDefaults?.some((d) => !d)) return [];
    value = value.apply(Thunk.of({ kind: 'attrs', attrs: new Map() }));
  }
  const stem = path.basename(absolutePath) === 'default.nix' ? path.basename(path.dirname(absolutePath)) : path.basename(absolutePath, '.nix');
  const single = systemOf(value);
  if (single) return [{ name: stem, system: single, site: siteOf(single, whole), construct: `${whole.file} → ${single.via}` }];
  if (value.kind !== 'attrs') return [];
  const nodes = isHive ? hiveNodes(value) : value.attrs.get('nodes')?.value.force();
  if (nodes?.kind !== 'attrs') return [];
  const out: FoundSystem[] = [];
  for (const [name, attr] of nodes.attrs) {
    const { value, reads } = forcePart(attr);
    const system = systemOf(value);
    if (system) out.push({ name, system, site: attrSite(attr, nodes, whole), construct: construct(`${whole.file} nodes`, nodes, system), ...(reads.length > 0 ? { reads } : {}) });
  }
  return out;
}
