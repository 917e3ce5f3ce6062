import type { EvidenceReport } from '../src/compliance/evidence-report';
import { permalink } from '../src/compliance/evidence-report';
import { webAddress } from '../src/compliance/git-history';
import { formatEvidenceHtml } from '../src/report/evidence-html';
import { makeTree, ROOT, runCli } from './support/cli';
import { APP, FLAKE, sshModule } from './support/small-fleet';

const CONFIG = [
  'frameworks:',
  '  iso27001: { scope: full }',
  '  nis2: { entityType: essential }',
  'hostTypes:',
  '  app: server',
  'rules:',
  '  NIX-SSH-004: off',
  'report:',
  '  organisation: Acme Hosting GmbH',
  '  system: Production fleet',
  '  scope: All NixOS hosts declared in this repository.',
  '  preparer: Jane Doe, Platform Engineering',
  '  reviewer: Max Mustermann, ISMS Officer',
  'exceptions:',
  '  NIX-SSH-001:',
  '    hosts: [app]',
  '    rationale: Break-glass root login until the bastion migration (`OPS-12`)',
  '    owner: platform-team',
  '    ticket: OPS-12',
  '    expires: "2099-01-31"',
  '  NIX-SSH-002:',
  '    rationale: Kiosk accounts log in with a password until the badge readers arrive.',
  '    expires: "2020-01-31"',
  '',
].join('\n');

function tree(): string {
  return makeTree({ 'flake.nix': FLAKE, 'app.nix': APP, 'ssh.nix': sshModule('"yes"'), '.declint.yaml': CONFIG });
}

