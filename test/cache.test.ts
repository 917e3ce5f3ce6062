import { spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { BIN, makeTree, ROOT, runCli, spawnCli } from './support/cli';

/**
 * `check --cache`: results kept between runs and taken back where what they
 * were computed from did not change. Two hosts share a module; each has one
 * module of its own; `web` reads a file with `lib.fileContents` and tests
 * another with `builtins.pathExists`.
 */
const FLAKE = [
  '{',
  '  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";',
  '  outputs = { nixpkgs, ... }: {',
  '    nixosConfigurations.web = nixpkgs.lib.nixosSystem { modules = [ ./hosts/web.nix ./modules/common.nix ./modules/web-only.nix ]; };',
  '    nixosConfigurations.db = nixpkgs.lib.nixosSystem { modules = [ ./hosts/db.nix ./modules/common.nix ]; };',
  '  };',
  '}',
  '',
].join('\n');

const FLEET = {
  'flake.nix': FLAKE,
  'hosts/web.nix': [
    '{ lib, ... }:',
    '{',
    '  networking.hostName = "web";',
    '  services.openssh.settings.PermitRootLogin = lib.fileContents ./web-root-login.txt;',
    '  imports = lib.optional (builtins.pathExists ./web-extra.nix) ./web-extra.nix;',
    '}',
    '',
  ].join('\n'),
  'hosts/web-root-login.txt': 'no\n',
  'hosts/db.nix': '{\n  networking.hostName = "db";\n}\n',
  'modules/common.nix': '{\n  services.openssh.enable = true;\n  networking.firewall.enable = true;\n}\n',
  'modules/web-only.nix': '{\n  services.nginx.enable = true;\n}\n',
};

interface JsonFinding {
  ruleId: string;
  message: string;
  file: string;
  hosts?: string[];
}

async function check(dir: string, ...args: string[]) {
  const run = await runCli(['check', '.', '--format', 'json', ...args], dir);
  return { ...run, findings: (JSON.parse(run.stdout) as { findings: JsonFinding[] }).findings };
}

/** What `--verbose` says the cache reused. */
function cacheLine(stderr: string): string {
  const line = stderr.split('\n').find((l) => l.startsWith('declint: cache '));
  return line ? line.replace(/^declint: cache \S+ /, '') : `(no cache line in: ${stderr})`;
}

const ofHost = (findings: JsonFinding[], host: string) => findings.filter((f) => f.hosts?.includes(host));

const hasGit = spawnSync('git', ['--version']).status === 0;
if (!hasGit) console.warn('git is not installed: the cache in a git work tree is not tested');

function git(dir: string, ...args: string[]): void {
  const run = spawnSync('git', ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.org', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`);
}

describe('check --cache', () => {
  test('a warm run reuses every result and reports byte for byte what a run without the cache reports, in JSON, SARIF and stylish', async () => {
    const dir = makeTree(FLEET);
    const outputs = (tag: string) => ['--format', 'json', '-o', `out/${tag}.json`, '--format', 'sarif', '-o', `out/${tag}.sarif`, '--format', 'stylish', '-o', `out/${tag}.txt`];
    const read = (tag: string) => ['json', 'sarif', 'txt'].map((ext) => fs.readFileSync(path.join(dir, `out/${tag}.${ext}`), 'utf8').replace(/ in \d+\.\d+s\./, ' in (time).'));
    const plain = await runCli(['check', '.', '--ignore', 'out', ...outputs('plain')], dir);
    const cold = await runCli(['check', '.', '--ignore', 'out', '--cache', '--verbose', ...outputs('cold')], dir);
    const warm = await runCli(['check', '.', '--ignore', 'out', '--cache', '--verbose', ...outputs('warm')], dir);
    expect([cold.code, warm.code]).toEqual([plain.code, plain.code]);
    expect(cacheLine(cold.stderr)).toBe('(none yet): 0 of 5 files, 0 of 2 hosts reused');
    expect(cacheLine(warm.stderr)).toBe('5 of 5 files, 2 of 2 hosts reused; hosts, talos nodes, flakes, fixes phases reused whole; unchanged, not written');
    expect(read('cold')).toEqual(read('plain'));
    expect(read('warm')).toEqual(read('plain'));
    // What the warm run gave back as it was says more than ASCII can (the cache is read as single-byte text only where it is ASCII).
    expect(read('plain')[0]).toMatch(/[^\x00-\x7f]/);
    // A comment above db's settings moves where its fixes insert, not its findings: the fixes are planned again.
    fs.writeFileSync(path.join(dir, 'hosts/db.nix'), '# the database server\n{\n  networking.hostName = "db";\n}\n');
    const edited = await runCli(['check', '.', '--ignore', 'out', '--cache', '--verbose', ...outputs('edited')], dir);
    expect(cacheLine(edited.stderr)).toBe('4 of 5 files, 1 of 2 hosts reused; talos nodes, flakes phases reused whole');
    await runCli(['check', '.', '--ignore', 'out', ...outputs('plain')], dir);
    expect(read('edited')).toEqual(read('plain'));
  });

  // In a git work tree, discovery takes each file's status as it checks what git lists; elsewhere the cache takes it.
  test.each(['a directory', ...(hasGit ? ['a git work tree'] : [])])('the status kept with the result of a file is stable between runs, and a file written with its size and modification time kept is checked again (%s)', async (kind) => {
    const dir = makeTree(FLEET);
    if (kind === 'a git work tree') {
      for (const args of [['init', '-q'], ['add', '.'], ['commit', '-q', '-m', 'fleet']]) git(dir, ...args);
    }
    // Modified an hour ago, to the second (so that it can be put back exactly); changed (ctime) now.
    const hourAgo = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    for (const file of Object.keys(FLEET)) fs.utimesSync(path.join(dir, file), hourAgo, hourAgo);
    // A file's status is kept only where the file had not changed for two seconds when it was looked at.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await check(dir, '--cache');
    // The statuses the first run kept hold: nothing to write. (That they spare reading the files is the bench's to show.)
    const warm = await check(dir, '--cache', '--verbose');
    expect(cacheLine(warm.stderr)).toBe('5 of 5 files, 2 of 2 hosts reused; hosts, talos nodes, flakes, fixes phases reused whole; unchanged, not written');
    // The same size and modification time, another content: its change time tells.
    const common = path.join(dir, 'modules/common.nix');
    const text = fs.readFileSync(common, 'utf8').replace('  services', ' services').replace('enable = true;\n}', 'enable = false;\n}');
    expect(text.length).toBe(fs.statSync(common).size);
    fs.writeFileSync(common, text);
    fs.utimesSync(common, hourAgo, hourAgo);
    expect(fs.statSync(common).mtimeMs).toBe(hourAgo.getTime());
    const after = await check(dir, '--cache', '--verbose');
    expect(cacheLine(after.stderr)).toBe('4 of 5 files, 0 of 2 hosts reused; talos nodes, flakes phases reused whole');
    expect(after.findings.filter((f) => f.ruleId === 'NIX-FW-001').map((f) => f.hosts)).toEqual([['db', 'web']]);
    expect(after.stdout).toBe((await check(dir)).stdout);
  });

  test('a module only one host imports changes: that host alone is evaluated again, and only its findings change', async () => {
    const dir = makeTree(FLEET);
    const before = await check(dir, '--cache');
    fs.writeFileSync(path.join(dir, 'modules/web-only.nix'), '{\n  services.nginx.enable = true;\n  services.openssh.settings.PasswordAuthentication = false;\n}\n');
    const after = await check(dir, '--cache', '--verbose');
    expect(cacheLine(after.stderr)).toBe('4 of 5 files, 1 of 2 hosts reused; talos nodes, flakes phases reused whole');
    expect(ofHost(after.findings, 'db')).toEqual(ofHost(before.findings, 'db'));
    const ruleIds = (findings: JsonFinding[]) => findings.map((f) => f.ruleId);
    expect(ruleIds(ofHost(before.findings, 'web'))).toContain('NIX-SSH-002');
    expect(ruleIds(ofHost(after.findings, 'web'))).not.toContain('NIX-SSH-002');
    // What the cache gave is what a run without it finds.
    expect(after.stdout).toBe((await check(dir)).stdout);
    // A pre-commit hook names the changed file: the tree is read whole, from the cache.
    fs.writeFileSync(path.join(dir, 'modules/web-only.nix'), '{\n  services.nginx.enable = true;\n}\n');
    const hook = await runCli(['check', '--cache', '--verbose', '--format', 'json', 'modules/web-only.nix'], dir);
    expect(cacheLine(hook.stderr)).toBe('4 of 5 files, 1 of 2 hosts reused; talos nodes, flakes phases reused whole');
    expect(hook.stdout).toBe((await runCli(['check', '--format', 'json', 'modules/web-only.nix'], dir)).stdout);
  });

  test('a tree scanned through a symlink, with a module that is a symlink: a warm run reuses every host, and an edit of the linked file evaluates its host again', async () => {
    const dir = makeTree({ ...FLEET, 'modules/web-only.nix': '', 'modules/impl/web.nix': FLEET['modules/web-only.nix'] });
    fs.rmSync(path.join(dir, 'modules/web-only.nix'));
    fs.symlinkSync('impl/web.nix', path.join(dir, 'modules/web-only.nix'));
    const link = `${dir}-link`;
    fs.symlinkSync(dir, link);
    try {
      await check(link, '--cache');
      const warm = await check(link, '--cache', '--verbose');
      expect(cacheLine(warm.stderr)).toBe('6 of 6 files, 2 of 2 hosts reused; hosts, talos nodes, flakes, fixes phases reused whole; unchanged, not written');
      fs.writeFileSync(path.join(dir, 'modules/impl/web.nix'), '{\n  services.nginx.enable = true;\n  services.openssh.settings.PasswordAuthentication = false;\n}\n');
      const edited = await check(link, '--cache', '--verbose');
      expect(cacheLine(edited.stderr)).toBe('4 of 6 files, 1 of 2 hosts reused; talos nodes, flakes phases reused whole');
      expect(edited.stdout).toBe((await check(link)).stdout);
    } finally {
      fs.rmSync(link);
    }
  });

  test('what the cache gives back is never changed by the run: after warm runs that write the cache again, it holds what a cold run writes, and the findings are the same', async () => {
    const dir = makeTree({
      ...FLEET,
      'hosts/db.nix': '{\n  networking.hostName = "db";\n  # declint-ignore NIX-SSH-001: break-glass access, reviewed\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n',
      'notes.nix': '{ }\n',
    });
    const plain = async () => (await check(dir)).stdout;
    // The hosts' results as a cache file holds them (the phase in the payload, each host in the section after it), each read by its path rather than its index in the file.
    const held = (file: string) => {
      const [, payloadLine, hostsLine] = fs.readFileSync(path.join(dir, file), 'utf8').split('\n');
      const payload = JSON.parse(payloadLine) as { reads: string[]; phases: Record<string, { reads: number[] }> };
      const resolve = (entries: Record<string, { reads: number[] }>) => Object.fromEntries(Object.entries(entries).map(([key, e]) => [key, { ...e, reads: e.reads.map((i) => payload.reads[i]) }]));
      return { hosts: resolve(JSON.parse(hostsLine) as Record<string, { reads: number[] }>), hostPhase: resolve(payload.phases).hosts };
    };
    const cold = async (name: string) => {
      await check(dir, '--cache', '--cache-location', name);
      return held(name);
    };
    await check(dir, '--cache');
    const hostsSection = () => fs.readFileSync(path.join(dir, '.declintcache/results'), 'utf8').split('\n')[2];
    const before = hostsSection();
    // A file no host reads changes: the host phase is taken whole (a finding of db's suppressed in it), and the cache is written again.
    fs.writeFileSync(path.join(dir, 'notes.nix'), '{ a = 1; }\n');
    const whole = await check(dir, '--cache', '--verbose');
    expect(cacheLine(whole.stderr)).toBe('5 of 6 files, 2 of 2 hosts reused; hosts, talos nodes, flakes phases reused whole');
    // The hosts' entries, none of which changed, are written back unchanged (the next runs show they still point at the right reads).
    expect(hostsSection()).toBe(before);
    expect(JSON.parse(whole.stdout).findings.filter((f: { suppressed?: unknown }) => f.suppressed).map((f: JsonFinding) => [f.ruleId, f.file])).toEqual([['NIX-SSH-001', 'hosts/db.nix']]);
    expect(whole.stdout).toBe(await plain());
    expect(held('.declintcache/results')).toEqual(await cold('cold-1'));
    // A file added: each host is taken from the cache on its own, and the cache is written again.
    fs.writeFileSync(path.join(dir, 'more.nix'), '{ }\n');
    const oneByOne = await check(dir, '--cache', '--verbose');
    expect(cacheLine(oneByOne.stderr)).toBe('6 of 7 files, 2 of 2 hosts reused; flakes phases reused whole');
    expect(oneByOne.stdout).toBe(await plain());
    expect(held('.declintcache/results')).toEqual(await cold('cold-2'));
  });

  test('a file one host reads (readFile) changes, or a file it tests (pathExists) appears: that host alone is evaluated again', async () => {
    const dir = makeTree(FLEET);
    const before = await check(dir, '--cache');
    expect(ofHost(before.findings, 'web').filter((f) => f.ruleId === 'NIX-SSH-001')).toEqual([]);
    fs.writeFileSync(path.join(dir, 'hosts/web-root-login.txt'), 'yes\n');
    const read = await check(dir, '--cache', '--verbose');
    // The text file is no file declint checks: only the host that read it knows it.
    expect(cacheLine(read.stderr)).toBe('5 of 5 files, 1 of 2 hosts reused; talos nodes, flakes phases reused whole');
    expect(ofHost(read.findings, 'web').filter((f) => f.ruleId === 'NIX-SSH-001').map((f) => [f.file, f.message])).toEqual([
      ['hosts/web.nix', 'SSH lets root log in directly (services.openssh.settings.PermitRootLogin = "yes").'],
    ]);
    expect(ofHost(read.findings, 'db')).toEqual(ofHost(before.findings, 'db'));
    fs.writeFileSync(path.join(dir, 'hosts/web-extra.nix'), '{\n  services.openssh.settings.PermitRootLogin = "no";\n}\n');
    const exists = await check(dir, '--cache', '--verbose');
    expect(cacheLine(exists.stderr)).toBe('5 of 6 files, 1 of 2 hosts reused; flakes phases reused whole');
    expect(exists.findings.filter((f) => f.ruleId === 'nix-conflict').map((f) => f.hosts)).toEqual([['web']]);
    expect(exists.stdout).toBe((await check(dir)).stdout);
  });

  /** Hosts whose definitions the flake reads from files of their own (`import ./hosts/<name>.nix`), with a module both take from a library. */
  const DEFINED = {
    'flake.nix': [
      '{',
      '  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";',
      '  outputs = { nixpkgs, ... }:',
      '    let',
      '      shared = import ./lib/shared.nix;',
      '      mkHost = name:',
      '        let host = import (./hosts + "/${name}.nix");',
      '        in nixpkgs.lib.nixosSystem { modules = [ ./modules/common.nix host.config shared.module ] ++ host.imports; };',
      '    in {',
      '      nixosConfigurations = { web = mkHost "web"; db = mkHost "db"; };',
      '    };',
      '}',
      '',
    ].join('\n'),
    'hosts/web.nix': '{\n  config = { networking.hostName = "web"; };\n  imports = [ ];\n}\n',
    'hosts/db.nix': '{\n  config = { networking.hostName = "db"; };\n  imports = [ ];\n}\n',
    'lib/shared.nix': '{\n  module = builtins.fromJSON (builtins.readFile ./login.json);\n}\n',
    'lib/login.json': '{ "services": { "openssh": { "settings": { "PermitRootLogin": "no" } } } }\n',
    'modules/common.nix': FLEET['modules/common.nix'],
  };
  /** The hosts a rule's findings name. */
  const hostsOf = (findings: JsonFinding[], ruleId: string) => findings.filter((f) => f.ruleId === ruleId).flatMap((f) => f.hosts ?? []).sort();

  test('a file the flake reads to define one host changes: that host alone is evaluated again', async () => {
    const dir = makeTree(DEFINED);
    const before = await check(dir, '--cache');
    expect(hostsOf(before.findings, 'NIX-SSH-002')).toEqual(['db', 'web']);
    fs.writeFileSync(path.join(dir, 'hosts/web.nix'), '{\n  config = { networking.hostName = "web"; services.openssh.settings.PasswordAuthentication = false; };\n  imports = [ ];\n}\n');
    const after = await check(dir, '--cache', '--verbose');
    expect(cacheLine(after.stderr)).toBe('4 of 5 files, 1 of 2 hosts reused; talos nodes, flakes phases reused whole');
    expect(hostsOf(after.findings, 'NIX-SSH-002')).toEqual(['db']);
    expect(ofHost(after.findings, 'db')).toEqual(ofHost(before.findings, 'db'));
    expect(after.stdout).toBe((await check(dir)).stdout);
  });

  test('a file the flake reads once for both hosts\' definitions changes (the first host read it, the second used the value from memory): both are evaluated again', async () => {
    const dir = makeTree(DEFINED);
    expect(hostsOf((await check(dir, '--cache')).findings, 'NIX-SSH-001')).toEqual([]);
    fs.writeFileSync(path.join(dir, 'lib/login.json'), '{ "services": { "openssh": { "settings": { "PermitRootLogin": "yes" } } } }\n');
    const after = await check(dir, '--cache', '--verbose');
    expect(cacheLine(after.stderr)).toBe('5 of 5 files, 0 of 2 hosts reused; talos nodes, flakes phases reused whole');
    expect(hostsOf(after.findings, 'NIX-SSH-001')).toEqual(['db', 'web']);
    expect(after.stdout).toBe((await check(dir)).stdout);
  });

  test('a tree of two flakes: an edit of one flake evaluates its hosts again, not the other flake\'s', async () => {
    const dir = makeTree({
      ...FLEET,
      'lab/flake.nix': '{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ ./box.nix ]; };\n  };\n}\n',
      'lab/box.nix': '{\n  networking.hostName = "box";\n}\n',
    });
    await check(dir, '--cache');
    fs.writeFileSync(path.join(dir, 'lab/flake.nix'), '{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ ./box.nix { services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "yes"; } ]; };\n  };\n}\n');
    const after = await check(dir, '--cache', '--verbose');
    expect(cacheLine(after.stderr)).toMatch(/^6 of 7 files, 2 of 3 hosts reused/);
    expect(after.findings.filter((f) => f.ruleId === 'NIX-SSH-001' && f.message.includes('= "yes"')).map((f) => f.hosts)).toEqual([['lab#box']]);
    expect(after.stdout).toBe((await check(dir)).stdout);
  });

  test('a file outside any flake starts building a system, then stops: each warm run finds what a run without the cache finds', async () => {
    const dir = makeTree({
      'machines/router.nix': '{\n  networking.hostName = "router";\n  services.openssh.enable = true;\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n',
      'deploy/router.nix': '# built by hand for now\n{ }\n',
    });
    const rootLogin = (findings: JsonFinding[]) => findings.filter((f) => f.ruleId === 'NIX-SSH-001').map((f) => [f.file, f.hosts]);
    expect(rootLogin((await check(dir, '--cache')).findings)).toEqual([['machines/router.nix', undefined]]);
    // The cache spares the per-file phase its parse of deploy/router.nix: host discovery reads its new text.
    fs.writeFileSync(path.join(dir, 'deploy/router.nix'), 'import <nixpkgs/nixos> {\n  system = "x86_64-linux";\n  configuration = ../machines/router.nix;\n}\n');
    const built = await check(dir, '--cache', '--verbose');
    expect(cacheLine(built.stderr)).toMatch(/^1 of 2 files, 0 of 1 hosts reused/);
    expect(rootLogin(built.findings)).toEqual([['machines/router.nix', ['router']]]);
    expect(built.stdout).toBe((await check(dir)).stdout);
    fs.writeFileSync(path.join(dir, 'deploy/router.nix'), '# built by hand again\n{ }\n');
    const dropped = await check(dir, '--cache');
    expect(rootLogin(dropped.findings)).toEqual([['machines/router.nix', undefined]]);
    expect(dropped.stdout).toBe((await check(dir)).stdout);
  });

  test('a file read once, by a library both hosts import, changes: both hosts are evaluated again', async () => {
    const login = '{\n  services.openssh.settings.PermitRootLogin = (import ../lib/ssh.nix).rootLogin;\n}\n';
    const dir = makeTree({
      ...FLEET,
      'lib/ssh.nix': '{\n  rootLogin = builtins.replaceStrings [ "\\n" ] [ "" ] (builtins.readFile ./root-login.txt);\n}\n',
      'lib/root-login.txt': 'no\n',
      'hosts/web.nix': '{\n  networking.hostName = "web";\n}\n',
      'modules/web-only.nix': login,
      'hosts/db.nix': login.replace('{\n', '{\n  networking.hostName = "db";\n'),
    });
    const before = await check(dir, '--cache');
    expect(before.findings.filter((f) => f.ruleId === 'NIX-SSH-001')).toEqual([]);
    fs.writeFileSync(path.join(dir, 'lib/root-login.txt'), 'yes\n');
    // The first host read the file and the library kept the value: the second used it from memory, and depends on the file all the same.
    const after = await check(dir, '--cache', '--verbose');
    expect(cacheLine(after.stderr)).toBe('6 of 6 files, 0 of 2 hosts reused; talos nodes, flakes phases reused whole');
    expect(after.findings.filter((f) => f.ruleId === 'NIX-SSH-001').map((f) => f.hosts)).toEqual([['db'], ['web']]);
    expect(after.stdout).toBe((await check(dir)).stdout);
  });

  test('a module read once for both hosts lists a directory to import: a file added there evaluates both hosts again', async () => {
    // common.nix is a set literal: it cannot read the host, so it is read once and shared; reading it lists ./extra.
    const dir = makeTree({
      ...FLEET,
      'modules/common.nix': '{\n  imports = map (name: ./extra + "/${name}") (builtins.attrNames (builtins.readDir ./extra));\n  services.openssh.enable = true;\n}\n',
      'modules/extra/firewall.nix': '{\n  networking.firewall.enable = true;\n}\n',
    });
    // Set to true in a file, not the default.
    const passwords = (findings: JsonFinding[]) => findings.filter((f) => f.ruleId === 'NIX-SSH-002' && f.message.includes('= true')).flatMap((f) => f.hosts ?? []).sort();
    const before = await check(dir, '--cache');
    expect(passwords(before.findings)).toEqual([]);
    fs.writeFileSync(path.join(dir, 'modules/extra/passwords.nix'), '{\n  services.openssh.settings.PasswordAuthentication = true;\n}\n');
    const after = await check(dir, '--cache', '--verbose');
    expect(cacheLine(after.stderr)).toMatch(/ 0 of 2 hosts reused/);
    expect(passwords(after.findings)).toEqual(['db', 'web']);
    expect(after.stdout).toBe((await check(dir)).stdout);
  });

  test('a change to the configuration or to a custom rule computes everything again', async () => {
    const config = 'ruleDirs: [policy]\nignore: ["policy/"]\n';
    const dir = makeTree({ ...FLEET, '.declint.yaml': config, 'policy/TEST-CACHE-001.yaml': customRule('nginx is on') });
    const rules = path.join(dir, 'policy');
    await check(dir, '--cache');
    expect(cacheLine((await check(dir, '--cache', '--verbose')).stderr)).toMatch(/^6 of 6 files, 2 of 2 hosts reused/);
    fs.writeFileSync(path.join(rules, 'TEST-CACHE-001.yaml'), customRule('nginx is enabled'));
    const ruleChanged = await check(dir, '--cache', '--verbose');
    expect(cacheLine(ruleChanged.stderr)).toBe('(written for other settings): 0 of 6 files, 0 of 2 hosts reused');
    expect(ruleChanged.findings.filter((f) => f.ruleId === 'TEST-CACHE-001').map((f) => f.message)).toEqual(['nginx is enabled']);
    fs.writeFileSync(path.join(dir, '.declint.yaml'), `${config}rules:\n  NIX-SSH-010: off\n`);
    const configChanged = await check(dir, '--cache', '--verbose');
    expect(cacheLine(configChanged.stderr)).toBe('(written for other settings): 0 of 6 files, 0 of 2 hosts reused');
    expect(configChanged.findings.filter((f) => f.ruleId === 'NIX-SSH-010')).toEqual([]);
    expect(configChanged.stdout).toBe((await check(dir)).stdout);
  });

  test('a result a rule computed from the reference date (a lock\'s age) holds for that date only', async () => {
    const dir = makeTree({ ...FLEET, 'flake.lock': lockText(Date.UTC(2026, 0, 1) / 1000) });
    const early = await check(dir, '--cache', '--now', '2026-01-10');
    expect(early.findings.filter((f) => f.file === 'flake.lock').map((f) => f.ruleId)).not.toContain('FLK-006');
    const sameDay = await check(dir, '--cache', '--verbose', '--now', '2026-01-10');
    expect(cacheLine(sameDay.stderr)).toMatch(/^6 of 6 files, 2 of 2 hosts reused/);
    const later = await check(dir, '--cache', '--verbose', '--now', '2026-09-01');
    // The lock is judged again; the modules and hosts, which no rule judged by the date, are not.
    expect(cacheLine(later.stderr)).toMatch(/^5 of 6 files, 2 of 2 hosts reused/);
    expect(later.stdout).toBe((await check(dir, '--now', '2026-09-01')).stdout);
    expect(later.findings.filter((f) => f.file === 'flake.lock').map((f) => f.ruleId)).toContain('FLK-006');
  });

  test('a result read from the reference date holds on the dates that read the same: later that day nothing is judged again nor written', async () => {
    const dir = makeTree({ ...FLEET, 'flake.lock': lockText(Date.UTC(2026, 0, 1) / 1000) });
    await check(dir, '--cache', '--now', '2026-01-10T08:00:00Z');
    // The lock's branch is judged as of a day (its release's end of life), its age against the policy's limits.
    const evening = await check(dir, '--cache', '--verbose', '--now', '2026-01-10T20:00:00Z');
    expect(cacheLine(evening.stderr)).toMatch(/^6 of 6 files, 2 of 2 hosts reused.*; unchanged, not written$/);
    expect(evening.stdout).toBe((await check(dir, '--now', '2026-01-10T20:00:00Z')).stdout);
    const nextDay = await check(dir, '--cache', '--verbose', '--now', '2026-01-11T08:00:00Z');
    expect(cacheLine(nextDay.stderr)).toMatch(/^5 of 6 files, 2 of 2 hosts reused/);
    expect(cacheLine(nextDay.stderr)).not.toMatch(/not written/);
    expect(cacheLine((await check(dir, '--cache', '--verbose', '--now', '2026-01-11T09:00:00Z')).stderr)).toMatch(/^6 of 6 files, 2 of 2 hosts reused/);
  });

  test('a lock that passes its age limit within a day is judged again at that hour, not at the end of the day', async () => {
    // Locked at noon on 1 January: older than 30 days (FLK-006) from noon on 31 January. A supported release,
    // so that nothing is reported of the lock before then (a message would read its age in days too).
    const dir = makeTree({ ...FLEET, 'flake.lock': lockText(Date.UTC(2026, 0, 1, 12) / 1000, 'nixos-25.11') });
    const morning = await check(dir, '--cache', '--now', '2026-01-31T11:00:00Z');
    expect(morning.findings.filter((f) => f.file === 'flake.lock').map((f) => f.ruleId)).toEqual([]);
    const afternoon = await check(dir, '--cache', '--verbose', '--now', '2026-01-31T13:00:00Z');
    expect(cacheLine(afternoon.stderr)).toMatch(/^5 of 6 files, 2 of 2 hosts reused/);
    expect(afternoon.findings.filter((f) => f.file === 'flake.lock').map((f) => f.ruleId)).toContain('FLK-006');
    expect(afternoon.stdout).toBe((await check(dir, '--now', '2026-01-31T13:00:00Z')).stdout);
  });

  test('a result that says part of the tree was not checked (a limit reached) is not kept: that file and its host are checked again', async () => {
    const path70 = Array.from({ length: 70 }, (_, i) => `a${i}`).join('.');
    const dir = makeTree({ ...FLEET, 'hosts/db.nix': `{\n  networking.hostName = "db";\n  ${path70} = 1;\n}\n` });
    const expected = (await check(dir)).stdout;
    expect((await check(dir)).findings.filter((f) => f.ruleId === 'declint-limit').map((f) => f.file)).toEqual(['hosts/db.nix']);
    await check(dir, '--cache');
    const warm = await check(dir, '--cache', '--verbose');
    expect(cacheLine(warm.stderr)).toBe('4 of 5 files, 1 of 2 hosts reused; talos nodes phases reused whole');
    expect(warm.stdout).toBe(expected);
  });

  test('a damaged, foreign or unreadable cache is discarded with a note on standard error, and the results are right', async () => {
    const dir = makeTree(FLEET);
    const expected = (await check(dir)).stdout;
    await check(dir, '--cache');
    const file = path.join(dir, '.declintcache/results');
    const written = fs.readFileSync(file, 'utf8');
    const [header, body] = [written.slice(0, written.indexOf('\n')), written.slice(written.indexOf('\n') + 1)];
    const damages: [string, string, string][] = [
      ['cut short', written.slice(0, Math.floor(written.length / 2)), 'it is damaged (its checksum does not match)'],
      ['a finding changed by hand', `${header}\n${body.replace('"ruleId":"NIX-SSH-002"', '"ruleId":"NIX-SSH-999"')}`, 'it is damaged (its checksum does not match)'],
      ['another version', `${header.replace(/"tool":"[^"]*"/, '"tool":"0.0.1"')}\n${body}`, 'it was written by declint 0.0.1 (cache format 2)'],
      ['not a cache', 'PK\u0003\u0004 garbage', 'it is not a declint cache'],
      ['empty', '', 'it is not a declint cache'],
    ];
    for (const [, damaged, why] of damages) {
      fs.writeFileSync(file, damaged);
      const run = await check(dir, '--cache', '--verbose');
      expect(run.stderr.split('\n')[0]).toBe(`declint: the cache ${file} is not used: ${why}; it is written anew`);
      expect(cacheLine(run.stderr)).toBe('(discarded): 0 of 5 files, 0 of 2 hosts reused');
      expect(run.stdout).toBe(expected);
      // Written anew: the next run takes everything from it, with no note.
      const next = await check(dir, '--cache', '--verbose');
      expect(next.stderr).not.toContain('is not used');
      expect(next.stdout).toBe(expected);
    }
    fs.rmSync(file);
    fs.mkdirSync(file);
    const unreadable = await check(dir, '--cache');
    expect(unreadable.stderr).toBe(`declint: the cache ${file} is not used: it cannot be read (EISDIR); it is written anew\ndeclint: the cache ${file} could not be written (EISDIR); the next run starts without it\n`);
    expect(unreadable.stdout).toBe(expected);
  });

  test('a run that evaluates a host again reads its modules\' parses from beside the cache: only what changed is parsed again; a damaged or foreign store is not read, and the results are right', () => {
    const dir = makeTree(FLEET);
    const store = path.join(dir, '.declintcache/results.parses');
    /** The hook after an edit of web's module: its JSON, and how many modules the host phase parsed. */
    const hook = (env: NodeJS.ProcessEnv = {}) => {
      fs.appendFileSync(path.join(dir, 'modules/web-only.nix'), '# edited\n');
      const run = spawnCli(['check', '--cache', '--format', 'json', 'modules/web-only.nix'], { cwd: dir, env: { DECLINT_TIMING: '1', ...env } });
      const timing = JSON.parse(run.stderr.split('\n').find((l) => l.startsWith('declint timing: '))!.slice('declint timing: '.length)) as { counters: Record<string, { calls: number }> };
      return { stdout: run.stdout, parsed: timing.counters['hosts.parse']?.calls ?? 0 };
    };
    const uncached = () => spawnCli(['check', '--format', 'json', 'modules/web-only.nix'], { cwd: dir }).stdout;
    spawnCli(['check', '.', '--cache', '-o', 'out.txt'], { cwd: dir });
    expect(fs.existsSync(store)).toBe(true);
    // The edited module is parsed by the per-file phase; web's other modules and flake.nix come from the store.
    const stored = hook();
    expect(stored.parsed).toBe(0);
    expect(stored.stdout).toBe(uncached());
    // Without the store, the host phase parses them: flake.nix, hosts/web.nix, modules/common.nix.
    fs.rmSync(store);
    const parsedAll = hook();
    expect(parsedAll.parsed).toBe(3);
    expect(parsedAll.stdout).toBe(uncached());
    expect(hook().parsed).toBe(0);
    // A damaged parse is not read (its bytes' hash does not match), and the store is written whole again.
    const bytes = fs.readFileSync(store);
    const body = bytes.indexOf(0x0a) + 1;
    for (let i = body; i < bytes.length; i += 64) bytes[i] ^= 0xff;
    fs.writeFileSync(store, bytes);
    const damaged = hook();
    expect(damaged.parsed).toBe(3);
    expect(damaged.stdout).toBe(uncached());
    expect(hook().parsed).toBe(0);
    // A store written by another build of declint is not read.
    fs.writeFileSync(store, fs.readFileSync(store, 'latin1').replace(/"build":"[^"]*"/, '"build":"another"'), 'latin1');
    expect(hook().parsed).toBe(3);
    expect(hook().parsed).toBe(0);
    // A hook on the other host keeps the parses it did not read (their files did not change) for the next one on web.
    fs.appendFileSync(path.join(dir, 'hosts/db.nix'), '# edited\n');
    spawnCli(['check', '--cache', 'hosts/db.nix'], { cwd: dir });
    expect(hook().parsed).toBe(0);
  });

  test('a rebuilt declint discards the cache; a compiled module the command does not load leaves it in use', async () => {
    // A copy of the built package whose files the test may change: its code copied, the rest linked.
    const pkg = makeTree({});
    for (const part of ['bin', 'dist']) fs.cpSync(path.join(ROOT, part), path.join(pkg, part), { recursive: true });
    for (const part of ['build', 'grammars', 'node_modules', 'package.json', 'rules']) fs.symlinkSync(path.join(ROOT, part), path.join(pkg, part));
    const dir = makeTree(FLEET);
    const run = () => spawnSync(process.execPath, [path.join(pkg, 'bin/declint.js'), 'check', '.', '--cache', '--verbose', '--format', 'json'], { cwd: dir, encoding: 'utf8' });
    const expected = (await check(dir)).findings;
    run();
    const reused = '5 of 5 files, 2 of 2 hosts reused; hosts, talos nodes, flakes, fixes phases reused whole; unchanged, not written';
    expect(cacheLine(run().stderr)).toBe(reused);
    // The benches load dist/'s modules one by one; the command runs the bundle.
    fs.appendFileSync(path.join(pkg, 'dist/nix/evaluate.js'), '\n// changed\n');
    expect(cacheLine(run().stderr)).toBe(reused);
    fs.appendFileSync(path.join(pkg, 'dist/bundle/main.js'), '\n// rebuilt\n');
    const rebuilt = run();
    expect(rebuilt.stderr.split('\n')[0]).toBe(`declint: the cache ${path.join(dir, '.declintcache/results')} is not used: it was written by another build of declint; it is written anew`);
    expect(cacheLine(rebuilt.stderr)).toBe('(discarded): 0 of 5 files, 0 of 2 hosts reused');
    expect((JSON.parse(rebuilt.stdout) as { findings: JsonFinding[] }).findings).toEqual(expected);
  });

  test('entries of hosts not in the expected form under a right checksum count as none: the hosts are evaluated again, and the results are right', async () => {
    const dir = makeTree(FLEET);
    await check(dir, '--cache');
    const file = path.join(dir, '.declintcache/results');
    const [header, payload] = fs.readFileSync(file, 'utf8').split('\n');
    const body = `${payload}\n{"not a host key":{"reads":[99999],"outcome":[]}}`;
    const sha256 = createHash('sha256').update(body).digest('base64url');
    fs.writeFileSync(file, `${header.replace(/"sha256":"[^"]*"/, `"sha256":"${sha256}"`)}\n${body}`);
    fs.writeFileSync(path.join(dir, 'modules/common.nix'), '{\n  services.openssh.enable = true;\n}\n');
    const run = await check(dir, '--cache', '--verbose');
    expect(run.stderr).not.toContain('is not used');
    expect(cacheLine(run.stderr)).toBe('4 of 5 files, 0 of 2 hosts reused; talos nodes, flakes phases reused whole');
    expect(run.stdout).toBe((await check(dir)).stdout);
  });

  test('where the cache lives: .declintcache/ at the scanned root, which git ignores by itself, or the file or directory --cache-location names', async () => {
    const dir = makeTree(FLEET);
    await check(dir, '--cache');
    // The results, and the parses of the modules hosts read beside them.
    expect(fs.readdirSync(path.join(dir, '.declintcache')).sort()).toEqual(['.gitignore', 'CACHEDIR.TAG', 'results', 'results.parses']);
    expect(fs.readFileSync(path.join(dir, '.declintcache/.gitignore'), 'utf8')).toMatch(/^\*$/m);
    // The cache directory is not scanned (its .gitignore leaves it out).
    expect(cacheLine((await check(dir, '--cache', '--verbose')).stderr)).toMatch(/^5 of 5 files/);
    const elsewhere = makeTree({});
    await check(dir, '--cache', '--cache-location', path.join(elsewhere, 'declint.cache'));
    await check(dir, '--cache', '--cache-location', `${path.join(elsewhere, 'caches')}/`);
    expect(fs.readdirSync(elsewhere).sort()).toEqual(['caches', 'declint.cache', 'declint.cache.parses']);
    const [named, parses] = fs.readdirSync(path.join(elsewhere, 'caches')).sort();
    expect([named, parses]).toEqual([expect.stringMatching(/^\.declintcache-[0-9a-f]{12}$/), `${named}.parses`]);
    const misuse = await runCli(['check', '.', '--cache-location', 'x'], dir);
    expect([misuse.code, misuse.stderr]).toEqual([2, 'declint: --cache-location needs --cache\n']);
  });

  test('two runs writing the cache at once leave a whole cache, which the next run reads', async () => {
    const dir = makeTree(FLEET);
    const spawned = () =>
      new Promise<number>((resolve) => {
        const child = spawn(process.execPath, [BIN, 'check', '.', '--cache'], { cwd: dir, stdio: 'ignore' });
        child.on('exit', (code) => resolve(code ?? -1));
      });
    const codes = await Promise.all([spawned(), spawned(), spawned()]);
    expect(new Set(codes).size).toBe(1);
    expect(fs.readdirSync(path.join(dir, '.declintcache')).sort()).toEqual(['.gitignore', 'CACHEDIR.TAG', 'results', 'results.parses']);
    const next = spawnCli(['check', '.', '--cache', '--verbose'], { cwd: dir });
    expect(next.stderr).not.toContain('is not used');
    expect(cacheLine(next.stderr)).toMatch(/^5 of 5 files, 2 of 2 hosts reused/);
  });
});

function customRule(message: string): string {
  return [
    'id: TEST-CACHE-001',
    'title: nginx enabled',
    'target: nixos',
    'subject:',
    '  option: services.nginx.enable',
    'violations:',
    '  - mode: explicit',
    '    test: { equals: true }',
    '    severity: note',
    `    message: '${message}'`,
    'security-severity: 1.0',
    'controls:',
    '  iso27001: [A.8.9]',
    'rationale: A test rule.',
    'remediation:',
    '  text: Nothing to do.',
    '',
  ].join('\n');
}

function lockText(lastModified: number, ref = 'nixos-25.05'): string {
  return JSON.stringify({
    nodes: {
      nixpkgs: {
        locked: { lastModified, narHash: 'sha256-Q2hbT1x9Rk3wL7nV0pZs5yJ8cM4dF6gAeUoIiKtXrY0=', owner: 'NixOS', repo: 'nixpkgs', rev: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', type: 'github' },
        original: { owner: 'NixOS', repo: 'nixpkgs', type: 'github', ref },
      },
      root: { inputs: { nixpkgs: 'nixpkgs' } },
    },
    root: 'root',
    version: 7,
  });
}
