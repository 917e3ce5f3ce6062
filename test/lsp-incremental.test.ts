import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { Finding } from '../src/findings/finding';
import { OpenDocuments } from '../src/lsp/open-documents';
import { readSettings, Workspace } from '../src/lsp/workspace';
import { runCheck } from '../src/pipeline/check';
import { parseNix } from '../src/nix/parser';
import { convertTree, convertTreeReusing, NixNode } from '../src/nix/syntax';
import { makeWorkspace } from './support/lsp-client';

/**
 * The language server keeps its analysis between edits and updates a host in
 * place when only one module's definitions changed. Whatever path it takes,
 * after every edit its findings must be exactly those `declint check` finds on
 * the same texts from scratch.
 */

const FILES: Record<string, string> = {
  'flake.nix': `{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.web = nixpkgs.lib.nixosSystem { modules = [ ./hosts/web.nix ]; };
    nixosConfigurations.db = nixpkgs.lib.nixosSystem { modules = [ ./hosts/db.nix ]; };
  };
}
`,
  'hosts/web.nix': `{ lib, ... }:
{
  imports = [ ../modules/ssh.nix ../modules/firewall.nix ../modules/etc.nix ];
  networking.hostName = "web";
  system.stateVersion = "24.05";
}
`,
  'hosts/db.nix': `{ ... }:
{
  imports = [ ../modules/firewall.nix ];
  networking.hostName = "db";
  system.stateVersion = "24.05";
}
`,
  'modules/ssh.nix': `{ lib, ... }:
{
  services.openssh.enable = true;
  services.openssh.settings.PermitRootLogin = "yes";
  services.openssh.settings.PasswordAuthentication = false;
}
`,
  // Reads the SSH setting while it is collected: an edit of ssh.nix's enable must rebuild the host.
  'modules/firewall.nix': `{ config, lib, ... }:
{
  networking.firewall.enable = true;
  networking.firewall.allowedTCPPorts = lib.optionals config.services.openssh.enable [ 22 ];
}
`,
  'modules/etc.nix': `{ lib, ... }:
let motd = "welcome";
in {
  environment.etc."motd".text = motd;
  security.sudo.wheelNeedsPassword = true;
}
`,
};

/** Findings as comparable values: everything a diagnostic shows. */
function normalize(findings: Finding[]): string[] {
  return findings
    .map((f) => JSON.stringify([f.location.file, f.location.range.start.line, f.location.range.start.column, f.location.range.end.line, f.location.range.end.column, f.ruleId, f.severity, f.message, f.hosts, f.related.map((r) => [r.file, r.range.start.line, r.message]), f.suppressed?.kind]))
    .sort();
}

