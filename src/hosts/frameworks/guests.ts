import * as path from 'path';
import type { EvalSession } from '../../nix/evaluate';
import type { Host, HostNote, HostSpec, ModuleRef } from '../../nix/host';
import { listElements, Thunk } from '../../nix/value';
import { moduleRef } from '../host-specs';

/**
 * Guests declared through a host option (oddlama/nixos-extra-modules
 * `modules/guests/default.nix`): every `guests.<name>` of a host is a NixOS
 * system of its own (a microVM or a container) whose modules are
 * `guests.<name>.modules`, called `guests.<name>.nodeName`, by default
 * `<node.name>-<name>`, with `extraSpecialArgs`. They exist only once the
 * host is evaluated, so they are found from the host, not from the flake.
 */
export function guestSpecs(host: Host, session: EvalSession, dir: string): HostSpec[] {
  const names = new Set(host.definedPathsMatching(['guests', '*', 'modules']).map((p) => p[1]));
  if (names.size === 0) return [];
  const nodeName = host.effective(['node', 'name']);
  const parent = nodeName.kind === 'known' && typeof nodeName.plain === 'string' ? nodeName.plain : host.name;
  const specs: HostSpec[] = [];
  for (const guest of [...names].sort()) {
    const modules = host.effective(['guests', guest, 'modules']);
    if (modules.kind !== 'known') continue;
    const site = modules.contributions.find((c) => c.status === 'won')?.definition;
    const from = site ? { file: site.file, span: site.def.binding } : host.spec.root;
    const unread: HostNote[] = [];
    const refs: ModuleRef[] = [];
    const found = listElements(modules.value);
    if (!found) continue;
    for (const item of found.items) refs.push(moduleRef(item.force(), from, session, unread, dir));
    if (found.missing !== undefined) unread.push({ site: from, message: `some modules of guest ${guest} are not known (${found.missing})` });
    const named = host.effective(['guests', guest, 'nodeName']);
    const name = named.kind === 'known' && typeof named.plain === 'string' ? named.plain : `${parent}-${guest}`;
    const specialArgs = new Map<string, Thunk>();
    const extra = host.effective(['guests', guest, 'extraSpecialArgs']);
    if (extra.kind === 'known' && extra.value.kind === 'attrs') for (const [k, v] of extra.value.attrs) specialArgs.set(k, v.value);
    specs.push({
      name,
      root: from,
      modules: refs,
      specialArgs,
      construct: `guests.${guest} of host ${host.name} (nixos-extra-modules)`,
      role: 'vm',
      ...(host.spec.release ? { release: host.spec.release } : {}),
      ...(unread.length > 0 ? { unread } : {}),
    });
  }
  return specs;
}

void path;
