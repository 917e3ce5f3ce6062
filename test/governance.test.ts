import { makeTree, runCli } from './support/cli';

const ROOT_LOGIN = '{ services.openssh.settings.PermitRootLogin = "yes"; }\n';
const FIREWALL_OFF = '{ networking.firewall.enable = false; }\n';
/** A team's own framework, declared beside its rules. */
const ACME = 'framework: acme\ntitle: ACME internal security policy\ncontrols:\n  - id: AC-1\n    title: Remote administration\n';

async function json(dir: string, ...args: string[]) {
  const run = await runCli(['check', '.', '--format', 'json', ...args], dir);
  return { run, report: run.stdout ? JSON.parse(run.stdout) : undefined };
}

const ids = (report: { findings: { ruleId: string; suppressed?: unknown }[] }) => report.findings.filter((f) => !f.suppressed).map((f) => f.ruleId);

describe('.declint.yaml', () => {
  test('configuration mistakes stop with file:line:col and exit 2', async () => {
    const cases: [string, string][] = [
      ['exceptions:\n  NIX-SSH-001:\n    owner: ops\n', '.declint.yaml:3:5: exceptions.NIX-SSH-001 is missing the required key "rationale"'],
      ['rules:\n  NIX-SSH-999: off\n', '.declint.yaml:2:3: unknown rule NIX-SSH-999 (see: declint rules)'],
      ['mode: sometimes\n', '.declint.yaml:1:7: mode must be one of: enforce, report'],
      ['level: [strict\n', '.declint.yaml:2:1: '],
      ['ignore: notalist\n', '.declint.yaml:1:9: ignore must be array'],
    ];
    for (const [config, message] of cases) {
      const run = await runCli(['check', '.'], makeTree({ '.declint.yaml': config, 'a.nix': ROOT_LOGIN }));
      expect({ config, code: run.code }).toEqual({ config, code: 2 });
      expect(run.stderr.startsWith(`declint: ${message}`)).toBe(true);
    }
  });

  test('frameworks select the rules mapped to them; rules sets severities or turns rules off; mode report exits 0', async () => {
    const files = { 'a.nix': ROOT_LOGIN, 'b.nix': FIREWALL_OFF };
    // NIX-SSH-001 maps to ANSSI R33 and NIX-FW-001 to ANSSI R80: both run; with SOC 2 only, both too; CIS both.
    expect(ids((await json(makeTree({ ...files, '.declint.yaml': 'frameworks: [nis2]\n' }))).report).sort()).toEqual(['NIX-FW-001', 'NIX-SSH-001']);
    const off = await json(makeTree({ ...files, '.declint.yaml': 'rules:\n  NIX-FW-001: off\n  NIX-SSH-001: note\n' }));
    expect(off.report.findings.map((f: { ruleId: string; severity: string }) => `${f.ruleId} ${f.severity}`)).toEqual(['NIX-SSH-001 note']);
    expect(off.run.code).toBe(0);
    const report = await json(makeTree({ ...files, '.declint.yaml': 'mode: report\n' }));
    expect(ids(report.report).length).toBe(2);
    expect(report.run.code).toBe(0);
  });

  test('framework variants choose a level: an ISO 27001 partial scope runs the minimal core, which still catches root logins', async () => {
    const files = { 'a.nix': ROOT_LOGIN, 'b.nix': '{ boot.kernel.sysctl."net.ipv4.ip_forward" = 1; networking.firewall.allowPing = true; }\n' };
    const partial = await json(makeTree({ ...files, '.declint.yaml': 'frameworks:\n  iso27001: { scope: partial }\n' }));
    expect(ids(partial.report)).toEqual(['NIX-SSH-001']);
    expect(partial.run.code).toBe(1);
    const minimal = await json(makeTree({ ...files, '.declint.yaml': 'level: minimal\n' }));
    expect(ids(minimal.report)).toEqual(['NIX-SSH-001']);
    // Strict adds the forwarding note (NIX-KRN-009); paranoid the ICMP echo inventory note (NIX-FW-004).
    const strict = await json(makeTree({ ...files, '.declint.yaml': 'frameworks:\n  nis2: { entityType: essential }\n' }));
    expect(ids(strict.report).sort()).toEqual(['NIX-KRN-009', 'NIX-SSH-001']);
    const paranoid = await json(makeTree({ ...files, '.declint.yaml': 'level: paranoid\n' }));
    expect(ids(paranoid.report).sort()).toEqual(['NIX-FW-004', 'NIX-KRN-009', 'NIX-SSH-001']);
  });

  test('a configuration that selects no rule stops with exit 2 at the line that narrows it', async () => {
    const dir = makeTree({
      'a.nix': ROOT_LOGIN,
      'own/controls/acme.yaml': ACME,
      '.declint.yaml': 'ruleDirs: [own]\nframeworks: [acme]\n',
    });
    const run = await runCli(['check', '.'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('declint: .declint.yaml:2:14: this configuration selects no rule (level standard, frameworks acme): a run would report nothing on any file\n');
  });

  test('a framework a config names must exist: built-in, or declared in a rules directory', async () => {
    const run = await runCli(['check', '.'], makeTree({ 'a.nix': ROOT_LOGIN, '.declint.yaml': 'frameworks:\n  - nis2\n  - pci\n' }));
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('declint: .declint.yaml:3:5: unknown framework pci (known: anssi, cis-k8s, cis, dora, iso27001, nis2, soc2, stig)\n');
  });

  test('an exception keeps the finding, marked with its rationale, and it no longer fails the run', async () => {
    const dir = makeTree({
      'installer/iso.nix': ROOT_LOGIN,
      'hosts/web.nix': ROOT_LOGIN,
      '.declint.yaml': 'exceptions:\n  NIX-SSH-001:\n    rationale: The installer ISO needs root over SSH for provisioning.\n    paths: ["installer/"]\n    owner: platform-team\n    ticket: SEC-42\n    expires: 2099-01-01\n',
    });
    const { run, report } = await json(dir);
    expect(run.code).toBe(1); // hosts/web.nix is not excepted
    const excepted = report.findings.find((f: { file: string }) => f.file === 'installer/iso.nix');
    expect(excepted.suppressed).toEqual({
      kind: 'exception',
      justification: 'The installer ISO needs root over SSH for provisioning.',
      location: { file: '.declint.yaml', line: 2 },
      owner: 'platform-team',
      ticket: 'SEC-42',
      expires: '2099-01-01',
    });
    expect(report.summary.suppressed).toBe(1);
  });

  test('an expired exception stops applying and is reported at its line', async () => {
    const dir = makeTree({ 'a.nix': ROOT_LOGIN, '.declint.yaml': 'exceptions:\n  NIX-SSH-001:\n    rationale: Temporary, until the bastion exists.\n    expires: 2020-01-01\n' });
    const { run, report } = await json(dir);
    expect(run.code).toBe(1);
    expect(ids(report)).toEqual(['declint-exception-expired', 'NIX-SSH-001']);
    expect(report.findings[0]).toMatchObject({ file: '.declint.yaml', range: { start: { line: 2, column: 3 } }, severity: 'warning' });
  });

  test('a team declares its own framework beside its rules; a control ID it does not list is an error at its line', async () => {
    const registry = `${ACME}  - id: AC-2\n    title: Firewalls\n`;
    const rule = (control: string) =>
      `id: ORG-001\ntitle: Example rule\ntarget: nixos\nsubject: { option: services.example.enable }\nviolations:\n  - { mode: explicit, test: { equals: true }, severity: error, message: "Example is on." }\nsecurity-severity: 4.0\ncontrols:\n  iso27001: [A.8.9]\n  acme: [AC-2, ${control}]\nrationale: An example rule for the framework tests.\nremediation: { text: Turn it off. }\n`;
    const files = { 'm.nix': '{ services.example.enable = true; }\n', 'own/controls/acme.yaml': registry, '.declint.yaml': 'ruleDirs: [own]\nframeworks: [acme]\n' };
    const good = await runCli(['check', '.', '--format', 'json'], makeTree({ ...files, 'own/nixos/ORG-001.yaml': rule('AC-1') }));
    expect(JSON.parse(good.stdout).findings.map((f: { ruleId: string; controls: Record<string, string[]> }) => [f.ruleId, f.controls])).toEqual([['ORG-001', { iso27001: ['A.8.9'], acme: ['AC-2', 'AC-1'] }]]);
    const bad = await runCli(['check', '.'], makeTree({ ...files, 'own/nixos/ORG-001.yaml': rule('AC-99') }));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('declint: own/nixos/ORG-001.yaml:10:16: ACME internal security policy has no control AC-99 (see own/controls/acme.yaml)\n');
    const builtin = await runCli(['check', '.'], makeTree({ ...files, 'own/nixos/ORG-001.yaml': rule('AC-1').replace('iso27001: [A.8.9]', 'iso27001: [A.99.1]') }));
    expect(builtin.stderr).toBe('declint: own/nixos/ORG-001.yaml:9:14: ISO/IEC 27001:2022 Annex A has no control A.99.1\n');
    const broken = await runCli(['check', '.'], makeTree({ ...files, 'own/controls/acme.yaml': 'framework: acme\ncontrols: []\n', 'own/nixos/ORG-001.yaml': rule('AC-1') }));
    expect(broken.stderr).toBe('declint: own/controls/acme.yaml:1:1: the framework registry is missing the required key "title"\n');
  });

  test('ignore and ruleDirs from the config apply, relative to it', async () => {
    const dir = makeTree({
      'vendor/x.nix': ROOT_LOGIN,
      'own/ORG-001.yaml': 'id: ORG-001\ntitle: Example rule\ntarget: nixos\nsubject: { option: services.example.enable }\nviolations:\n  - { mode: explicit, test: { equals: true }, severity: error, message: "Example is on." }\nsecurity-severity: 4.0\ncontrols: { iso27001: [A.8.9] }\nrationale: An example rule for the config tests.\nremediation: { text: Turn it off. }\n',
      'm.nix': '{ services.example.enable = true; }\n',
      '.declint.yaml': 'ignore: ["vendor/"]\nruleDirs: [own]\n',
    });
    expect(ids((await json(dir)).report)).toEqual(['ORG-001']);
  });
});

describe('inline suppressions', () => {
  test('at the end of the line, on the line above, or for the whole file, with a reason', async () => {
    const dir = makeTree({
      'eol.nix': '{ services.openssh.settings.PermitRootLogin = "yes"; # declint-ignore NIX-SSH-001: lab machine, no network\n}\n',
      'above.nix': '{\n  # declint-ignore NIX-SSH-001: recovery image, documented in RB-7\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n',
      'file.nix': '# declint-ignore-file NIX-FW-001: appliance behind a hardware firewall\n{ networking.firewall.enable = false; }\n',
    });
    const { run, report } = await json(dir);
    expect(run.code).toBe(0);
    expect(report.findings.map((f: { file: string; suppressed: { kind: string; justification: string } }) => `${f.file} ${f.suppressed.kind}: ${f.suppressed.justification}`)).toEqual([
      'above.nix inline: recovery image, documented in RB-7',
      'eol.nix inline: lab machine, no network',
      'file.nix inline: appliance behind a hardware firewall',
    ]);
  });

  test('a suppression without a reason, naming an unknown rule, or suppressing nothing is itself reported', async () => {
    const dir = makeTree({
      'noreason.nix': '{ services.openssh.settings.PermitRootLogin = "yes"; # declint-ignore NIX-SSH-001\n}\n',
      'unknown.nix': '# declint-ignore NIX-SSH-999: typo\n{ }\n',
      'unused.nix': '# declint-ignore NIX-FW-001: nothing here\n{ networking.firewall.enable = true; }\n',
      'talos.yaml': 'version: v1alpha1\nmachine:\n  type: worker\n  install:\n    image: ghcr.io/siderolabs/installer:latest # declint-ignore TAL-001: pinned by the image factory\ncluster: {}\n',
    });
    const { run, report } = await json(dir);
    expect(run.code).toBe(1);
    const shown = report.findings.filter((f: { suppressed?: unknown }) => !f.suppressed);
    expect(shown.map((f: { file: string; ruleId: string; range: { start: { line: number } } }) => `${f.file}:${f.range.start.line} ${f.ruleId}`)).toEqual([
      'noreason.nix:1 NIX-SSH-001',
      'noreason.nix:1 declint-suppression',
      'talos.yaml:1 TAL-008',
      'talos.yaml:1 TAL-022',
      'unknown.nix:1 declint-suppression',
      'unused.nix:1 declint-suppression',
    ]);
    expect(report.findings.find((f: { file: string; ruleId: string }) => f.file === 'talos.yaml' && f.ruleId === 'TAL-001').suppressed.kind).toBe('inline');
  });
});

describe('declint test-rules for custom rules', () => {
  const RULE = 'id: ORG-001\ntitle: Example rule\ntarget: nixos\nsubject: { option: services.example.enable }\nviolations:\n  - { mode: explicit, test: { equals: true }, severity: error, message: "Example is on." }\nsecurity-severity: 4.0\ncontrols: { iso27001: [A.8.9] }\nrationale: An example rule for the harness tests.\nremediation: { text: Turn it off. }\n';

  test('names the four outcomes and passes when every case does what it says', async () => {
    const dir = makeTree({
      'rules/nixos/ORG-001.yaml': RULE,
      'fixtures/rules/ORG-001/bad-on.nix': '{ services.example.enable = true; } # expect: ORG-001 error\n',
      'fixtures/rules/ORG-001/good-off.nix': '{ services.example.enable = false; }\n',
    });
    const run = await runCli(['test-rules', '.'], dir);
    expect(run.stdout).toBe('reported    ORG-001/bad-on.nix\nvalidated   ORG-001/good-off.nix\n1 validated, 1 reported, 0 noisy, 0 missing\n');
    expect(run.code).toBe(0);
  });

  test('a rule with a fix: each bad case is fixed and compared with its .fixed text', async () => {
    const fixable = `${RULE}fix:\n  value: false\n`;
    const dir = makeTree({
      'rules/nixos/ORG-001.yaml': fixable,
      'fixtures/rules/ORG-001/bad-on.nix': '{ services.example.enable = true; } # expect: ORG-001 error\n',
      'fixtures/rules/ORG-001/bad-on.fixed.nix': '{ services.example.enable = false; } # expect: ORG-001 error\n',
      'fixtures/rules/ORG-001/bad-let.nix': 'let on = true; in { services.example.enable = on; } # expect: ORG-001 error\n',
      'fixtures/rules/ORG-001/bad-let.fixed.nix': 'let on = true; in { services.example.enable = on; } # expect: ORG-001 error\n',
      'fixtures/rules/ORG-001/good-off.nix': '{ services.example.enable = false; }\n',
    });
    const run = await runCli(['test-rules', '.'], dir);
    expect(run.stdout).toBe(
      [
        'reported    ORG-001/bad-let.nix',
        'mismatch    ORG-001/bad-let.nix',
        '              bad-let.nix: the fixed text differs from the expected one',
        'reported    ORG-001/bad-on.nix',
        'fixed       ORG-001/bad-on.nix',
        'validated   ORG-001/good-off.nix',
        '1 validated, 2 reported, 0 noisy, 0 missing',
        '',
      ].join('\n'),
    );
    expect(run.code).toBe(1);
  });

  test('a noisy good case and a missing annotation fail, saying where', async () => {
    const dir = makeTree({
      'rules/nixos/ORG-001.yaml': RULE,
      'fixtures/rules/ORG-001/bad-missed.nix': '{ services.example.enable = false; } # expect: ORG-001\n',
      'fixtures/rules/ORG-001/good-noisy.nix': '{ services.example.enable = true; }\n',
    });
    const run = await runCli(['test-rules', '.'], dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('missing     ORG-001/bad-missed.nix\n              missing ORG-001 at bad-missed.nix:1\n');
    expect(run.stdout).toContain('noisy       ORG-001/good-noisy.nix\n              noisy ORG-001 at good-noisy.nix:1: Example is on.\n');
    expect(run.stdout).toContain('0 validated, 0 reported, 1 noisy, 1 missing\n');
  });
});

describe('host types and frameworks in the output', () => {
  test('a rule for some kinds of host skips hosts the config gives another kind', async () => {
    const rule = 'id: ORG-002\ntitle: Workstation rule\ntarget: nixos\nhostTypes: [workstation]\nsubject: { option: services.printing.enable }\nviolations:\n  - { mode: explicit, test: { equals: true }, severity: error, message: "Printing is on." }\nsecurity-severity: 4.0\ncontrols: { iso27001: [A.8.9] }\nrationale: An example rule for the host type tests.\nremediation: { text: Turn it off. }\n';
    const host = (name: string) => `{ networking.hostName = "${name}"; services.printing.enable = true; system.stateVersion = "25.05"; }\n`;
    const dir = makeTree({
      'own/ORG-002.yaml': rule,
      'hosts/db-01/configuration.nix': host('db-01'),
      'hosts/laptop/configuration.nix': host('laptop'),
      '.declint.yaml': 'ruleDirs: [own]\nhostTypes:\n  "db-*": server\n  laptop: workstation\nrules:\n  NIX-LOG-001: off\n  NIX-FW-001: off\n',
    });
    const { report } = await json(dir);
    expect(report.findings.filter((f: { ruleId: string }) => f.ruleId === 'ORG-002').map((f: { hosts: string[] }) => f.hosts)).toEqual([['laptop']]);
  });

  test('with frameworks selected, the stylish output shows only their controls', async () => {
    const run = await runCli(['check', '.'], makeTree({ 'a.nix': ROOT_LOGIN, '.declint.yaml': 'frameworks: [nis2, anssi]\n' }));
    expect(run.stdout).toContain('NIX-SSH-001  [NIS2 21(2)(i),21(2)(j) · ANSSI R33]');
  });
});
