import * as fs from 'fs';
import * as path from 'path';
import { CodeAction, Diagnostic, DiagnosticSeverity, DiagnosticTag, Hover, TextDocumentEdit, TextEdit } from 'vscode-languageserver-protocol';
import { applyEdits, LspTestClient, makeWorkspace, uriOf } from './support/lsp-client';

/**
 * The language server as an editor sees it: the built `declint lsp --stdio`
 * as a child process, driven over JSON-RPC by a real protocol client.
 */

const FLAKE = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
  outputs = { self, nixpkgs }: {
    nixosConfigurations.web = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ ./hosts/web.nix ];
    };
    nixosConfigurations.db = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ ./hosts/db.nix ];
    };
  };
}
`;
const WEB = `{ lib, ... }:
{
  imports = [ ../modules/ssh.nix ];
  networking.hostName = "web";
  system.stateVersion = "24.05";
}
`;
const DB = `{ ... }:
{
  networking.hostName = "db";
  system.stateVersion = "24.05";
}
`;
const SSH = `{ lib, ... }:
{
  services.openssh.enable = true;
  services.openssh.settings.PermitRootLogin = "yes";
}
`;
const TALOS = `version: v1alpha1
machine:
  type: worker
  install:
    disk: /dev/sda
    image: ghcr.io/siderolabs/installer:latest
cluster:
  clusterName: lab
