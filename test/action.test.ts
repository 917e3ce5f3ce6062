import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { makeTree, ROOT } from './support/cli';

/**
 * action.yml cannot run here (no GitHub runner), so the test runs what it can
 * for real: the shell of each of its steps, with the environment a runner
 * gives a composite action, and checks that every expression names an input
 * or a step output that exists.
 */
interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
  if?: string;
}

const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
};
const step = (name: string) => action.runs.steps.find((s) => s.name === name)!;

/** A step's env with `${{ inputs.x }}` replaced by the given inputs (or their defaults). */
function stepEnv(s: Step, inputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(s.env ?? {}).map(([k, v]) => [k, v.replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, name: string) => inputs[name] ?? action.inputs[name].default ?? '')]),
  );
}

function runStep(s: Step, inputs: Record<string, string>, cwd: string, outputFile: string) {
  return spawnSync('bash', ['-e', '-c', s.run!], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...stepEnv(s, inputs), GITHUB_ACTION_PATH: ROOT, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: path.join(path.dirname(outputFile), 'summary.md') },
  });
}

describe('the GitHub Action (action.yml)', () => {
  test('is a composite action whose expressions name existing inputs and step outputs, and uploads with codeql-action', () => {
    expect(action.runs.using).toBe('composite');
    const text = fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
    for (const [, name] of text.matchAll(/inputs\.([\w-]+)/g)) expect(Object.keys(action.inputs)).toContain(name);
    const ids = new Set(action.runs.steps.map((s) => s.id).filter(Boolean));
    for (const [, id] of text.matchAll(/steps\.([\w-]+)\.outputs/g)) expect(ids).toContain(id);
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(['paths', 'frameworks', 'category', 'fail-on']));
    const upload = action.runs.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'))!;
    expect(upload.with).toEqual({ sarif_file: '${{ inputs.sarif-file }}', category: '${{ inputs.category }}' });
    // Every shell step declares its shell, as composite actions require.
    for (const s of action.runs.steps.filter((x) => x.run)) expect((s as { shell?: string }).shell).toBe('bash');
  });

  test('its check step writes SARIF and annotations, records the exit code, and leaves failing to the last step', () => {
    const dir = makeTree({});
    const outputs = path.join(dir, 'outputs');
    const sarif = path.join(dir, 'out.sarif');
    const run = runStep(step('Check'), { paths: 'fixtures/demo-fleet', category: 'fleet', 'sarif-file': sarif }, ROOT, outputs);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(fs.readFileSync(outputs, 'utf8')).toBe(`sarif-file=${sarif}\nexit-code=1\n`);
    const log = JSON.parse(fs.readFileSync(sarif, 'utf8'));
    expect(log.runs[0].automationDetails.id).toBe('fleet/');
    expect(log.runs[0].results.length).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/^::error file=fixtures\/demo-fleet\/hosts\/db-01\/configuration\.nix,line=49,/m);
    expect(fs.readFileSync(path.join(dir, 'summary.md'), 'utf8')).toContain('| error | `NIX-FW-001` Host firewall disabled | `fixtures/demo-fleet/hosts/db-01/configuration.nix:49` |');
  });

  test('a configuration error fails the check step at once (exit 2); the report step writes the evidence report', () => {
    const dir = makeTree({});
    const bad = runStep(step('Check'), { paths: 'fixtures/demo-fleet', 'fail-on': 'sometimes', 'sarif-file': path.join(dir, 'x.sarif') }, ROOT, path.join(dir, 'o1'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--fail-on must be one of error, warning, note, never');

    const report = path.join(dir, 'evidence.html');
    const run = runStep(step('Compliance evidence report'), { paths: 'fixtures/demo-fleet', frameworks: 'nis2', report }, ROOT, path.join(dir, 'o2'));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const html = fs.readFileSync(report, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('NIS2 Directive');
    expect(html).not.toContain('ISO/IEC 27001:2022 Annex A</option>');
  });
});
