import * as fs from 'fs';
import * as path from 'path';
import { OpenDocuments } from '../src/lsp/open-documents';
import { readSettings, Workspace } from '../src/lsp/workspace';
import { runCheck } from '../src/pipeline/check';
import { makeWorkspace } from './support/lsp-client';
import { TEST_NOW } from './support/cli';

/**
 * The language server keeps the hosts it found until a path host discovery
 * looked at changes: a library the flake imports, a host list, or a file
 * that comes or goes in a directory it listed. Its hosts and findings are
 * then those of a full check.
 */
const FILES: Record<string, string> = {
  'flake.nix': `{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations = import ./lib/hosts.nix { inherit nixpkgs; };
  };
}
`,
  // One host per directory of hosts/, minus those hosts.json lists as retired.
  'lib/hosts.nix': `{ nixpkgs }:
let
  lib = nixpkgs.lib;
  retired = builtins.fromJSON (builtins.readFile ./retired.json);
  names = builtins.filter (n: !(builtins.elem n retired)) (builtins.attrNames (lib.filterAttrs (_: t: t == "directory") (builtins.readDir ../hosts)));
in
lib.genAttrs names (name: lib.nixosSystem { modules = [ ../hosts/\${name} ]; })
`,
  'lib/retired.json': '["old"]\n',
  'hosts/web/default.nix': '{ services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "yes"; system.stateVersion = "25.05"; }\n',
  'hosts/old/default.nix': '{ services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "yes"; system.stateVersion = "25.05"; }\n',
};

test('hosts found through the tree follow the changes of what discovery read', async () => {
  const root = makeWorkspace(FILES);
  const ws = new Workspace(root, new OpenDocuments(), readSettings({}));
  await ws.index(readSettings({}));
  const hostsOf = (ruleId: string) => [...new Set(ws.findings().filter((f) => f.ruleId === ruleId).flatMap((f) => f.hosts ?? []))].sort();
  const full = async () => [...new Set((await runCheck({ paths: ['.'], base: root, ignore: [], ruleDirs: [], now: TEST_NOW, jobs: 1 })).findings.filter((f) => f.ruleId === 'NIX-SSH-001').flatMap((f) => f.hosts ?? []))].sort();
  expect(hostsOf('NIX-SSH-001')).toEqual(['web']);

  // A host module's edit re-evaluates that host only: discovery is kept.
  fs.writeFileSync(path.join(root, 'hosts/web/default.nix'), FILES['hosts/web/default.nix'].replace('"yes"', '"no"'));
  ws.lastEvaluation.clear();
  ws.fileChanged(path.join(root, 'hosts/web/default.nix'));
  expect([...ws.lastEvaluation.keys()]).toEqual(['web']);
  expect(hostsOf('NIX-SSH-001')).toEqual([]);

  // The host list it read: the retired host comes back.
  fs.writeFileSync(path.join(root, 'lib/retired.json'), '[]\n');
  ws.fileChanged(path.join(root, 'lib/retired.json'));
  expect(hostsOf('NIX-SSH-001')).toEqual(['old']);
  expect(hostsOf('NIX-SSH-001')).toEqual(await full());

  // A new directory in hosts/: a new host.
  fs.mkdirSync(path.join(root, 'hosts/new'));
  fs.writeFileSync(path.join(root, 'hosts/new/default.nix'), FILES['hosts/old/default.nix']);
  ws.fileChanged(path.join(root, 'hosts/new/default.nix'));
  expect(hostsOf('NIX-SSH-001')).toEqual(['new', 'old']);
  expect(hostsOf('NIX-SSH-001')).toEqual(await full());
}, 120_000);
