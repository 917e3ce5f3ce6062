import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { Finding } from '../src/findings/finding';
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

test('a file outside any flake that starts building a system by itself, typed in the editor, makes a host, and no more once it stops', async () => {
  const files: Record<string, string> = {
    'machines/router.nix': '{\n  networking.hostName = "router";\n  services.openssh.enable = true;\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n',
    'deploy/router.nix': '# built by hand for now\n{ }\n',
  };
  const root = makeWorkspace(files);
  const documents = new OpenDocuments();
  const ws = new Workspace(root, documents, readSettings({}));
  await ws.index(readSettings({}));
  const rootLogin = (findings: Finding[]) => findings.filter((f) => f.ruleId === 'NIX-SSH-001').map((f) => [f.location.file, f.hosts ?? []]);
  const absolutePath = path.join(root, 'deploy/router.nix');
  const document = documents.open(pathToFileURL(absolutePath).href, 'nix', 1, files['deploy/router.nix']);
  // Each text typed into the open buffer (never saved), against a full check of a tree that holds it.
  const type = async (text: string) => {
    document.applyChanges([{ text }], document.version + 1);
    ws.fileChanged(absolutePath);
    const expected = await runCheck({ paths: ['.'], base: makeWorkspace({ ...files, 'deploy/router.nix': text }), ignore: [], ruleDirs: [], now: TEST_NOW, jobs: 1 });
    expect(rootLogin(ws.findings())).toEqual(rootLogin(expected.findings));
    return rootLogin(ws.findings());
  };
  expect(rootLogin(ws.findings())).toEqual([['machines/router.nix', []]]);
  // Discovery only tested this file's text for building a system: nothing it evaluated changed, yet the file now builds one.
  expect(await type('import <nixpkgs/nixos> {\n  system = "x86_64-linux";\n  configuration = ../machines/router.nix;\n}\n')).toEqual([['machines/router.nix', ['router']]]);
  expect(await type('# built by hand again\n{ }\n')).toEqual([['machines/router.nix', []]]);
  // A colmena hive.nix is an entry file by its name: a new one, saved, makes its hosts too.
  const hive = '{\n  meta.nixpkgs = import <nixpkgs> { };\n  router = { ... }: { imports = [ ./machines/router.nix ]; };\n}\n';
  fs.writeFileSync(path.join(root, 'hive.nix'), hive);
  ws.fileChanged(path.join(root, 'hive.nix'));
  const expected = await runCheck({ paths: ['.'], base: makeWorkspace({ ...files, 'deploy/router.nix': document.text, 'hive.nix': hive }), ignore: [], ruleDirs: [], now: TEST_NOW, jobs: 1 });
  expect(rootLogin(ws.findings())).toEqual([['machines/router.nix', ['router']]]);
  expect(rootLogin(ws.findings())).toEqual(rootLogin(expected.findings));
}, 120_000);
