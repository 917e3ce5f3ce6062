import * as fs from 'fs';
import * as path from 'path';
import type { CoverageEntry } from '../src/coverage/coverage';
import type { Finding } from '../src/findings/finding';
import { runCheck } from '../src/pipeline/check';
import type { CheckResult } from '../src/report/result';
import { loadRuleSet } from '../src/rules/builtin';
import { expectationsInText } from '../src/rules/rule-tests';
import { ROOT, runCli } from './support/cli';

/**
 * Talos nodes declared through Omni cluster templates, Cluster API
 * manifests, the Terraform talos provider and templated YAML
 * (fixtures/talos-nodes): each node's name and how it was found, the
 * findings at the patch lines that set the values (every one written as
 * `# expect:` in the fixtures, and nothing else), what was not read, and
 * the files that produced no node.
 */
const FIXTURES = path.join(ROOT, 'fixtures/talos-nodes');
/** Rules whose bad values the fixtures write; the node defaults other rules judge are not these tests' subject. */
const RULES = ['TAL-001', 'TAL-008', 'TAL-011', 'TAL-013', 'TAL-023', 'TAL-026'];

async function check(dir: string): Promise<CheckResult> {
  const rules = (await loadRuleSet([], ROOT)).filter((r) => RULES.includes(r.id));
  return runCheck({ paths: ['.'], base: path.join(FIXTURES, dir), ignore: [], ruleDirs: [], now: new Date('2026-06-01T00:00:00Z'), rules, jobs: 1 });
}

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** `file:line RULE severity` of every finding, and of every `# expect:` annotation in the fixture. */
function compare(dir: string, result: CheckResult) {
  const base = path.join(FIXTURES, dir);
  const expected = files(base).flatMap((f) => expectationsInText(path.relative(base, f), fs.readFileSync(f, 'utf8')).map((e) => `${e.file}:${e.line} ${e.rule} ${e.severity}`));
  const actual = result.findings.map((f) => `${f.location.file}:${f.location.range.start.line} ${f.ruleId} ${f.severity}`);
  return { actual: [...new Set(actual)].sort(), expected: expected.sort() };
}

const entry = (result: CheckResult, name: string): CoverageEntry | undefined => result.coverage?.entries.find((e) => e.name === name);
const hostsOf = (result: CheckResult, rule: string): string[] | undefined => result.findings.find((f: Finding) => f.ruleId === rule)?.hosts;

describe('Omni cluster templates', () => {
  let result: CheckResult;
  beforeAll(async () => {
    result = await check('omni');
  });

  test('each machine set and each named machine is a node; findings are at the patch lines, for every node the patch reaches', () => {
    const { actual, expected } = compare('omni', result);
    expect(actual).toEqual(expected);
    // A cluster patch (inline, or from a file) reaches every node; a machine set's, its set and machines; a machine's, that machine.
    const machine = '430d882a-51a8-48b3-ae00-90c5b0b5b0b0';
    expect(hostsOf(result, 'TAL-011')).toEqual([machine, 'lab-control-planes', 'lab-gpu']);
    expect(hostsOf(result, 'TAL-023')).toEqual([machine, 'lab-control-planes', 'lab-gpu']);
    expect(hostsOf(result, 'TAL-013')).toEqual([machine, 'lab-control-planes']);
    expect(hostsOf(result, 'TAL-008')).toEqual(['lab-gpu']);
    expect(hostsOf(result, 'TAL-026')).toEqual([machine]);
  });

  test('coverage names each node by how Omni names it, with the construct; a missing patch file makes its set partly read', () => {
    const talos = result.coverage!.entries.map((e) => [e.name, e.status, e.construct]);
    expect(talos).toEqual([
      ['lab-control-planes', 'evaluated', 'Omni ControlPlane of cluster lab at cluster-template.yaml:18'],
      ['lab-gpu', 'partial', 'Omni Workers "gpu" of cluster lab (machine class gpu-nodes, size 2) at cluster-template.yaml:26'],
      ['430d882a-51a8-48b3-ae00-90c5b0b5b0b0', 'evaluated', 'Omni Machine in lab-control-planes at cluster-template.yaml:40'],
    ]);
    expect(entry(result, 'lab-gpu')!.reasons).toEqual([
      {
        message: 'the patch file nvidia.yaml is not read: it does not exist (a patch of the machine set lab-gpu; omnictl reads it relative to where it runs, declint next to the template)',
        site: { file: 'cluster-template.yaml', line: 37, column: 5 },
      },
    ]);
    // The patch files are the nodes' (no "no node" for them); the inline manifest's own {{ }} is content, not a template.
    expect(result.coverage!.unread).toEqual([]);
  });

  test('the version comes from the template: the generated base is v1.11 (RBAC on), and version-gated findings say so', async () => {
    const all = await runCheck({ paths: ['.'], base: path.join(FIXTURES, 'omni'), ignore: [], ruleDirs: [], now: new Date('2026-06-01T00:00:00Z'), jobs: 1 });
    expect(all.findings.some((f) => f.ruleId === 'TAL-003')).toBe(false);
    const firewall = all.findings.find((f) => f.ruleId === 'TAL-019' && f.hosts?.includes('lab-gpu'));
    expect(firewall?.message).toContain('Talos v1.11.3 by talos.version in cluster-template.yaml');
  });
});

