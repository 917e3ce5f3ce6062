import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { Finding } from '../src/findings/finding';
import { OpenDocuments } from '../src/lsp/open-documents';
import { readSettings, Workspace } from '../src/lsp/workspace';
import { runCheck } from '../src/pipeline/check';
import { parseNix, Tree } from '../src/nix/parser';
import { convertTree, convertTreeReusing, NixNode, renameInPlace, replaceBindingInPlace, textChange } from '../src/nix/syntax';
import { definitionSite, renamedSite } from '../src/nix/module';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { makeWorkspace } from './support/lsp-client';
import { TEST_NOW } from './support/cli';
import { Random } from '../fuzz/random';

/**
 * The language server keeps its analysis between edits and updates a host in
 * place when only one module's definitions changed. Whatever path it takes,
 * after every edit its findings must be exactly those `declint check` finds on
 * the same texts from scratch.
 */

const FILES: Record<string, string> = {
  'flake.nix': `{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.web = nixpkgs.lib.nixosSystem { modules = [ ./hosts/web.nix ]; };
    nixosConfigurations.db = nixpkgs.lib.nixosSystem { modules = [ ./hosts/db.nix ]; };
  };
}
`,
  'hosts/web.nix': `{ lib, ... }:
{
  imports = [ ../modules/ssh.nix ../modules/firewall.nix ../modules/etc.nix ];
  networking.hostName = "web";
  system.stateVersion = "24.05";
}
`,
  'hosts/db.nix': `{ ... }:
{
  imports = [ ../modules/firewall.nix ];
  networking.hostName = "db";
  system.stateVersion = "24.05";
}
`,
  'modules/ssh.nix': `{ lib, ... }:
{
  services.openssh.enable = true;
  services.openssh.settings.PermitRootLogin = "yes";
  services.openssh.settings.PasswordAuthentication = false;
}
`,
  // Reads the SSH setting while it is collected: an edit of ssh.nix's enable must rebuild the host.
  'modules/firewall.nix': `{ config, lib, ... }:
{
  networking.firewall.enable = true;
  networking.firewall.allowedTCPPorts = lib.optionals config.services.openssh.enable [ 22 ];
}
`,
  'modules/etc.nix': `{ lib, ... }:
let motd = "welcome";
in {
  environment.etc."motd".text = motd;
  security.sudo.wheelNeedsPassword = true;
}
`,
};

/** Findings as comparable values: everything a diagnostic shows. */
function normalize(findings: Finding[]): string[] {
  return findings
    .map((f) => JSON.stringify([f.location.file, f.location.range.start.line, f.location.range.start.column, f.location.range.end.line, f.location.range.end.column, f.ruleId, f.severity, f.message, f.hosts, f.related.map((r) => [r.file, r.range.start.line, r.message]), f.suppressed?.kind]))
    .sort();
}

