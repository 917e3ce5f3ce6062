import * as fs from 'fs';
import * as path from 'path';
import { makeTree, runCli } from './support/cli';

const VALID = `id: ORG-001
title: Example rule
target: nixos
subject:
  option: services.example.enable
violations:
  - mode: explicit
    test: { equals: true }
    severity: warning
    message: 'Example is on ({path} = {value}).'
security-severity: 4.0
controls:
  iso27001: [A.8.9]
rationale: An example rule for the loader tests.
remediation:
  text: Turn it off.
`;

/** Runs a check with one extra rules directory holding `file` = `text`. */
async function withRule(file: string, text: string) {
  const dir = makeTree({ [`rules/nixos/${file}`]: text, 'host.nix': '{ services.example.enable = true; }\n' });
  return runCli(['check', 'host.nix', '--rules-dir', 'rules'], dir);
}

describe('rule files are validated, with located errors', () => {
  test('a valid custom rule loads and reports', async () => {
    const run = await withRule('ORG-001.yaml', VALID);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0); // a warning is below the default --fail-on error
    expect(run.stdout).toContain('1:3  warning  Example is on (services.example.enable = true).  ORG-001  [ISO 27001 A.8.9]');
  });

  test('invalid YAML stops with file:line:col and exit 2', async () => {
    const run = await withRule('ORG-001.yaml', VALID.replace('target: nixos', 'target: [nixos'));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^declint: rules\/nixos\/ORG-001\.yaml:4:1: Flow sequence in block collection must be sufficiently indented and end with a \]\n$/);
  });

  test('a wrong value points at its key', async () => {
    const run = await withRule('ORG-001.yaml', VALID.replace('severity: warning', 'severity: critical'));
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('declint: rules/nixos/ORG-001.yaml:9:15: violations[0].severity must be one of: error, warning, note\n');
  });

  test('an unknown key points at the key', async () => {
    const run = await withRule('ORG-001.yaml', VALID.replace('rationale:', 'rationale_typo: x\nrationale:'));
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('declint: rules/nixos/ORG-001.yaml:14:1: the rule has an unknown key "rationale_typo"\n');
  });

  test('a missing required key, an unknown framework, an unknown named predicate, a mismatched file name', async () => {
    const missing = await withRule('ORG-001.yaml', VALID.replace(/remediation:\n {2}text: Turn it off\.\n/, ''));
    expect(missing.stderr).toBe('declint: rules/nixos/ORG-001.yaml:1:1: the rule is missing the required key "remediation"\n');
    const framework = await withRule('ORG-001.yaml', VALID.replace('iso27001: [A.8.9]', 'pci: [1.2]'));
    expect(framework.stderr).toMatch(/^declint: rules\/nixos\/ORG-001\.yaml:13:3: controls names an unknown framework "pci" \(known: anssi, cis-k8s, cis, dora, iso27001, nis2, soc2, stig; a custom one is declared in <rules dir>\/controls\/pci\.yaml\)\n$/);
    const named = await withRule('ORG-001.yaml', VALID.replace('{ equals: true }', '{ named: isEvil }'));
    expect(named.stderr).toMatch(/^declint: rules\/nixos\/ORG-001\.yaml:8:20: unknown named predicate "isEvil"/);
    const renamed = await withRule('ORG-002.yaml', VALID);
    expect(renamed.stderr).toBe('declint: rules/nixos/ORG-002.yaml:1:1: id ORG-001 does not match the file name ORG-002\n');
    const fixFor = await withRule('ORG-001.yaml', `${VALID}fix:\n  value: false\n  options: [services.example.enable, services.other.enable]\n`);
    expect(fixFor.stderr).toBe("declint: rules/nixos/ORG-001.yaml:19:38: fix.options names services.other.enable, which is not one of the rule's options (services.example.enable)\n");
    const fixValue = await withRule('ORG-001.yaml', `${VALID}fix:\n  value: false\n  values:\n    services.other.enable: true\n`);
    expect(fixValue.stderr).toBe("declint: rules/nixos/ORG-001.yaml:20:5: fix.values names services.other.enable, which is not one of the rule's options (services.example.enable)\n");
    for (const run of [missing, framework, named, renamed, fixFor, fixValue]) expect(run.code).toBe(2);
  });

  test('every built-in rule file loads from YAML, and each ID is its file name', async () => {
    const { loadRules } = await import('../src/rules/load');
    const { BUILTIN_RULES_DIR } = await import('../src/rules/builtin');
    const dir = path.resolve(__dirname, '../rules');
    const files = fs
      .readdirSync(dir)
      .filter((d) => d !== 'controls' && d !== 'data')
      .flatMap((target) => fs.readdirSync(path.join(dir, target)).map((f) => f.replace(/\.yaml$/, '')));
    const rules = await loadRules([BUILTIN_RULES_DIR]);
    expect(rules.map((r) => r.id).sort()).toEqual(files.sort());
  });
});