`;

function fleet(extra: Record<string, string> = {}): string {
  return makeWorkspace({ 'flake.nix': FLAKE, 'hosts/web.nix': WEB, 'hosts/db.nix': DB, 'modules/ssh.nix': SSH, ...extra });
}

const byRule = (rule: string) => (ds: Diagnostic[]) => ds.some((d) => d.code === rule);
const withoutRule = (rule: string) => (ds: Diagnostic[]) => !ds.some((d) => d.code === rule);
const range = (l1: number, c1: number, l2: number, c2: number) => ({ start: { line: l1, character: c1 }, end: { line: l2, character: c2 } });
const hoverText = (h: Hover | null) => (h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '');

let client: LspTestClient | undefined;
afterEach(() => {
  client?.kill();
  client = undefined;
});

test('initialize: incremental sync, hover and code actions; the workspace is indexed with $/progress and its findings published at exact ranges with rule links and provenance', async () => {
  const root = fleet();
  client = new LspTestClient(root, { progress: true });
  const init = await client.initialize();
  expect(init.capabilities.textDocumentSync).toMatchObject({ openClose: true, change: 2 });
  expect(init.capabilities.hoverProvider).toBe(true);
  expect(init.capabilities.codeActionProvider).toMatchObject({ codeActionKinds: ['quickfix', 'source.fixAll.declint'] });

  // Nothing is open: the indexed workspace alone yields the diagnostics.
  const ssh = await client.diagnosticsFor(uriOf(root, 'modules/ssh.nix'), byRule('NIX-SSH-001'));
  expect(ssh).toEqual([
    {
      range: range(3, 2, 3, 51),
      severity: DiagnosticSeverity.Error,
      code: 'NIX-SSH-001',
      codeDescription: { href: 'https://github.com/declint/declint/blob/main/docs/rules/NIX-SSH-001.md' },
      source: 'declint',
      message: 'SSH lets root log in directly (services.openssh.settings.PermitRootLogin = "yes") [host web].',
      relatedInformation: [{ location: { uri: uriOf(root, 'flake.nix'), range: range(3, 30, 6, 5) }, message: 'host web' }],
    },
  ]);
  // Absence findings sit at each host's nixosSystem call; sshd's are only on the host that imports ssh.nix.
  const flake = await client.diagnosticsFor(uriOf(root, 'flake.nix'));
  const passwords = flake.filter((d) => d.code === 'NIX-SSH-002');
  expect(passwords.map((d) => [d.range.start, d.message.endsWith('[host web].')])).toEqual([[{ line: 3, character: 30 }, true]]);
  expect(flake.some((d) => d.code === 'NIX-LOG-001' && d.range.start.line === 7 && d.message.endsWith('[host db].'))).toBe(true);

  const kinds = client.progress.map((p) => (p as { value: { kind: string } }).value.kind);
  expect(kinds[0]).toBe('begin');
  expect(kinds).toContain('report');
  expect(kinds[kinds.length - 1]).toBe('end');
  const last = client.progress.filter((p) => (p as { value: { kind: string } }).value.kind === 'report').pop() as { value: { percentage: number; message: string } };
  expect(last.value).toEqual({ kind: 'report', percentage: 100, message: '4/4 files' });
  expect(await client.stop()).toBe(0);
});

test('incremental changes: single and batched ranged edits keep the tree in step, and the diagnostic follows the text', async () => {
  const root = fleet();
  client = new LspTestClient(root, { initializationOptions: { settleMs: 300 } });
  await client.initialize();
  const uri = client.open('modules/ssh.nix', SSH);
  await client.diagnosticsFor(uri, byRule('NIX-SSH-001'), 1);

  // "yes" → "no": the value is at line 3, columns 46-51 (0-based, quotes included).
  client.change(uri, 2, [{ range: range(3, 46, 3, 51), text: '"no"' }]);
  expect(await client.diagnosticsFor(uri, () => true, 2)).toEqual([]);

  // Two edits in one notification, applied in order: a comment line above, then the value back to "yes" on the shifted line.
  client.change(uri, 3, [
    { range: range(2, 0, 2, 0), text: '  # sshd for the admins\n' },
    { range: range(4, 46, 4, 50), text: '"yes"' },
  ]);
  const moved = await client.diagnosticsFor(uri, () => true, 3);
  expect(moved.map((d) => [d.code, d.range])).toEqual([['NIX-SSH-001', range(4, 2, 4, 51)]]);

  // Typing one character at a time through a broken state and back: the syntax error at once, and meanwhile the
  // host keeps its evaluation of the text that parsed (its finding stays, as IDEs keep their last good analysis).
  client.change(uri, 4, [{ range: range(4, 51, 4, 52), text: '' }]); // drop the ';'
  const broken = await client.diagnosticsFor(uri, () => true, 4);
  expect(broken.map((d) => d.code).sort()).toEqual(['NIX-SSH-001', 'parse-error']);
  client.change(uri, 5, [{ range: range(4, 51, 4, 51), text: ';' }]);
  const fixed = await client.diagnosticsFor(uri, () => true, 5);
  expect(fixed.map((d) => [d.code, d.range])).toEqual([['NIX-SSH-001', range(4, 2, 4, 51)]]);
  expect(fixed[0].message).toBe('SSH lets root log in directly (services.openssh.settings.PermitRootLogin = "yes") [host web].');
  // Left broken until typing pauses (settleMs), the module drops out of its host, as `declint check` has it.
  client.change(uri, 6, [{ range: range(4, 51, 4, 52), text: '' }]);
  const settled = await client.diagnosticsFor(uri, (d) => d.length === 1, 6);
  expect(settled.map((d) => d.code)).toEqual(['parse-error']);
  // Parsing again, it is judged on the host again.
  client.change(uri, 7, [{ range: range(4, 51, 4, 51), text: ';' }]);
  expect((await client.diagnosticsFor(uri, () => true, 7)).map((d) => [d.code, d.range])).toEqual([['NIX-SSH-001', range(4, 2, 4, 51)]]);
  expect(await client.stop()).toBe(0);
});

test('cross-file: an unsaved edit in the host file overrides the imported module, the finding moves there, and only that host is re-evaluated', async () => {
  const root = fleet();
  client = new LspTestClient(root);
  const logs: string[] = [];
  client.connection.onNotification('window/logMessage', (p: { message: string }) => logs.push(p.message));
  await client.initialize();
  const sshUri = uriOf(root, 'modules/ssh.nix');
  await client.diagnosticsFor(sshUri, byRule('NIX-SSH-001'));
  const webUri = client.open('hosts/web.nix', WEB);
  await client.diagnosticsFor(webUri, () => true, 1);

  client.change(webUri, 2, [{ range: range(4, 0, 4, 0), text: '  services.openssh.settings.PermitRootLogin = lib.mkForce "prohibit-password";\n' }]);
  const web = await client.diagnosticsFor(webUri, byRule('NIX-SSH-001'), 2);
  const finding = web.find((d) => d.code === 'NIX-SSH-001')!;
  // The binding, up to its ';' (as the CLI reports it).
  expect(finding.range).toEqual(range(4, 2, 4, 77));
  expect(finding.severity).toBe(DiagnosticSeverity.Warning);
  // The definition it overrides is part of the provenance chain.
  expect(finding.relatedInformation).toEqual([
    { location: { uri: sshUri, range: range(3, 2, 3, 51) }, message: 'overridden definition (priority 100)' },
    { location: { uri: uriOf(root, 'flake.nix'), range: range(3, 30, 6, 5) }, message: 'host web' },
  ]);
  // ssh.nix is not open: its diagnostics are republished because the host changed.
  expect(await client.diagnosticsFor(sshUri, withoutRule('NIX-SSH-001'))).toEqual([]);
  // Opening web.nix and editing it each re-evaluated host web, never db.
  await client.waitFor(() => logs.filter((l) => l.includes('changed: re-evaluated')).length >= 2, 'the re-evaluation log');
  expect(logs.filter((l) => l.includes('changed: re-evaluated'))).toEqual(['hosts/web.nix changed: re-evaluated host web', 'hosts/web.nix changed: re-evaluated host web']);
  expect(await client.stop()).toBe(0);
});

test('hover: a finding shows its rule (title, rationale, remediation, controls); an option shows its effective value per host with the winning definition', async () => {
  const root = fleet();
  client = new LspTestClient(root);
  await client.initialize();
  const uri = client.open('modules/ssh.nix', SSH);
  await client.diagnosticsFor(uri, byRule('NIX-SSH-001'), 1);

  const onFinding = hoverText(await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 3, character: 20 } }));
  expect(onFinding).toContain('**declint NIX-SSH-001**: SSH lets root log in directly');
  expect(onFinding).toContain('### NIX-SSH-001: SSH root login permitted');
  expect(onFinding).toContain('## Why it matters\n\nDirect root logins defeat individual accountability');
  expect(onFinding).toContain('## How to fix it\n\nForbid root logins over SSH');
  expect(onFinding).toContain('| ISO 27001 | A.8.5 | Secure authentication |');
  expect(onFinding).toContain('web: services.openssh.settings.PermitRootLogin = "yes"\n  won         modules/ssh.nix:4:3  priority 100  = "yes"');

  const onOption = hoverText(await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 2, character: 5 } }));
  expect(onOption).toBe(
    '**services.openssh.enable**: the effective value on the host that includes this file\n\n```text\nweb: services.openssh.enable = true\n  won         modules/ssh.nix:3:3  priority 100  = true\n```',
  );
  // Nothing under the cursor: no hover.
  expect(await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } })).toBeNull();
  expect(await client.stop()).toBe(0);
});

async function actionsAt(c: LspTestClient, uri: string, at: ReturnType<typeof range>, only?: string[]): Promise<CodeAction[]> {
  return (await c.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: at, context: { diagnostics: [], ...(only ? { only } : {}) } })) as CodeAction[];
}

test('code actions: the rule fix replaces the value, a suppression comment is inserted with a reason to write, fixAll fixes the file', async () => {
  const root = fleet();
  client = new LspTestClient(root);
  await client.initialize();
  let text = SSH;
  const uri = client.open('modules/ssh.nix', text);
  await client.diagnosticsFor(uri, byRule('NIX-SSH-001'), 1);

  const actions = await actionsAt(client, uri, range(3, 10, 3, 10));
  expect(actions.map((a) => [a.title, a.kind])).toEqual([
    ['Set services.openssh.settings.PermitRootLogin = "no" (unsafe fix for NIX-SSH-001)', 'quickfix'],
    ['Suppress NIX-SSH-001 with a reason', 'quickfix'],
    ['Add an exception for NIX-SSH-001 (host web) to .declint.yaml', 'quickfix'],
  ]);
  expect(actions[0].diagnostics?.[0]).toMatchObject({ code: 'NIX-SSH-001', range: range(3, 2, 3, 51) });

  // The suppression: a comment line above, indented like the definition, reason left to the user.
  const suppressed = applyEdits(text, actions[1].edit!.changes![uri]);
  expect(suppressed.split('\n')[3]).toBe('  # declint-ignore NIX-SSH-001: ');
  client.change(uri, 2, [{ range: range(0, 0, 99, 0), text: suppressed }]);
  const noReason = await client.diagnosticsFor(uri, () => true, 2);
  expect(noReason.map((d) => [d.code, d.range.start.line])).toEqual([
    ['NIX-SSH-001', 4],
    ['declint-suppression', 3],
  ]);
  expect(noReason[1].message).toContain('gives no reason');
  // Typing the reason makes it apply.
  client.change(uri, 3, [{ range: range(3, 33, 3, 33), text: 'break-glass access, ticket OPS-12' }]);
  expect(await client.diagnosticsFor(uri, () => true, 3)).toEqual([]);

  // Back to the original; the quick fix edits the value in place.
  client.change(uri, 4, [{ range: range(0, 0, 99, 0), text }]);
  await client.diagnosticsFor(uri, byRule('NIX-SSH-001'), 4);
  const [fix] = await actionsAt(client, uri, range(3, 10, 3, 10));
  text = applyEdits(text, fix.edit!.changes![uri]);
  expect(text.split('\n')[3]).toBe('  services.openssh.settings.PermitRootLogin = "no";');
  client.change(uri, 5, [{ range: range(0, 0, 99, 0), text }]);
  expect(await client.diagnosticsFor(uri, () => true, 5)).toEqual([]);

  // fixAll: every safe fix of the file in one edit, through lib.mkForce; an unsafe fix stays a quick fix to choose.
  const two = `{ lib, ... }:\n{\n  services.openssh.enable = true;\n  services.openssh.settings.X11Forwarding = lib.mkForce true;\n  nix.settings.require-sigs = false;\n  services.openssh.settings.PasswordAuthentication = true;\n}\n`;
  client.change(uri, 6, [{ range: range(0, 0, 99, 0), text: two }]);
  await client.diagnosticsFor(uri, (ds) => byRule('NIX-SSH-004')(ds) && byRule('NIX-NIX-001')(ds) && byRule('NIX-SSH-002')(ds), 6);
  const [fixAll] = await actionsAt(client, uri, range(0, 0, 0, 0), ['source.fixAll']);
  expect(fixAll.kind).toBe('source.fixAll.declint');
  expect(fixAll.title).toBe('Fix all declint findings with a safe fix (2)');
  const all = applyEdits(two, fixAll.edit!.changes![uri]);
  expect(all).toBe(`{ lib, ... }:\n{\n  services.openssh.enable = true;\n  services.openssh.settings.X11Forwarding = lib.mkForce false;\n  nix.settings.require-sigs = true;\n  services.openssh.settings.PasswordAuthentication = true;\n}\n`);
  client.change(uri, 7, [{ range: range(0, 0, 99, 0), text: all }]);
  const after = await client.diagnosticsFor(uri, () => true, 7);
  expect(after.map((d) => d.code)).toEqual(['NIX-SSH-002']);
  const [unsafe] = await actionsAt(client, uri, range(5, 10, 5, 10));
  expect(unsafe.title).toBe('Set services.openssh.settings.PasswordAuthentication = false (unsafe fix for NIX-SSH-002)');
  expect(unsafe.isPreferred).toBe(false);
  expect(await client.stop()).toBe(0);
});

test('code actions: a default the host keeps is fixed in the host\'s own module, another file than the finding\'s, as check --fix does', async () => {
  const root = fleet();
  client = new LspTestClient(root);
  await client.initialize();
  const uri = client.open('flake.nix', FLAKE);
  await client.diagnosticsFor(uri, byRule('NIX-LOG-001'), 1);
  const actions = await actionsAt(client, uri, range(3, 30, 3, 30));
  const audit = actions.find((a) => a.title.includes('(fix for NIX-LOG-001)'))!;
  expect(audit.title).toBe('Add security.auditd.enable = true to hosts/web.nix (fix for NIX-LOG-001)');
  const web = uriOf(root, 'hosts/web.nix');
  expect(Object.keys(audit.edit!.changes!)).toEqual([web]);
  expect(applyEdits(WEB, audit.edit!.changes![web])).toBe(WEB.replace('  networking.hostName = "web";\n', '  networking.hostName = "web";\n  security.auditd.enable = true;\n'));
  expect(await client.stop()).toBe(0);
});

test('configuration: the exception action writes .declint.yaml; its reload on didChangeWatchedFiles reports the missing rationale, then applies the exception', async () => {
  const root = fleet();
  client = new LspTestClient(root);
  await client.initialize();
  const sshUri = uriOf(root, 'modules/ssh.nix');
  await client.diagnosticsFor(sshUri, byRule('NIX-SSH-001'));
  const configUri = uriOf(root, '.declint.yaml');
  const uri = client.open('modules/ssh.nix', SSH);
  const actions = await actionsAt(client, uri, range(3, 10, 3, 10));
  const exception = actions.find((a) => a.title.startsWith('Add an exception'))!;
  // No config yet: the file is created, then written.
  const [create, write] = exception.edit!.documentChanges! as [{ kind: string; uri: string }, TextDocumentEdit];
  expect(create).toMatchObject({ kind: 'create', uri: configUri });
  const configText = applyEdits('', write.edits as TextEdit[]);
  expect(configText).toBe('exceptions:\n  NIX-SSH-001:\n    rationale: ""\n    hosts: [ web ]\n');
  fs.writeFileSync(path.join(root, '.declint.yaml'), configText);
  void client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: configUri, type: 1 }] });
  const configProblems = await client.diagnosticsFor(configUri, (ds) => ds.length > 0);
  expect(configProblems.map((d) => [d.range.start, d.severity, d.message])).toEqual([
    [{ line: 2, character: 15 }, DiagnosticSeverity.Error, expect.stringContaining('(the configuration is not used until this is fixed)')],
  ]);
  // Until then the finding stays.
  expect((await client.diagnosticsFor(uri)).some((d) => d.code === 'NIX-SSH-001')).toBe(true);

  fs.writeFileSync(path.join(root, '.declint.yaml'), configText.replace('""', 'Bastion access for the on-call team, reviewed quarterly'));
  void client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: configUri, type: 2 }] });
  await client.diagnosticsFor(configUri, (ds) => ds.length === 0);
  await client.diagnosticsFor(uri, withoutRule('NIX-SSH-001'));
  expect(await client.stop()).toBe(0);
});

test('configuration: initializationOptions show suppressed findings as hints; workspace/configuration selects frameworks', async () => {
  const suppressedSsh = SSH.replace('  services.openssh.settings', '  # declint-ignore NIX-SSH-001: break-glass access, ticket OPS-12\n  services.openssh.settings');
  const root = fleet({ 'modules/ssh.nix': suppressedSsh });
  client = new LspTestClient(root, { initializationOptions: { suppressed: 'hint' } });
  await client.initialize();
  const hint = (await client.diagnosticsFor(uriOf(root, 'modules/ssh.nix'), byRule('NIX-SSH-001'))).find((d) => d.code === 'NIX-SSH-001')!;
  expect(hint.severity).toBe(DiagnosticSeverity.Hint);
  expect(hint.tags).toEqual([DiagnosticTag.Unnecessary]);
  expect(hint.message).toContain('(suppressed: break-glass access, ticket OPS-12)');
  expect(await client.stop()).toBe(0);

  // CIS maps NIX-SSH-003 but not NIX-SSH-002: selecting it through the editor's settings leaves only the first.
  let settings: unknown = {};
  client = new LspTestClient(root, { configuration: () => settings });
  await client.initialize();
  const flakeUri = uriOf(root, 'flake.nix');
  await client.diagnosticsFor(flakeUri, (ds) => byRule('NIX-SSH-002')(ds) && byRule('NIX-SSH-003')(ds));
  settings = { frameworks: ['cis'] };
  void client.connection.sendNotification('workspace/didChangeConfiguration', { settings: {} });
  const cis = await client.diagnosticsFor(flakeUri, withoutRule('NIX-SSH-002'));
  expect(cis.some((d) => d.code === 'NIX-SSH-003')).toBe(true);
  expect(await client.stop()).toBe(0);
});

test('Talos YAML and flake.lock documents get diagnostics, classified by content like the CLI', async () => {
  const root = fleet({ 'talos/worker.yaml': TALOS, 'notes.yaml': 'title: not a machine config\nimage: latest\n' });
  client = new LspTestClient(root);
  await client.initialize();
  const uri = client.open('talos/worker.yaml', TALOS);
  const talos = await client.diagnosticsFor(uri, byRule('TAL-001'), 1);
  expect(talos.find((d) => d.code === 'TAL-001')).toMatchObject({ severity: DiagnosticSeverity.Error, range: { start: { line: 5, character: 4 } } });
  // A pinned image, typed in: the finding goes.
  client.change(uri, 2, [{ range: range(5, 40, 5, 46), text: 'v1.9.0@sha256:' + 'a'.repeat(64) }]);
  await client.diagnosticsFor(uri, withoutRule('TAL-001'), 2);
  // Other YAML is not Talos: nothing is published for it.
  const notes = client.open('notes.yaml', 'title: not a machine config\nimage: latest\n');
  expect(await client.diagnosticsFor(notes, () => true, 1)).toEqual([]);
  // A flake.lock that does not parse is a parse error at its place.
  const lock = client.open('flake.lock', '{\n  "nodes": {\n', 'json');
  const lockDiagnostics = await client.diagnosticsFor(lock, () => true, 1);
  expect(lockDiagnostics.map((d) => d.code)).toEqual(['parse-error']);
  expect(await client.stop()).toBe(0);
});

test('flake.nix inputs and talhelper nodes are judged as in the CLI: an unsaved insecure input is flagged in flake.nix', async () => {
  const talconfig = ['clusterName: lab', 'talosVersion: v1.12.2', 'endpoint: https://10.0.0.10:6443', 'nodes:', '  - hostname: cp-1', '    ipAddress: 10.0.0.11', '    controlPlane: true', '    installDisk: /dev/sda', '    patches:', '      - "@./seccomp.yaml"', ''].join('\n');
  const patch = ['machine:', '  kubelet:', '    defaultRuntimeSeccompProfileEnabled: false', ''].join('\n');
  const root = fleet({ 'talos/talconfig.yaml': talconfig, 'talos/seccomp.yaml': patch });
  client = new LspTestClient(root);
  await client.initialize();
  // The patch on its own says nothing about absence; as part of node cp-1 its value is the node's.
  const seccomp = await client.diagnosticsFor(uriOf(root, 'talos/seccomp.yaml'), byRule('TAL-008'));
  expect(seccomp.find((d) => d.code === 'TAL-008')).toMatchObject({ range: { start: { line: 2, character: 4 } } });
  expect(seccomp.find((d) => d.code === 'TAL-008')!.message).toContain('cp-1');
  const flake = client.open('flake.nix', FLAKE.replace('inputs.nixpkgs.url', 'inputs.tools.url = "http://example.org/tools.tar.gz";\n  inputs.nixpkgs.url'));
  const found = await client.diagnosticsFor(flake, byRule('FLAKE-001'), 1);
  expect(found.find((d) => d.code === 'FLAKE-001')).toMatchObject({ range: { start: { line: 1 } } });
  expect(await client.stop()).toBe(0);
});

test('robustness: bad documents and malformed or unknown requests get answers, not a dead server; exit without shutdown is code 1', async () => {
  const root = fleet();
  client = new LspTestClient(root);
  await client.initialize();
  const bad = client.open('modules/broken.nix', '{ services.openssh.enable = ');
  const parse = await client.diagnosticsFor(bad, () => true, 1);
  expect(parse.map((d) => [d.code, d.range.start])).toEqual([['parse-error', { line: 0, character: 27 }]]);
  const binary = client.open('modules/binary.nix', '\u0000\u0001{{{{ ]]] "\\');
  expect((await client.diagnosticsFor(binary, () => true, 1)).map((d) => d.code)).toEqual(['parse-error']);

  await expect(client.connection.sendRequest('declint/unknown', {})).rejects.toMatchObject({ code: -32601 });
  await expect(client.connection.sendRequest('textDocument/hover', { position: { line: 0, character: 0 } })).rejects.toMatchObject({ code: -32602 });
  await expect(client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri: bad }, range: null, context: {} })).rejects.toMatchObject({ code: -32602 });
  // Changes for a document never opened, and an edit range past the end, are ignored or clamped.
  client.change(uriOf(root, 'modules/never-opened.nix'), 2, [{ range: range(0, 0, 0, 0), text: 'x' }]);
  client.change(bad, 2, [{ range: range(40, 0, 41, 0), text: 'true; }' }]);
  expect(await client.diagnosticsFor(bad, () => true, 2)).toEqual([]);
  // A body that is not JSON: the server carries on.
  client.child.stdin!.write('Content-Length: 9\r\n\r\n{not json');
  const hover = await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: bad }, position: { line: 0, character: 4 } });
  expect(hoverText(hover as Hover)).toContain('services.openssh.enable');

  const exited = new Promise<number | null>((resolve) => client!.child.once('exit', resolve));
  await client.connection.sendNotification('exit');
  expect(await exited).toBe(1);
});
