import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { EvidenceReport } from '../src/compliance/evidence-report';
import { checkMention, findControlMentions } from '../src/compliance/control-mentions';
import { loadFrameworks, loadIso2013Mapping } from '../src/controls/registry';
import { STATUS_LABELS, SUBJECT_KIND_LABELS } from '../src/report/evidence-labels';
import { makeTree, ROOT, runCli, spawnCli, TEST_NOW } from './support/cli';
import { APP, FLAKE, sshModule } from './support/small-fleet';

const DEMO = 'fixtures/demo-fleet';

async function reportOf(args: string[], cwd = ROOT): Promise<string> {
  const run = await runCli(['report', ...args], cwd);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run.stdout;
}

async function jsonReport(args: string[], cwd = ROOT): Promise<EvidenceReport> {
  return JSON.parse(await reportOf([...args, '--format', 'json'], cwd)) as EvidenceReport;
}

const control = (report: EvidenceReport, framework: string, id: string) => report.frameworks.find((f) => f.key === framework)!.controls.find((c) => c.id === id)!;

describe('control IDs written by people', () => {
  const index = { frameworks: loadFrameworks(), iso2013: loadIso2013Mapping() };
  const judge = (text: string) => findControlMentions(text).map((m) => checkMention(m, index)).map((m) => `${m.framework} ${m.id} ${m.status}${m.replacement ? ` ${m.replacement.join('+')}` : ''}`);

  test('are found after the framework name, several after one name, and normalised', () => {
    expect(judge('# ISO/IEC 27001:2022 A.8.15, A.8.16 and 8.20')).toEqual(['iso27001 A.8.15 valid', 'iso27001 A.8.16 valid', 'iso27001 A.8.20 valid']);
    expect(judge('# NIS2 Art. 21 (2)(d) / SOC2 CC6.1')).toEqual(['nis2 21(2)(d) valid', 'soc2 CC6.1 valid']);
    expect(judge('ANSSI BP-028 R33; DORA Article 9(4)(d)')).toEqual(['anssi R33 valid', 'dora 9(4)(d) valid']);
    expect(judge('# see the ISO 27001 audit plan')).toEqual([]);
  });

  test('in the ISO/IEC 27001:2013 numbering are superseded, with the 2022 equivalent of ISO/IEC 27002:2022 Annex B', () => {
    expect(judge('# ISO 27001 A.12.4.1 - Event Logging')).toEqual(['iso27001 A.12.4.1 superseded A.8.15']);
    expect(judge('# ISO 27001 A.18.2.3')).toEqual(['iso27001 A.18.2.3 superseded A.5.36+A.8.8']);
    expect(loadIso2013Mapping()).toEqual(expect.objectContaining({ 'A.9.4.2': ['A.8.5'], 'A.10.1.1': ['A.8.24'] }));
    expect(Object.keys(loadIso2013Mapping())).toHaveLength(114);
  });

  test('that do not exist are unknown; outside a partial registry they are unverified, not called wrong', () => {
    expect(judge('ISO 27001 A.8.35, NIS2 21(2)(k), SOC 2 CC6.9')).toEqual(['iso27001 A.8.35 unknown', 'nis2 21(2)(k) unknown', 'soc2 CC6.9 unknown']);
    expect(judge('NIS2 Art. 23, SOC 2 A1.3, CIS 9.9.9')).toEqual(['nis2 23 unverified', 'soc2 A1.3 unverified', 'cis 9.9.9 unverified']);
  });
});

