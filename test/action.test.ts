import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { BIN, makeTree, ROOT } from './support/cli';
import { releaseTree } from './support/release';

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

/** A step's env with `${{ inputs.x }}` and `${{ steps.x.outputs.y }}` replaced by the given inputs (or their defaults) and step outputs. */
function stepEnv(s: Step, inputs: Record<string, string>, outputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(s.env ?? {}).map(([k, v]) => [
      k,
      v
        .replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, name: string) => inputs[name] ?? action.inputs[name].default ?? '')
        .replace(/\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}/g, (_, id: string, name: string) => outputs[`${id}.${name}`] ?? ''),
    ]),
  );
}

/** Runs a step's shell the way a runner runs a composite action's step; `bin` stands for the install step's output. */
function runStep(s: Step, inputs: Record<string, string>, cwd: string, outputFile: string, outputs: Record<string, string> = { 'install.bin': BIN }, actionPath = ROOT) {
  return spawnSync('bash', ['-e', '-c', s.run!], {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      ...stepEnv(s, inputs, outputs),
      GITHUB_ACTION_PATH: actionPath,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: path.join(path.dirname(outputFile), 'summary.md'),
      RUNNER_TEMP: path.dirname(outputFile),
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
    },
  });
}

/** `name=value` lines of a GITHUB_OUTPUT file. */
function readOutputs(file: string, id: string): Record<string, string> {
  return Object.fromEntries(fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => [`${id}.${l.slice(0, l.indexOf('='))}`, l.slice(l.indexOf('=') + 1)]));
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
    expect(upload.with).toEqual({ sarif_file: '${{ steps.check.outputs.sarif-file }}', category: '${{ inputs.category }}' });
    // Every shell step declares its shell, as composite actions require.
    for (const s of action.runs.steps.filter((x) => x.run)) expect((s as { shell?: string }).shell).toBe('bash');
  });

  test('to the conventions of published actions: pinned by commit SHA with the version beside it, inputs through env only, the caller\'s Node left alone', () => {
    const text = fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
    const uses = [...text.matchAll(/^\s*(?:- )?uses: (\S+)(.*)$/gm)].map((m) => ({ ref: m[1], comment: m[2].trim() }));
    expect(uses.map((u) => u.ref.split('@')[0])).toEqual(['actions/setup-node', 'actions/cache', 'github/codeql-action/upload-sarif']);
    for (const u of uses) expect(u).toEqual({ ref: expect.stringMatching(/@[0-9a-f]{40}$/), comment: expect.stringMatching(/^# v\d+\.\d+\.\d+$/) });
    expect(uses[2].comment).toMatch(/^# v4\./);
    // No expression inside a script: a run block reads inputs from env only.
    for (const s of action.runs.steps.filter((x) => x.run)) expect({ step: s.name, run: s.run }).toEqual({ step: s.name, run: expect.not.stringContaining('${{') });
    expect(action.runs.steps.find((s) => s.uses?.startsWith('actions/setup-node@'))!.if).toBe("${{ inputs.node-version != '' }}");
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(['version', 'config', 'args', 'working-directory', 'node-version']));
    expect(Object.keys(action.outputs)).toEqual(expect.arrayContaining(['errors', 'warnings', 'notes', 'exit-code']));
    // Nothing is uploaded or reported after a failed step (a failed install included).
    for (const name of ['Upload SARIF to code scanning', 'Compliance evidence report']) expect(step(name).if).toMatch(/^\$\{\{ success\(\) && /);
  });

  test('installs the packed package of the release tree for real (runtime dependencies only), then checks with it', () => {
    const release = releaseTree();
    const dir = makeTree({});
    const prepared = runStep(step('Prepare the install'), {}, dir, path.join(dir, 'prepare'), {}, release.tree);
    expect(prepared.stderr).toBe('');
    const prepare = readOutputs(path.join(dir, 'prepare'), 'prepare');
    expect(prepare['prepare.spec']).toBe(release.tarball.replace(path.dirname(release.tarball), release.tree));
    expect(prepare['prepare.cache-key']).toMatch(/^declint-npm-Linux-X64-node\d+-[0-9a-f]{16}$/);
    const installed = runStep(step('Install declint'), {}, dir, path.join(dir, 'install'), prepare, release.tree);
    expect(installed.status).toBe(0);
    const install = readOutputs(path.join(dir, 'install'), 'install');
    expect(install['install.bin']).toBe(path.join(dir, 'declint', 'node_modules', 'declint', 'bin', 'declint.js'));
    const modules = fs.readdirSync(path.join(dir, 'declint', 'node_modules'));
    expect(modules.filter((m) => ['typescript', 'jest', '@microsoft', 'prebuildify'].includes(m))).toEqual([]);
    const checked = runStep(step('Check'), { paths: 'fixtures/demo-fleet', 'sarif-file': path.join(dir, 'out.sarif') }, ROOT, path.join(dir, 'check'), install, release.tree);
    expect(checked.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'check'), 'utf8')).toBe(`sarif-file=${path.join(dir, 'out.sarif')}\nexit-code=1\nerrors=5\nwarnings=4\nnotes=11\n`);
  }, 1_200_000);

  test('its check step writes SARIF and annotations, records the exit code, and leaves failing to the last step', () => {
    const dir = makeTree({});
    const outputs = path.join(dir, 'outputs');
    const sarif = path.join(dir, 'out.sarif');
    const run = runStep(step('Check'), { paths: 'fixtures/demo-fleet', category: 'fleet', 'sarif-file': sarif }, ROOT, outputs);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(fs.readFileSync(outputs, 'utf8')).toBe(`sarif-file=${sarif}\nexit-code=1\nerrors=5\nwarnings=4\nnotes=11\n`);
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