test('after every edit, the kept and updated analysis equals a full check of the same texts', async () => {
  const root = makeWorkspace(FILES);
  const documents = new OpenDocuments();
  const ws = new Workspace(root, documents, readSettings({}));
  await ws.index(readSettings({}));
  const open = new Map<string, string>();
  const edit = async (file: string, text: string) => {
    const absolutePath = path.join(root, file);
    const uri = pathToFileURL(absolutePath).href;
    const document = documents.get(uri) ?? documents.open(uri, 'nix', 1, open.get(file) ?? fs.readFileSync(absolutePath, 'utf8'));
    document.applyChanges([{ text }], document.version + 1);
    open.set(file, text);
    ws.lastEvaluation.clear();
    ws.fileChanged(absolutePath);
    // The oracle: the same texts on disk, checked from scratch.
    const copy = makeWorkspace({ ...FILES, ...Object.fromEntries(open) });
    const expected = await runCheck({ paths: ['.'], base: copy, ignore: [], ruleDirs: [], now: TEST_NOW, jobs: 1 });
    expect(normalize(ws.findings())).toEqual(normalize(expected.findings));
    return Object.fromEntries(ws.lastEvaluation);
  };

  // A value nothing reads: web is updated in place (that one binding evaluated again), db is not touched.
  expect(await edit('modules/ssh.nix', FILES['modules/ssh.nix'].replace('"yes"', '"no"'))).toEqual({ web: 'binding' });
  // Two values at once: the module's definitions are read again.
  expect(await edit('modules/ssh.nix', FILES['modules/ssh.nix'].replace('PasswordAuthentication = false', 'PasswordAuthentication = true'))).toEqual({ web: 'module' });
  // A name changed (one option for another, its value kept): that binding's definition moves to the new name in place.
  expect(await edit('modules/ssh.nix', FILES['modules/ssh.nix'].replace('  services.openssh.settings.PasswordAuthentication = false;\n', '  services.openssh.settings.KbdInteractiveAuthentication = true;\n'))).toEqual({ web: 'name' });
  // A priority: the module's definitions are read again.
  expect(await edit('modules/ssh.nix', FILES['modules/ssh.nix'].replace('"yes"', 'lib.mkDefault "yes"'))).toEqual({ web: 'module' });
  // A path another module defines too, in conflict with it (nothing read it): updated, its index rebuilt in full, the conflict found.
  expect(await edit('modules/ssh.nix', FILES['modules/ssh.nix'].replace('  services.openssh.enable = true;\n', '  services.openssh.enable = true;\n  networking.firewall.enable = false;\n'))).toEqual({ web: 'module' });
  expect(ws.findings().some((f) => f.ruleId === 'nix-conflict' && f.hosts?.includes('web'))).toBe(true);
  // Back, then a new path of its own: updated in place.
  await edit('modules/ssh.nix', FILES['modules/ssh.nix']);
  expect(await edit('modules/ssh.nix', FILES['modules/ssh.nix'].replace('  services.openssh.enable = true;\n', '  services.openssh.enable = true;\n  services.openssh.ports = [ 2222 ];\n'))).toEqual({ web: 'module' });
  // An option another module reads while it is collected: the host is built again.
  expect(await edit('modules/ssh.nix', FILES['modules/ssh.nix'].replace('services.openssh.enable = true', 'services.openssh.enable = false'))).toEqual({ web: 'built' });
  // A let-bound value behind an unchanged binding: not a binding of the module's set, so the module is read again.
  expect(await edit('modules/etc.nix', FILES['modules/etc.nix'].replace('"welcome"', '"hello"'))).toEqual({ web: 'module' });
  expect(await edit('modules/etc.nix', FILES['modules/etc.nix'].replace('"welcome"', '"hello"').replace('wheelNeedsPassword = true', 'wheelNeedsPassword = false'))).toEqual({ web: 'binding' });
  // A condition that reads config: the module reads config while collected, so the host is built again.
  await edit('modules/etc.nix', `{ config, lib, ... }:\n{\n  security.sudo.wheelNeedsPassword = lib.mkIf config.services.openssh.enable false;\n}\n`);
  // A module that declares an option, then changes its default.
  await edit('modules/etc.nix', `{ lib, ... }:\n{\n  options.site.banner = lib.mkOption { default = "hi"; };\n  config.security.sudo.wheelNeedsPassword = false;\n}\n`);
  await edit('modules/etc.nix', `{ lib, ... }:\n{\n  options.site.banner = lib.mkOption { default = "hello"; };\n  config.security.sudo.wheelNeedsPassword = false;\n}\n`);
  // Imports changed.
  await edit('hosts/web.nix', FILES['hosts/web.nix'].replace(' ../modules/etc.nix', ''));
  // A syntax error drops the module from its host; fixing it brings it back (built again: firewall.nix reads its options).
  expect(await edit('modules/ssh.nix', FILES['modules/ssh.nix'].replace('"yes";', '"yes"'))).toEqual({ web: 'built' });
  expect(await edit('modules/ssh.nix', FILES['modules/ssh.nix'].replace('"yes";', '"ye'))).toEqual({ web: 'module' });
  expect(await edit('modules/ssh.nix', FILES['modules/ssh.nix'])).toEqual({ web: 'built' });
  // The shared module: both hosts.
  await edit('modules/firewall.nix', FILES['modules/firewall.nix'].replace('firewall.enable = true', 'firewall.enable = false'));
});

const VALUES: Record<string, string> = {
  // Imported by web (below): a module written the way modules are, `with`, `let` and a top-level mkIf around its set.
  'modules/values.nix': `{ config, lib, ... }:
with lib;
let
  domain = "example.org";
in
mkIf true {
  networking.firewall.allowedTCPPorts = [ 443 ];
  environment.etc."issue".text = "Welcome to \${config.networking.hostName}.\${domain}";
  environment.etc."runner/token".text = "glpat-FakeTokenForDeclintx";
  users.users.alice = { isNormalUser = true; extraGroups = [ "users" ]; };
  virtualisation.docker.enable = false;
  services.openssh.settings.X11Forwarding = false;
}
`,
  // In a rec set a binding's value is read by its siblings: an edit there is never one binding's alone.
  'modules/rec.nix': `{ ... }:
rec {
  environment.etc."a".text = "glpat-FakeTokenForDeclintx";
  environment.etc."b".text = environment.etc."a".text;
}
`,
  // A let-bound set used twice: its bindings define two options each.
  'modules/shared.nix': `{ ... }:
let common = { text = "glpat-FakeTokenForDeclintx"; }; in
{
  environment.etc."c" = common;
  environment.etc."d" = common;
}
`,
};