describe('document control and the configuration in force', () => {
  test('the report: section names the organisation, system, scope, preparer and reviewer; every exception is listed with its owner and expiry, expired ones marked', async () => {
    const dir = tree();
    const run = await runCli(['report', '.', '--format', 'json'], dir);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as EvidenceReport;
    expect(report.document).toEqual({
      organisation: 'Acme Hosting GmbH',
      system: 'Production fleet',
      scope: 'All NixOS hosts declared in this repository.',
      preparer: 'Jane Doe, Platform Engineering',
      reviewer: 'Max Mustermann, ISMS Officer',
      ruleSetHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(report.configuration).toMatchObject({
      source: '.declint.yaml',
      frameworks: [
        { key: 'iso27001', variant: { scope: 'full' } },
        { key: 'nis2', variant: { entityType: 'essential' } },
      ],
      level: 'standard',
      mode: 'enforce',
      hostTypes: { app: 'server' },
      ruleOverrides: { 'NIX-SSH-004': 'off' },
      exceptions: [
        { rule: 'NIX-SSH-001', hosts: ['app'], owner: 'platform-team', ticket: 'OPS-12', expires: '2099-01-31', expired: false, file: '.declint.yaml', line: 15 },
        { rule: 'NIX-SSH-002', expires: '2020-01-31', expired: true, file: '.declint.yaml', line: 21 },
      ],
    });
    const md = (await runCli(['report', '.', '--format', 'md'], dir)).stdout;
    expect(md).toContain('| Prepared by | Jane Doe, Platform Engineering |  |  |');
    expect(md).toContain('| Reviewed by | Max Mustermann, ISMS Officer |  |  |');
    expect(md).toContain('| Approved by |  |  |  |');
    expect(md).toContain('| NIX-SSH-002 | everywhere | Kiosk accounts log in with a password until the badge readers arrive. | — | — | 2020-01-31 (expired: no longer applied) | .declint.yaml:21 |');
    // A different rule set is a different hash.
    const strict = JSON.parse((await runCli(['report', '.', '--format', 'json'], makeTree({ 'flake.nix': FLAKE, 'app.nix': APP, '.declint.yaml': 'level: strict\n' }))).stdout) as EvidenceReport;
    expect(strict.document.ruleSetHash).not.toBe(report.document.ruleSetHash);
  });

  test('a wrong report: section stops with file:line:col (exit 2)', async () => {
    const dir = makeTree({ 'app.nix': APP, '.declint.yaml': 'report:\n  preparer: Jane\n  repoUrl: file:///srv/infra\n' });
    const run = await runCli(['report', '.'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^declint: \.declint\.yaml:3:\d+: /);
  });
});

describe('evidence links', () => {
  test('the remote becomes a web address, without credentials; local remotes give none', () => {
    expect(webAddress('git@github.com:acme/infra.git')).toBe('https://github.com/acme/infra');
    expect(webAddress('ssh://git@gitea.example.org:2222/acme/infra.git')).toBe('https://gitea.example.org/acme/infra');
    expect(webAddress('https://ci:s3cret@gitlab.example.org/group/sub/infra.git')).toBe('https://gitlab.example.org/group/sub/infra');
    expect(webAddress('/srv/git/infra.git')).toBeUndefined();
  });

  test('permalinks take the forge form: GitHub /blob/, GitLab /-/blob/, Gitea and Codeberg /src/commit/, with the directory inside the repository', () => {
    const commit = 'a'.repeat(40);
    expect(permalink('https://github.com/acme/infra', commit, '')('hosts/web 01.nix', 7)).toBe(`https://github.com/acme/infra/blob/${commit}/hosts/web%2001.nix#L7`);
    expect(permalink('https://gitlab.example.org/acme/infra/', commit, 'nix/')('a.nix', 2)).toBe(`https://gitlab.example.org/acme/infra/-/blob/${commit}/nix/a.nix#L2`);
    expect(permalink('https://codeberg.org/acme/infra', commit, '')('a.nix', 3)).toBe(`https://codeberg.org/acme/infra/src/commit/${commit}/a.nix#L3`);
  });

  test('--repo-url must be a web address (exit 2)', async () => {
    const run = await runCli(['report', 'fixtures/demo-fleet', '--repo-url', 'git@github.com:acme/infra.git'], ROOT);
    expect(run).toMatchObject({ code: 2, stderr: 'declint: --repo-url must be the repository\'s web address, like https://github.com/acme/infra (got "git@github.com:acme/infra.git")\n' });
  });
});

describe('the inventory', () => {
  test('per host: packages as written, services enabled, open ports (SSH through openFirewall, a firewall that is off), users with their groups, the NixOS release', async () => {
    const report = JSON.parse((await runCli(['report', 'fixtures/demo-fleet', '--format', 'json', '--framework', 'iso27001'], ROOT)).stdout) as EvidenceReport;
    const host = (name: string) => report.inventory.hosts.find((h) => h.name === name)!;
    expect(host('bastion')).toMatchObject({
      release: '26.05',
      stateVersion: '25.11',
      packages: ['inputs.fleet-tools.packages.${pkgs.stdenv.hostPlatform.system}.fleetctl', 'curl', 'git', 'htop', 'jq', 'tmux', 'vim', 'mosh'],
      services: ['fail2ban', 'openssh'],
      firewall: 'on',
      ports: [{ scope: 'all interfaces (services.openssh.openFirewall)', protocol: 'tcp', ports: [22] }],
    });
    expect(host('bastion').users).toEqual([
      { name: 'alice', groups: ['wheel', 'systemd-journal'], kind: 'normal' },
      { name: 'bob', groups: ['wheel'], kind: 'normal' },
      { name: 'deploy', groups: [], kind: 'normal' },
      { name: 'root', groups: [] },
    ]);
    expect(host('db-01')).toMatchObject({ firewall: 'off', services: ['fail2ban', 'openssh', 'postgresql', 'postgresqlBackup'] });
    expect(host('web-01').ports).toEqual([
      { scope: 'all interfaces', protocol: 'tcp', ports: [80, 443] },
      { scope: 'all interfaces (services.openssh.openFirewall)', protocol: 'tcp', ports: [22] },
    ]);
    const md = (await runCli(['report', 'fixtures/demo-fleet', '--format', 'md', '--framework', 'iso27001'], ROOT)).stdout;
    expect(md).toContain('- **Open ports:** firewall off: every listening port is reachable');
    expect(md).toContain('- **Users:** alice (wheel, systemd-journal), bob (wheel), deploy');
  });
});

describe('HTML cells', () => {
  test('Markdown code spans in messages and rationales render as code, never as raw backticks; markup in them stays escaped', async () => {
    const dir = tree();
    const report = JSON.parse((await runCli(['report', '.', '--format', 'json'], dir)).stdout) as EvidenceReport;
    report.configuration.exceptions[0].rationale = 'Break-glass `<b>root</b>` login';
    const html = formatEvidenceHtml(report);
    expect(html).toContain('Break-glass <code>&lt;b&gt;root&lt;/b&gt;</code> login');
    const body = html.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, '');
    expect(body.replace(/<[^>]+>/g, '')).not.toContain('`');
  });
});
