import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, runCli } from './support/cli';
import { multitoolIssues, schemaErrors } from './support/sarif-validate';

async function sarifOf(target: string): Promise<{ file: string; log: any }> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'declint-sarif-')), 'out.sarif');
  const run = await runCli(['check', target, '--format', 'sarif', '-o', file], ROOT);
  expect(run.stderr).toBe('');
  return { file, log: JSON.parse(fs.readFileSync(file, 'utf8')) };
}

describe('SARIF 2.1.0 output', () => {
  test('the demo fleet report is valid against the official schema', async () => {
    const { log } = await sarifOf('fixtures/demo-fleet');
    expect(schemaErrors(log)).toEqual([]);
    expect(log.runs[0].results.length).toBeGreaterThan(0);
  });

  test('the SARIF Multitool (rule kinds Gh;Sarif) reports no error and no warning on the demo fleet', async () => {
    const { file } = await sarifOf('fixtures/demo-fleet');
    const issues = multitoolIssues(file).filter((i) => i.level === 'error' || i.level === 'warning');
    expect(issues).toEqual([]);
  });

  test('a report with a parse error is valid too and names the parse-error rule', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-sarif-tree-'));
    fs.writeFileSync(path.join(dir, 'broken.nix'), '{ a = ; }\n');
    fs.writeFileSync(path.join(dir, 'ok.nix'), '{ services.openssh.settings.PermitRootLogin = "yes"; }\n');
    const out = path.join(dir, 'out.sarif');
    await runCli(['check', '.', '--format', 'sarif', '-o', out], dir);
    const log = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(schemaErrors(log)).toEqual([]);
    expect(multitoolIssues(out).filter((i) => i.level === 'error' || i.level === 'warning')).toEqual([]);
    expect(log.runs[0].results.map((r: any) => r.ruleId).sort()).toEqual(['NIX-SSH-001', 'parse-error']);
  });

  test('results carry relative URIs under %SRCROOT%, exact regions in UTF-16 columns, and rule metadata', async () => {
    const { log } = await sarifOf('fixtures/demo-fleet');
    const run = log.runs[0];
    expect(run.columnKind).toBe('utf16CodeUnits');
    const bastion = run.results.find((r: any) => r.locations[0].physicalLocation.artifactLocation.uri.includes('bastion'));
    expect(bastion.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'fixtures/demo-fleet/hosts/bastion/configuration.nix', uriBaseId: '%SRCROOT%' },
      region: { startLine: 21, startColumn: 3, endLine: 21, endColumn: 64 },
    });
    const rule = run.tool.driver.rules[bastion.ruleIndex];
    expect(rule.id).toBe('NIX-SSH-001');
    expect(rule.properties['security-severity']).toBe('8.0');
    expect(rule.help.markdown).toContain('| NIS2 | 21(2)(i), 21(2)(j) |');
  });
});