/** The editor's change from one text to the next: the one stretch that differs, as a range of the old text. */
function rangedChange(before: string, after: string): { range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string } {
  const change = textChange(before, after);
  const old = TextDocument.create('file:///x', 'nix', 1, before);
  return { range: { start: old.positionAt(change.start), end: old.positionAt(change.oldEnd) }, text: after.slice(change.start, change.newEnd) };
}

/**
 * A workspace of `files`, made anew before each test, whose modules are typed
 * into as an editor does: `type` sends a ranged change (the tree re-parsed
 * incrementally), then compares the findings with a full check of the same
 * texts, and gives how web was evaluated.
 */
/**
 * Types `keystrokes` edits into `file`, one at a time from `text` (each checked by `type` against a full check):
 * `edit` makes the next text from the current one, and says whether the keystroke after it undoes it.
 * Returns how many keystrokes updated the host each way.
 */
async function typeRandomly(
  type: (file: string, text: string) => Promise<string | undefined>,
  file: string,
  text: string,
  keystrokes: number,
  edit: (text: string) => { text: string; undo: boolean },
): Promise<Map<string, number>> {
  const how = new Map<string, number>();
  let undo: string | undefined;
  for (let i = 0; i < keystrokes; i++) {
    if (undo !== undefined) {
      text = undo;
      undo = undefined;
    } else {
      const next = edit(text);
      if (next.undo) undo = text;
      text = next.text;
    }
    const way = (await type(file, text)) ?? 'not evaluated';
    how.set(way, (how.get(way) ?? 0) + 1);
  }
  return how;
}

/** A workspace indexed anew before each test; `type` replaces a file's text as an editor would and returns how web was evaluated (`evaluated`: each host), after checking the findings against a full check. */
function typingWorkspace(files: Record<string, string>): { type: (file: string, text: string) => Promise<string | undefined>; findings: () => Finding[]; evaluated: () => Record<string, string> } {
  let root: string;
  let ws: Workspace;
  let documents: OpenDocuments;
  const texts = new Map<string, string>();

  beforeEach(async () => {
    root = makeWorkspace(files);
    documents = new OpenDocuments();
    ws = new Workspace(root, documents, readSettings({}));
    await ws.index(readSettings({}));
    texts.clear();
  });

  const type = async (file: string, text: string) => {
    const absolutePath = path.join(root, file);
    const uri = pathToFileURL(absolutePath).href;
    const before = texts.get(file) ?? files[file];
    const document = documents.get(uri) ?? documents.open(uri, 'nix', 1, before);
    document.applyChanges([rangedChange(before, text)], document.version + 1);
    texts.set(file, text);
    ws.lastEvaluation.clear();
    ws.fileChanged(absolutePath);
    const copy = makeWorkspace({ ...files, ...Object.fromEntries(texts) });
    const expected = await runCheck({ paths: ['.'], base: copy, ignore: [], ruleDirs: [], now: TEST_NOW, jobs: 1 });
    fs.rmSync(copy, { recursive: true, force: true });
    expect(normalize(ws.findings())).toEqual(normalize(expected.findings));
    return ws.lastEvaluation.get('web');
  };
  return { type, findings: () => ws.findings(), evaluated: () => Object.fromEntries(ws.lastEvaluation) };
}

