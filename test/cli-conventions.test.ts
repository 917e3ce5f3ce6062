import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { main } from '../src/cli/main';
import { makeTree, runCli, spawnCli } from './support/cli';

/** The command line as ESLint, Semgrep and Trivy users expect it. */
const BAD = '{\n  services.openssh.settings.PermitRootLogin = "yes";\n  services.openssh.settings.PasswordAuthentication = true;\n}\n';
const WARN = '{ services.openssh.settings.PermitRootLogin = "prohibit-password"; }\n';
const COMMANDS = ['check', 'report', 'hosts', 'explain-option', 'rules', 'explain', 'baseline', 'test-rules', 'init', 'lsp', 'completion'];

describe('help and mistakes', () => {
  test('every command has its own --help with its own options', async () => {
    for (const command of COMMANDS) {
      const run = await runCli([command, '--help']);
      expect({ command, code: run.code, start: run.stdout.split('\n')[0] }).toEqual({ command, code: 0, start: expect.stringMatching(new RegExp(`^Usage: declint ${command}\\b`)) });
      expect(run.stdout).toContain('-h, --help');
      expect((await runCli(['help', command])).stdout).toBe(run.stdout);
    }
    const check = (await runCli(['check', '--help'])).stdout;
    expect(check).toMatch(/--fail-on <error\|warning\|note\|never>/);
    expect(check).not.toContain('--since');
    const report = (await runCli(['report', '-h'])).stdout;
    expect(report).toContain('--since <date>');
    expect(report).not.toContain('--fail-on');
    expect((await runCli(['--help'])).stdout).toMatch(/^Usage: declint <command>[\s\S]*\n {2}completion {2,}/);
  });

  test('an unknown command or flag is one line with a suggestion, not Node\'s parser text', async () => {
    const cases: [string[], string][] = [
      [['chek', '.'], 'declint: unknown command "chek"; did you mean check? (see: declint --help)\n'],
      [['check', '--fail-no', 'warning'], 'declint: unknown option --fail-no for declint check; did you mean --fail-on? (see: declint check --help)\n'],
      [['check', '--outptu', 'x.sarif'], 'declint: unknown option --outptu for declint check; did you mean --output? (see: declint check --help)\n'],
      [['report', '--framwork', 'nis2'], 'declint: unknown option --framwork for declint report; did you mean --framework? (see: declint report --help)\n'],
      [['check', '-o'], 'declint: -o needs a value: -o, --output <file>\n'],
      [['check', '--format', 'sarf'], 'declint: --format must be one of stylish, json, sarif, github, junit (got "sarf"); did you mean sarif?\n'],
      [['check', '--quiet=yes'], 'declint: --quiet takes no value\n'],
      [['explain', 'NIX-SSH-01'], 'declint: no rule NIX-SSH-01; did you mean NIX-SSH-001? (see: declint rules)\n'],
      [['completion', 'bsh'], 'declint: completion needs one shell: declint completion bash|zsh|fish; did you mean bash?\n'],
    ];
    for (const [args, stderr] of cases) {
      const run = await runCli(args, makeTree({ 'a.nix': '{ }\n' }));
      expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 2, stderr });
    }
  });

  test('--host with an unknown name is an error that lists the hosts', async () => {
    const run = await runCli(['check', 'fixtures/demo-fleet', '--host', 'web-02']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('declint: --host web-02: no such host; did you mean web-01? (hosts: bastion, db-01, web-01)\n');
  });
});

describe('what is shown', () => {
  test('--quiet and --min-severity hide lower severities in every format; the exit code still follows --fail-on', async () => {
    const dir = makeTree({ 'bad.nix': BAD, 'warn.nix': WARN });
    const all = JSON.parse((await runCli(['check', '.', '-f', 'json'], dir)).stdout);
    expect(all.summary.bySeverity).toEqual({ error: 2, warning: 1, note: 0 });
    const quiet = await runCli(['check', '.', '-q', '-f', 'json'], dir);
    expect(JSON.parse(quiet.stdout).summary.bySeverity).toEqual({ error: 2, warning: 0, note: 0 });
    const warnOnly = makeTree({ 'warn.nix': WARN });
    const hidden = await runCli(['check', '.', '--min-severity', 'error', '--fail-on', 'warning'], warnOnly);
    expect(hidden.stdout).toMatch(/^No findings\./);
    expect(hidden.code).toBe(1);
    const sarif = JSON.parse((await runCli(['check', '.', '--quiet', '-f', 'sarif'], dir)).stdout);
    expect(sarif.runs[0].results.map((r: { level: string }) => r.level)).toEqual(['error', 'error']);
  });

  test('--color and --no-color win over the terminal; FORCE_COLOR and NO_COLOR set the default', async () => {
    const dir = makeTree({ 'bad.nix': BAD });
    expect((await runCli(['check', '.', '--color'], dir, false)).stdout).toContain('\u001b[31m');
    expect((await runCli(['check', '.', '--no-color'], dir, true)).stdout).not.toContain('\u001b[');
    expect(spawnCli(['check', '.'], { cwd: dir, env: { FORCE_COLOR: '1' } }).stdout).toContain('\u001b[31m');
    expect(spawnCli(['check', '.'], { cwd: dir, env: { FORCE_COLOR: '0' } }).stdout).not.toContain('\u001b[');
    expect(spawnCli(['check', '.', '--color'], { cwd: dir, env: { NO_COLOR: '1' } }).stdout).toContain('\u001b[31m');
  });

  test('progress goes to standard error on a terminal (files, then hosts) and is erased; nothing when it is not a terminal', async () => {
    const fleet = path.resolve(__dirname, '../fixtures/demo-fleet');
    let stderr = '';
    let stdout = '';
    const io = { stdout: (t: string) => (stdout += t), stderr: (t: string) => (stderr += t), color: false, cwd: fleet, stderrIsTTY: true, progressDelayMs: 0 };
    expect(await main(['check', '.'], io)).toBe(1);
    expect(stderr).toMatch(/^\r\u001b\[Kdeclint: \d+\/\d+ files checked/);
    expect(stderr).toMatch(/\r\u001b\[Kdeclint: \d+ hosts evaluated/);
    expect(stderr.endsWith('\r\u001b[K')).toBe(true);
    expect(stdout).toContain('20 findings');
    const piped = spawnCli(['check', '.'], { cwd: fleet });
    expect(piped.stderr).toBe('');
  });

  test('-o creates the directories it needs', async () => {
    const dir = makeTree({ 'bad.nix': BAD });
    const run = await runCli(['check', '.', '-f', 'sarif', '-o', 'reports/ci/declint.sarif'], dir);
    expect(run.stderr).toBe('');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'reports/ci/declint.sarif'), 'utf8')).version).toBe('2.1.0');
    expect((await runCli(['baseline', '.', '-o', 'state/base.json'], dir)).code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'state/base.json'))).toBe(true);
  });

  test('-o where the file cannot be written stops with exit code 2 and says why', async () => {
    const dir = makeTree({ 'bad.nix': BAD, 'reports': 'a file where a directory is wanted\n' });
    const under = await runCli(['check', '.', '-f', 'sarif', '-o', 'reports/declint.sarif'], dir);
    expect(under.code).toBe(2);
    expect(under.stdout).toBe('');
    expect(under.stderr).toBe('declint: -o reports/declint.sarif: cannot write the file (a part of its path is a file, not a directory)\n');
    fs.mkdirSync(path.join(dir, 'out.json'));
    const onto = await runCli(['check', '.', '-f', 'json', '-o', 'out.json'], dir);
    expect(onto.code).toBe(2);
    expect(onto.stderr).toBe('declint: -o out.json: cannot write the file (it is a directory)\n');
  });
});

