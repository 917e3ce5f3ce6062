import * as fs from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { makeTree, spawnCli } from './support/cli';
import { schemaErrors } from './support/sarif-validate';

/**
 * GitHub's limits, on a generated fleet of 1,100 hosts with 25 findings each
 * (5 errors, 5 warnings, 15 notes): 27,500 findings, more than a SARIF run
 * may hold (25,000), than annotations GitHub shows (10 of each kind per step),
 * than a step summary may hold (1 MiB).
 */
const HOSTS = 1100;
const PER_HOST = { error: 5, warning: 5, note: 15 };
const TOTAL = HOSTS * (PER_HOST.error + PER_HOST.warning + PER_HOST.note);

function hostModule(i: number): string {
  return [
    '{ lib, ... }:',
    '{',
    '  system.stateVersion = "24.05";',
    `  networking.hostName = "h${i}";`,
    '  fileSystems."/".device = "/dev/sda1";',
    '  boot.loader.grub.device = "/dev/sda";',
    '  services.openssh.enable = true;',
    '  services.openssh.settings.PermitRootLogin = "yes";',
    '  services.openssh.settings.PasswordAuthentication = true;',
    '  networking.firewall.enable = false;',
    '  security.sudo.wheelNeedsPassword = false;',
    '  nix.settings.require-sigs = false;',
    '}',
    '',
  ].join('\n');
}

let dir: string;
let annotations: string;
let sarif: string;
let summary: string;
beforeAll(() => {
  dir = makeTree(Object.fromEntries(Array.from({ length: HOSTS }, (_, i) => [`hosts/h${String(i).padStart(4, '0')}/configuration.nix`, hostModule(i)])));
  const run = spawnCli(['check', '.', '-f', 'sarif', '-o', 'declint.sarif', '-f', 'github'], { cwd: dir, env: { GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md') } });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(1);
  annotations = run.stdout;
  sarif = fs.readFileSync(path.join(dir, 'declint.sarif'), 'utf8');
  summary = fs.readFileSync(path.join(dir, 'summary.md'), 'utf8');
  console.log(
    `${HOSTS} hosts, ${TOTAL} findings: SARIF ${(sarif.length / 1e6).toFixed(1)} MB (${(gzipSync(sarif).length / 1e6).toFixed(2)} MB gzip), annotations ${annotations.length} bytes in ${annotations.split('\n').length - 1} lines, step summary ${(Buffer.byteLength(summary) / 1024).toFixed(0)} KiB`,
  );
}, 300_000);

test('SARIF: at most 25,000 results, the most severe, and a run-level notification saying how many were left out and how to shard', () => {
  const log = JSON.parse(sarif);
  expect(schemaErrors(log)).toEqual([]);
  const run = log.runs[0];
  const levels = run.results.reduce((n: Record<string, number>, r: { level: string }) => ({ ...n, [r.level]: (n[r.level] ?? 0) + 1 }), {});
  expect(levels).toEqual({ error: HOSTS * PER_HOST.error, warning: HOSTS * PER_HOST.warning, note: 25000 - HOSTS * (PER_HOST.error + PER_HOST.warning) });
  const notifications = run.invocations[0].toolExecutionNotifications;
  expect(notifications).toEqual([
    {
      level: 'warning',
      message: { text: expect.stringMatching(new RegExp(`^${TOTAL - 25000} results were left out: GitHub code scanning accepts at most 25,000 results per run, so this run holds the 25000 most severe\\. .*--category`)) },
      descriptor: { id: 'results-truncated' },
    },
  ]);
});

test('--format github: annotations by severity, 10 of each kind, then how many more and where they are', () => {
  const lines = annotations.trimEnd().split('\n');
  const kinds = lines.map((l) => /^::(\w+) /.exec(l)![1]);
  expect(kinds).toEqual([...Array(10).fill('error'), ...Array(10).fill('warning'), ...Array(10).fill('notice')]);
  expect(lines[29]).toBe(
    `::notice title=declint::${TOTAL - 29} more findings are not annotated (GitHub shows 10 of each kind per step; all ${TOTAL}: ${HOSTS * PER_HOST.error} errors, ${HOSTS * PER_HOST.warning} warnings, ${HOSTS * PER_HOST.note} notes). They are in the SARIF file (code scanning alerts) and the step summary.`,
  );
});

test('the step summary stays under 1 MiB: counts per rule and per host, then the first findings, then how many more', () => {
  expect(Buffer.byteLength(summary)).toBeLessThan(1024 * 1024);
  expect(summary).toContain('| `NIX-SSH-001` SSH root login permitted | 1100 | 0 | 0 |');
  expect(summary).toContain(`| h1099 | ${PER_HOST.error} | ${PER_HOST.warning} | ${PER_HOST.note} |`);
  const rows = summary.split('\n').filter((l) => /^\| (error|warning|note) \|/.test(l));
  expect(rows[0]).toMatch(/^\| error \|/);
  expect(summary).toMatch(new RegExp(`\\n${TOTAL - rows.length} more findings are not listed here \\(a step summary holds at most 1 MiB\\): see the SARIF file or the code scanning alerts\\.\\n$`));
});
