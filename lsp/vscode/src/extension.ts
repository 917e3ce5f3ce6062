import * as fs from 'fs';
import * as path from 'path';
import { commands, ExtensionContext, Location, QuickPickItem, Range, Uri, window, workspace } from 'vscode';
import { ExecuteCommandRequest, LanguageClient, LanguageClientOptions, ServerOptions, State, TransportKind } from 'vscode-languageclient/node';

/** The server's `workspace/executeCommand` that lists the hosts including a file (src/lsp/hosts-command.ts). */
const HOSTS_OF = 'declint.hostsOf';

/** What the server answers to `declint.hostsOf`. */
interface HostsOfResult {
  file: string;
  hosts: { name: string; role?: string; declaredAt: LspLocation; importedAt?: LspLocation }[];
}
interface LspLocation {
  uri: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

let client: LanguageClient | undefined;
/** Starts and stops, one after another (a settings change and the restart command may come together). */
let lifecycle: Promise<void> = Promise.resolve();

/** Starts `declint lsp --stdio` for Nix files, YAML (Talos machine configs) and flake.lock; registers the commands. */
export async function activate(context: ExtensionContext): Promise<void> {
  context.subscriptions.push(
    commands.registerCommand('declint.restartServer', restart),
    commands.registerCommand('declint.showHosts', showHosts),
    // The executable is chosen at start: a new one takes a new server (other settings reach the running one).
    workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('declint.path')) void restart();
    }),
    workspace.onDidGrantWorkspaceTrust(() => void restart()),
  );
  await restart();
}

export async function deactivate(): Promise<void> {
  lifecycle = lifecycle.catch(() => undefined).then(stop);
  await lifecycle;
}

/**
 * The declint to run: `declint.path` when set; else the workspace's own
 * `node_modules/.bin/declint` (a project that pins declint as a dev
 * dependency), only in a trusted workspace, since that file comes with the
 * repository; else `declint` on the PATH.
 */
function serverCommand(): string {
  const configured = workspace.getConfiguration('declint').get<string>('path', '');
  if (configured) return configured;
  if (workspace.isTrusted) {
    for (const folder of workspace.workspaceFolders ?? []) {
      const local = path.join(folder.uri.fsPath, 'node_modules', '.bin', process.platform === 'win32' ? 'declint.cmd' : 'declint');
      if (fs.existsSync(local)) return local;
    }
  }
  return 'declint';
}

/** Whether the command names an executable file (a path, or a name found on the PATH). */
function executableExists(command: string): boolean {
  const names = process.platform === 'win32' && !path.extname(command) ? (process.env.PATHEXT ?? '.EXE;.CMD').split(';').map((ext) => command + ext) : [command];
  const dirs = command.includes('/') || command.includes(path.sep) ? [''] : (process.env.PATH ?? '').split(path.delimiter);
  return dirs.some((dir) => names.some((name) => fs.existsSync(path.resolve(dir, name))));
}

async function start(): Promise<void> {
  const command = serverCommand();
  if (!executableExists(command)) {
    const choice = await window.showErrorMessage(`declint: \`${command}\` was not found. Install declint (npm install --save-dev declint) or set declint.path.`, 'Open Settings');
    if (choice) await commands.executeCommand('workbench.action.openSettings', 'declint.path');
    return;
  }
  // A .cmd shim (Windows' node_modules/.bin) only runs through a shell.
  const server: ServerOptions = { command, args: ['lsp', '--stdio'], transport: TransportKind.stdio, options: { shell: command.endsWith('.cmd') } };
  const options: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'nix' },
      { scheme: 'file', language: 'yaml' },
      { scheme: 'file', pattern: '**/flake.lock' },
    ],
    // The server asks for the `declint` section (workspace/configuration) and re-reads it on change;
    // it registers its own file watchers (.nix, flake.lock, YAML, .declint.yaml).
    synchronize: { configurationSection: 'declint' },
  };
  client = new LanguageClient('declint', 'declint', server, options);
  // A server that fails to start is reported by the client itself (a notification and its output channel).
  await client.start().catch(() => undefined);
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  // dispose() shuts a running server down (shutdown, exit) and frees the client; a server that is already gone is fine.
  await running?.dispose().catch(() => undefined);
}

/** Stops the server and starts it again, with the executable the settings name now. */
function restart(): Promise<void> {
  lifecycle = lifecycle.catch(() => undefined).then(stop).then(start);
  return lifecycle;
}

/** "declint: Show the hosts of this file": the hosts whose modules include the active file; the one picked opens where it is declared. */
async function showHosts(): Promise<void> {
  const document = window.activeTextEditor?.document;
  if (!document || document.uri.scheme !== 'file') {
    await window.showInformationMessage('declint: open a Nix file to see the hosts that include it.');
    return;
  }
  if (client?.state !== State.Running) {
    await window.showWarningMessage('declint: the language server is not running (declint: Restart the language server).');
    return;
  }
  const result = (await client.sendRequest(ExecuteCommandRequest.type, { command: HOSTS_OF, arguments: [document.uri.toString()] })) as HostsOfResult | null;
  if (!result || result.hosts.length === 0) {
    await window.showInformationMessage(`declint: ${result?.file ?? workspace.asRelativePath(document.uri)} is not part of any NixOS host declint found.`);
    return;
  }
  const where = (at: LspLocation) => `${workspace.asRelativePath(Uri.parse(at.uri))}:${at.range.start.line + 1}`;
  const items: (QuickPickItem & { at: LspLocation })[] = result.hosts.map((host) => ({
    label: host.name,
    description: host.role && host.role !== 'host' ? host.role : undefined,
    detail: `declared at ${where(host.declaredAt)}${host.importedAt ? `, imports this file at ${where(host.importedAt)}` : ''}`,
    at: host.declaredAt,
  }));
  const picked = await window.showQuickPick(items, { title: `${result.file}: ${items.length} host${items.length === 1 ? '' : 's'}`, placeHolder: 'Open where the host is declared' });
  if (!picked) return;
  const { start, end } = picked.at.range;
  const location = new Location(Uri.parse(picked.at.uri), new Range(start.line, start.character, end.line, end.character));
  await window.showTextDocument(location.uri, { selection: location.range });
}
