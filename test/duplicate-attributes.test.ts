import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { firstDuplicateAttribute, repetitionAround } from '../src/nix/duplicate-attributes';
import { parseNix } from '../src/nix/parser';
import { convertTree, NixNode } from '../src/nix/syntax';
import { analyzeFile } from '../src/pipeline/analyze';
import { runCheck } from '../src/pipeline/check';
import { NixSourceLoader } from '../src/pipeline/source-loader';
import { contentHash } from '../src/source/content-hash';

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

/** More shapes a renamed name can meet: nested literals, `let` and `rec` sets, sets inside values and functions. */
const NESTED = [
  '{ a = { b = { c = 1; }; }; a.b.d = 2; }',
  '{ a = { b = { c = 1; }; }; a.b.c = 2; }',
  '{ x = let a = 1; b = 2; in a; y = 3; }',
  '{ x = { y = { z = 1; w = 2; }; }; }',
  'let s = { a = 1; b = 2; }; in { a = s.a; b = s.b; }',
  '{ config, ... }: { services.x = { enable = true; port = 1; }; services.x.user = "u"; networking.hostName = "h"; }',
  '{ a = f { b = 1; c = 2; }; d = 3; }',
  '{ a = [ { b = 1; c = 2; } ]; d = 3; }',
  '{ inherit a; b = 1; c.d = 2; c.e = 3; }',
  'rec { a = { b = 1; }; a.c = 2; d = a; }',
];

/** Each identifier in a binding's attribute path, with the binding that holds it. */
function attrpathNames(node: NixNode, out: { name: NixNode; binding: NixNode }[] = []): { name: NixNode; binding: NixNode }[] {
  if (node.type === 'binding') for (const name of node.childForFieldName('attrpath')?.namedChildren ?? []) if (name.type === 'identifier') out.push({ name, binding: node });
  for (const child of node.namedChildren) attrpathNames(child, out);
  return out;
}

describe('a name typed into a binding of a file that repeats no attribute', () => {
  // Every file of the cases above reached by one rename from a file without a repetition: the check around the renamed
  // binding finds one exactly where the whole file's check does.
  const renames: [string, string, number][] = [];
  for (const text of [...CASES, ...NESTED]) {
    const root = convertTree(parseNix(text), text, false);
    for (const { name } of attrpathNames(root)) {
      const before = text.slice(0, name.startIndex) + 'renamedFrom' + text.slice(name.endIndex);
      if (firstDuplicateAttribute(convertTree(parseNix(before), before, false)) === undefined) renames.push([before, text, name.startIndex]);
    }
  }

  test('is judged on the scopes around it as on the whole file', () => {
    expect(renames.length).toBeGreaterThan(60);
    const judged = renames.map(([, after, at]) => {
      const root = convertTree(parseNix(after), after, false);
      const { binding } = attrpathNames(root).find(({ name }) => name.startIndex === at)!;
      return { after, around: repetitionAround(binding) !== undefined, whole: firstDuplicateAttribute(root) !== undefined };
    });
    expect(judged.filter((j) => j.around !== j.whole)).toEqual([]);
    // Both answers occur: renames that make a repetition and renames that do not.
    expect(judged.filter((j) => j.whole).length).toBeGreaterThan(15);
    expect(judged.filter((j) => !j.whole).length).toBeGreaterThan(15);
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

  test('is looked for again by the host phase in any text but the one the per-file phase checked (check --cache)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-dup-loader-'));
    try {
      const file = path.join(dir, 'ssh.nix');
      fs.writeFileSync(file, text);
      const load = (checkedHash?: (absolutePath: string) => string | undefined) => new NixSourceLoader([dir], dir, undefined, undefined, { checkedHash }).load(file);
      expect(load()).toMatchObject({ error: 'ssh.nix does not parse' });
      // The file changed since the per-file phase checked it: the text loaded is not the one checked, and is checked.
      expect(load(() => contentHash(text.replace(/\n {2}services[^\n]*"yes";/, '')))).toMatchObject({ error: 'ssh.nix does not parse' });
      expect(load((p) => (p === file ? undefined : contentHash(text)))).toMatchObject({ error: 'ssh.nix does not parse' });
      // Said to be the very text checked (which no per-file phase says of this one): not walked again.
      expect('error' in load((p) => (p === file ? contentHash(text) : undefined))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
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
