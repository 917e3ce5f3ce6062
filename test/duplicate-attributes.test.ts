import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { firstDuplicateAttribute } from '../src/nix/duplicate-attributes';
import { parseNix } from '../src/nix/parser';
import { analyzeFile } from '../src/pipeline/analyze';
import { runCheck } from '../src/pipeline/check';

const haveNix = spawnSync('nix-instantiate', ['--version']).status === 0;
if (!haveNix) console.warn('SKIPPED: nix-instantiate is not installed; duplicate attributes were not checked against the Nix parser.');

/** Bindings that repeat a name in every way Nix merges or rejects. */
const CASES = [
  '{ a.b = 1; a.b = 2; }',
  '{ a = 1; a = 1; }',
  '{ a = { b = 1; }; a = { c = 2; }; }',
  '{ a = { b = 1; }; a.c = 2; }',
  '{ a.c = 2; a = { b = 1; }; }',
  '{ a.b = 1; a = { b = 2; }; }',
  '{ a = { b.c = 1; }; a.b.d = 2; }',
  '{ a = { b.c = 1; }; a.b.c = 2; }',
  '{ a = rec { b = 1; }; a.c = 2; }',
  '{ inherit ({ x = 1; }) x; x = 2; }',
  'let x = 1; in { inherit x; x = 2; }',
  '{ "a" = 1; a = 2; }',
  '{ "a.b" = 1; a.b = 2; }',
  'let a = 1; a = 2; in a',
  'let a.b = 1; a.c = 2; in a',
  'rec { a = 1; b = a; a = 3; }',
  '{ a = 1; b = { a = 2; }; }',
  '{ x = { a = 1; }; y = { a = 1; a = 2; }; }',
  '{ a = f { b = 1; }; a.c = 2; }',
  '{ a.b = { c = 1; }; a.b = { d = 2; }; }',
  '{ a.b = { c = 1; }; a.b = { c = 2; }; }',
  '{ ${"a"} = 1; a = 2; }',
  '{ services.openssh = { enable = true; }; services.openssh.settings.PermitRootLogin = "no"; services.openssh.enable = false; }',
];

function nixAccepts(expression: string): boolean {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-dup-'));
  try {
    const file = path.join(dir, 'e.nix');
    fs.writeFileSync(file, expression);
    return spawnSync('nix-instantiate', ['--parse', file], { encoding: 'utf8' }).status === 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

(haveNix ? describe : describe.skip)('attributes defined twice, as the Nix parser decides', () => {
  test.each(CASES)('%s', (expression) => {
    const declint = firstDuplicateAttribute(parseNix(expression).rootNode);
    expect(declint === undefined).toBe(nixAccepts(expression));
  });
});

describe('an attribute defined twice', () => {
  const text = ['{ lib, ... }:', '{', '  services.openssh.settings.PermitRootLogin = "no";', '  networking.hostName = "web";', '  services.openssh.settings.PermitRootLogin = "yes";', '}', ''].join('\n');

  test('is reported where Nix reports it, naming the first definition', () => {
    const result = analyzeFile('host.nix', text);
    expect(result).toMatchObject({
      kind: 'parse-error',
      finding: {
        ruleId: 'parse-error',
        severity: 'error',
        message: "The file does not parse: attribute 'services.openssh.settings.PermitRootLogin' already defined at line 3, column 3 at line 5, column 3. No rule could check it.",
        location: { file: 'host.nix', range: { start: { line: 5, column: 3 }, end: { line: 5, column: 44 } } },
      },
    });
  });

  test('keeps neither value: the host does not take one of them as its setting', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-dup-host-'));
    try {
      fs.writeFileSync(path.join(dir, 'configuration.nix'), '{ imports = [ ./ssh.nix ]; system.stateVersion = "25.05"; services.openssh.enable = true; }\n');
      fs.writeFileSync(path.join(dir, 'ssh.nix'), text);
      const result = await runCheck({ paths: ['.'], base: dir, ignore: [], ruleDirs: [], now: new Date('2026-11-23'), jobs: 1 });
      expect(result.findings.filter((f) => f.location.file === 'ssh.nix').map((f) => `${f.ruleId} ${f.location.range.start.line}`)).toEqual(['parse-error 5']);
      // The explicit "yes" is not judged as if the file were readable; the host's root-login rule sees no value from ssh.nix.
      expect(result.findings.filter((f) => f.ruleId === 'NIX-SSH-001' && f.location.file === 'ssh.nix')).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