test('after every edit, the kept and updated analysis equals a full check of the same texts', async () => {
  const root = makeWorkspace(FILES);
  const documents = new OpenDocuments();
  const ws = new Workspace(root, documents, readSettings({}));
  await ws.index(readSettings({}));
  const open = new Map<string, string>();
  const edit = async (file: string, text: string) => {
    const absolutePath = path.join(root, file);
    const uri = pathToFileURL(absolutePath).href;
    const document = documents.get(uri) ?? documents.open(uri, 'nix', 1, open.get(file) ?? fs.readFileSync(absolutePath, 'utf8'));
    document.applyChanges([{ text }], document.version + 1);
    open.set(file, text);
    ws.lastEvaluation.clear();
    ws.fileChanged(absolutePath);
    // The oracle: the same texts on disk, checked from scratch.
    const copy = makeWorkspace({ ...FILES, ...Object.fromEntries(open) });
    const expected = await runCheck({ paths: ['.'], base: copy, ignore: [], ruleDirs: [], now: new Date(), jobs: 1 });
    expect(normalize(ws.findings())).toEqual(normalize(expected.findings));
    return Object.fromEntries(ws.lastEvaluation);
  };

  // A value nothing reads: web is updated in place, db is not touched.
  expect(await edit('modules/ssh.nix', FILES['modules/ssh.nix'].replace('"yes"', '"no"'))).toEqual({ web: 'updated' });
  expect(await edit('modules/ssh.nix', FILES['modules/ssh.nix'].replace('PasswordAuthentication = false', 'PasswordAuthentication = true'))).toEqual({ web: 'updated' });
  // A definition added and one removed, then a priority: still one module's definitions.
  expect(await edit('modules/ssh.nix', FILES['modules/ssh.nix'].replace('  services.openssh.settings.PasswordAuthentication = false;\n', '  services.openssh.settings.KbdInteractiveAuthentication = true;\n'))).toEqual({ web: 'updated' });
  expect(await edit('modules/ssh.nix', FILES['modules/ssh.nix'].replace('"yes"', 'lib.mkDefault "yes"'))).toEqual({ web: 'updated' });
  // A path another module defines too, in conflict with it (nothing read it): updated, its index rebuilt in full, the conflict found.
  expect(await edit('modules/ssh.nix', FILES['modules/ssh.nix'].replace('  services.openssh.enable = true;\n', '  services.openssh.enable = true;\n  networking.firewall.enable = false;\n'))).toEqual({ web: 'updated' });
  expect(ws.findings().some((f) => f.ruleId === 'nix-conflict' && f.hosts?.includes('web'))).toBe(true);
  // Back, then a new path of its own: updated in place.
  await edit('modules/ssh.nix', FILES['modules/ssh.nix']);
  expect(await edit('modules/ssh.nix', FILES['modules/ssh.nix'].replace('  services.openssh.enable = true;\n', '  services.openssh.enable = true;\n  services.openssh.ports = [ 2222 ];\n'))).toEqual({ web: 'updated' });
  // An option another module reads while it is collected: the host is built again.
  expect(await edit('modules/ssh.nix', FILES['modules/ssh.nix'].replace('services.openssh.enable = true', 'services.openssh.enable = false'))).toEqual({ web: 'built' });
  // A let-bound value behind an unchanged binding.
  expect(await edit('modules/etc.nix', FILES['modules/etc.nix'].replace('"welcome"', '"hello"').replace('wheelNeedsPassword = true', 'wheelNeedsPassword = false'))).toEqual({ web: 'updated' });
  // A condition that reads config: the module reads config while collected, so the host is built again.
  await edit('modules/etc.nix', `{ config, lib, ... }:\n{\n  security.sudo.wheelNeedsPassword = lib.mkIf config.services.openssh.enable false;\n}\n`);
  // A module that declares an option, then changes its default.
  await edit('modules/etc.nix', `{ lib, ... }:\n{\n  options.site.banner = lib.mkOption { default = "hi"; };\n  config.security.sudo.wheelNeedsPassword = false;\n}\n`);
  await edit('modules/etc.nix', `{ lib, ... }:\n{\n  options.site.banner = lib.mkOption { default = "hello"; };\n  config.security.sudo.wheelNeedsPassword = false;\n}\n`);
  // Imports changed.
  await edit('hosts/web.nix', FILES['hosts/web.nix'].replace(' ../modules/etc.nix', ''));
  // A syntax error drops the module from its host; fixing it brings it back.
  await edit('modules/ssh.nix', FILES['modules/ssh.nix'].replace('"yes";', '"yes"'));
  await edit('modules/ssh.nix', FILES['modules/ssh.nix']);
  // The shared module: both hosts.
  await edit('modules/firewall.nix', FILES['modules/firewall.nix'].replace('firewall.enable = true', 'firewall.enable = false'));
});

/** A converted syntax tree as plain data: types, offsets, text (a reused node must read the new source), operators, children. */
function shape(node: NixNode): unknown {
  return [node.type, node.startIndex, node.endIndex, node.sourceText.slice(node.startIndex, node.endIndex), node.operator ?? null, node.namedChildren.map(shape)];
}

test('converting an edited module from its earlier conversion (unchanged bindings are moved, not walked again) gives the same tree as a fresh conversion', () => {
  let text = `{ config, lib, ... }:
let port = 22; in
{
  services.openssh = { enable = true; ports = [ port 2222 ]; settings.PermitRootLogin = "no"; };
  networking.firewall.allowedTCPPorts = [ 80 443 ] ++ lib.optionals config.services.openssh.enable [ port ];
  environment.etc."motd".text = ''
    hello \${config.networking.hostName}
  '';
  boot.kernel.sysctl."net.ipv4.ip_forward" = if config.x then 1 else 0;
  users.users.admin = { isNormalUser = true; extraGroups = [ "wheel" ]; };
}
`;
  let tree = parseNix(text);
  let root = convertTree(tree, text, false);
  // Deterministic edits all over the text: insertions and deletions of one character.
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let compared = 0;
  for (let i = 0; i < 300; i++) {
    const at = Math.floor(random() * text.length);
    const next = random() < 0.5 ? text.slice(0, at) + 'x' + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
    const nextTree = parseNix(next);
    if (nextTree.rootNode.hasError) continue; // the loader converts only modules that parse
    const reused = convertTreeReusing(nextTree, next, { root, source: text });
    expect(shape(reused)).toEqual(shape(convertTree(nextTree, next, false)));
    compared++;
    text = next;
    tree = nextTree;
    root = reused;
  }
  expect(compared).toBeGreaterThan(100);
});
