import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { makeTree, ROOT, runCli } from './support/cli';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { REPRODUCERS } = require('../fuzz/reproducers') as { REPRODUCERS: { name: string; path: string; text: string }[] };

/**
 * Issue 18's campaign: inputs that aborted the whole run, lost findings with
 * exit 0, or ran for minutes. Each must now leave the run going, show what
 * it could not check where it is, and keep every other finding: a canary
 * file beside it is always reported.
 */

const CANARY = '{\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n';
const CANARY_FINDING = 'canary.nix:2:3 NIX-SSH-001';
const BAD_SSH_LINE = '  services.openssh.settings.PermitRootLogin = "yes";\n';

interface JsonFinding {
  ruleId: string;
  file: string;
  message: string;
  range: { start: { line: number; column: number } };
}

async function check(files: Record<string, string>, args: string[] = []) {
  const dir = makeTree({ 'canary.nix': CANARY, ...files });
  const run = await runCli(['check', '.', '--format', 'json', ...args], dir);
  const report = run.code === 0 || run.code === 1 ? (JSON.parse(run.stdout) as { findings: JsonFinding[] }) : { findings: [] };
  const at = (f: JsonFinding) => `${f.file}:${f.range.start.line}:${f.range.start.column} ${f.ruleId}`;
  return { run, findings: report.findings, located: report.findings.map(at), dir };
}

/** What each reproducer must give besides the canary (exactly, in order), or its findings counted by rule for the large ones. */
const EXPECTED: Record<string, string[] | Record<string, number>> = {
  'lock-lastModified-1e300': [],
  'lock-lastModified-negative': [],
  'lock-input-object': ['flake.lock:5:14 parse-error'],
  'lock-follows-cycle': ['flake.lock:5:9 FLK-002'],
  'lock-follows-100k': ['flake.lock:5:9 FLK-002'],
  'lock-nested-3000': ['flake.lock:1:114 declint-limit'],
  // A set that holds itself is one value where it is met again (no definitions below it): no limit is reached.
  'nix-rec-self': ['self.nix:3:3 NIX-SSH-001'],
  'nix-nested-2000': ['nested.nix:2:3 declint-limit', 'nested.nix:3:3 NIX-SSH-001'],
  'nix-dotted-2000': ['dotted.nix:2:3 declint-limit', 'dotted.nix:3:3 NIX-SSH-001'],
  'nix-dotted-100k': ['dotted.nix:2:3 declint-limit', 'dotted.nix:3:3 NIX-SSH-001'],
  // Past the parse's time budget the file is not checked, said at its start; the canary beside it is.
  'nix-slow-parse': ['dotted.nix:1:1 declint-limit'],
  'nix-error-wide': ['update.nix:5:1 parse-error'],
  // The duplicate-attribute check compares merged literals to a depth: the deep set is a limit note where it is defined.
  'nix-merged-deep': ['boot.nix:2:3 declint-limit', 'boot.nix:4:3 NIX-SSH-001'],
  'nix-doubling-22': ['configuration.nix:26:3 declint-limit', 'configuration.nix:27:3 NIX-SSH-001'],
  // Found before parsing, at the bracket that goes one level too deep.
  'talos-nested-2000': ['talos/controlplane.yaml:4:68 declint-limit'],
  // A host: the rules judge it as a whole (the notes at both costly values, the explicit setting between them).
  'nix-expensive-function': { 'declint-limit': 2, 'NIX-SSH-001': 1 },
  // A BOM is not a column, and CR or CRLF line ends count as editors count them.
  'talos-bom': ['talos/controlplane.yaml:1:1 TAL-008', 'talos/controlplane.yaml:1:1 TAL-022', 'talos/controlplane.yaml:5:3 TAL-013'],
  'talos-lone-cr': ['talos/controlplane.yaml:1:1 TAL-008', 'talos/controlplane.yaml:1:1 TAL-022', 'talos/controlplane.yaml:5:3 TAL-013'],
  'nix-bom': ['ssh.nix:1:3 NIX-SSH-001'],
  'nix-crlf': ['ssh.nix:3:3 NIX-SSH-001'],
  'talos-flow-style': ['talos/controlplane.yaml:1:1 TAL-008', 'talos/controlplane.yaml:1:1 TAL-022', 'talos/controlplane.yaml:1:62 TAL-013'],
  'lock-no-root-object': ['flake.lock:1:1 parse-error'],
  'lock-nodes-list': ['flake.lock:1:11 parse-error'],
  'lock-unknown-version': ['flake.lock:1:41 FLK-001'],
  // Each of the 19,000 nodes is a second nixpkgs without a branch; the last input names no node.
  'lock-19k-nodes': { 'FLK-003': 19000, 'FLK-009': 18999, 'FLK-002': 1 },
  'nix-update-100k': ['update.nix:2:7 declint-limit', 'update.nix:3:3 NIX-SSH-001'],
  'nix-concat-100k': ['concat.nix:2:7 declint-limit', 'concat.nix:3:3 NIX-SSH-001'],
  'nix-larger-than-limit': ['large.nix:1:1 declint-limit'],
  // Host discovery's builtins (on main before the merge: a silent unknown, a lost run, a 3 GB hang and a regex that never returns).
  'nix-genlist-huge': ['genlist.nix:3:3 NIX-SSH-001', 'genlist.nix:3:56 declint-limit'],
  'nix-concatlists-doubling': ['lists.nix:3:3 NIX-SSH-001', 'lists.nix:3:56 declint-limit'],
  'nix-replacestrings-doubling': ['strings.nix:3:3 NIX-SSH-001', 'strings.nix:3:56 declint-limit'],
  'nix-match-backtracking': ['match.nix:3:3 NIX-SSH-001', 'match.nix:3:56 declint-limit'],
  'flake-genlist-hosts': ['flake.nix:3:27 declint-limit'],
  // Hung for good on main before the merge (2^53 + 1 reads as 2^53, which n++ never passes); a port no NixOS build accepts is not judged.
  'nix-port-beyond-2-53': ['port.nix:3:3 NIX-SSH-001'],
  'nix-range-beyond-2-53': ['range.nix:3:3 NIX-SSH-001'],
};

