import * as path from 'path';
import { Evaluator, nodeSpan } from './evaluate';
import type { HostNote, HostSpec, LoadedSource, ModuleRef, SourceSite } from './host';
import { createLib } from './lib';
import { Attr, AttrsValue, Thunk, unknown, Value } from './value';

/**
 * Hosts declared in a `flake.nix`: `outputs` is applied to stand-ins for its
 * inputs (each input's `lib` is nixpkgs' lib, so `nixpkgs.lib.nixosSystem`,
 * `inputs.nixpkgs.lib.nixosSystem` and a `lib = nixpkgs.lib` alias all work),
 * and every `nixosConfigurations.<name>` that folds to a `nixosSystem` call
 * becomes a host. A set built by a function is reported, not guessed.
 */
export function hostsFromFlake(flake: LoadedSource, absolutePath: string): { hosts: HostSpec[]; notes: HostNote[]; declaresHosts: boolean } {
  const evaluator = new Evaluator();
  const top = evaluator.eval(flake.root, evaluator.root);
  const whole: SourceSite = { file: flake.file, span: nodeSpan(flake.root) };
  // A flake that mentions nixosConfigurations declares its hosts, even where declint cannot read them.
  const declaresHosts = /\bnixosConfigurations\b/.test(flake.text);
  const none = { hosts: [], notes: [], declaresHosts };
  if (top.kind !== 'attrs') return none;
  const outputsAttr = top.attrs.get('outputs');
  if (!outputsAttr) return none;
  let outputs = outputsAttr.value.force();
  if (outputs.kind === 'lambda') outputs = outputs.apply(Thunk.of(flakeInputs(top)));
  if (outputs.kind !== 'attrs') {
    const why = outputs.kind === 'unknown' ? outputs.why : `a ${outputs.kind}`;
    return declaresHosts ? { ...none, notes: [{ site: whole, message: `the flake's outputs are not statically resolvable (${why}); its hosts are not checked` }] } : none;
  }
  const configurations = outputs.attrs.get('nixosConfigurations');
  if (!configurations) return none;
  const set = configurations.value.force();
  const site = (span = configurations.binding): SourceSite => ({ file: flake.file, span: span ?? whole.span });
  if (set.kind !== 'attrs') {
    const why = set.kind === 'unknown' ? set.why : `a ${set.kind}`;
    return { hosts: [], notes: [{ site: site(), message: `nixosConfigurations is not statically resolvable (${why}); its hosts are not checked` }], declaresHosts };
  }
  const hosts: HostSpec[] = [];
  const notes: HostNote[] = [];
  if (set.open) notes.push({ site: site(), message: `some names in nixosConfigurations are computed (${set.open}); those hosts are not checked` });
  const dir = path.dirname(absolutePath);
  for (const [name, attr] of set.attrs) {
    const system = attr.value.force();
    if (system.kind !== 'system') {
      const why = system.kind === 'unknown' ? system.why : `a ${system.kind}`;
      notes.push({ site: site(attr.binding), message: `nixosConfigurations.${name} is not a nixosSystem call declint can read (${why})` });
      continue;
    }
    const root: SourceSite = { file: flake.file, span: system.origin?.span ?? attr.binding ?? whole.span };
    hosts.push(systemHost(name, system.args.force(), root, dir, evaluator, notes));
  }
  return { hosts, notes, declaresHosts };
}

function systemHost(name: string, args: Value, root: SourceSite, dir: string, evaluator: Evaluator, notes: HostNote[]): HostSpec {
  const modules: ModuleRef[] = [];
  const specialArgs = new Map<string, Thunk>();
  if (args.kind !== 'attrs') {
    notes.push({ site: root, message: `the arguments of nixosSystem for ${name} are not known` });
    return { name, root, modules, specialArgs };
  }
  const list = args.attrs.get('modules')?.value.force();
  if (list?.kind === 'list') {
    for (const item of list.items) {
      const value = item.force();
      const from: SourceSite = { file: root.file, span: value.origin?.span ?? root.span };
      modules.push(moduleRef(value, dir, evaluator, from));
    }
  } else if (list) {
    notes.push({ site: root, message: `the module list of ${name} is not known (${list.kind === 'unknown' ? list.why : list.kind})` });
  }
  const special = args.attrs.get('specialArgs')?.value.force();
  if (special?.kind === 'attrs') for (const [k, v] of special.attrs) specialArgs.set(k, v.value);
  return { name, root, modules, specialArgs };
}

function moduleRef(value: Value, dir: string, evaluator: Evaluator, from: SourceSite): ModuleRef {
  switch (value.kind) {
    case 'path':
      return { kind: 'file', absolutePath: path.resolve(dir, value.value), from };
    case 'attrs':
    case 'lambda':
    case 'merge':
    case 'if':
      return { kind: 'inline', value, evaluator, from, dir };
    default:
      return { kind: 'external', name: value.kind === 'unknown' ? value.why : value.kind, from };
  }
}

/** Stand-ins for a flake's inputs: `lib` is nixpkgs' lib; anything else is another flake's output, not fetched. */
function flakeInputs(flake: AttrsValue): Value {
  const declared = flake.attrs.get('inputs')?.value.force();
  const names = declared?.kind === 'attrs' ? [...declared.attrs.keys()] : [];
  const attrs = new Map<string, Attr>();
  const input = (name: string): Value => ({
    kind: 'attrs',
    attrs: new Map([['lib', { value: Thunk.of(createLib()) }]]),
    open: `inputs.${name} is another flake, which declint does not fetch`,
  });
  // `nixpkgs` may be used without being declared: the flake registry supplies it.
  for (const name of new Set([...names, 'nixpkgs'])) attrs.set(name, { value: Thunk.of(input(name)) });
  attrs.set('self', { value: Thunk.of(unknown('self is the flake itself')) });
  return { kind: 'attrs', attrs, open: 'an input this flake does not declare' };
}

/**
 * Hosts without a flake: every `configuration.nix` that no other scanned
 * file imports and no flake host includes. The host is named after its
 * directory (`hosts/web/configuration.nix` → `web`).
 */
export function configurationRoots(candidates: { absolutePath: string; file: string }[], imported: Set<string>): HostSpec[] {
  return candidates
    .filter((c) => path.basename(c.absolutePath) === 'configuration.nix' && !imported.has(c.absolutePath))
    .map((c) => {
      const name = path.basename(path.dirname(c.absolutePath));
      const from: SourceSite = { file: c.file, span: { start: 0, end: 0 } };
      return { name, root: from, modules: [{ kind: 'file', absolutePath: c.absolutePath, from }], specialArgs: new Map() };
    });
}