describe('declint report on the demo fleet', () => {
  let report: EvidenceReport;
  beforeAll(async () => {
    report = await jsonReport([DEMO, '--framework', 'nis2,iso27001']);
  });

  test('follows its published schema (schemas/evidence-report.schema.json)', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const schema = (name: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', name), 'utf8'));
    const validate = ajv.addSchema(schema('coverage.schema.json')).compile(schema('evidence-report.schema.json'));
    expect(validate(report) ? [] : validate.errors).toEqual([]);
  });

  test('per control: a failing host with its finding, passing hosts with the line that defines the value, and not-applicable with why', () => {
    const c = control(report, 'nis2', '21(2)(a)');
    expect(c.status).toBe('fail');
    const fw001 = c.results.filter((r) => r.rule === 'NIX-FW-001');
    expect(fw001.map((r) => [r.subject, r.status])).toEqual([['bastion', 'pass'], ['db-01', 'fail'], ['web-01', 'pass']]);
    const db = fw001.find((r) => r.subject === 'db-01')!;
    expect(db.evidence).toMatchObject({ file: `${DEMO}/hosts/db-01/configuration.nix`, line: 49, column: 3 });
    expect(db.finding).toMatchObject({ severity: 'error' });
    // A default is evidence too: the host root says where the value comes from.
    expect(fw001[0].reason).toBe('networking.firewall.enable is not set; the default is true');
    // NIX-FW-002 reads several options (TCP, UDP, ranges, per interface): one result each; this is the TCP list's.
    const ports = c.results.find((r) => r.rule === 'NIX-FW-002' && r.subject === 'web-01' && r.reason.startsWith('networking.firewall.allowedTCPPorts '))!;
    expect(ports).toMatchObject({ status: 'pass', reason: 'networking.firewall.allowedTCPPorts = [80,443]', evidence: { file: `${DEMO}/hosts/web-01/configuration.nix`, line: 32 } });
    expect(c.results.find((r) => r.rule === 'NIX-FW-002' && r.subject === 'db-01')).toMatchObject({ status: 'not-applicable', reason: 'networking.firewall.enable = false' });
  });

  test('a condition on an option the host never sets reads the NixOS default', () => {
    // web-01 does not enable auditd, so the hardening module's `mkIf config.security.auditd.enable` (default false) sets no failure mode.
    const r = control(report, 'nis2', '21(2)(b)').results.find((x) => x.rule === 'NIX-LOG-003' && x.subject === 'web-01')!;
    expect(r).toMatchObject({ status: 'pass', reason: 'security.audit.failureMode is not set; the default is "printk"' });
  });

  test('a value declint cannot resolve is "not evaluated", never a pass or a fail', async () => {
    const dir = makeTree({ 'flake.nix': FLAKE, 'app.nix': APP, 'ssh.nix': sshModule('if pkgs.stdenv.isLinux then "no" else "yes"') });
    const r = control(await jsonReport(['.', '--framework', 'nis2'], dir), 'nis2', '21(2)(i)').results.find((x) => x.rule === 'NIX-SSH-001' && x.subject === 'app')!;
    expect(r.status).toBe('not-evaluated');
    expect(r.reason).toMatch(/could not be resolved statically/);
  });

  test('Talos nodes and flake.lock files are subjects; controls no rule covers are listed as not statically verifiable', () => {
    const supply = control(report, 'nis2', '21(2)(d)');
    expect(supply.results.filter((r) => r.rule === 'TAL-001').map((r) => [r.subject, r.status])).toEqual([
      [`${DEMO}/talos/controlplane.yaml`, 'fail'],
      [`${DEMO}/talos/worker.yaml`, 'pass'],
      [`${DEMO}/talos/patches/gpu-worker.yaml`, 'fail'],
    ]);
    expect(supply.results.find((r) => r.rule === 'FLK-012')).toMatchObject({ subject: `${DEMO}/flake.lock`, subjectKind: 'flake-lock', status: 'fail' });
    const nis2 = report.frameworks.find((f) => f.key === 'nis2')!;
    const uncovered = nis2.controls.filter((c) => c.status === 'not-covered').map((c) => c.id);
    expect(uncovered.length).toBe(nis2.summary.byStatus['not-covered']);
    expect(uncovered).toContain('21(2)(g)');
    expect(nis2.summary.covered + uncovered.length).toBe(10);
    const iso = report.frameworks.find((f) => f.key === 'iso27001')!;
    expect(iso.summary.controls).toBe(93);
    expect(iso.controls.find((c) => c.id === 'A.7.4')!.status).toBe('not-covered');
  });

  test('inventory: hosts, Talos nodes with their version, pinned inputs with revision and date', () => {
    expect(report.inventory.hosts.map((h) => h.name)).toEqual(['bastion', 'db-01', 'web-01']);
    expect(report.inventory.hosts[0].unreadModules).toContain('inputs.sops-nix.nixosModules.sops');
    const web = report.inventory.hosts.find((h) => h.name === 'web-01')!;
    expect(web.ports[0]).toEqual({ scope: 'all interfaces', protocol: 'tcp', ports: [80, 443] });
    expect(web.services).toEqual(expect.arrayContaining(['nginx', 'openssh']));
    expect(report.inventory.talosNodes[0].installImage).toMatch(/^factory\.talos\.dev\/installer\//);
    expect(report.inventory.talosNodes.map((n) => [n.file, n.type, n.talosVersion])).toEqual([
      [`${DEMO}/talos/controlplane.yaml`, 'controlplane', 'v1.13.9'],
      [`${DEMO}/talos/worker.yaml`, 'worker', 'v1.13.9'],
    ]);
    const nixpkgs = report.inventory.inputs.find((i) => i.name === 'nixpkgs')!;
    expect(nixpkgs).toMatchObject({ type: 'github', source: 'NixOS/nixpkgs', lockFile: `${DEMO}/flake.lock` });
    expect(nixpkgs.rev).toMatch(/^[0-9a-f]{40}$/);
    expect(nixpkgs.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  test('control annotations are declared evidence under their control; 2013 numbering and unknown IDs are flagged', () => {
    const logging = control(report, 'iso27001', 'A.8.15');
    expect(logging.annotations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: `${DEMO}/modules/hardening/audit.nix`, line: 7, writtenAs2013: 'A.12.4.1', setting: 'enable = true;' }),
        expect.objectContaining({ file: `${DEMO}/modules/ssh.nix`, line: 15, setting: 'LogLevel = "VERBOSE";' }),
      ]),
    );
    expect(control(report, 'nis2', '21(2)(b)').annotations.map((a) => `${a.file}:${a.line}`)).toEqual([`${DEMO}/modules/ssh.nix:15`, `${DEMO}/talos/controlplane.yaml:36`]);
    expect(report.annotationProblems.map((p) => [p.file, p.line, p.status, p.replacement ?? null])).toEqual([
      [`${DEMO}/modules/hardening/audit.nix`, 7, 'superseded', ['A.8.15']],
      [`${DEMO}/modules/ssh.nix`, 26, 'unknown', null],
    ]);
  });

  test('the Markdown form is summary first: the status of every control, failing results in full, the rest one line per rule and outcome', async () => {
    const md = await reportOf([DEMO, '--framework', 'nis2,iso27001', '--format', 'md']);
    const order = ['## Document control', '## Sign-off', '## Summary', '## Failing and excepted results', '## Other results, one line per rule and outcome', '## Not statically verifiable', '## Configuration in force', '## Inventory', '## Commits referenced', '## Control annotations to review', '## Limitations'];
    expect(order.map((h) => md.indexOf(`${h}`))).toEqual([...order.map((h) => md.indexOf(`${h}`))].sort((x, y) => x - y));
    for (const f of report.frameworks) {
      for (const c of f.controls.filter((x) => x.status !== 'not-covered')) expect(md).toContain(`| ${c.id} | ${c.title} | ${STATUS_LABELS[c.status]} |`);
      expect(md).toContain(`- **${f.title}** (${f.summary.byStatus['not-covered']}): `);
    }
    // A failing result once, in full, with every control it bears on.
    expect(md).toMatch(/\| NIX-FW-001 Host firewall disabled \| db-01 \| fail \| fixtures\/demo-fleet\/hosts\/db-01\/configuration.nix:49:3 \| The host firewall is off .* \| NIS2 21\(2\)\(a\), NIS2 21\(2\)\(e\), ISO 27001 A.8.20, ISO 27001 A.8.22 \|/);
    // Passes collapsed: the hosts with the same result on one line.
    expect(md).toContain('| NIX-FW-001 | pass | bastion, web-01 | networking.firewall.enable is not set; the default is true |');
    const fw001 = md.split('\n').filter((l) => l.startsWith('| NIX-FW-001'));
    expect(fw001).toHaveLength(2);
    expect(md).toContain('A.12.4.1 is ISO/IEC 27001:2013 numbering, superseded by ISO/IEC 27001:2022; its 2022 equivalent is A.8.15');
    for (const i of report.inventory.inputs) expect(md).toContain(`| ${i.name} | ${i.type} |`);
    // An unread module with its reason, not a cut-off fragment.
    expect(md).toContain('`inputs.sops-nix.nixosModules.sops` (inputs.sops-nix is another flake, which declint does not fetch; imported by fixtures/demo-fleet/modules/common.nix)');
  });

  test('is deterministic: the same tree gives the same output in every form, but for the generation date (the pipeline\'s reference date)', async () => {
    const stamp = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/g;
    for (const format of ['md', 'html', 'json', 'csv', 'cyclonedx']) {
      const a = await reportOf([DEMO, '--framework', 'nis2', '--format', format]);
      const b = await reportOf([DEMO, '--framework', 'nis2', '--format', format]);
      expect(a.replace(stamp, 'T')).toBe(b.replace(stamp, 'T'));
    }
    const json = await jsonReport([DEMO, '--framework', 'nis2']);
    expect(json.generatedAt).toBe(TEST_NOW.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect(json.document.ruleSetHash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a talhelper node is a subject named by its hostname, its evidence in the patch that sets the value', async () => {
    const fixture = 'fixtures/rules/TAL-008/bad-talhelper-node-file-patch';
    const r = await jsonReport([fixture, '--framework', 'iso27001']);
    const seccomp = control(r, 'iso27001', 'A.8.9').results.filter((x) => x.rule === 'TAL-008');
    expect(seccomp.map((x) => [x.subject, x.subjectKind, x.status])).toEqual([['cp-1', 'talos-node', 'pass'], ['gpu-1', 'talos-node', 'fail']]);
    expect(seccomp[0].reason).toMatch(/^machine\.kubelet\.defaultRuntimeSeccompProfileEnabled = true \(.*talhelper.*\)$/);
    expect(seccomp[1].evidence).toMatchObject({ file: `${fixture}/patches/gpu-runtime.yaml`, line: 3, column: 5 });
    expect(r.inventory.talosNodes.map((n) => [n.name, n.type, n.talosVersion])).toEqual([['cp-1', 'controlplane', 'v1.12.2'], ['gpu-1', 'worker', 'v1.12.2']]);
  });

  test('usage errors exit 2 with one line', async () => {
    const bad = await runCli(['report', DEMO, '--framework', 'pci']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('declint: --framework pci: unknown framework (one of anssi, cis, cis-k8s, dora, iso27001, nis2, soc2, stig)\n');
    const format = await runCli(['report', DEMO, '--format', 'pdf']);
    expect(format).toMatchObject({ code: 2, stderr: 'declint: --format must be one of md, html, json, csv, cyclonedx (got "pdf")\n' });
    expect(await runCli(['report', DEMO, '--since', '2026-02-30'])).toMatchObject({ code: 2, stderr: 'declint: --since must be a date, YYYY-MM-DD (got "2026-02-30")\n' });
    expect(await runCli(['report', DEMO, '--since', '2026-05-01', '--until', '2026-04-01'])).toMatchObject({ code: 2, stderr: 'declint: --since 2026-05-01 is after --until 2026-04-01\n' });
  });
});

const SSH = sshModule('"yes"', ['  services.openssh.settings.PasswordAuthentication = false; # SOC 2 CC6.1']);

function git(dir: string, args: string[], env: Record<string, string> = {}) {
  const run = spawnSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', ...env },
  });
  if (run.status !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.trim();
}

function commitAll(dir: string, message: string, author: string, date: string) {
  git(dir, ['add', '-A']);
  git(dir, ['-c', `user.name=${author}`, '-c', 'user.email=dev@example.org', 'commit', '-q', '-m', message], { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
  return git(dir, ['rev-parse', 'HEAD']);
}

const hasGit = spawnSync('git', ['--version']).status === 0;
const withGit = hasGit ? describe : describe.skip;
if (!hasGit) console.warn('git is not installed: the change-evidence tests are skipped');

withGit('change evidence from git', () => {
  test('each evidence line names the commit that last changed it; commits naming a control are listed under it', async () => {
    const dir = makeTree({ 'flake.nix': FLAKE, 'app.nix': APP, 'ssh.nix': SSH });
    git(dir, ['init', '-q']);
    const first = commitAll(dir, 'Initial fleet', 'Ada', '2026-10-01T10:00:00+02:00');
    fs.writeFileSync(path.join(dir, 'ssh.nix'), SSH.replace('"yes"', '"prohibit-password"'));
    const second = commitAll(dir, 'SSH: keys only for root\n\nRefs ISO 27001 A.9.4.2 (secure log-on).', 'Grace', '2026-11-02T23:30:00-05:00');
    const report = await jsonReport(['.', '--framework', 'iso27001,soc2'], dir);
    expect(report.git).toEqual({ available: true, head: { hash: second, author: 'Grace', date: '2026-11-02', subject: 'SSH: keys only for root' } });
    const auth = control(report, 'iso27001', 'A.8.5');
    const root = auth.results.find((r) => r.rule === 'NIX-SSH-001')!;
    expect(root).toMatchObject({ subject: 'app', status: 'fail', evidence: { file: 'ssh.nix', line: 4, change: { hash: second, author: 'Grace', date: '2026-11-02' } } });
    const passwords = auth.results.find((r) => r.rule === 'NIX-SSH-002')!;
    expect(passwords).toMatchObject({ status: 'pass', evidence: { file: 'ssh.nix', line: 5, change: { hash: first, author: 'Ada', date: '2026-10-01' } } });
    // The commit names A.9.4.2 (2013), which is A.8.5 since 2022.
    expect(auth.commits).toEqual([{ hash: second, author: 'Grace', date: '2026-11-02', subject: 'SSH: keys only for root' }]);
    expect(control(report, 'soc2', 'CC6.1').annotations).toEqual([expect.objectContaining({ file: 'ssh.nix', line: 5, setting: 'services.openssh.settings.PasswordAuthentication = false;' })]);
  });

  test('uncommitted lines have no change evidence, and a tree outside git says so', async () => {
    const repo = makeTree({ 'flake.nix': FLAKE, 'app.nix': APP, 'ssh.nix': SSH });
    git(repo, ['init', '-q']);
    commitAll(repo, 'Initial fleet', 'Ada', '2026-10-01T10:00:00Z');
    fs.appendFileSync(path.join(repo, 'app.nix'), '');
    fs.writeFileSync(path.join(repo, 'ssh.nix'), SSH.replace('"yes"', '"without-password"'));
    const report = await jsonReport(['.', '--framework', 'iso27001'], repo);
    expect(control(report, 'iso27001', 'A.8.5').results.find((r) => r.rule === 'NIX-SSH-001')!.evidence!.change).toBeUndefined();

    const plain = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-nogit-'));
    try {
      for (const [name, text] of Object.entries({ 'flake.nix': FLAKE, 'app.nix': APP, 'ssh.nix': SSH })) fs.writeFileSync(path.join(plain, name), text);
      const without = await jsonReport(['.', '--framework', 'iso27001'], plain);
      expect(without.git).toEqual({ available: false, note: expect.stringMatching(/not in a git repository/) });
      expect(control(without, 'iso27001', 'A.8.5').results.every((r) => r.evidence?.change === undefined)).toBe(true);
      expect(await reportOf(['.', '--framework', 'iso27001'], plain)).toContain('| Git | no change evidence: the scanned tree is not in a git repository');
    } finally {
      fs.rmSync(plain, { recursive: true, force: true });
    }
  });
});

describe('exceptions in the report', () => {
  test('an excepted finding is "excepted", with its rationale, owner and expiry', async () => {
    // Everything else A.8.5 checks is compliant, so the exception decides the control's status.
    const hardened = APP.replace('}', '  services.openssh.settings.KbdInteractiveAuthentication = false;\n  services.openssh.settings.ClientAliveInterval = 300;\n  services.fail2ban.enable = true;\n}');
    const dir = makeTree({
      'flake.nix': FLAKE,
      'app.nix': hardened,
      'ssh.nix': SSH,
      '.declint.yaml': [
        'exceptions:',
        '  NIX-SSH-001:',
        '    hosts: [app]',
        '    rationale: Break-glass root login until the bastion migration',
        '    owner: platform-team',
        '    expires: "2099-01-31"',
        '',
      ].join('\n'),
    });
    const report = await jsonReport(['.', '--framework', 'iso27001'], dir);
    const c = control(report, 'iso27001', 'A.8.5');
    expect(c.results.find((r) => r.rule === 'NIX-SSH-001')).toMatchObject({
      status: 'excepted',
      exception: { kind: 'exception', justification: 'Break-glass root login until the bastion migration', owner: 'platform-team', expires: '2099-01-31', file: '.declint.yaml', line: 2 },
    });
    expect(c.status).toBe('excepted');
  });
});

const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find((bin) => spawnSync(bin, ['--version']).status === 0);
const withChromium = chromium ? describe : describe.skip;
if (!chromium) console.warn('chromium is not installed (apt-get install chromium): the HTML rendering test is skipped');

withChromium('the HTML report in a real browser', () => {
  test('renders in headless Chromium with every section, self-contained, its filter script running', async () => {
    const dir = makeTree({});
    const file = path.join(dir, 'report.html');
    const run = await runCli(['report', path.join(ROOT, DEMO), '--framework', 'nis2', '--format', 'html', '-o', file], ROOT);
    expect(run.code).toBe(0);
    const html = fs.readFileSync(file, 'utf8');
    // Self-contained: no external script, style sheet, image or font.
    expect(html).not.toMatch(/<(?:script|img|link|iframe)\b[^>]*\b(?:src|href)=/i);
    expect(html).not.toMatch(/url\(/);
    const rendered = spawnSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', `file://${file}`], { encoding: 'utf8', timeout: 60000 });
    expect(rendered.status).toBe(0);
    const text = rendered.stdout
      .replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&amp;/g, '&')
      .replace(/&quot;/g, '"')
      .replace(/\s+/g, ' ');
    for (const heading of ['Compliance evidence report', 'Document control', 'Sign-off', 'Summary', 'controls checked by rules', 'Failing and excepted results', 'Other results', 'Inventory', 'NixOS hosts', 'Talos nodes', 'Pinned inputs (flake.lock)', 'Not statically verifiable', 'Configuration in force', 'Control annotations to review', 'Limitations']) {
      expect(text).toContain(heading);
    }
    expect(text).toContain('21(2)(a) policies on risk analysis and information system security fail');
    expect(text).toContain('NIX-FW-001 Host firewall disabled db-01 fail fixtures/demo-fleet/hosts/db-01/configuration.nix:49:3');
    expect(text).toContain('A.12.4.1 is ISO/IEC 27001:2013 numbering');
    // The filter script ran in the browser and counted the result lines it shows.
    const shown = /(\d+) result lines shown/.exec(text);
    expect(shown).not.toBeNull();
    expect(Number(shown![1])).toBe((html.match(/<tr data-subject=/g) ?? []).length);
  });

  test('prints to a short PDF (the demo fleet, every framework: 309 Letter pages before the summary-first layout), and a screenshot shows the document control', async () => {
    const dir = makeTree({});
    const file = path.join(dir, 'report.html');
    await runCli(['report', path.join(ROOT, DEMO), '--format', 'html', '-o', file], ROOT);
    const pdf = path.join(dir, 'report.pdf');
    const printed = spawnSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--no-pdf-header-footer', `--print-to-pdf=${pdf}`, `file://${file}`], { encoding: 'utf8', timeout: 120000 });
    expect(printed.status).toBe(0);
    // The page tree's count (Chromium writes one /Type /Pages root with /Count N).
    const bytes = fs.readFileSync(pdf).toString('latin1');
    const pages = Math.max(...[...bytes.matchAll(/\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)/g)].map((m) => Number(m[1])), ...[...bytes.matchAll(/\/Count\s+(\d+)[^>]*?\/Type\s*\/Pages\b/g)].map((m) => Number(m[1])));
    expect(pages).toBeGreaterThan(5);
    expect(pages).toBeLessThanOrEqual(40);
    const png = path.join(dir, 'top.png');
    const shot = spawnSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=1280,1600', `--screenshot=${png}`, `file://${file}`], { encoding: 'utf8', timeout: 120000 });
    expect(shot.status).toBe(0);
    expect(fs.readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  });
});

withGit('an audit period', () => {
  test('--since/--until: the change log of the period with files and controls named, per control and in full; lines changed in it are marked; CSV and permalinks', async () => {
    const dir = makeTree({ 'flake.nix': FLAKE, 'app.nix': APP, 'ssh.nix': SSH });
    git(dir, ['init', '-q']);
    commitAll(dir, 'Initial fleet', 'Ada', '2026-01-15T10:00:00Z');
    fs.writeFileSync(path.join(dir, 'ssh.nix'), SSH.replace('"yes"', '"prohibit-password"'));
    const inPeriod = commitAll(dir, 'SSH: keys only for root\n\nISO 27001 A.8.5', 'Grace', '2026-02-10T09:00:00Z');
    fs.writeFileSync(path.join(dir, 'app.nix'), APP.replace('}', '  services.fail2ban.enable = true;\n}'));
    const after = commitAll(dir, 'fail2ban on app', 'Lin', '2026-04-02T09:00:00Z');
    git(dir, ['remote', 'add', 'origin', 'git@gitlab.example.org:acme/infra.git']);
    const report = await jsonReport(['.', '--framework', 'iso27001', '--since', '2026-02-01', '--until', '2026-03-31'], dir);
    expect(report.period).toEqual({
      since: '2026-02-01',
      until: '2026-03-31',
      commits: [{ hash: inPeriod, author: 'Grace', date: '2026-02-10', subject: 'SSH: keys only for root', files: ['ssh.nix'], controls: ['iso27001:A.8.5'] }],
    });
    expect(report.document.repository).toBe('https://gitlab.example.org/acme/infra');
    const a85 = control(report, 'iso27001', 'A.8.5');
    expect(a85.periodChanges).toEqual([inPeriod]);
    const root = a85.results.find((r) => r.rule === 'NIX-SSH-001')!;
    expect(root.evidence).toMatchObject({ file: 'ssh.nix', line: 4, changedInPeriod: true, url: `https://gitlab.example.org/acme/infra/-/blob/${after}/ssh.nix#L4` });
    const md = await reportOf(['.', '--framework', 'iso27001', '--since', '2026-02-01', '--until', '2026-03-31', '--format', 'md'], dir);
    expect(md).toContain(`| ${inPeriod.slice(0, 12)} | 2026-02-10 | Grace | SSH: keys only for root | ssh.nix | iso27001:A.8.5 |`);
    expect(md).toContain(`[ssh.nix:4:3](https://gitlab.example.org/acme/infra/-/blob/${after}/ssh.nix#L4)`);
    // Commit subjects once, in the index; rows give the hash.
    expect(md.split('SSH: keys only for root').length - 1).toBe(2);

    const csvFile = path.join(dir, 'out', 'evidence.csv');
    fs.mkdirSync(path.dirname(csvFile));
    await runCli(['report', '.', '--framework', 'iso27001', '--since', '2026-02-01', '--until', '2026-03-31', '--format', 'csv', '-o', csvFile], dir);
    const rows = parseCsv(fs.readFileSync(csvFile, 'utf8'));
    expect(rows[0]).toEqual(['framework', 'control', 'control_title', 'control_status', 'rule', 'subject', 'subject_kind', 'status', 'detail', 'evidence_file', 'evidence_line', 'evidence_url', 'last_change_commit', 'last_change_date', 'last_change_author', 'changed_in_period', 'exception_kind', 'exception_justification', 'exception_owner', 'exception_expires']);
    expect(rows.every((r) => r.length === rows[0].length)).toBe(true);
    const total = report.frameworks.reduce((n, f) => n + f.controls.reduce((m, c) => m + c.results.length, 0), 0);
    expect(rows.length - 1).toBe(total);
    expect(rows.find((r) => r[1] === 'A.8.5' && r[4] === 'NIX-SSH-001')!.slice(12, 16)).toEqual([inPeriod, '2026-02-10', 'Grace', 'yes']);
    const changes = parseCsv(fs.readFileSync(path.join(dir, 'out', 'evidence.changes.csv'), 'utf8'));
    expect(changes).toEqual([
      ['commit', 'date', 'author', 'subject', 'files', 'controls'],
      [inPeriod, '2026-02-10', 'Grace', 'SSH: keys only for root', 'ssh.nix', 'iso27001:A.8.5'],
    ]);
  });
});

/** RFC 4180 CSV, as a spreadsheet reads it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field), rows.push(row), (row = []), (field = ''), i++;
    } else field += ch;
  }
  return rows;
}

describe('the SBOM of the pinned inputs', () => {
  test('declint sbom writes CycloneDX 1.6 that validates against the CycloneDX JSON schema', async () => {
    const schemaDir = path.join(path.dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res/schema');
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(ajv);
    // ajv-formats has no IRI or IDN formats (the SBOM has no e-mail address; its URLs are ASCII URIs).
    ajv.addFormat('iri-reference', true);
    ajv.addFormat('idn-email', true);
    ajv.addSchema(JSON.parse(fs.readFileSync(path.join(schemaDir, 'spdx.SNAPSHOT.schema.json'), 'utf8')), 'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json');
    ajv.addSchema(JSON.parse(fs.readFileSync(path.join(schemaDir, 'jsf-0.82.SNAPSHOT.schema.json'), 'utf8')), 'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json');
    const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(schemaDir, 'bom-1.6.SNAPSHOT.schema.json'), 'utf8')));
    const run = await runCli(['sbom', DEMO]);
    expect(run.code).toBe(0);
    const bom = JSON.parse(run.stdout);
    expect(validate(bom) ? [] : validate.errors).toEqual([]);
    const nixpkgs = bom.components.find((c: { name: string }) => c.name === 'nixpkgs');
    expect(nixpkgs).toMatchObject({ type: 'library', version: expect.stringMatching(/^[0-9a-f]{40}$/), purl: expect.stringMatching(/^pkg:github\/NixOS\/nixpkgs@[0-9a-f]{40}$/), externalReferences: [{ type: 'vcs', url: 'https://github.com/NixOS/nixpkgs' }] });
    expect(nixpkgs.hashes[0]).toMatchObject({ alg: 'SHA-256', content: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(nixpkgs.properties).toEqual(expect.arrayContaining([{ name: 'nix:narHash', value: expect.stringMatching(/^sha256-/) }]));
    const noTime = (t: string) => t.replace(/"timestamp": "[^"]+"/, '"timestamp": ""');
    expect(noTime((await runCli(['report', DEMO, '--format', 'cyclonedx'])).stdout)).toBe(noTime(run.stdout));
  });
});