describe("the built-in rules' fingerprint, noted per user", () => {
  // ruleFilesFingerprint tells whether the rules validated at build time are still those on disk.
  const { ruleFilesFingerprint } = require('../src/rules/builtin') as typeof import('../src/rules/builtin');
  const later = () => Date.now() + 10_000;

  test('is taken from the note while every rule file and directory is as noted; an edited, added or removed rule file is read again', () => {
    const dir = makeTree({ 'rules/ssh.yaml': 'id: A\n', 'rules/nix/store.yaml': 'id: B\n', 'rules/controls/iso.yaml': 'not a rule file\n' });
    const rules = path.join(dir, 'rules');
    const notes = path.join(dir, 'notes');
    fs.mkdirSync(notes);
    const byContent = () => ruleFilesFingerprint(rules, undefined);
    const first = byContent();
    expect(ruleFilesFingerprint(rules, notes, later())).toBe(first);
    const [note] = fs.readdirSync(notes);
    expect(note).toMatch(/^rules-[\w-]{22}\.json$/);
    // The note stands for the files: they are not read while it holds.
    const noted = JSON.parse(fs.readFileSync(path.join(notes, note), 'utf8')) as { fingerprint: string };
    fs.writeFileSync(path.join(notes, note), JSON.stringify({ ...noted, fingerprint: 'from the note' }));
    expect(ruleFilesFingerprint(rules, notes, later())).toBe('from the note');
    const changes: [string, () => void][] = [
      ['a rule edited', () => fs.appendFileSync(path.join(rules, 'nix/store.yaml'), 'title: x\n')],
      ['a rule added', () => fs.writeFileSync(path.join(rules, 'nix/boot.yaml'), 'id: C\n')],
      ['a rule removed', () => fs.rmSync(path.join(rules, 'ssh.yaml'))],
    ];
    let before = first;
    for (const [what, change] of changes) {
      change();
      const now = ruleFilesFingerprint(rules, notes, later());
      expect([what, now]).toEqual([what, byContent()]);
      expect([what, now]).not.toEqual([what, before]);
      before = now;
    }
    // The registry beside the rules is not a rule file.
    fs.appendFileSync(path.join(rules, 'controls/iso.yaml'), 'more\n');
    expect(ruleFilesFingerprint(rules, notes, later())).toBe(before);
  });

  test('a status taken within the racy window is not noted: a second write in the same tick is not missed', () => {
    const dir = makeTree({ 'rules/ssh.yaml': 'id: A\n' });
    const rules = path.join(dir, 'rules');
    const notes = path.join(dir, 'notes');
    fs.mkdirSync(notes);
    // Written just now, as of now: nothing may be noted, and each run reads the files.
    expect(ruleFilesFingerprint(rules, notes, Date.now())).toBe(ruleFilesFingerprint(rules, undefined));
    expect(fs.readdirSync(notes)).toEqual([]);
  });
});
