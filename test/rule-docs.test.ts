import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, runCli } from './support/cli';

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
});
