import * as path from 'path';
import type { Finding } from '../findings/finding';
import { configurationRoots, hostsFromFlake } from '../nix/discover-hosts';
import { aliasTable, buildHost, Host, HostNote, HostSpec, looksLikeSystem } from '../nix/host';
import { parseOptionPath } from '../nix/option-path';
import { checkHost, mergeHostFindings } from '../rules/check-host';
import type { Rule } from '../rules/rule';
import { NixSourceLoader } from './source-loader';
import { formatOptionPath } from '../nix/option-path';
import { describePlain, Plain, toPlain } from '../nix/value';
import type { LineIndex } from '../source/position';

/** Two values at the winning priority for one option: the build would fail, and declint judges neither. */
function conflictFindings(host: Host, lines: (file: string) => LineIndex): Finding[] {
  return host.findConflicts().map(({ path: optionPath, contributions }) => {
    const winners = contributions.filter((c) => c.status === 'won').map((c) => c.definition);
    const [first, ...others] = winners;
    const values = winners.map((d) => `${describePlain(toPlain(d.def.value) as Plain)} in ${d.file}`).join(', ');
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
  /** Absolute paths some module imports (from the per-file phase). */
  imported: Set<string>;
  rules: Rule[];
  now: Date;
  /** Module files treated as host roots (`explain-option --root`). */
  extraRoots?: string[];
}

export interface HostPhaseResult {
  hosts: Host[];
  /** Report paths of every file that belongs to a host. */
  hostFiles: Set<string>;
  findings: Finding[];
  notes: HostNote[];
  loader: NixSourceLoader;
}

/** Finds the hosts in the scanned tree, merges each one's modules and runs the NixOS rules on them. */
export function checkHosts(input: HostPhaseInput): HostPhaseResult {
  const loader = new NixSourceLoader(input.roots, input.base);
  const aliases = aliasTable(
    input.rules.flatMap((r) => [
      ...('option' in r.subject ? (r.subject.aliases ?? []).map((a) => ({ from: parseOptionPath(a), to: parseOptionPath((r.subject as { option: string }).option) })) : []),
      ...(r.when?.aliases ?? []).map((a) => ({ from: parseOptionPath(a), to: parseOptionPath(r.when!.option) })),
    ]),
  );
  const specs: HostSpec[] = [];
  const notes: HostNote[] = [];
  let flakeDeclaresHosts = false;
  for (const file of input.nixFiles) {
    if (path.basename(file.absolutePath) !== 'flake.nix') continue;
    const loaded = loader.load(file.absolutePath);
    if ('error' in loaded) continue;
    const found = hostsFromFlake(loaded, file.absolutePath);
    specs.push(...found.hosts);
    notes.push(...found.notes);
    flakeDeclaresHosts ||= found.declaresHosts;
  }
  const hosts = specs.map((spec) => buildHost(spec, { loader, aliases }));
  const inFlakeHosts = new Set(hosts.flatMap((h) => [...h.files]));
  // Where a flake declares the hosts, a configuration.nix is one of its modules, not a host of its own.
  const candidates = flakeDeclaresHosts
    ? []
    : input.nixFiles.filter((f) => !inFlakeHosts.has(f.path)).map((f) => ({ absolutePath: f.absolutePath, file: f.path }));
  for (const spec of configurationRoots(candidates, input.imported)) {
    const host = buildHost(spec, { loader, aliases });
    // A configuration.nix of something else (a test, a home-manager profile) is not a NixOS host.
    if (looksLikeSystem(host)) hosts.push(host);
  }

  for (const absolutePath of input.extraRoots ?? []) {
    const file = path.relative(input.base, absolutePath).split(path.sep).join('/');
    const from = { file, span: { start: 0, end: 0 } };
    hosts.push(buildHost({ name: file, root: from, modules: [{ kind: 'file', absolutePath, from }], specialArgs: new Map() }, { loader, aliases }));
  }

  const nixosRules = input.rules.filter((r) => r.target === 'nixos');
  const ctx = { now: input.now, lines: (file: string) => loader.lines(file) };
  const findings: Finding[] = [];
  for (const host of hosts) {
    // A host none of whose modules could be read would make every option look unset.
    if (host.files.size === 0) {
      notes.push(...host.notes);
      continue;
    }
    for (const rule of nixosRules) findings.push(...checkHost(host, rule, ctx));
    findings.push(...conflictFindings(host, ctx.lines));
    notes.push(...host.notes);
  }
  return { hosts, hostFiles: new Set(hosts.flatMap((h) => [...h.files])), findings: mergeHostFindings(findings), notes, loader };
}
