import * as fs from 'fs';
import * as path from 'path';
import { makeTree, ROOT, runCli } from './support/cli';

/**
 * Host discovery on small repositories written for one construct or
 * framework each (`fixtures/hosts/<case>/`): `declint hosts --json` finds
 * exactly the hosts listed here, each with its status, role, how it was
 * built, where and how many module files it reads; and `declint check` puts
 * a finding of a module a host reaches only through its construct at that
 * module's line, on exactly the hosts that reach it.
 */
const FIXTURES = path.join(ROOT, 'fixtures/hosts');

interface Listed {
  name?: string;
  status: string;
  role?: string;
  construct: string;
  root: string;
  modules?: number;
  unread: string[];
}

/** A host found and read whole; `root` is left out where it is only the top of a file. */
function host(name: string, modules: number, construct: string, root?: string, role = 'host') {
  return { name, status: 'evaluated', role, construct: expect.stringContaining(construct), root: root ?? expect.any(String), modules, unread: [] };
}

/** A host declared but not resolved, with the reason the list gives at `root` (`flake.nix:9: … why`). */
function unresolved(name: string | undefined, root: string, why: string) {
  const at = new RegExp(`^${escape(root)}: .*${escape(why)}$`);
  return { ...(name !== undefined ? { name } : {}), status: 'unresolved', role: undefined, construct: expect.any(String), root, unread: [expect.stringMatching(at)] };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const CASES: [fixture: string, proves: string, hosts: ReturnType<typeof host | typeof unresolved>[]][] = [
  [
    'literal',
    'nixosSystem through nixpkgs and inputs.nixpkgs, a let-bound mkHost, self.nixosModules, inherit (self), self.lib.mkSystem',
    [
      host('helper', 1, 'nixosConfigurations → nixosSystem', 'flake.nix:31'),
      host('inheriting', 2, 'nixosConfigurations → nixosSystem', 'flake.nix:28'),
      host('plain', 1, 'nixosConfigurations → nixosSystem', 'flake.nix:18'),
      host('through-inputs', 1, 'nixosConfigurations → nixosSystem', 'flake.nix:22'),
      host('wrapped', 2, 'nixosConfigurations → nixosSystem', 'flake.nix:25'),
    ],
  ],
  [
    'lib-import',
    '(import ./lib { inherit inputs; }).mkAllNixos: a directory import, readDir, filterAttrs, mapAttrs, a directory as a module',
    [
      host('north', 1, 'mapAttrs over filterAttrs over readDir machines', 'lib/default.nix:11'),
      host('south', 1, 'mapAttrs over filterAttrs over readDir machines', 'lib/default.nix:11'),
    ],
  ],
  [
    'tree-builtins',
    "fromJSON (readFile), unique, genAttrs, listFilesRecursive, hasSuffix, removeSuffix, concatMap, nameValuePair, listToAttrs, foldl' recursiveUpdate, flatten, optionals pathExists",
    [
      host('archive', 2, 'nixosConfigurations → nixosSystem', 'flake.nix:24'),
      host('frontend', 2, 'nixosConfigurations → nixosSystem', 'flake.nix:24'),
      host('ledger', 1, 'nixosConfigurations → nixosSystem', 'flake.nix:28'),
      host('relay', 2, 'nixosConfigurations → nixosSystem', 'flake.nix:28'),
    ],
  ],
  ['update-unknown', 'eachDefaultSystem // eachSystem (import systems), unknown, // { nixosConfigurations }', [host('box', 1, 'nixosConfigurations → nixosSystem', 'flake.nix:17')]],
  [
    'flake-parts',
    'mkFlake imports, a module of { inputs, self, lib, withSystem }, a host under mkIf, flake as a function of config, a perSystem nixosGenerate iso',
    [
      host('db', 2, 'nixosConfigurations → nixosSystem', 'parts/servers.nix:13'),
      host('installer-iso', 1, 'packages.x86_64-linux → nixos-generators iso', 'parts/installer.nix:4', 'iso'),
      host('laptop', 2, 'nixosConfigurations → nixosSystem', 'parts/workstations.nix:5'),
      host('web', 2, 'nixosConfigurations → nixosSystem', 'parts/servers.nix:5'),
    ],
  ],
  [
    'clan',
    'clan-core.lib.clan: machines/ directory, inventory.machines, inventory.json; a darwin machine is dropped',
    [host('backup', 1, 'clan machines'), host('gateway', 1, 'clan machines'), host('storage', 3, 'clan machines')],
  ],
  [
    'colmena',
    'colmenaHive = makeHive { meta; defaults; nodes }; deploy-rs nodes add no host',
    [
      host('builder', 1, 'nixosConfigurations → nixosSystem', 'flake.nix:16'),
      host('node1', 2, 'colmenaHive.nodes (colmena hive) → colmena', 'flake.nix:12'),
      host('node2', 3, 'colmenaHive.nodes (colmena hive) → colmena', 'flake.nix:13'),
    ],
  ],
  [
    'colmena-raw',
    'the raw colmena output: defaults, a node as a module and as a list of modules',
    [host('mirror', 2, 'colmena (colmena hive) → colmena', 'flake.nix:10'), host('relay', 2, 'colmena (colmena hive) → colmena', 'flake.nix:9')],
  ],
  [
    'nixos-unified',
    'autoWire: configurations/nixos/<n>.nix and <n>/default.nix; configurations/darwin is not NixOS',
    [host('alpha', 1, 'nixos-unified autoWire of configurations/nixos'), host('beta', 2, 'nixos-unified autoWire of configurations/nixos')],
  ],
  [
    'snowfall',
    'systems/x86_64-linux/<n>; an aarch64-darwin target is not NixOS; an x86_64-iso target is an image (isoConfigurations)',
    [host('installer', 2, 'isoConfigurations (snowfall iso targets)', 'systems/x86_64-iso/installer/default.nix:1', 'iso'), host('tower', 2, 'snowfall systems/')],
  ],
  ['ez-configs', 'nixos-configurations/<n>.nix and <n>/default.nix, with nixos-modules/default.nix', [host('desk', 3, 'ez-configs nixos-configurations'), host('rack', 4, 'ez-configs nixos-configurations')]],
  [
    'haumea',
    'lib.load { src; inputs; }: each file returns nixosConfigurations.${name}; a _file is seen from root',
    [host('mercury', 1, 'nixosConfigurations → nixosSystem', 'hosts/mercury.nix:6'), host('venus', 1, 'nixosConfigurations → nixosSystem', 'hosts/venus.nix:3')],
  ],
  [
    'no-flake',
    'configuration.nix roots named by a static networking.hostName, else their directory; import <nixpkgs/nixos> { configuration; }',
    [
      host('db-primary', 1, 'configuration.nix named by networking.hostName', 'hosts/db/configuration.nix:1'),
      host('router', 1, 'deploy/router.nix → <nixpkgs/nixos>', 'deploy/router.nix:1'),
      host('web', 2, 'configuration.nix', 'hosts/web/configuration.nix:1'),
    ],
  ],
  ['sub-flakes', 'flakes in subdirectories: hosts named <dir>#<name>, never merged by name', [host('lab#bench', 1, 'nixosConfigurations', 'lab/flake.nix:5'), host('prod#bench', 1, 'nixosConfigurations', 'prod/flake.nix:5')]],
  [
    'eval-config-checks',
    'an eval-config.nix wrapper built for checks.<system>: one test host for two systems, named by its binding',
    [host('smoke', 1, 'checks.x86_64-linux → eval-config.nix', 'flake.nix:14', 'test')],
  ],
  [
    'unresolved',
    'nixosConfigurations from a function of an input declint does not fetch',
    [unresolved(undefined, 'flake.nix:9', 'nixosConfigurations is not statically resolvable (result of fleet.lib.mkHosts { inherit nixpkgs; hostsDir = ./hosts; })')],
  ],
  [
    'input-kinds',
    'flake-parts, clan-core and a nixpkgs fork told by URL, nixpkgs following cc/nixpkgs by name, an unknown input not guessed',
    [
      host('followed', 1, 'nixosConfigurations → nixosSystem', 'flake.nix:23'),
      host('forked', 1, 'nixosConfigurations → nixosSystem', 'flake.nix:22'),
      unresolved('guessed', 'flake.nix:25', 'nixosConfigurations.guessed is not a NixOS system declint can read (result of inputs.tools.lib.nixosSystem { modules = [ ./host.nix ]; })'),
      host('relay', 1, 'nixosConfigurations → clan'),
    ],
  ],
];

/** What `hosts --json` lists, in a stable order; text output shows a host with no role as `host`, and so does this. */
async function listedHosts(dir: string): Promise<Listed[]> {
  const run = await runCli(['hosts', '--json', '.'], dir);
  expect(run.code).toBe(0);
  const hosts = (JSON.parse(run.stdout) as { hosts: Listed[] }).hosts;
  return hosts
    .map(({ name, status, role, construct, root, modules, unread }) => ({ ...(name !== undefined ? { name } : {}), status, role: status === 'unresolved' ? role : (role ?? 'host'), construct, root, ...(modules !== undefined ? { modules } : {}), unread }))
    .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
}

describe('declint hosts on a repository written for each construct', () => {
  test.each(CASES)('%s: %s', async (fixture, _proves, expected) => {
    expect(await listedHosts(path.join(FIXTURES, fixture))).toEqual(expected);
  });
});

/** Findings of one rule as `file:line` and the hosts they are on. */
async function findingsOf(dir: string, ruleId: string): Promise<{ code: number; found: { at: string; hosts: string[] }[]; others: number }> {
  const run = await runCli(['check', '--format', 'json', '.'], dir);
  const findings = JSON.parse(run.stdout).findings as { ruleId: string; file: string; range: { start: { line: number } }; hosts?: string[] }[];
  const mine = findings.filter((f) => f.ruleId === ruleId);
  return { code: run.code, found: mine.map((f) => ({ at: `${f.file}:${f.range.start.line}`, hosts: [...(f.hosts ?? [])].sort() })), others: findings.length - mine.length };
}

describe('declint check reads each host through its construct', () => {
  test.each([
    ['literal', 'modules/ssh.nix:3', ['inheriting', 'wrapped']],
    ['flake-parts', 'modules/base.nix:3', ['db', 'laptop', 'web']],
    ['colmena', 'nodes/defaults.nix:5', ['node1', 'node2']],
    ['snowfall', 'modules/nixos/hardening/default.nix:2', ['tower']],
    ['ez-configs', 'nixos-modules/default.nix:2', ['rack']],
  ])('%s: root login allowed at %s, on %j', async (fixture, at, hosts) => {
    const { code, found } = await findingsOf(path.join(FIXTURES, fixture), 'NIX-SSH-001');
    expect(code).toBe(1);
    expect(found).toEqual([{ at, hosts }]);
  });

  test('a flake whose hosts cannot be resolved: explicit values are still judged file by file, no host-level finding is made up', async () => {
    const { code, found, others } = await findingsOf(path.join(FIXTURES, 'unresolved'), 'NIX-SSH-001');
    expect(code).toBe(1);
    expect(found).toEqual([{ at: 'hosts/alpha/configuration.nix:3', hosts: [] }]);
    expect(others).toBe(0);
  });
});

describe('configuration.nix roots next to flakes', () => {
  // A flake that declares hosts makes the configuration.nix files below it its modules; one outside stays a host.
  test('a configuration.nix outside a sub-flake stays a host', async () => {
    const dir = makeTree({});
    fs.cpSync(path.join(FIXTURES, 'no-flake'), dir, { recursive: true });
    fs.cpSync(path.join(FIXTURES, 'sub-flakes/lab'), path.join(dir, 'lab'), { recursive: true });
    const names = (await listedHosts(dir)).map((h) => h.name);
    expect(names).toEqual(['db-primary', 'lab#bench', 'router', 'web']);
  });
});
