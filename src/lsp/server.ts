import * as path from 'path';
import {
  CodeActionKind,
  Connection,
  Diagnostic,
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  ErrorCodes,
  FileChangeType,
  InitializeParams,
  InitializeResult,
  ResponseError,
  TextDocumentSyncKind,
} from 'vscode-languageserver';
import { CONFIG_NAMES } from '../config/config';
import { loadFrameworks, Framework } from '../controls/registry';
import { candidateKind } from '../discover/classify';
import type { Finding } from '../findings/finding';
import { TOOL_NAME, TOOL_VERSION } from '../meta';
import { readIfPresent } from '../pipeline/check-flakes';
import { isInside } from '../source/paths';
import { analyzeFile } from '../pipeline/analyze';
import { parseNixSyntax } from '../fix/plan';
import type { NixNode } from '../nix/syntax';
import { codeActions, FIX_ALL_KIND } from './code-actions';
import { fileUri, toDiagnostic } from './diagnostics';
import { definitionAt, findingHover, markdownHover, optionHover } from './hover';
import { HOSTS_OF_COMMAND, hostsOfResult } from './hosts-command';
import { OpenDocument, OpenDocuments, realPath, uriToPath } from './open-documents';
import { readSettings, Settings, Workspace } from './workspace';

/** The section of workspace/configuration declint reads. */
const SECTION = 'declint';

/**
 * The declint language server on a connection: live diagnostics for `.nix`,
 * `flake.lock`, `flake.nix` and Talos YAML, hover, code actions. Analyses run
 * one at a time, in order (an edit that arrives while the workspace is being
 * indexed waits for the index); each document is analyzed after a short
 * quiet time following its last change.
 */