describe("the campaign's reproducers: the run goes on, and says what it could not check", () => {
  test('every reproducer has its expectation here', () => {
    expect(REPRODUCERS.map((r) => r.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  test.each(REPRODUCERS.map((r) => [r.name, r] as const))('%s', async (name, reproducer) => {
    const { run, findings, located } = await check({ [reproducer.path]: reproducer.text });
    expect(run.stderr).toBe('');
    expect([0, 1]).toContain(run.code);
    expect(located).toContain(CANARY_FINDING);
    expect(findings.filter((f) => f.ruleId === 'internal-error')).toEqual([]);
    const own = located.filter((f) => f !== CANARY_FINDING);
    const expected = EXPECTED[name];
    if (Array.isArray(expected)) expect(own).toEqual(expected);
    else {
      const counts: Record<string, number> = {};
      for (const f of findings.filter((x) => x.file !== 'canary.nix')) counts[f.ruleId] = (counts[f.ruleId] ?? 0) + 1;
      expect(Object.fromEntries(Object.entries(counts).filter(([rule]) => rule in expected))).toEqual(expected);
    }
  });

  test.each(['lock-lastModified-1e300', 'lock-lastModified-negative', 'lock-input-object'])('the compliance report reads %s too', async (name) => {
    const reproducer = REPRODUCERS.find((r) => r.name === name)!;
    const dir = makeTree({ 'canary.nix': CANARY, [reproducer.path]: reproducer.text });
    for (const format of ['md', 'html', 'json']) {
      const run = await runCli(['report', '.', '--format', format], dir);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    }
  });

  test.each([
    ['a map', 'version: v1alpha1\nmachine:\n  type: controlplane\n  ? {a: 1}\n  : x\n', 'talos/cp.yaml:4:5 parse-error'],
    // Found by the fuzz suite: the alias passed the check, and reading the aliases warned on standard error.
    ['a list through an alias', 'version: v1alpha1\nmachine:\n  type: controlplane\n  x: &x [1]\n  ? *x\n  : 2\n', 'talos/cp.yaml:5:5 parse-error'],
  ])('a Talos key that is %s is an error at the key, said once, with nothing on standard error', async (_name, text, at) => {
    const { run, located } = await check({ 'talos/cp.yaml': text });
    expect(run.stderr).toBe('');
    expect(located).toEqual([CANARY_FINDING, at]);
  });

  test('a limit reached is said at its place with what was not judged', async () => {
    const { findings } = await check({ 'nested.nix': REPRODUCERS.find((r) => r.name === 'nix-nested-2000')!.text });
    expect(findings.find((f) => f.ruleId === 'declint-limit')?.message).toBe(
      'This definition nests more than 48 levels (a set that contains itself?); what lies deeper is treated as unknown.',
    );
  });

  test.each([
    ['genlist.nix', 'nix-genlist-huge', /^genList builds a list of more than 100,000 elements; it is treated as unknown\.$/],
    ['match.nix', 'nix-match-backtracking', /^builtins\.match: the pattern "\(a\+\)\+\$" is not run \(.*nested quantifier.*\); it is treated as unknown\.$/],
    ['flake.nix', 'flake-genlist-hosts', /^genList builds a list of more than 100,000 elements/],
  ])('a builtin that reaches a bound says so at the value read (%s)', async (file, name, message) => {
    const { findings } = await check({ [file]: REPRODUCERS.find((r) => r.name === name)!.text });
    expect(findings.find((f) => f.ruleId === 'declint-limit')?.message).toMatch(message);
  });

  test('a Terraform talos patch nested 3,000 levels deep: the node is read in part and the run goes on', async () => {
    const deep = `${'{ a = '.repeat(3000)}1${' }'.repeat(3000)}`;
    const tf = [
      'terraform {',
      '  required_providers {',
      '    talos = { source = "siderolabs/talos" }',
      '  }',
      '}',
      'data "talos_machine_configuration" "cp" {',
      '  cluster_name     = "c"',
      '  cluster_endpoint = "https://x:6443"',
      '  machine_type     = "controlplane"',
      '  machine_secrets  = "s"',
      `  config_patches   = [yamlencode(${deep})]`,
      '}',
      'resource "talos_machine_configuration_apply" "cp" {',
      '  machine_configuration_input = data.talos_machine_configuration.cp.machine_configuration',
      '  node = "10.0.0.1"',
      '}',
      '',
    ].join('\n');
    const { run, findings, located } = await check({ 'main.tf': tf });
    expect(run.stderr).toBe('');
    expect(located).toContain(CANARY_FINDING);
    expect(findings.filter((f) => f.ruleId === 'internal-error')).toEqual([]);
    const hosts = JSON.parse((await runCli(['hosts', '.', '--json'], makeTree({ 'main.tf': tf }))).stdout) as { talosNodes: { status: string }[] };
    expect(hosts.talosNodes.map((n) => n.status)).toEqual(['partial']);
  });

  test('--fix edits a file with a byte order mark where its finding is, and keeps the mark', async () => {
    const dir = makeTree({ 'ssh.nix': `\ufeff{\n${BAD_SSH_LINE}}\n` });
    const dry = await runCli(['check', '.', '--fix-dry-run', '--unsafe-fixes'], dir);
    expect(dry.stdout).toContain('+  services.openssh.settings.PermitRootLogin = "no";');
    const fixed = await runCli(['check', '.', '--fix', '--unsafe-fixes'], dir);
    expect(fixed.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'ssh.nix'), 'utf8')).toBe('\ufeff{\n  services.openssh.settings.PermitRootLogin = "no";\n}\n');
  });

  test('an expensive value leaves the other values of its file judged, and a note at each costly value', async () => {
    const { located, findings } = await check({ 'configuration.nix': REPRODUCERS.find((r) => r.name === 'nix-expensive-function')!.text });
    expect(located).toEqual(expect.arrayContaining(['configuration.nix:8:15 declint-limit', 'configuration.nix:10:3 NIX-SSH-001', 'configuration.nix:11:19 declint-limit']));
    expect(findings.find((f) => f.ruleId === 'declint-limit')?.message).toMatch(/took more than 200,000 steps; it is treated as unknown, and the file's other values are still judged/);
  });
});

describe('files the scan cannot read are said, never skipped in silence', () => {
  const asRoot = process.getuid?.() === 0;

  const CANARY_LINE = 'canary.nix NIX-SSH-001 SSH lets root log in directly (services.openssh.settings.PermitRootLogin = "yes").';
  const unreadableLine = (file: string) => `${file} declint-unreadable declint could not read ${file} (permission denied), so nothing in it was checked.`;
  /** `check --format json` as nobody when run as root (root reads everything); `locked`, a directory made unreadable, is opened again after. */
  function checkAsNobody(dir: string, locked: string) {
    const run = spawnSync(process.execPath, [path.join(ROOT, 'bin/declint.js'), 'check', '.', '--format', 'json'], { cwd: dir, encoding: 'utf8', ...(asRoot ? { uid: 65534, gid: 65534 } : {}) });
    fs.chmodSync(path.join(dir, locked), 0o755);
    const findings = run.status === 0 || run.status === 1 ? (JSON.parse(run.stdout) as { findings: JsonFinding[] }).findings.map((f) => `${f.file} ${f.ruleId} ${f.message}`) : [];
    return { status: run.status, stderr: run.stderr, findings };
  }

  test('an unreadable directory and an unreadable file are warnings at their paths; the rest is checked', () => {
    const dir = makeTree({ 'canary.nix': CANARY, 'locked/inner.nix': CANARY, 'closed.nix': CANARY });
    fs.chmodSync(path.join(dir, 'locked'), 0o000);
    fs.chmodSync(path.join(dir, 'closed.nix'), 0o000);
    // Root reads everything: the check runs as nobody, who can read the tree but not those two.
    fs.chmodSync(dir, 0o755);
    expect(checkAsNobody(dir, 'locked')).toEqual({
      status: 1,
      stderr: '',
      findings: [CANARY_LINE, unreadableLine('closed.nix'), unreadableLine('locked')],
    });
  });

  test('in a git work tree, where git lists the files: an untracked directory git cannot open is a warning at its path', () => {
    const dir = makeTree({ 'canary.nix': CANARY, 'locked/inner.nix': CANARY });
    expect(spawnSync('git', ['init', '-q'], { cwd: dir }).status).toBe(0);
    // Root reads everything: the tree is nobody's (git refuses a repository of another owner), and nobody cannot open locked/.
    if (asRoot) spawnSync('chown', ['-R', '65534:65534', dir]);
    fs.chmodSync(path.join(dir, 'locked'), 0o000);
    expect(checkAsNobody(dir, 'locked')).toEqual({ status: 1, stderr: '', findings: [CANARY_LINE, unreadableLine('locked')] });
  });

  test('a directory deeper than the longest path the system takes is said at the directory', async () => {
    const dir = makeTree({ 'canary.nix': CANARY });
    // One relative step at a time: each mkdir and cd names one directory, and the tree goes deeper than any absolute path can name.
    const made = spawnSync('sh', ['-c', `for i in $(seq 24); do mkdir ${'d'.repeat(200)} && cd -P ${'d'.repeat(200)} || exit 1; done; printf '{ x = 1; }\\n' > deep.nix`], { cwd: dir });
    expect(made.status).toBe(0);
    let run;
    try {
      run = await runCli(['check', '.', '--format', 'json'], dir);
    } finally {
      // rm works through the tree one directory at a time, as Node's rmSync cannot beyond the longest path.
      spawnSync('rm', ['-rf', path.join(dir, 'd'.repeat(200))]);
    }
    const { findings } = JSON.parse(run.stdout) as { findings: JsonFinding[] };
    expect(run.stderr).toBe('');
    const unreadable = findings.filter((f) => f.ruleId === 'declint-unreadable');
    expect(unreadable).toHaveLength(1);
    expect(unreadable[0].message).toMatch(/its path is longer than the system allows/);
    expect(findings.some((f) => f.file === 'canary.nix' && f.ruleId === 'NIX-SSH-001')).toBe(true);
  });

  test('a FIFO and a broken symlink with a candidate name are said; a file with a newline in its name is checked and printed safely', async () => {
    const dir = makeTree({ 'canary.nix': CANARY, 'odd\nname.nix': CANARY });
    spawnSync('mkfifo', [path.join(dir, 'pipe.nix')]);
    fs.symlinkSync(path.join(dir, 'missing.nix'), path.join(dir, 'dangling.nix'));
    const json = await runCli(['check', '.', '--format', 'json'], dir);
    const report = JSON.parse(json.stdout) as { findings: JsonFinding[] };
    expect(report.findings.map((f) => `${JSON.stringify(f.file)} ${f.ruleId}`)).toEqual([
      '"canary.nix" NIX-SSH-001',
      '"dangling.nix" declint-unreadable',
      '"odd\\nname.nix" NIX-SSH-001',
      '"pipe.nix" declint-unreadable',
    ]);
    const stylish = await runCli(['check', '.'], dir);
    expect(stylish.stdout).toContain('odd\\x0aname.nix\n');
    const github = await runCli(['check', '.', '--format', 'github'], dir);
    expect(github.stdout).toContain('::error file=odd%0Aname.nix,line=2');
  });

  test("host discovery's tree reads go through the same reader: a FIFO, a file outside the tree, an unreadable directory", async () => {
    const dir = makeTree({
      'canary.nix': CANARY,
      'flake.nix': [
        '{',
        '  outputs = { nixpkgs, ... }: {',
        '    nixosConfigurations.web = nixpkgs.lib.nixosSystem {',
        '      modules = [ ./web.nix { networking.hostName = builtins.readFile ./pipe; } ] ++ builtins.attrValues (builtins.mapAttrs (n: _: ./closed + "/${n}") (builtins.readDir ./closed)) ++ [ (import ./outside.nix) ];',
        '    };',
        '  };',
        '}',
        '',
      ].join('\n'),
      'web.nix': CANARY,
      'closed/x.nix': '{ }\n',
    });
    spawnSync('mkfifo', [path.join(dir, 'pipe')]);
    fs.symlinkSync('/etc/hostname', path.join(dir, 'outside.nix'));
    fs.chmodSync(path.join(dir, 'closed'), 0o000);
    try {
      const started = Date.now();
      const run = await runCli(['hosts', '.', '--json'], dir);
      expect(Date.now() - started).toBeLessThan(20_000);
      const hosts = JSON.parse(run.stdout) as { hosts: { name: string; status: string; unread: string[] }[] };
      const web = hosts.hosts.find((h) => h.name === 'web')!;
      // The host is read in part: what declint could not read is said, nothing outside the tree is opened.
      expect(web.status).toBe('partial');
      expect(web.unread.join('\n')).toMatch(/outside\.nix/);
      const checked = await runCli(['check', '.', '--format', 'json'], dir);
      expect(checked.stderr).toBe('');
      expect((JSON.parse(checked.stdout) as { findings: JsonFinding[] }).findings.filter((f) => f.ruleId === 'NIX-SSH-001').map((f) => f.file).sort()).toEqual(['canary.nix', 'web.nix']);
    } finally {
      fs.chmodSync(path.join(dir, 'closed'), 0o755);
    }
  });
});

describe('configuration, rule and baseline input: file:line:col and exit 2, never a stack trace', () => {
  const ALIAS_BOMB = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 11 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`)].join('\n');
  const cases: [string, Record<string, string>, string[], RegExp][] = [
    ['a YAML alias count over the limit in .declint.yaml', { '.declint.yaml': ALIAS_BOMB }, [], /^declint: \.declint\.yaml:12:\d+: aliases expand too much/],
    ['a YAML alias count over the limit in a rule file', { 'policy/nixos/X-1.yaml': ALIAS_BOMB }, ['--rules-dir', 'policy'], /^declint: policy\/nixos\/X-1\.yaml:12:\d+: aliases expand too much/],
    ['a rationale of spaces', { '.declint.yaml': 'exceptions:\n  NIX-SSH-001:\n    rationale: "            "\n' }, [], /^declint: \.declint\.yaml:3:16: exceptions\.NIX-SSH-001\.rationale must say why/],
    ['an expiry date that does not exist', { '.declint.yaml': 'exceptions:\n  NIX-SSH-001:\n    rationale: Rescue access, reviewed quarterly\n    expires: 2027-02-30\n' }, [], /^declint: \.declint\.yaml:4:14: exceptions\.NIX-SSH-001\.expires is not a date: 2027-02-30 does not exist/],
    ['exception paths that match nothing', { '.declint.yaml': 'exceptions:\n  NIX-SSH-001:\n    rationale: Rescue access, reviewed quarterly\n    paths: ["."]\n' }, [], /^declint: \.declint\.yaml:4:13: exceptions\.NIX-SSH-001\.paths\.0 "\." matches no file/],
    ['ignore globs that match nothing', { '.declint.yaml': 'ignore: ["./vendor/**"]\n' }, [], /^declint: \.declint\.yaml:1:10: ignore\.0 "\.\/vendor\/\*\*" matches no file/],
    ['custom rules outside the configuration directory', { '.declint.yaml': 'ruleDirs: [../etc]\n' }, [], /^declint: \.declint\.yaml:1:12: ruleDirs\[0\] "\.\.\/etc" lies outside the directory of the configuration/],
    ['a rule whose pattern backtracks catastrophically', { 'policy/nixos/X-REDOS-001.yaml': ruleWithPattern('X-REDOS-001', '^(a+)+$') }, ['--rules-dir', 'policy'], /^declint: policy\/nixos\/X-REDOS-001\.yaml:8:22: matches: "\^\(a\+\)\+\$" is refused: \(a\+\)\+ repeats a\+/],
    ['a key that is a map (the yaml package would only warn on standard error)', { '.declint.yaml': 'flakes:\n  ? {errorAfterDays: 120}\n  : 3\n' }, [], /^declint: \.declint\.yaml:2:5: a key is a map, a list or a tagged value \(!!binary, !!timestamp\): keys are plain names\n$/],
    ['a key that is a list through an alias (found by the fuzz suite)', { '.declint.yaml': 'ignore: &x [a]\nrules:\n  ? *x\n  : off\n' }, [], /^declint: \.declint\.yaml:3:5: a key is a map, a list or a tagged value \(!!binary, !!timestamp\): keys are plain names\n$/],
    ['a key that is a !!binary value (found by the fuzz suite)', { '.declint.yaml': 'flakes:\n  nixpkgsRefs:\n!!binary     allow: [nixos-unstable]\n' }, [], /^declint: \.declint\.yaml:3:14: a key is a map, a list or a tagged value \(!!binary, !!timestamp\): keys are plain names\n$/],
    ['a rule file with a !!binary key (found by the fuzz suite)', { 'policy/nixos/X-BIN-001.yaml': ruleWithPattern('X-BIN-001', 'a').replace('target: nixos', '!!binary target: nixos') }, ['--rules-dir', 'policy'], /^declint: policy\/nixos\/X-BIN-001\.yaml:3:10: a key is a map, a list or a tagged value/],
    ['a baseline with malformed entries', { 'base.json': '{"version": 1, "findings": [{"fingerprint": "x"}, 3]}\n' }, ['--baseline', 'base.json'], /^declint: base\.json:1:29: findings\[0\] must be an object with the strings fingerprint, ruleId, file, message/],
    ['a baseline that is not JSON', { 'base.json': '{"version": 1,\n  "findings": [\n}\n' }, ['--baseline', 'base.json'], /^declint: base\.json:3:1: not a declint baseline: invalid JSON/],
  ];

  test.each(cases)('%s', async (_name, files, args, message) => {
    const { run } = await check(files, args);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(run.code).toBe(2);
  });

  test('.declint.yaml that is a FIFO, a symlink to /dev/zero or to /etc/passwd is refused at once', async () => {
    for (const make of [
      (file: string) => spawnSync('mkfifo', [file]),
      (file: string) => fs.symlinkSync('/dev/zero', file),
      (file: string) => fs.symlinkSync('/etc/passwd', file),
    ]) {
      const dir = makeTree({ 'canary.nix': CANARY });
      make(path.join(dir, '.declint.yaml'));
      const started = Date.now();
      const run = await runCli(['check', '.'], dir);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(run.stderr).toMatch(/^declint: \.declint\.yaml:1:1: the configuration file cannot be read: it (is a named pipe \(FIFO\), not a regular file|resolves outside the directory it is found in)\n$/);
      expect(run.code).toBe(2);
    }
  });

  test('an unreadable rule file is file:line:col, and -o into a missing directory creates it', async () => {
    const dir = makeTree({ 'canary.nix': CANARY, 'policy/nixos/X-2.yaml': ruleWithPattern('X-2', 'yes') });
    const run = await runCli(['check', '.', '--rules-dir', 'policy', '--format', 'json', '-o', 'reports/deep/out.json'], dir);
    expect(run.code).toBe(1);
    const written = JSON.parse(fs.readFileSync(path.join(dir, 'reports/deep/out.json'), 'utf8')) as { findings: JsonFinding[] };
    expect(written.findings.map((f) => f.ruleId)).toEqual(['NIX-SSH-001', 'X-2']);
    const link = makeTree({ 'canary.nix': CANARY });
    fs.mkdirSync(path.join(link, 'policy/nixos'), { recursive: true });
    fs.symlinkSync('/etc/passwd', path.join(link, 'policy/nixos/X-3.yaml'));
    // A symlinked rule file is not listed (only regular files are rules); a broken file is said where it is.
    fs.writeFileSync(path.join(link, 'policy/nixos/X-4.yaml'), Buffer.from([0x69, 0x64, 0x3a, 0x20, 0x0a, 0x09, 0x7b]));
    const broken = await runCli(['check', '.', '--rules-dir', 'policy'], link);
    expect(broken.stderr).toMatch(/^declint: policy\/nixos\/X-4\.yaml:\d+:\d+: /);
    expect(broken.code).toBe(2);
  });
});

describe('git runs in the scanned repository, and its configuration cannot run a command', () => {
  const git = (cwd: string, ...args: string[]) => {
    const run = spawnSync('git', ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.org', ...args], { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } });
    if (run.status !== 0) throw new Error(run.stderr);
  };
  const hasGit = spawnSync('git', ['--version']).status === 0;
  (hasGit ? test : test.skip)('report and --changed-since read the scanned repository and start none of its configured programs', async () => {
    const outer = makeTree({});
    const repo = path.join(outer, 'fleet');
    fs.mkdirSync(repo);
    fs.writeFileSync(path.join(repo, 'ssh.nix'), CANARY);
    fs.writeFileSync(path.join(repo, '.gitattributes'), '*.nix filter=evil diff=evil\n');
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'Fleet commit subject');
    const marker = path.join(outer, 'ran');
    for (const [key, value] of [
      ['core.fsmonitor', `touch ${marker}-fsmonitor; false`],
      ['core.pager', `touch ${marker}-pager; cat`],
      ['filter.evil.clean', `touch ${marker}-clean; cat`],
      ['filter.evil.required', 'true'],
      ['diff.evil.textconv', `touch ${marker}-textconv; cat`],
      ['diff.external', `touch ${marker}-extdiff; true`],
      ['log.showSignature', 'true'],
      ['gpg.program', `${marker}-gpg`],
    ]) git(repo, 'config', key, value);
    fs.writeFileSync(path.join(repo, 'ssh.nix'), `${CANARY}\n`);
    fs.utimesSync(path.join(repo, 'ssh.nix'), new Date(0), new Date(0));
    // Run from the directory above: not a repository.
    const report = await runCli(['report', 'fleet', '--format', 'json'], outer);
    expect(report.code).toBe(0);
    expect(JSON.parse(report.stdout).git.head.subject).toBe('Fleet commit subject');
    const changed = await runCli(['check', 'fleet', '--changed-since', 'HEAD', '--format', 'json'], outer);
    expect(changed.stderr).toBe('');
    expect(JSON.parse(changed.stdout).findings.map((f: JsonFinding) => f.file)).toEqual(['fleet/ssh.nix']);
    expect(fs.readdirSync(outer).filter((f) => f.startsWith('ran'))).toEqual([]);
  });
});

function ruleWithPattern(id: string, pattern: string): string {
  return [
    `id: ${id}`,
    'title: Custom pattern rule',
    'target: nixos',
    'subject:',
    '  option: services.openssh.settings.PermitRootLogin',
    'violations:',
    `  - mode: explicit\n    test: { matches: '${pattern}' }`,
    '    describe: matches the pattern',
    '    severity: error',
    "    message: 'Matched {value}.'",
    'security-severity: 5.0',
    'tags: [security]',
    'controls:',
    '  iso27001: [A.8.5]',
    'rationale: A custom rule.',
    'remediation:',
    '  text: Fix it.',
    '',
  ].join('\n');
}
