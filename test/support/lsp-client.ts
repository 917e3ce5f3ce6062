import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import {
  createProtocolConnection,
  Diagnostic,
  InitializeResult,
  ProtocolConnection,
  PublishDiagnosticsParams,
  StreamMessageReader,
  StreamMessageWriter,
  TextEdit,
} from 'vscode-languageserver-protocol/node';

export const REPO = path.resolve(__dirname, '../..');
export const BIN = path.join(REPO, 'bin', 'declint.js');

/** Writes files (path → text) into a fresh temporary directory; returns its real path. */
export function makeWorkspace(files: Record<string, string>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'declint-lsp-')));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export function uriOf(dir: string, file: string): string {
  return pathToFileURL(path.join(dir, file)).href;
}

export interface ClientOptions {
  initializationOptions?: unknown;
  /** What the client answers to workspace/configuration for `declint` (advertises the capability when set). */
  configuration?: () => unknown;
  /** Advertise window.workDoneProgress (the server then reports indexing with $/progress). */
  progress?: boolean;
}

/**
 * A language client over stdio against the built server (`node bin/declint.js
 * lsp --stdio` as a child process): it records every publishDiagnostics and
 * $/progress, and answers the server's requests the way an editor does.
 */
export class LspTestClient {
  readonly child: ChildProcess;
  readonly connection: ProtocolConnection;
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  readonly progress: unknown[] = [];
  stderr = '';
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  constructor(
    readonly root: string,
    private readonly options: ClientOptions = {},
  ) {
    this.child = spawn(process.execPath, [BIN, 'lsp', '--stdio'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (chunk) => (this.stderr += String(chunk)));
    this.connection = createProtocolConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    this.connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
      this.diagnostics.set(params.uri, params);
      this.wake();
    });
    this.connection.onNotification('$/progress', (params: unknown) => {
      this.progress.push(params);
      this.wake();
    });
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onRequest('workspace/configuration', (params: { items: unknown[] }) => params.items.map(() => this.options.configuration?.() ?? null));
    this.connection.onNotification('window/logMessage', () => {});
    this.connection.listen();
  }

  async initialize(): Promise<InitializeResult> {
    const result = (await this.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(this.root).href,
      workspaceFolders: [{ uri: pathToFileURL(this.root).href, name: 'ws' }],
      capabilities: {
        textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true }, hover: { contentFormat: ['markdown'] } },
        workspace: { configuration: this.options.configuration !== undefined, didChangeWatchedFiles: { dynamicRegistration: true }, workspaceEdit: { documentChanges: true, resourceOperations: ['create'] } },
        window: { workDoneProgress: this.options.progress ?? false },
      },
      initializationOptions: this.options.initializationOptions,
    })) as InitializeResult;
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  open(file: string, text: string, languageId = file.endsWith('.nix') ? 'nix' : 'yaml', version = 1): string {
    const uri = uriOf(this.root, file);
    void this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
    return uri;
  }

  change(uri: string, version: number, changes: { range?: Diagnostic['range']; text: string }[]): void {
    void this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
  }

  /** Resolves when `check` holds after a notification; rejects after `ms` with what was seen. */
  waitFor(check: () => boolean, what: string, ms = 20000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; stderr: ${this.stderr.slice(-2000)}`)), ms);
      this.waiters.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** The diagnostics last published for a URI, once `check` holds for them (and for `version`, when given). */
  async diagnosticsFor(uri: string, check: (d: Diagnostic[]) => boolean = () => true, version?: number): Promise<Diagnostic[]> {
    const ok = () => {
      const p = this.diagnostics.get(uri);
      return p !== undefined && (version === undefined || p.version === version) && check(p.diagnostics);
    };
    await this.waitFor(ok, `diagnostics for ${uri}${version !== undefined ? ` at version ${version}` : ''}`);
    return this.diagnostics.get(uri)!.diagnostics;
  }

  /** Shutdown then exit; resolves to the server's exit code. */
  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    if (this.child.exitCode !== null) return this.child.exitCode;
    await this.connection.sendRequest('shutdown');
    await this.connection.sendNotification('exit');
    const code = await exited;
    this.connection.dispose();
    return code;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
    this.connection.dispose();
  }

  private wake(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }
}

/** Applies LSP text edits to a text (edits must not overlap), as an editor does. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offsetOf = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offsetOf(b.range.start) - offsetOf(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offsetOf(e.range.start)) + e.newText + out.slice(offsetOf(e.range.end));
  return out;
}
