import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeTree, ROOT, runCli } from './support/cli';

describe('rule documentation', () => {
  test('docs/rules is what `npm run docs` generates from the rule files (run it after changing a rule)', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-docs-'));
    const run = await runCli(['rules', '--format', 'markdown', '--out-dir', out], ROOT);
    expect(run.code).toBe(0);
    const committed = path.join(ROOT, 'docs/rules');
    const generated = fs.readdirSync(out).sort();
    expect(fs.readdirSync(committed).sort()).toEqual(generated);
    for (const file of generated) {
      expect({ file, text: fs.readFileSync(path.join(committed, file), 'utf8') }).toEqual({ file, text: fs.readFileSync(path.join(out, file), 'utf8') });
    }
    fs.rmSync(out, { recursive: true, force: true });
  });

  test('declint rules lists every rule; --framework keeps the rules mapped to it', async () => {
    const all = JSON.parse((await runCli(['rules', '--format', 'json'], ROOT)).stdout) as { id: string; controls: Record<string, string[]> }[];
    const anssi = JSON.parse((await runCli(['rules', '--format', 'json', '--framework', 'anssi'], ROOT)).stdout) as { id: string }[];
    expect(anssi.map((r) => r.id)).toEqual(all.filter((r) => 'anssi' in r.controls).map((r) => r.id));
    expect(anssi.length).toBeLessThan(all.length);
    expect((await runCli(['rules', '--framework', 'pci'], ROOT)).stderr).toMatch(/^declint: unknown framework "pci" \(known: anssi, cis-k8s, cis, dora, iso27001, nis2, soc2, stig\)\n$/);
  });

  test('declint explain shows the rule, its remediation and its controls with titles', async () => {
    const run = await runCli(['explain', 'NIX-SSH-001'], ROOT);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('NIX-SSH-001: SSH root login permitted');
    expect(run.stdout).toContain('services.openssh.settings.PermitRootLogin = "no";');
    expect(run.stdout).toContain('| ISO 27001 | A.8.5 | Secure authentication |');
    expect((await runCli(['explain', 'NIX-NOPE-1'], ROOT)).code).toBe(2);
  });

  test('explain speaks the user\'s language: no predicate names or patterns, the options and texts a rule reads, its alternatives', async () => {
    const sudo = (await runCli(['explain', 'NIX-SUDO-003'], ROOT)).stdout;
    expect(sudo).toContain('`security.sudo.extraRules`, and also the sudoers text of `security.sudo.extraConfig`');
    expect(sudo).toContain('- error — a value written is a sudo rule that runs the command ALL with the NOPASSWD tag.');
    const hash = (await runCli(['explain', 'NIX-USR-004'], ROOT)).stdout;
    expect(hash).toContain('- error — a value written is an MD5-crypt ($1$) or DES hash.');
    const mfa = (await runCli(['explain', 'NIX-SSH-015'], ROOT)).stdout;
    expect(mfa).toContain('`services.openssh.settings.AuthenticationMethods` lists two methods that must both succeed.');
    const talos = (await runCli(['explain', 'TAL-009'], ROOT)).stdout;
    expect(talos).toContain('- error — a patch deletes it (`$patch: delete` or a JSON 6902 `remove`).');
    for (const text of [sudo, hash, mfa, talos]) {
      expect(text).not.toMatch(/matches `|\{ named|\^\(|\\s/);
    }
  });

  test('rules and explain read the rule directories of .declint.yaml, with their own frameworks', async () => {
    const dir = makeTree({
      '.declint.yaml': 'ruleDirs: [policy]\n',
      'policy/controls/acme.yaml': 'framework: acme\ntitle: ACME internal security policy\ncontrols:\n  - id: AC-1\n    title: Remote administration\n',
      'policy/nixos/ORG-001.yaml':
        'id: ORG-001\ntitle: Example service off\ntarget: nixos\nsubject: { option: services.example.enable }\nviolations:\n  - { mode: explicit, test: { equals: true }, severity: error, message: "Example is on." }\nsecurity-severity: 4.0\ncontrols: { acme: [AC-1] }\nrationale: An example rule for the rules-command tests.\nremediation: { text: Turn it off. }\n',
    });
    const listed = await runCli(['rules', '--framework', 'acme'], dir);
    expect(listed.stdout).toBe('ORG-001  error  standard  Example service off  acme\n1 rules.\n');
    const explained = await runCli(['explain', 'org-001'], dir);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain('| acme | AC-1 | Remote administration |');
  });
});