describe('typing in a value', () => {
  const files: Record<string, string> = { ...FILES, ...VALUES, 'hosts/web.nix': FILES['hosts/web.nix'].replace('../modules/etc.nix', '../modules/etc.nix ../modules/values.nix ../modules/rec.nix ../modules/shared.nix') };
  const { type, findings } = typingWorkspace(files);
  const rules = () => findings().map((f) => `${f.ruleId}@${f.location.file}:${f.location.range.start.line}`);

  test('one binding is evaluated again, and the findings are those of a full check, positions included', async () => {
    let text = VALUES['modules/values.nix'];
    const edit = (from: string, to: string) => (text = text.replace(from, to));
    expect(rules()).toContain('NIX-SECRET-002@modules/values.nix:9');
    // A port added to a list: the firewall rule's finding appears.
    expect(await type('modules/values.nix', edit('[ 443 ]', '[ 443 3306 ]'))).toBe('binding');
    expect(rules()).toContain('NIX-FW-002@modules/values.nix:7');
    // A wildcard rule's option, then its precondition (a boolean) turned on.
    expect(await type('modules/values.nix', edit('[ "users" ]', '[ "users" "docker" ]'))).toBe('binding');
    expect(rules()).not.toContain('NIX-USR-007@modules/values.nix:10');
    expect(await type('modules/values.nix', edit('docker.enable = false', 'docker.enable = true'))).toBe('binding');
    expect(rules()).toContain('NIX-USR-007@modules/values.nix:10');
    // Line breaks inside a value: every finding after them moves down.
    expect(await type('modules/values.nix', edit('[ 443 3306 ]', '[\n    443 3306\n  ]'))).toBe('binding');
    expect(rules()).toEqual(expect.arrayContaining(['NIX-FW-002@modules/values.nix:7', 'NIX-SECRET-002@modules/values.nix:11', 'NIX-USR-007@modules/values.nix:12']));
    // The token removed; a string that reads the configuration.
    expect(await type('modules/values.nix', edit('"glpat-FakeTokenForDeclintx"', '"glpat-"'))).toBe('binding');
    expect(rules()).not.toContain('NIX-SECRET-002@modules/values.nix:11');
    expect(await type('modules/values.nix', edit('Welcome to', 'Hello from'))).toBe('binding');
  });

  test('a binding other expressions of the file read is not evaluated alone', async () => {
    expect(rules().filter((r) => r.startsWith('NIX-SECRET-002@modules/rec.nix'))).toHaveLength(2);
    expect(await type('modules/rec.nix', VALUES['modules/rec.nix'].replace('"glpat-FakeTokenForDeclintx"', '"glpat-"'))).toBe('module');
    expect(rules().filter((r) => r.startsWith('NIX-SECRET-002@modules/rec.nix'))).toHaveLength(0);
    expect(rules().filter((r) => r.startsWith('NIX-SECRET-002@modules/shared.nix'))).toHaveLength(2);
    expect(await type('modules/shared.nix', VALUES['modules/shared.nix'].replace('"glpat-FakeTokenForDeclintx"', '"glpat-"'))).toBe('module');
    expect(rules().filter((r) => r.startsWith('NIX-SECRET-002@modules/shared.nix'))).toHaveLength(0);
  });

  test('random typing in a module: after each keystroke, the findings are those of a full check', async () => {
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pick = <T,>(items: T[]): T => items[Math.floor(random() * items.length)];
    const how = await typeRandomly(type, 'modules/values.nix', VALUES['modules/values.nix'], 120, (text) => {
      if (random() < 0.25) {
        // A slip anywhere (in a name, a quote, a bracket), corrected at the next keystroke.
        const at = 1 + Math.floor(random() * (text.length - 2));
        return { text: text.slice(0, at) + pick(['x', '"', ']', '\n', ';', '.']) + text.slice(at), undo: true };
      }
      // Typing or deleting inside a string or a number of some value.
      const spots = [...text.matchAll(/"(?:[^"\\]|\\.){2,}"|\b\d{2,}\b/g)].map((m) => m.index! + 1 + Math.floor(random() * (m[0].length - 2)));
      expect(spots.length).toBeGreaterThan(0);
      const at = pick(spots);
      return { text: random() < 0.6 ? text.slice(0, at) + pick(['a', 'k', '7', '-', ' ', '\n']) + text.slice(at) : text.slice(0, at) + text.slice(at + 1), undo: false };
    });
    // Typing in values re-evaluates one binding (45 of the 120 keystrokes); a slip that breaks the syntax takes the
    // module out of its host in place, its correction puts it back, and a slip in a `let` binding or a quoted name
    // reads the module again (73; 2 slips in a name move its binding's definitions instead): this module reads the
    // configuration in a string, which is read against the host (its build settled), so no keystroke builds the host again.
    expect(how.get('binding')).toBeGreaterThanOrEqual(40);
    expect(how.get('module')).toBeGreaterThanOrEqual(70);
    expect(how.get('built')).toBeUndefined();
    // 120 full checks as the oracle: a generous limit for a loaded 2-core machine (speed is the bench's job).
  }, 240_000);
});

