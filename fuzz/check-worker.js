'use strict';
/**
 * A fuzz worker: runs declint in this thread on one input at a time, in a
 * scanned tree of its own that also holds canary files, and judges the run:
 * it must end with exit 0 or 1 (2 only with `file:line:col:` for a config or
 * rule input), every canary's findings must be there, no secret of the
 * canaries may be printed and no markup of the input rendered, in any format.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
// Run as a child process of run.js (its IPC channel); the checks run in this process.
const parentPort = { postMessage: (message) => process.send(message), on: (event, listener) => process.on(event, listener) };
const { main } = require('../dist/cli/main');

const SECRETS = ['Qm9vdHN0cmFwVG9rZW5TZWNyZXQxMjM0NTY3ODkw', 'c2VjcmV0Ym94LWVuY3J5cHRpb24tc2VjcmV0LTk4NzY1', 'TUlJRXBBSUJBQUtDQVFFQXlaeHByaXZhdGVrZXk0NTY3'];

const CANARIES = {
  'canary/ssh.nix': '{\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n',
  'canary/talos/controlplane.yaml': [
    'version: v1alpha1',
    'machine:',
    '  type: controlplane',
    `  token: ${SECRETS[0]}`,
    '  ca:',
    '    crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t',
    `    key: ${SECRETS[2]}`,
    'cluster:',
    `  secretboxEncryptionSecret: ${SECRETS[1]}`,
    '  allowSchedulingOnControlPlanes: true',
    '',
  ].join('\n'),
  'canary/lock/flake.lock': `${JSON.stringify(
    {
      nodes: {
        nixpkgs: {
          locked: { lastModified: 1690000000, narHash: 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', owner: 'NixOS', repo: 'nixpkgs', rev: '0123456789abcdef0123456789abcdef01234567', type: 'github' },
          original: { owner: 'NixOS', ref: 'nixos-23.05', repo: 'nixpkgs', type: 'github' },
        },
        root: { inputs: { nixpkgs: 'nixpkgs' } },
      },
      root: 'root',
      version: 7,
    },
    null,
    2,
  )}\n`,
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-fuzz-'));
for (const [file, text] of Object.entries(CANARIES)) write(file, text);
let written = [];
let expected;
/** Process warnings (the yaml package's, Node's) while an input runs: text on standard error no format carries. */
const warnings = [];
process.on('warning', (warning) => warnings.push(`${warning.name}: ${warning.message} ${(warning.stack || '').split('\n').slice(1, 3).join(' ').trim()}`));

function write(file, text) {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
}

async function run(args) {
  let stdout = '';
  let stderr = '';
  let code;
  try {
    code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), color: false, cwd: dir });
  } catch (error) {
    return { code: 'threw', stdout, stderr: String(error && error.stack) };
  }
  return { code, stdout, stderr };
}

const OUTPUTS = ['json', 'sarif', 'github', 'junit', 'stylish'];

/** Canary findings as `file:line:col rule`, from a JSON report. */
function canaryFindings(report) {
  return report.findings.filter((f) => f.file.startsWith('canary/')).map((f) => `${f.file}:${f.range.start.line}:${f.range.start.column} ${f.ruleId}`);
}

async function check(input) {
  for (const file of written) fs.rmSync(path.join(dir, file), { force: true, recursive: true });
  written = [];
  for (const file of fs.readdirSync(dir)) if (file.startsWith('out.')) fs.rmSync(path.join(dir, file), { force: true });
  // One file, or a whole project (`files`) with one of its files mutated.
  for (const [file, text] of Object.entries(input.files ?? (input.file ? { [input.file]: input.text } : {}))) {
    write(file, text);
    if (!written.includes(file.split('/')[0])) written.push(file.split('/')[0]);
  }
  const args = ['check', '.', ...OUTPUTS.flatMap((f) => ['--format', f, '-o', `out.${f}`]), ...(input.args || [])];
  const started = process.hrtime.bigint();
  warnings.length = 0;
  const result = await run(args);
  // Warnings are emitted on the next turn of the event loop.
  await new Promise((resolve) => setImmediate(resolve));
  const problems = warnings.map((w) => `warning on standard error: ${w}`);
  const located = /^declint: [^\n]+:\d+:\d+: /;
  if (result.code === 'threw' || /internal error/.test(result.stderr) || /\n\s+at /.test(result.stderr)) problems.push(`crash: ${result.stderr.split('\n').slice(0, 3).join(' | ')}`);
  else if (result.code === 2) {
    if (!(input.kind === 'config' || input.kind === 'rule') || !located.test(result.stderr)) problems.push(`wrong exit code 2: ${result.stderr.split('\n')[0]}`);
  } else if (result.code !== 0 && result.code !== 1) problems.push(`wrong exit code ${result.code}`);
  let notes = 0;
  let internal = 0;
  if (result.code === 0 || result.code === 1) {
    const outputs = Object.fromEntries(OUTPUTS.map((f) => [f, fs.readFileSync(path.join(dir, `out.${f}`), 'utf8')]));
    let report;
    try {
      report = JSON.parse(outputs.json);
      JSON.parse(outputs.sarif);
    } catch (error) {
      problems.push(`invalid JSON output: ${error.message}`);
    }
    if (report) {
      notes = report.findings.filter((f) => f.ruleId === 'declint-limit').length;
      internal = report.findings.filter((f) => f.ruleId === 'internal-error').length;
      if (internal > 0) problems.push(`crash: internal-error finding: ${report.findings.find((f) => f.ruleId === 'internal-error').message}`);
      // A config may legitimately switch off or ignore the canaries' rules; every other input must leave them alone.
      if (input.kind !== 'config') {
        const found = new Set(canaryFindings(report));
        const lost = expected.filter((f) => !found.has(f));
        if (lost.length > 0) problems.push(`lost canary: ${lost.join(', ')}`);
      }
    }
    for (const [format, text] of Object.entries(outputs)) {
      for (const secret of SECRETS) if (text.includes(secret.slice(0, 16))) problems.push(`secret printed in ${format}`);
    }
  }
  if (input.report && (result.code === 0 || result.code === 1)) {
    for (const format of ['md', 'html']) {
      const shown = await run(['report', '.', '--format', format, ...(input.args || [])]);
      if (shown.code !== 0) problems.push(`report --format ${format} exited ${shown.code}: ${shown.stderr.split('\n')[0]}`);
      const own = format === 'html' ? 1 : 0; // the HTML report's own filter script
      if ((shown.stdout.match(/<script/gi) || []).length > own || shown.stdout.includes('<!--')) problems.push(`markup rendered in the ${format} report`);
      for (const secret of SECRETS) if (shown.stdout.includes(secret.slice(0, 16))) problems.push(`secret printed in the ${format} report`);
    }
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { problems, notes, ms, code: result.code };
}

async function start() {
  const baseline = await run(['check', '.', '--format', 'json']);
  expected = canaryFindings(JSON.parse(baseline.stdout));
  parentPort.postMessage({ kind: 'ready', canaries: expected.length });
  parentPort.on('message', async (message) => {
    if (message.kind === 'stop') {
      fs.rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    }
    let outcome;
    try {
      outcome = await check(message.input);
    } catch (error) {
      outcome = { problems: [`crash in the fuzz worker: ${error && error.stack}`], notes: 0, ms: 0 };
    }
    parentPort.postMessage({ kind: 'done', index: message.index, ...outcome });
  });
}

process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
start();