describe('Cluster API', () => {
  let result: CheckResult;
  beforeAll(async () => {
    result = await check('capi');
  });

  test('the control plane and each MachineDeployment of a TalosConfigTemplate are nodes; JSON 6902 and strategic patches land at their lines', () => {
    const { actual, expected } = compare('capi', result);
    expect(actual).toEqual(expected);
    expect(hostsOf(result, 'TAL-026')).toEqual(['lab-md-0', 'lab-md-gpu']);
    expect(hostsOf(result, 'TAL-013')).toEqual(['lab-cp']);
  });

  test('a clusterctl variable is unknown: the installer image is not judged, and a generateType variable leaves its node unresolved', () => {
    expect(result.coverage!.entries.map((e) => [e.name, e.status])).toEqual([
      ['lab-cp', 'partial'],
      ['lab-md-0', 'evaluated'],
      ['lab-md-gpu', 'evaluated'],
      ['lab-edge', 'unresolved'],
    ]);
    expect(entry(result, 'lab-cp')!.reasons.map((r) => `${r.site?.line}: ${r.message}`)).toEqual([
      '29: machine.install.image is set by a template expression or a reference declint does not resolve; not judged',
    ]);
    expect(entry(result, 'lab-md-gpu')!.construct).toBe('Cluster API MachineDeployment at gpu-deployment.yaml:2 with TalosConfigTemplate lab-workers at workers.yaml:2');
    expect(entry(result, 'lab-edge')!.reasons[0].message).toBe('generateType is a clusterctl variable, so the role of the config is not known');
  });
});

describe('the Terraform talos provider', () => {
  let result: CheckResult;
  beforeAll(async () => {
    result = await check('terraform');
  });

  test('each apply resource is a node with its data source: file, yamlencode, heredoc and templatefile patches land at their lines', () => {
    const { actual, expected } = compare('terraform', result);
    expect(actual).toEqual(expected);
    expect(hostsOf(result, 'TAL-011')).toEqual(['talos_machine_configuration_apply.controlplane']);
    expect(hostsOf(result, 'TAL-026')).toEqual(['talos_machine_configuration_apply.worker']);
    // Columns too: the yamlencode key inside the .tf file, the heredoc line shifted by its indentation.
    const at = (rule: string) => result.findings.filter((f) => f.ruleId === rule).map((f) => `${f.location.file}:${f.location.range.start.line}:${f.location.range.start.column}`);
    expect(at('TAL-011')).toEqual(['main.tf:15:13']);
    expect(at('TAL-023')).toEqual(['main.tf:33:11']);
    expect(at('TAL-026')).toEqual(['main.tf:56:47']);
  });

  test('what does not fold is reported, not guessed: a variable without a default, template variables, a role set by the caller', () => {
    expect(result.coverage!.entries.map((e) => [e.name, e.status])).toEqual([
      ['talos_machine_configuration_apply.controlplane', 'partial'],
      ['talos_machine_configuration_apply.worker', 'evaluated'],
      ['data.talos_machine_configuration.edge', 'unresolved'],
    ]);
    expect(entry(result, 'talos_machine_configuration_apply.controlplane')!.reasons.map((r) => `${r.site?.file}:${r.site?.line}: ${r.message}`)).toEqual([
      "main.tf:48: config_patches[1] of talos_machine_configuration_apply.controlplane: var.extra_patch has no default (the module's caller sets it), not read",
      'templates/node.yaml.tmpl:3: machine.install.disk is set by a template expression or a reference declint does not resolve; not judged',
      'templates/node.yaml.tmpl:6: machine.network.hostname is set by a template expression or a reference declint does not resolve; not judged',
      'templates/node.yaml.tmpl:9: machine.nodeLabels.role is set by a template expression or a reference declint does not resolve; not judged',
    ]);
    expect(entry(result, 'data.talos_machine_configuration.edge')!.reasons[0].message).toBe(
      "machine_type: var.edge_role has no default (the module's caller sets it), so the role of the config is not known",
    );
    // talos_version = var.talos_version folds to the variable's default.
    expect(result.findings.find((f) => f.ruleId === 'TAL-001')?.message).toContain('"ghcr.io/siderolabs/installer:latest"');
  });

  test('a Terraform file that does not parse is listed with its place', async () => {
    const broken = await check('terraform-broken');
    expect(broken.coverage).toEqual({
      entries: [],
      unread: [{ kind: 'talos-node', file: 'main.tf', site: { file: 'main.tf', line: 6, column: 1 }, reason: expect.stringMatching(/^the Terraform file does not parse as HCL: /), checkedAlone: false }],
    });
  });
});

