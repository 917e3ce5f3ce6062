import * as fs from 'fs';
import * as path from 'path';
import { HostSpec, LoadedSource } from '../src/nix/host';
import { runCheck } from '../src/pipeline/check';
import { checkFileRecords, filesChecked, parseBytes } from '../src/pipeline/check-files';
import { checkHosts } from '../src/pipeline/check-hosts';
import { loadRuleSet } from '../src/rules/builtin';
import { PendingModules, reachableModules } from '../src/pipeline/pending-modules';
import { NixSourceLoader, ParsedSources } from '../src/pipeline/source-loader';
import { parseNixFlat } from '../src/nix/parser';
import { makeTree, TEST_NOW } from './support/cli';

/**
 * A plain check lets go of the modules it read once the hosts to come do not
 * import them (PendingModules): a 20,000-file fleet no longer holds every
 * module of every host. What it reports must not change.
 */

/** A value that doubles 22 times: evaluating it reaches a limit, but only in host alpha, which passes depth = 22. */
const ALPHA = [
  '{ depth, ... }:',
  'let',
  '  a0 = "x";',
  ...Array.from({ length: 22 }, (_, i) => `  a${i + 1} = { x = a${i}; y = a${i}; };`),
  '  pick = n: if n == 22 then a22 else "small";',
  'in {',
  '  environment.etc.big.text = pick depth;',
  '  networking.hostName = "alpha";',
  '}',
  '',
].join('\n');

const FLEET = {
  'flake.nix': `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { specialArgs = { depth = 22; }; modules = [ ./shared.nix ./alpha.nix ]; };
    nixosConfigurations.beta = nixpkgs.lib.nixosSystem { specialArgs = { depth = 0; }; modules = [ ./shared.nix ./beta.nix ]; };
    nixosConfigurations.gamma = nixpkgs.lib.nixosSystem { specialArgs = { depth = 0; }; modules = [ ./shared.nix ./gamma.nix ]; };
  };
}
`,
  'shared.nix': '{ lib, ... }: { services.openssh.enable = true; services.openssh.settings.PermitRootLogin = lib.mkDefault "yes"; }\n',
  'alpha.nix': ALPHA,
  'beta.nix': '{ networking.hostName = "beta"; services.openssh.settings.PermitRootLogin = "no"; }\n',
  'gamma.nix': '{ networking.hostName = "gamma"; security.sudo.wheelNeedsPassword = false; }\n',
};

/** A module no host imports. */
const STRAY = '{ services.openssh.enable = false; }\n';

const shown = (findings: { ruleId: string; location: { file: string; range: { start: { line: number; column: number } } }; hosts?: string[] }[]) =>
  findings.map((f) => `${f.location.file}:${f.location.range.start.line}:${f.location.range.start.column} ${f.ruleId} ${(f.hosts ?? []).join(',')}`);

/** A host of the given module files of `dir`. */
function spec(dir: string, name: string, modules: string[]): HostSpec {
  const from = { file: 'flake.nix', span: { start: 0, end: 0 } };
  return { name, root: from, modules: modules.map((m) => ({ kind: 'file' as const, absolutePath: path.join(dir, m), from })), specialArgs: new Map() };
}

