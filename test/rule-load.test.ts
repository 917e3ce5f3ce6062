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