describe('typing in a name', () => {
  // Options written every way a name can be: nested sets, dotted paths, under a condition, a quoted name, a value from a
  // `let`, sysctl keys (joined into one name), and an option another module reads while it is collected (enable).
  const NAMES = `{ config, lib, ... }:
let
  cfg = config.services.openssh;
  common = { text = "glpat-FakeTokenForDeclintx"; };
in
{
  services.openssh = {
    enable = true;
    settings = { PermitRootLogin = "yes"; X11Forwarding = true; };
  };
  networking.firewall.allowedTCPPorts = [ 80 443 3306 ];
  environment.etc."motd".text = "hello";
  environment.etc.issue = common // { mode = "0440"; };
  environment.etc.motd2 = import ./motd.nix // { mode = "0440"; };
  security.sudo = lib.mkIf cfg.enable { wheelNeedsPassword = false; };
  boot.kernel.sysctl."net.ipv4.ip_forward" = 1;
  boot.kernel.sysctl.kernel.kptr_restrict = 0;
  users.users.admin = { isNormalUser = true; extraGroups = [ "wheel" "docker" ]; };
  virtualisation.docker.enable = true;
  nix.settings.trusted-users = [ "root" "@wheel" ];
}
`;
  // A module not read whole: a name at its top that declint cannot tell.
  const DYNAMIC = `{ ... }:\n{\n  \${builtins.getEnv "ROLE"} = { };\n  services.openssh.settings.LogLevel = "VERBOSE";\n}\n`;
  const files: Record<string, string> = {
    ...FILES,
    'modules/names.nix': NAMES,
    'modules/motd.nix': '{ text = "hello"; }\n',
    'modules/dynamic.nix': DYNAMIC,
    'hosts/web.nix': FILES['hosts/web.nix'].replace('../modules/etc.nix', '../modules/etc.nix ../modules/names.nix ../modules/dynamic.nix'),
  };
  const { type, findings } = typingWorkspace(files);
  const rules = () => findings().map((f) => `${f.ruleId}@${f.location.file}:${f.location.range.start.line}`);

  test('the definitions of a renamed binding move to the new name in place, and the findings are those of a full check', async () => {
    let text = NAMES;
    const edit = (from: string, to: string) => (text = text.replace(from, to));
    expect(rules()).toContain('NIX-SSH-004@modules/names.nix:9');
    // Not in place: a value partly from another file (the host as first built lists its definitions under that file).
    expect(await type('modules/names.nix', edit('etc.motd2', 'etc.motd3'))).toBe('module');
    // A letter in a nested name: X11 forwarding is no longer set there, and back.
    expect(await type('modules/names.nix', edit('X11Forwarding', 'X11Forwardin'))).toBe('name');
    expect(rules()).not.toContain('NIX-SSH-004@modules/names.nix:9');
    expect(await type('modules/names.nix', edit('X11Forwardin', 'X11Forwarding'))).toBe('name');
    expect(rules()).toContain('NIX-SSH-004@modules/names.nix:9');
    // A set read through `config` above it (`cfg = config.services.openssh`) has the same names: in place.
    expect(await type('modules/names.nix', edit('PermitRootLogin', 'PermitRootLogn'))).toBe('name');
    // The first name of a dotted path at the top, and a name after a quoted one.
    expect(await type('modules/names.nix', edit('networking.firewall.allowedTCPPorts', 'networkin.firewall.allowedTCPPorts'))).toBe('name');
    expect(rules()).not.toContain('NIX-FW-002@modules/names.nix:11');
    expect(await type('modules/names.nix', edit('environment.etc."motd".text', 'environment.etc."motd".tex'))).toBe('name');
    // A name a wildcard rule matches (`users.users.*.extraGroups`): the finding follows the user.
    expect(rules()).toContain('NIX-USR-007@modules/names.nix:18');
    expect(await type('modules/names.nix', edit('users.users.admin', 'users.users.admins'))).toBe('name');
    expect(findings().filter((f) => f.ruleId === 'NIX-USR-007').map((f) => f.message)).toEqual([expect.stringContaining('admins')]);
    // Not in place: a value partly from a `let` (its bindings are elsewhere), sysctl keys, an option read while collected.
    expect(await type('modules/names.nix', edit('etc.issue', 'etc.issu'))).toBe('module');
    expect(await type('modules/names.nix', edit('kptr_restrict', 'kptr_restric'))).toBe('module');
    expect(await type('modules/names.nix', edit('    enable = true;', '    enabl = true;'))).toBe('built');
    expect(await type('modules/names.nix', edit('    enabl = true;', '    enable = true;'))).toBe('built');
    // A name that repeats another of the same set: Nix rejects the file, as the full check says.
    expect(await type('modules/names.nix', edit('X11Forwarding', 'PermitRootLogn'))).not.toBe('name');
    expect(rules()).toContain('parse-error@modules/names.nix:9');
    await type('modules/names.nix', edit('PermitRootLogn = "yes"; PermitRootLogn', 'PermitRootLogn = "yes"; X11Forwarding'));
    expect(rules()).toContain('NIX-SSH-004@modules/names.nix:9');
    // A module declint does not read whole: read again (it says so again).
    expect(await type('modules/dynamic.nix', DYNAMIC.replace('LogLevel', 'LogLeve'))).toBe('module');
    // A module key (`imports`) is never taken in place.
    expect(await type('modules/names.nix', edit('nix.settings', 'imports.settings'))).not.toBe('name');
  });

  test('random typing in names: after each keystroke, the findings are those of a full check', async () => {
    const random = new Random(7);
    const how = await typeRandomly(type, 'modules/names.nix', NAMES, 80, (text) => {
      // A letter typed into, or deleted from, a name of a binding's path (before `=` or `.`).
      const spots = [...text.matchAll(/[A-Za-z_][A-Za-z0-9_'-]*(?=\s*=[^=]|\.[A-Za-z"])/g)].map((m) => m.index! + random.int(m[0].length + 1));
      const at = random.pick(spots);
      const typed = random.chance(0.7) ? text.slice(0, at) + random.pick(['a', 'n', 'x', '_', '-']) + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
      // Half the names typed are undone by the next keystroke, and every one that breaks the syntax (`-etc`).
      return { text: typed, undo: random.chance(0.5) || parseNix(typed).rootNode.hasError };
    });
    // A typo in a name leaves an option nothing reads: 35 of the 80 keystrokes move one binding's definitions in place;
    // the others read the module again (a broken name and its undo, a `let` value, sysctl keys) or build the host
    // again (a name `config` reads while collecting).
    expect(how.get('name')).toBeGreaterThanOrEqual(30);
  }, 240_000);
});

/** A module of many shapes (nested sets, lists, an indented string, operators, a condition) for the tree tests' random edits. */
const EDITED_MODULE = `{ config, lib, ... }:
let port = 22; in
{
  services.openssh = { enable = true; ports = [ port 2222 ]; settings.PermitRootLogin = "no"; };
  networking.firewall.allowedTCPPorts = [ 80 443 ] ++ lib.optionals config.services.openssh.enable [ port ];
  environment.etc."motd".text = ''
    hello \${config.networking.hostName}
  '';
  boot.kernel.sysctl."net.ipv4.ip_forward" = if config.x then 1 else 0;
  users.users.admin = { isNormalUser = true; extraGroups = [ "wheel" ]; };
}
`;

/** A converted syntax tree as plain data: types, offsets, text (a reused node must read the new source), operators, children. */
function shape(node: NixNode): unknown {
  return [node.type, node.startIndex, node.endIndex, node.sourceText.slice(node.startIndex, node.endIndex), node.operator ?? null, node.namedChildren.map(shape)];
}

/**
 * Deterministic one-character edits all over a text (insertions and deletions), each with the text
 * before it; only the edits whose result parses, as the loader converts only modules that parse.
 */
function* randomEdits(text: string, seed: number, count: number): Generator<{ before: string; after: string; tree: Tree }> {
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < count; i++) {
    const at = Math.floor(random() * text.length);
    const after = random() < 0.5 ? text.slice(0, at) + 'x' + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
    const tree = parseNix(after);
    if (tree.rootNode.hasError) continue;
    yield { before: text, after, tree };
    text = after;
  }
}

test('converting an edited module from its earlier conversion (unchanged bindings are moved, not walked again) gives the same tree as a fresh conversion', () => {
  let root = convertTree(parseNix(EDITED_MODULE), EDITED_MODULE, false);
  let compared = 0;
  for (const { before, after, tree } of randomEdits(EDITED_MODULE, 7, 300)) {
    const reused = convertTreeReusing(tree, after, { root, source: before });
    expect(shape(reused)).toEqual(shape(convertTree(tree, after, false)));
    compared++;
    root = reused;
  }
  expect(compared).toBeGreaterThan(100);
});

test('an edit inside one binding, applied in place to the converted tree, gives the tree of a fresh conversion', () => {
  let root = convertTree(parseNix(EDITED_MODULE), EDITED_MODULE, false);
  let patched = 0;
  for (const { before, after, tree } of randomEdits(EDITED_MODULE, 3, 400)) {
    const change = textChange(before, after);
    const site = definitionSite(root, change.start, change.oldEnd);
    const expression = site ? replaceBindingInPlace(root, site, change, after) : undefined;
    if (expression) {
      patched++;
      expect(shape(root)).toEqual(shape(convertTree(tree, after, false)));
      expect(site!.childForFieldName('expression')).toBe(expression);
    } else {
      root = convertTree(tree, after, false);
    }
  }
  expect(patched).toBeGreaterThan(50);
});

test('an edit inside one name of a binding, applied in place to the converted tree, gives the tree of a fresh conversion', () => {
  let root = convertTree(parseNix(EDITED_MODULE), EDITED_MODULE, false);
  let renamed = 0;
  for (const { before, after, tree } of randomEdits(EDITED_MODULE, 5, 600)) {
    const change = textChange(before, after);
    const delta = change.newEnd - change.oldEnd;
    const site = renamedSite(root, change.start, change.oldEnd, (identifier) => after.slice(identifier.startIndex, identifier.endIndex + delta));
    const identifier = site ? renameInPlace(root, site.binding, change, after) : undefined;
    if (identifier) {
      renamed++;
      expect(shape(root)).toEqual(shape(convertTree(tree, after, false)));
      // The binding's option path before and after: the same but for the name typed in.
      const differ = site!.path.flatMap((name, i) => (name === site!.renamed[i] ? [] : [i]));
      expect(site!.renamed).toHaveLength(site!.path.length);
      expect(differ).toHaveLength(1);
      expect(site!.renamed[differ[0]]).toBe(identifier.text);
    } else {
      root = convertTree(tree, after, false);
    }
  }
  expect(renamed).toBeGreaterThan(30);
});

describe('keystrokes that used to build the host again', () => {
  // web's SSH module reads the configuration while it is collected (its settings exist only where sshd is on).
  const files: Record<string, string> = {
    ...FILES,
    'modules/ssh.nix': `{ config, lib, ... }:
let cfg = config.services.openssh;
in {
  services.openssh.enable = true;
  services.openssh.settings = lib.mkIf cfg.enable {
    PermitRootLogin = "yes";
    PasswordAuthenticatio = false;
  };
}
`,
  };
  let root: string;
  let ws: Workspace;
  let documents: OpenDocuments;
  let text: string;

  beforeEach(async () => {
    root = makeWorkspace(files);
    documents = new OpenDocuments();
    ws = new Workspace(root, documents, readSettings({}));
    await ws.index(readSettings({}));
    text = files['modules/ssh.nix'];
  });

  /** Types into modules/ssh.nix as an editor does; returns how web was evaluated. */
  const type = (next: string, typing = true) => {
    const absolutePath = path.join(root, 'modules/ssh.nix');
    const uri = pathToFileURL(absolutePath).href;
    const document = documents.get(uri) ?? documents.open(uri, 'nix', 1, text);
    document.applyChanges([rangedChange(text, next)], document.version + 1);
    text = next;
    ws.lastEvaluation.clear();
    ws.fileChanged(absolutePath, typing);
    return ws.lastEvaluation.get('web');
  };
  const checked = async () => {
    const copy = makeWorkspace({ ...files, 'modules/ssh.nix': text });
    const expected = await runCheck({ paths: ['.'], base: copy, ignore: [], ruleDirs: [], now: TEST_NOW, jobs: 1 });
    fs.rmSync(copy, { recursive: true, force: true });
    return normalize(expected.findings);
  };
  const passwords = () => ws.findings().filter((f) => f.ruleId === 'NIX-SSH-002').map((f) => `${f.location.file}:${f.location.range.start.line} ${f.hosts}`);

  test('a letter that completes an option name changes the host finding in another file, in place', async () => {
    // Password logins are NixOS's default while the name is misspelt: the finding is at web's nixosSystem call.
    expect(passwords()).toEqual(['flake.nix:3 web']);
    expect(type(text.replace('PasswordAuthenticatio =', 'PasswordAuthentication ='))).toBe('name');
    expect(passwords()).toEqual([]);
    expect(normalize(ws.findings())).toEqual(await checked());
    // And back: the default is judged again, in flake.nix.
    expect(type(text.replace('PasswordAuthentication =', 'PasswordAuthenticatio ='))).toBe('name');
    expect(passwords()).toEqual(['flake.nix:3 web']);
    expect(normalize(ws.findings())).toEqual(await checked());
    // The option the module's structure reads changes: built again, as it must be.
    expect(type(text.replace('services.openssh.enable = true', 'services.openssh.enable = false'))).toBe('built');
    expect(normalize(ws.findings())).toEqual(await checked());
  });

  test('a quote that breaks the syntax is held, and its undo gives back exactly the findings before it', async () => {
    type(text.replace('PasswordAuthenticatio =', 'PasswordAuthentication ='));
    const before = ws.findings();
    const good = text;
    // Typed: the syntax error at once, web keeps its evaluation of the text that parsed; nothing is evaluated.
    expect(type(good.replace('"yes"', '"y"es"'))).toBeUndefined();
    expect(ws.findings().filter((f) => f.location.file === 'modules/ssh.nix').map((f) => f.ruleId)).toContain('parse-error');
    expect(ws.findings().filter((f) => f.location.file !== 'modules/ssh.nix')).toEqual(before.filter((f) => f.location.file !== 'modules/ssh.nix'));
    // Undone: the very findings of before, nothing evaluated.
    expect(type(good)).toBeUndefined();
    expect(ws.findings()).toEqual(before);
    // Another text that parses after a slip: taken from the text web read (the binding re-evaluated alone).
    type(good.replace('"yes"', '"y"es"'));
    expect(type(good.replace('"yes"', '"no"'))).toBe('binding');
    expect(normalize(ws.findings())).toEqual(await checked());
    // Left broken until it settles, web is evaluated without the module, as `declint check` has it.
    type(good.replace('"yes"', '"n"o"'));
    expect(ws.settle()).toEqual(['web']);
    expect(normalize(ws.findings())).toEqual(await checked());
  });
});

describe('a file the flake reads to define one host', () => {
  /** The flake builds each host from a directory of its own (its default.nix) and a module both take from a library. */
  const DEFINED: Record<string, string> = {
    'flake.nix': `{
  outputs = { nixpkgs, ... }:
    let
      shared = import ./lib/shared.nix;
      mkHost = name:
        let host = import (./hosts + "/\${name}");
        in if host.enable or true then nixpkgs.lib.nixosSystem { modules = [ ./modules/common.nix host.config shared.module ]; } else null;
    in {
      nixosConfigurations = { web = mkHost "web"; db = mkHost "db"; };
    };
}
`,
    'hosts/web/default.nix': '{\n  config = { networking.hostName = "web"; services.openssh.settings.PermitRootLogin = "no"; };\n}\n',
    'hosts/db/default.nix': '{\n  config = { networking.hostName = "db"; };\n}\n',
    'lib/shared.nix': '{\n  module = { services.openssh.settings.PasswordAuthentication = false; };\n}\n',
    'modules/common.nix': '{\n  services.openssh.enable = true;\n  system.stateVersion = "24.05";\n}\n',
  };

  const { type, findings, evaluated } = typingWorkspace(DEFINED);
  const hostsOf = (ruleId: string) => findings().filter((f) => f.ruleId === ruleId && f.message.includes('= "yes"')).flatMap((f) => f.hosts ?? []);
  const web = 'hosts/web/default.nix';

  test('an edit of it builds that host again from its new definition, and leaves the other; the findings are those of a full check', async () => {
    await type(web, DEFINED[web].replace('"no"', '"yes"'));
    expect(evaluated()).toEqual({ web: 'built' });
    expect(hostsOf('NIX-SSH-001')).toEqual(['web']);
    // Broken, whether web is switched on is not known: no host (as `declint check` has it); mended, built again.
    await type(web, DEFINED[web].replace('"no"', '"yes'));
    expect(evaluated()).toEqual({});
    expect(findings().some((f) => f.hosts?.includes('web'))).toBe(false);
    await type(web, DEFINED[web]);
    expect(evaluated()).toEqual({ web: 'built' });
    expect(hostsOf('NIX-SSH-001')).toEqual([]);
    // Switched off in its definition: web is no host any more (nothing is built, its findings go); on again, built.
    await type(web, DEFINED[web].replace('{\n', '{\n  enable = false;\n'));
    expect(evaluated()).toEqual({});
    expect(findings().some((f) => f.hosts?.includes('web'))).toBe(false);
    await type(web, DEFINED[web]);
    expect(evaluated()).toEqual({ web: 'built' });
    // The library both definitions read: both hosts are built again.
    await type('lib/shared.nix', DEFINED['lib/shared.nix'].replace('false', 'true'));
    expect(Object.keys(evaluated()).sort()).toEqual(['db', 'web']);
  });

});