describe('letting go of modules between hosts', () => {
  it('reports the same findings, host-only limits included, as a check that keeps every module', async () => {
    const dir = makeTree(FLEET);
    const options = { paths: ['.'], base: dir, ignore: [], ruleDirs: [], now: TEST_NOW, jobs: 1 };
    const kept = shown((await runCheck(options)).findings);
    const released = shown((await runCheck({ ...options, moduleBudgetBytes: 0 })).findings);
    expect(released).toEqual(kept);
    // Reached only when host alpha evaluates the module, after which no host imports it.
    expect(released.filter((f) => !f.startsWith('flake.nix'))).toEqual(['alpha.nix:28:3 declint-limit ', 'gamma.nix:1:34 NIX-SUDO-001 gamma', 'shared.nix:1:49 NIX-SSH-001 alpha,gamma']);
  });

  it('lets go of the modules no host to come imports first, and keeps those of the next hosts within the budget', () => {
    const dir = makeTree(FLEET);
    const loader = new NixSourceLoader([dir], dir);
    const file = (name: string) => path.join(dir, name);
    const imports = new Map(Object.keys(FLEET).map((name) => [file(name), [] as string[]]));
    const alpha = spec(dir, 'alpha', ['shared.nix', 'alpha.nix']);
    const beta = spec(dir, 'beta', ['shared.nix', 'beta.nix']);
    const nextBytes = FLEET['shared.nix'].length + FLEET['beta.nix'].length;
    const pending = new PendingModules((s) => reachableModules(s, imports, 1000), 2 * nextBytes);
    pending.expect([alpha, beta]);
    for (const name of ['shared.nix', 'alpha.nix', 'beta.nix']) loader.load(file(name));
    expect(loader.loadedBytes).toBeGreaterThan(2 * nextBytes);
    const forgotten: string[] = [];
    pending.done(alpha, loader, (paths) => forgotten.push(...paths));
    // What else holds the module's values (the session's imports, the shared readings) is told to drop them too.
    expect(forgotten).toEqual([file('alpha.nix')]);
    expect(loader.reading(file('alpha.nix'))).toBeUndefined();
    expect(loader.reading(file('shared.nix'))).toBeDefined();
    expect(loader.reading(file('beta.nix'))).toBeDefined();
    expect(loader.loadedBytes).toBe(nextBytes);
  });

  it('past the budget, lets go first of the modules the next hosts read the latest', () => {
    const dir = makeTree(FLEET);
    const loader = new NixSourceLoader([dir], dir);
    const file = (name: string) => path.join(dir, name);
    const imports = new Map(Object.keys(FLEET).map((name) => [file(name), [] as string[]]));
    const [first, second, third] = [spec(dir, 'first', ['alpha.nix']), spec(dir, 'second', ['gamma.nix']), spec(dir, 'third', ['beta.nix'])];
    const pending = new PendingModules((s) => reachableModules(s, imports, 1000), 2 * FLEET['gamma.nix'].length);
    pending.expect([first, second, third]);
    for (const name of ['alpha.nix', 'gamma.nix', 'beta.nix']) loader.load(file(name));
    pending.done(first, loader, () => undefined);
    expect(['alpha.nix', 'gamma.nix', 'beta.nix'].filter((name) => loader.reading(file(name)))).toEqual(['gamma.nix']);
  });

  it('keeps the limits reached in a module it let go, once each though the module is read again from its kept parse', () => {
    const dir = makeTree(FLEET);
    const loader = new NixSourceLoader([dir], dir);
    const alpha = path.join(dir, 'alpha.nix');
    const first = loader.load(alpha) as LoadedSource;
    first.root.noteLimit('too deep', { start: 4, end: 9 });
    // A host to come reads it (its next use is the host at position 1).
    expect(loader.release(() => 1, 0)).toEqual([alpha, alpha]);
    expect(loader.loadedBytes).toBe(0);
    const again = loader.load(alpha) as LoadedSource;
    expect(again).not.toBe(first);
    // Made again from the flat parse kept when it was let go, not parsed again.
    expect(again.root.fileFlat).toBeDefined();
    expect(again.root.fileFlat).toBe(first.root.fileFlat);
    again.root.noteLimit('too deep', { start: 4, end: 9 });
    expect(loader.limitFindings().map((f) => `${f.location.file}:${f.location.range.start.line}:${f.location.range.start.column} ${f.message}`)).toEqual(['alpha.nix:1:5 too deep']);
  });

  it('lets go of the parse of a module no host to come reads: read again, it is parsed again', () => {
    const dir = makeTree(FLEET);
    const loader = new NixSourceLoader([dir], dir);
    const alpha = path.join(dir, 'alpha.nix');
    const first = loader.load(alpha) as LoadedSource;
    expect(loader.release(() => Infinity, 0)).toEqual([alpha, alpha]);
    expect(loader.keptParses()).toEqual([]);
    const again = loader.load(alpha) as LoadedSource;
    expect(again.root.fileFlat).toBeDefined();
    expect(again.root.fileFlat).not.toBe(first.root.fileFlat);
  });

  it('lets go of the parses of a host once no later host imports them, not of the modules hosts found later may import', () => {
    const dir = makeTree(FLEET);
    const file = (name: string) => path.join(dir, name);
    const names = ['shared.nix', 'alpha.nix', 'beta.nix', 'gamma.nix'];
    const parsed: ParsedSources = new Map(names.map((name) => [file(name), { text: FLEET[name as keyof typeof FLEET], flat: parseNixFlat(FLEET[name as keyof typeof FLEET])! }]));
    const loader = new NixSourceLoader([dir], dir, undefined, parsed);
    const imports = new Map(names.map((name) => [file(name), [] as string[]]));
    const alpha = spec(dir, 'alpha', ['shared.nix', 'alpha.nix']);
    const beta = spec(dir, 'beta', ['shared.nix', 'beta.nix']);
    const gamma = spec(dir, 'gamma', ['gamma.nix', 'shared.nix']);
    const pending = new PendingModules((s) => reachableModules(s, imports, 1000), 1 << 20);
    pending.expect([alpha, beta]);
    // gamma's modules, of a host found once alpha and beta are evaluated (a configuration.nix is one only if no flake host imports it).
    pending.reserve(new Set([file('gamma.nix'), file('shared.nix')]));
    // Read from the kept parse, not parsed again.
    expect((loader.load(file('alpha.nix')) as LoadedSource).root.fileFlat).toBe(parsed.get(file('alpha.nix'))?.flat);
    pending.done(alpha, loader, () => undefined);
    expect(loader.keptParses().sort()).toEqual([file('beta.nix'), file('gamma.nix'), file('shared.nix')]);
    pending.done(beta, loader, () => undefined);
    expect(loader.keptParses().sort()).toEqual([file('gamma.nix'), file('shared.nix')]);
    pending.expect([gamma]);
    pending.reserve(new Set());
    pending.done(gamma, loader, () => undefined);
    expect(loader.keptParses()).toEqual([]);
  });

  it('lets go, before the first host, of the parses of files that no host to come imports', () => {
    const texts: Record<string, string> = { ...FLEET, 'stray.nix': STRAY };
    const dir = makeTree(texts);
    const file = (name: string) => path.join(dir, name);
    const names = ['shared.nix', 'alpha.nix', 'beta.nix', 'gamma.nix', 'stray.nix'];
    const parsed: ParsedSources = new Map(names.map((name) => [file(name), { text: texts[name], flat: parseNixFlat(texts[name])! }]));
    const loader = new NixSourceLoader([dir], dir, undefined, parsed);
    const imports = new Map(names.map((name) => [file(name), [] as string[]]));
    const pending = new PendingModules((s) => reachableModules(s, imports, 1000), 1 << 20);
    pending.expect([spec(dir, 'alpha', ['shared.nix', 'alpha.nix'])]);
    pending.reserve(new Set([file('gamma.nix')]));
    pending.forgetUnimported(loader);
    // beta.nix and stray.nix are in no host expected nor reserved: the per-file phase kept their parses for nothing.
    expect(loader.keptParses().sort()).toEqual([file('alpha.nix'), file('gamma.nix'), file('shared.nix')]);
    // Read after all (a directory listed at evaluation), a file let go is parsed again, to the same result.
    const stray = loader.load(file('stray.nix')) as LoadedSource;
    expect(stray.root.fileFlat).not.toBe(parsed.get(file('stray.nix'))?.flat);
    expect(stray.text).toBe(texts['stray.nix']);
    expect((loader.load(file('alpha.nix')) as LoadedSource).root.fileFlat).toBe(parsed.get(file('alpha.nix'))?.flat);
  });

  it('lets go of the line table of a module it lets go, and places a range in it from the text it read', () => {
    const dir = makeTree(FLEET);
    const loader = new NixSourceLoader([dir], dir);
    const alpha = path.join(dir, 'alpha.nix');
    loader.load(alpha);
    const before = loader.lines('alpha.nix');
    const offset = ALPHA.indexOf('networking.hostName');
    expect(before.position(offset)).toEqual({ line: 29, column: 3, offset });
    // A host to come reads it: its parse is kept, and with it the text the ranges of its findings are in.
    loader.release(() => 1, 0);
    fs.writeFileSync(alpha, `# a line added since\n${ALPHA}`);
    const after = loader.lines('alpha.nix');
    expect(after).not.toBe(before);
    expect(after.position(offset)).toEqual({ line: 29, column: 3, offset });
  });

  it('says when the per-file phase could not keep every parse', async () => {
    const dir = makeTree(FLEET);
    const files = ['shared.nix', 'beta.nix', 'gamma.nix'].map((name) => ({ absolutePath: path.join(dir, name), path: name }));
    const job = { rules: [], now: TEST_NOW };
    const all = filesChecked(await checkFileRecords(files, job));
    expect(all.parsed.map((p) => path.basename(p.absolutePath))).toEqual(['shared.nix', 'beta.nix', 'gamma.nix']);
    expect(all.parsedAll).toBe(true);
    const some = filesChecked(await checkFileRecords(files, job, { keptBytes: parseBytes(all.parsed[0]) }));
    expect(some.parsed.map((p) => path.basename(p.absolutePath))).toEqual(['shared.nix']);
    expect(some.parsedAll).toBe(false);
  });

  it('lets go of the parses no host imports only where the per-file phase could not keep them all, with the same findings', async () => {
    const dir = makeTree({ ...FLEET, 'stray.nix': STRAY });
    const nixFiles = [...Object.keys(FLEET), 'stray.nix'].map((name) => ({ absolutePath: path.join(dir, name), path: name }));
    const rules = await loadRuleSet([], dir);
    const perFile = filesChecked(await checkFileRecords(nixFiles, { rules, now: TEST_NOW }));
    const phase = (parsedAll: boolean) =>
      checkHosts({ nixFiles, roots: [dir], base: dir, imports: new Map(perFile.imports), rules, now: TEST_NOW, keepHosts: false, parsed: new Map(perFile.parsed.map((p) => [p.absolutePath, p])), parsedAll });
    const kept = phase(true);
    const trimmed = phase(false);
    expect(shown(trimmed.findings)).toEqual(shown(kept.findings));
    expect(shown(kept.findings)).toContain('shared.nix:1:49 NIX-SSH-001 alpha,gamma');
    // Every parse kept: those no host imports stay (a host could read them through a directory listing).
    expect(kept.loader.keptParses().map((f) => path.basename(f)).sort()).toEqual(['flake.nix', 'stray.nix']);
    expect(trimmed.loader.keptParses()).toEqual([]);
  });
});