export function startServer(connection: Connection, state: { shutdown: boolean } = { shutdown: false }): void {
  const documents = new OpenDocuments();
  let workspace: Workspace | undefined;
  let settings: Settings = readSettings(undefined);
  let capabilities: InitializeParams['capabilities'] = {};
  const published = new Map<string, string>();
  const timers = new Map<string, NodeJS.Timeout>();
  /** Per document: when a module held while it does not parse is taken as it is. */
  const settleTimers = new Map<string, NodeJS.Timeout>();
  let queue: Promise<void> = Promise.resolve();

  const log = (message: string) => connection.console.error(`declint: ${message}`);
  /** Runs analyses one after another; a failure is logged, never fatal. */
  const enqueue = (task: () => void | Promise<void>): Promise<void> => {
    queue = queue.then(task).catch((error: unknown) => log(error instanceof Error ? (error.stack ?? error.message) : String(error)));
    return queue;
  };

  connection.onInitialize((params): InitializeResult => {
    capabilities = params.capabilities;
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
    const root = realPath(folder ? uriToPath(folder) : params.rootPath ?? process.cwd());
    settings = readSettings(params.initializationOptions);
    workspace = new Workspace(root, documents, settings);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
        executeCommandProvider: { commands: [HOSTS_OF_COMMAND] },
      },
      serverInfo: { name: TOOL_NAME, version: TOOL_VERSION },
    };
  });

  connection.onInitialized(() => {
    const dynamicWatch = capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    if (dynamicWatch) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: '**/*.nix' }, { globPattern: '**/flake.lock' }, { globPattern: '**/*.{yaml,yml}' }, { globPattern: '**/.declint.{yaml,yml}' }],
      });
    }
    if (capabilities.workspace?.didChangeConfiguration?.dynamicRegistration) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: SECTION });
    }
    void enqueue(async () => {
      settings = await fetchSettings(settings);
      await reindex();
    });
  });

  /** The editor's `declint` settings over the initialization options, when the client answers workspace/configuration. */
  async function fetchSettings(base: Settings): Promise<Settings> {
    if (!capabilities.workspace?.configuration) return base;
    try {
      const [section] = (await connection.workspace.getConfiguration([{ section: SECTION }])) as unknown[];
      return section === null || section === undefined ? base : readSettings(section, base);
    } catch {
      return base;
    }
  }

  async function reindex(): Promise<void> {
    const ws = workspace!;
    const progress = capabilities.window?.workDoneProgress ? await connection.window.createWorkDoneProgress() : undefined;
    progress?.begin('declint: indexing the workspace', 0, 'finding files', false);
    await ws.index(settings, (done, total) => progress?.report(total === 0 ? 100 : Math.floor((done * 100) / total), `${done}/${total} files`));
    progress?.done();
    publish();
  }

  /** When each document was last analyzed. */
  const lastRun = new Map<string, number>();

  /**
   * Debounced analysis of a document: a change after a quiet time is analyzed
   * at once (on the next turn of the event loop, so that changes read in the
   * same turn are taken together); changes that follow it closely wait until
   * `delay` has passed without another, and are analyzed together.
   */
  function schedule(document: OpenDocument, delay: number, typing: boolean): void {
    clearTimeout(settleTimers.get(document.uri));
    settleTimers.delete(document.uri);
    const pending = timers.get(document.uri);
    const quiet = Date.now() - (lastRun.get(document.uri) ?? 0) >= delay;
    if (pending && quiet) return; // already due on the next turn
    clearTimeout(pending);
    const run = () => {
      timers.delete(document.uri);
      void enqueue(() => {
        if (documents.get(document.uri) !== document) return;
        const ws = workspace!;
        const hosts = ws.fileChanged(document.absolutePath, typing);
        lastRun.set(document.uri, Date.now());
        logEvaluated(document, hosts);
        publish(document.uri);
        if (ws.isHeld(document.absolutePath)) settleLater(document);
      });
    };
    timers.set(document.uri, quiet ? (setTimeout(run, 0) as NodeJS.Timeout) : setTimeout(run, delay));
  }

  function logEvaluated(document: OpenDocument, hosts: string[]): void {
    if (hosts.length > 0) connection.console.log(`${workspace!.reportPath(document.absolutePath)} changed: re-evaluated host${hosts.length > 1 ? 's' : ''} ${hosts.join(', ')}`);
  }

  /**
   * A module held because it does not parse (see `Workspace.fileChanged`)
   * is taken as it is once typing pauses: its hosts are evaluated without it,
   * and the diagnostics become those of `declint check` again.
   */
  function settleLater(document: OpenDocument): void {
    settleTimers.set(
      document.uri,
      setTimeout(() => {
        settleTimers.delete(document.uri);
        void enqueue(() => {
          if (documents.get(document.uri) !== document || !workspace!.isHeld(document.absolutePath)) return;
          logEvaluated(document, workspace!.settle());
          publish(document.uri);
        });
      }, settings.settleMs),
    );
  }

  connection.onDidOpenTextDocument(({ textDocument }) => {
    if (!textDocument.uri.startsWith('file:')) return;
    const document = documents.open(textDocument.uri, textDocument.languageId, textDocument.version, textDocument.text);
    schedule(document, 0, false);
  });

  connection.onDidChangeTextDocument(({ textDocument, contentChanges }) => {
    const document = documents.get(textDocument.uri);
    if (!document) return;
    document.applyChanges(contentChanges, textDocument.version ?? document.version + 1);
    schedule(document, settings.debounceMs, true);
  });

  connection.onDidCloseTextDocument(({ textDocument }) => {
    const document = documents.close(textDocument.uri);
    if (!document) return;
    lastRun.delete(textDocument.uri);
    for (const pending of [timers, settleTimers]) {
      clearTimeout(pending.get(textDocument.uri));
      pending.delete(textDocument.uri);
    }
    // The unsaved text is gone: the file is what the disk says again.
    void enqueue(() => {
      workspace!.fileChanged(document.absolutePath);
      publish();
    });
  });

  connection.onDidChangeWatchedFiles(({ changes }) => {
    void enqueue(async () => {
      let reload = false;
      for (const change of changes) {
        if (!change.uri.startsWith('file:')) continue;
        const file = uriToPath(change.uri);
        if (CONFIG_NAMES.includes(path.basename(file))) reload = true;
        else if (candidateKind(file) && !documents.atPath(realPath(file))) {
          workspace!.fileChanged(change.type === FileChangeType.Deleted ? file : realPath(file));
        }
      }
      if (reload) await reindex();
      else publish();
    });
  });

  connection.onDidChangeConfiguration((params) => {
    void enqueue(async () => {
      const given = (params.settings as Record<string, unknown> | undefined)?.[SECTION];
      settings = await fetchSettings(given ? readSettings(given, settings) : settings);
      await reindex();
    });
  });

  /** The findings an editor shows: suppressed and excepted ones only as hints, when asked. */
  function visible(findings: Finding[]): Finding[] {
    return settings.suppressed === 'hint' ? findings : findings.filter((f) => !f.suppressed);
  }

  /**
   * Sends the diagnostics of every file whose diagnostics changed, and always
   * those of `changed` (the document just analyzed, at its version).
   */
  function publish(changed?: string): void {
    const ws = workspace!;
    const byUri = new Map<string, Diagnostic[]>();
    for (const finding of visible(ws.findings())) {
      const uri = fileUri(ws.root, finding.location.file);
      const list = byUri.get(uri) ?? [];
      list.push(toDiagnostic(finding, ws.root));
      byUri.set(uri, list);
    }
    const error = ws.configError;
    if (error) {
      const uri = fileUri(ws.root, error.file);
      const at = { line: Math.max(0, error.line - 1), character: Math.max(0, error.column - 1) };
      byUri.set(uri, [...(byUri.get(uri) ?? []), { range: { start: at, end: at }, severity: DiagnosticSeverity.Error, source: TOOL_NAME, message: `${error.detail} (the configuration is not used until this is fixed)` }]);
    }
    for (const uri of new Set([...published.keys(), ...byUri.keys(), ...(changed ? [changed] : [])])) {
      const diagnostics = byUri.get(uri) ?? [];
      const key = JSON.stringify(diagnostics);
      if (uri !== changed && published.get(uri) === key) continue;
      if (diagnostics.length === 0) published.delete(uri);
      else published.set(uri, key);
      const open = documents.get(uri);
      void connection.sendDiagnostics({ uri, ...(open ? { version: open.version } : {}), diagnostics });
    }
  }

  function requireDocument(params: { textDocument?: { uri?: unknown } } | undefined): OpenDocument | undefined {
    const uri = params?.textDocument?.uri;
    if (typeof uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'textDocument.uri is required');
    return documents.get(uri);
  }

  function validPosition(position: unknown): { line: number; character: number } {
    const p = position as { line?: unknown; character?: unknown } | undefined;
    if (typeof p?.line !== 'number' || typeof p.character !== 'number') throw new ResponseError(ErrorCodes.InvalidParams, 'position {line, character} is required');
    return { line: p.line, character: p.character };
  }

  connection.onHover(async (params) => {
    const document = requireDocument(params);
    const position = validPosition(params.position);
    await queue;
    if (!document || !workspace) return null;
    const ws = workspace;
    const file = ws.reportPath(document.absolutePath);
    const offset = document.textDocument.offsetAt(position);
    const parts: string[] = [];
    const rules = new Map(ws.allRules.map((r) => [r.id, r]));
    // Read per hover: the rule directories (and the frameworks they declare) follow .declint.yaml.
    let frameworks: Framework[] | undefined;
    for (const finding of visible(ws.findings())) {
      const { start, end } = finding.location.range;
      if (finding.location.file !== file) continue;
      const from = document.textDocument.offsetAt({ line: start.line - 1, character: start.column - 1 });
      const to = document.textDocument.offsetAt({ line: end.line - 1, character: end.column - 1 });
      if (offset < from || offset > to) continue;
      frameworks ??= frameworksOf(ws);
      parts.push(findingHover(finding, rules.get(finding.ruleId), frameworks));
    }
    if (document.isNix) {
      const analyzed = analyzeFile(file, document.text, document.nixTree ? { tree: document.nixTree } : undefined);
      const def = analyzed.kind === 'analyzed' ? definitionAt(analyzed.file, offset) : undefined;
      if (def) parts.push(optionHover(file, def, ws.hostsOf(file), (f) => ws.lines(f)));
    }
    return parts.length > 0 ? markdownHover(parts.join('\n\n---\n\n')) : null;
  });

  connection.onCodeAction(async (params) => {
    const document = requireDocument(params);
    const range = params.range as { start?: unknown; end?: unknown } | undefined;
    validPosition(range?.start);
    validPosition(range?.end);
    await queue;
    if (!document || !workspace) return [];
    const ws = workspace;
    const file = ws.reportPath(document.absolutePath);
    const configPath = ws.configPath ?? path.join(ws.root, CONFIG_NAMES[0]);
    const openConfig = documents.atPath(realPath(configPath));
    const text = (f: string): string | undefined => {
      const absolute = path.resolve(ws.root, f);
      if (!isInside(ws.root, absolute)) return undefined;
      return documents.atPath(realPath(absolute))?.text ?? readIfPresent(absolute);
    };
    // Parsed once per request, however many findings a file has.
    const syntax = new Map<string, NixNode | undefined>();
    return codeActions(
      {
        document,
        findings: ws.findings().filter((f) => f.location.file === file && !f.suppressed),
        rules: new Map(ws.allRules.map((r) => [r.id, r])),
        root: ws.root,
        // Read once here, not per finding: every exception action edits the same text.
        config: { path: configPath, text: openConfig?.text ?? readIfPresent(configPath) },
        snippets: (capabilities.workspace?.workspaceEdit as { snippetEditSupport?: boolean } | undefined)?.snippetEditSupport === true,
        fixSources: {
          // Open buffers first; other files only inside the workspace.
          text,
          nixSyntax: (f) => {
            if (!syntax.has(f)) {
              const source = text(f);
              syntax.set(f, source === undefined ? undefined : parseNixSyntax(source));
            }
            return syntax.get(f);
          },
          hostModule: (host) => ws.hostModule(host),
        },
      },
      params.range,
      params.context?.only,
    );
  });

  connection.onExecuteCommand(async ({ command, arguments: args }) => {
    if (command !== HOSTS_OF_COMMAND) throw new ResponseError(ErrorCodes.InvalidParams, `unknown command ${command}; declint runs ${HOSTS_OF_COMMAND}`);
    const uri: unknown = args?.[0];
    if (typeof uri !== 'string' || !uri.startsWith('file:')) throw new ResponseError(ErrorCodes.InvalidParams, `${HOSTS_OF_COMMAND} takes the file: URI of a document`);
    await queue;
    if (!workspace) return null;
    const ws = workspace;
    const file = ws.reportPath(documents.get(uri)?.absolutePath ?? realPath(uriToPath(uri)));
    return hostsOfResult(ws.root, file, ws.hostsOf(file), (f) => ws.lines(f));
  });

  connection.onShutdown(async () => {
    state.shutdown = true;
    for (const pending of [timers, settleTimers]) {
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
    }
    await queue;
  });

  connection.listen();
}

