import { placeOf } from '../nix/builtins/io';
import type { EvalSession } from '../nix/evaluate';
import { Evaluator } from '../nix/evaluate';
import type { HostNote, HostRole, HostSpec, ModuleRef, SourceSite } from '../nix/host';
import type { NixNode } from '../nix/syntax';
import { listElements, SystemValue, Thunk, Value } from '../nix/value';

/**
 * A NixOS system value (`nixosSystem { modules; specialArgs; }` or what a
 * framework builds) as the host the module model evaluates: every module of
 * its list it can read, and a note for each element it cannot (the host is
 * then read in part, never dropped).
 */
/**
 * The module arguments a flake's hosts get where the flake does not pass
 * them itself: its `inputs` and `self`. Nearly every flake passes them, in
 * specialArgs or through `_module.args` (which declint does not follow), and
 * they are then these very values.
 */
export type ArgDefaults = Map<string, Thunk>;

export function hostSpec(name: string, system: SystemValue, at: { site: SourceSite; construct: string; role?: HostRole; dir: string; defaults?: ArgDefaults }, session: EvalSession): HostSpec {
  const args = system.args.force();
  const modules: ModuleRef[] = [];
  const unread: HostNote[] = [];
  const specialArgs = new Map<string, Thunk>();
  const systemSite = siteOf(system, at.site);
  if (args.kind !== 'attrs') {
    unread.push({ site: systemSite, message: `the arguments of ${system.via} are not known${args.kind === 'unknown' ? ` (${args.why})` : ''}` });
  } else {
    const list = args.attrs.get('modules')?.value.force();
    const found = list ? listElements(list) : { items: [] };
    if (found) {
      for (const item of found.items) modules.push(moduleRef(item.force(), systemSite, session, unread, at.dir));
      if (found.missing !== undefined) unread.push({ site: systemSite, message: `some modules of ${name} are not known (${found.missing})` });
    } else if (list) {
      unread.push({ site: systemSite, message: `the module list of ${name} is not known (${list.kind === 'unknown' ? list.why : `a ${list.kind}`})` });
    }
    const special = args.attrs.get('specialArgs')?.value.force();
    if (special?.kind === 'attrs') for (const [k, v] of special.attrs) specialArgs.set(k, v.value);
  }
  for (const [k, v] of at.defaults ?? []) if (!specialArgs.has(k)) specialArgs.set(k, v);
  // A host a framework makes from a directory (clan's machines/<n>, snowfall's systems/…/<n>) has no call of its
  // own in the repository: its own file is where what it leaves unset is reported.
  const ownFile = DIRECTORY_FRAMEWORKS.test(system.via) && !system.calledAt ? modules.find((m) => m.kind === 'file') : undefined;
  const loaded = ownFile?.kind === 'file' ? session.io.load(ownFile.absolutePath) : undefined;
  const root = loaded && !('error' in loaded) ? { file: loaded.file, span: { start: 0, end: 0 } } : at.site;
  return {
    name,
    root,
    modules,
    specialArgs,
    construct: at.construct,
    role: at.role ?? roleOf(system, modules),
    ...(unread.length > 0 ? { unread } : {}),
  };
}

/** Frameworks that make a host of each directory or file (no call in the repository names it). */
const DIRECTORY_FRAMEWORKS = /^(clan|snowfall-lib|ez-configs|lite-config|nixos-unified)/;

/** Where a value was written, when it knows; else `fallback`. A host is where the repository asks for it (its outermost call). */
export function siteOf(value: Value, fallback: SourceSite): SourceSite {
  const outermost = value.kind === 'system' ? value.calledAt?.[value.calledAt.length - 1] : undefined;
  const origin = outermost ?? value.origin;
  return origin?.file ? { file: origin.file, span: origin.span } : fallback;
}

/**
 * What one element of a module list is: a file of the tree, a module written
 * inline, something from outside the tree (a flake input's module, a
 * nixpkgs profile), or an element declint cannot read (noted in `unread`).
 */
export function moduleRef(value: Value, from: SourceSite, session: EvalSession, unread: HostNote[], dir: string): ModuleRef {
  const site = siteOf(value, from);
  switch (value.kind) {
    case 'path':
    case 'string': {
      const place = placeOf(value);
      if (place.kind === 'tree') return { kind: 'file', absolutePath: place.absolute, from: site };
      if (place.kind === 'input') return { kind: 'external', name: `${place.input}${place.subpath}`, from: site };
      return { kind: 'unread', why: `a module declint cannot read (${place.why})`, from: site };
    }
    case 'attrs':
    case 'lambda':
    case 'merge':
    case 'if':
    case 'override': {
      const file = session.fileOf(value);
      if (file) return { kind: 'file', absolutePath: file, from: site };
      return { kind: 'inline', value, evaluator: new Evaluator({ session }), from: site, dir };
    }
    case 'unknown':
      if (value.outside) return { kind: 'external', name: value.why, from: site };
      return { kind: 'unread', why: `a module declint cannot read (${value.why})`, from: site };
    default:
      return { kind: 'unread', why: `a module that is a ${value.kind}`, from: site };
  }
}

/** An installer or VM image by how it was built or what it imports; a machine otherwise. */
function roleOf(system: SystemValue, modules: ModuleRef[]): HostRole {
  if (/iso|installer/.test(system.via)) return 'iso';
  if (/nixos-generators|image$/.test(system.via)) return 'vm';
  if (modules.some((m) => m.kind === 'external' && /installer\/cd-dvd|iso-image/.test(m.name))) return 'iso';
  return 'host';
}

/**
 * The name of the attribute a value is written as (`example-common =
 * nixosSystem { … };` → `example-common`), found from the value's span in
 * its file; undefined where it is not the whole value of a binding with a
 * plain name.
 */
export function bindingNameAt(root: NixNode, span: { start: number; end: number }): string | undefined {
  let node: NixNode | undefined = root;
  let name: string | undefined;
  // A `let` binding names a local, not the system: only an attribute of a set counts.
  let inSet = false;
  while (node) {
    if (node.type === 'attrset_expression' || node.type === 'rec_attrset_expression') inSet = true;
    else if (node.type === 'let_expression') inSet = false;
    if (node.startIndex === span.start && node.endIndex === span.end) return name;
    let next: NixNode | undefined;
    for (const child of node.namedChildren) {
      if (child.startIndex <= span.start && span.end <= child.endIndex) {
        next = child;
        break;
      }
    }
    if (!next) return undefined;
    if (node.type === 'binding' && next === node.childForFieldName('expression')) {
      const attrpath = node.childForFieldName('attrpath');
      const parts = attrpath?.namedChildren ?? [];
      const last = parts[parts.length - 1];
      name = !inSet ? undefined : last?.type === 'identifier' ? last.text : last?.type === 'string_expression' && last.namedChildren.every((c) => c.type === 'string_fragment') ? last.text.slice(1, -1) : undefined;
    } else if (!passesValue(node, next)) name = node.type === 'binding' ? name : undefined;
    node = next;
  }
  return undefined;
}

/** Whether `child` is what `node` evaluates to (a branch of an `if`, the body of a `let`), so the binding's name still holds. */
function passesValue(node: NixNode, child: NixNode): boolean {
  switch (node.type) {
    case 'parenthesized_expression':
      return true;
    case 'if_expression':
      return child === node.childForFieldName('consequence') || child === node.childForFieldName('alternative');
    case 'let_expression':
    case 'with_expression':
    case 'assert_expression':
      return child === node.childForFieldName('body');
    default:
      return false;
  }
}