describe('templated Talos YAML', () => {
  let result: CheckResult;
  beforeAll(async () => {
    result = await check('templated');
  });

  test('the YAML around Jinja and Go-template expressions is read; values inside them are never findings, nor is what they may set', () => {
    const { actual, expected } = compare('templated', result);
    // No TAL-001 on the templated installer tag, no TAL-026 on `debug: {{ … }}`, no TAL-008 for a kubelet the template writes.
    expect(actual).toEqual(expected);
  });

  test('the templated machine config is a node, partly read; the unreadable template and the lone patch produced none, with why', () => {
    expect(result.coverage!.entries).toEqual([
      {
        kind: 'talos-node',
        name: 'controlplane.yaml.j2',
        status: 'partial',
        construct: 'machine config file controlplane.yaml.j2',
        site: { file: 'controlplane.yaml.j2', line: 2, column: 1 },
        reasons: [{ message: '9 template expressions are read as unknown values, which are not judged' }],
      },
    ]);
    expect(result.coverage!.unread.map((u) => [u.file, u.site?.line, u.checkedAlone, u.reason])).toEqual([
      ['nodes.yaml.j2', 9, false, 'a templated file whose YAML cannot be read around its template expressions (A block sequence may not be used as an implicit map key)'],
      ['worker-patch.yaml.tpl', undefined, true, 'a strategic-merge patch that no node in the scan applies; checked on its own, for what it sets'],
    ]);
    // Valid for its template engine: no parse-error finding.
    expect(result.findings.some((f) => f.ruleId === 'parse-error')).toBe(false);
  });
});

describe('the coverage line and --require-hosts', () => {
  test('check ends with the coverage lines: counts, then each node not resolved and each source not read, at its file and line', async () => {
    const run = await runCli(['check', '.', '--fail-on', 'never'], path.join(FIXTURES, 'capi'));
    expect(run.code).toBe(0);
    const tail = run.stdout.slice(run.stdout.indexOf('Coverage:')).split('\n');
    expect(tail).toEqual([
      'Coverage: 3 Talos nodes checked (1 partly read); 1 declared but not resolved.',
      '  not resolved  workers.yaml:31:1  Talos node lab-edge: generateType is a clusterctl variable, so the role of the config is not known',
      '  partly read   controlplane.yaml:3:1  Talos node lab-cp: machine.install.image is set by a template expression or a reference declint does not resolve; not judged',
      '',
    ]);
  });

  test('--require-hosts exits 1 on a node not resolved or a source not read, 0 when every node was built', async () => {
    const flags = ['check', '.', '--fail-on', 'never', '--require-hosts'];
    expect((await runCli(flags, path.join(FIXTURES, 'capi'))).code).toBe(1);
    expect((await runCli(flags, path.join(FIXTURES, 'terraform-broken'))).code).toBe(1);
    // lab-gpu is partly read (a patch file is missing): a node built and checked is not a gap.
    expect((await runCli(flags, path.join(FIXTURES, 'omni'))).code).toBe(0);
    expect((await runCli(['check', '.', '--fail-on', 'never'], path.join(FIXTURES, 'capi'))).code).toBe(0);
  });
});
