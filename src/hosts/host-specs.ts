import { placeOf } from '../nix/builtins/io';
import type { EvalSession } from '../nix/evaluate';
import { Evaluator } from '../nix/evaluate';
import type { HostNote, HostRole, HostSpec, ModuleRef, SourceSite } from '../nix/host';
import { listElements, SystemValue, Thunk, Value } from '../nix/value';

/**
 * A NixOS system value (`nixosSystem { modules; specialArgs; }` or what a
 * framework builds) as the host the module model evaluates: every module of
 * its list it can read, and a note for each element it cannot (the host is
 * then read in part, never dropped).
 */
export function hostSpec(name: string, system: SystemValue, at: { site: SourceSite; construct: string; role?: HostRole; dir: string }, session: EvalSession): HostSpec {
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
  return {
    name,
    root: at.site,
    modules,
    specialArgs,
    construct: at.construct,
    role: at.role ?? roleOf(system, modules),
    ...(unread.length > 0 ? { unread } : {}),
  };
}

/** Where a value was written, when it knows; else `fallback`. */
export function siteOf(value: Value, fallback: SourceSite): SourceSite {
  return value.origin?.file ? { file: value.origin.file, span: value.origin.span } : fallback;
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
      unread.push({ site, message: `a module is not known (${place.why})` });
      return { kind: 'external', name: place.why, from: site };
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
      unread.push({ site, message: `a module is not known (${value.why})` });
      return { kind: 'external', name: value.why, from: site };
    default:
      unread.push({ site, message: `a module is a ${value.kind}` });
      return { kind: 'external', name: `a ${value.kind}`, from: site };
  }
}

/** An installer or VM image by how it was built or what it imports; a machine otherwise. */
function roleOf(system: SystemValue, modules: ModuleRef[]): HostRole {
  if (/iso|installer/.test(system.via)) return 'iso';
  if (/nixos-generators/.test(system.via)) return 'vm';
  if (modules.some((m) => m.kind === 'external' && /installer\/cd-dvd|iso-image/.test(m.name))) return 'iso';
  return 'host';
}
