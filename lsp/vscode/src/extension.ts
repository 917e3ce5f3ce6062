import { ExtensionContext, workspace } from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

/** Starts `declint lsp --stdio` for Nix files, YAML (Talos machine configs) and flake.lock. */
export async function activate(context: ExtensionContext): Promise<void> {
  const command = workspace.getConfiguration('declint').get<string>('path', 'declint');
  const server: ServerOptions = { command, args: ['lsp', '--stdio'], transport: TransportKind.stdio };
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
  context.subscriptions.push(client);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