/** `declint lsp --stdio`: the server on standard input and output. Resolves never; the `exit` notification ends the process. */
export function startStdioServer(): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { createConnection, ProposedFeatures, StreamMessageWriter } = require('vscode-languageserver/node') as typeof import('vscode-languageserver/node');
  // Standard output is the protocol channel: stray logging goes to standard error.
  console.log = console.info = console.warn = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(' ')}\n`);
  const { ResyncingMessageReader } = require('./framing') as typeof import('./framing');
  // A framing error from the client is said on standard error and skipped; reading goes on at the next message.
  const reader = new ResyncingMessageReader(process.stdin, (problem) => process.stderr.write(`${problem}\n`));
  const connection = createConnection(ProposedFeatures.all, reader, new StreamMessageWriter(process.stdout));
  const state = { shutdown: false };
  startServer(connection, state);
  // The editor is gone when standard input closes, whatever state the protocol is in: exit, as `exit` would (1 without a shutdown first).
  reader.onClose(() => process.exit(state.shutdown ? 0 : 1));
  return new Promise<number>(() => {});
}


/** The frameworks of the workspace: built-in and those its rule directories declare (a broken registry is reported as a config error; its titles are then left out). */
function frameworksOf(ws: { ruleDirs: string[]; root: string }): Framework[] {
  try {
    return loadFrameworks(ws.ruleDirs, ws.root);
  } catch {
    return loadFrameworks();
  }
}