describe('declint init', () => {
  test('writes a starter .declint.yaml with the frameworks chosen, that check then reads', async () => {
    const dir = makeTree({ 'bad.nix': BAD });
    const run = await runCli(['init', '--framework', 'nis2,iso27001'], dir);
    expect(run.stdout).toBe(
      'wrote .declint.yaml: run declint check to see what it finds\ndeclint check --cache keeps results between runs in .declintcache/, which git ignores by itself; a --cache-location inside the repository belongs in .gitignore\n',
    );
    const text = fs.readFileSync(path.join(dir, '.declint.yaml'), 'utf8');
    expect(text).toContain('frameworks:\n  nis2: { entityType: essential }');
    expect(text).toContain('\n  iso27001: { scope: full }');
    const check = await runCli(['check', '.'], dir);
    expect(check.stderr).toBe('');
    // Only the chosen frameworks' controls are shown.
    expect(check.stdout).toMatch(/NIX-SSH-001 {2}\[ISO 27001 [^\]]* · NIS2 [^\]]*\]\n/);
    expect(check.stdout).not.toContain('SOC 2');
    expect((await runCli(['init'], dir)).stderr).toBe('declint: .declint.yaml already exists (--force overwrites it)\n');
    expect((await runCli(['init', '--force'], dir)).code).toBe(0);
    expect((await runCli(['check', '.'], dir)).stderr).toBe('');
    expect((await runCli(['init', '--framework', 'nis3', '--force'], dir)).stderr).toBe('declint: --framework nis3: unknown framework (one of anssi, cis, cis-k8s, dora, iso27001, nis2, soc2, stig); did you mean nis2?\n');
  });
});

describe('shell completion', () => {
  const shells = (['bash', 'zsh', 'fish'] as const).filter((shell) => spawnSync(shell, ['--version']).status === 0);
  for (const missing of ['bash', 'zsh', 'fish'].filter((s) => !(shells as readonly string[]).includes(s))) {
    console.warn(`completion: ${missing} is not installed (.ci/run installs it): its script is not syntax-checked`);
  }

  test('the scripts parse in their shell and name every command and option', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const script = (await runCli(['completion', shell])).stdout;
      for (const word of [...COMMANDS, '--fail-on', '--min-severity', 'sarif', 'iso27001']) expect({ shell, word, found: script.includes(word) }).toEqual({ shell, word, found: true });
      if (!(shells as readonly string[]).includes(shell)) continue;
      const dir = makeTree({ [`declint.${shell}`]: script });
      const syntax = spawnSync(shell, ['-n', path.join(dir, `declint.${shell}`)], { encoding: 'utf8' });
      expect({ shell, stderr: syntax.stderr, status: syntax.status }).toEqual({ shell, stderr: '', status: 0 });
    }
  });

  test('bash completes commands, options and their values', async () => {
    const script = (await runCli(['completion', 'bash'])).stdout;
    const complete = (words: string[]) => {
      const program = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _declint; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return spawnSync('bash', ['-c', program], { encoding: 'utf8', cwd: makeTree({}) }).stdout.split('\n').filter(Boolean).sort();
    };
    expect(complete(['declint', 'ch'])).toEqual(['check']);
    expect(complete(['declint', 'check', '--fail'])).toEqual(['--fail-on', '--fail-on-internal-error']);
    expect(complete(['declint', 'check', '--format', 's'])).toEqual(['sarif', 'stylish']);
    expect(complete(['declint', 'completion', 'z'])).toEqual(['zsh']);
  });
});
