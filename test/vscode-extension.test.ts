import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { builtinModules } from 'module';
import * as os from 'os';
import * as path from 'path';
import { REPO } from './support/lsp-client';

/**
 * The VS Code extension as a user installs it: lsp/vscode copied without its
 * build products, installed from its own lockfile (`npm ci`), packaged by
 * `vsce package` with no terminal to answer a prompt, then the `.vsix` opened:
 * its files, its manifest, and its bundle loaded in Node against a stand-in
 * for the `vscode` API. (VS Code itself is not downloadable where CI runs.)
 */

const SOURCE = path.join(REPO, 'lsp', 'vscode');
const manifest = JSON.parse(fs.readFileSync(path.join(SOURCE, 'package.json'), 'utf8')) as { name: string; version: string; publisher: string };
const VSIX = `${manifest.name}-${manifest.version}.vsix`;

let copy: string;
let vsix: Map<string, Buffer>;

function run(command: string, args: string[]): void {
  // stdin ignored: a vsce prompt ("LICENSE not found, continue?") fails instead of waiting.
  const result = spawnSync(command, args, { cwd: copy, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
}

/** Every entry of a zip file, read with yauzl (the reader vsce itself depends on, from the extension's lockfile). */
function unzip(file: string): Promise<Map<string, Buffer>> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const yauzl = require(path.join(copy, 'node_modules', 'yauzl')) as {
    open(file: string, options: { lazyEntries: boolean }, done: (error: Error | null, zip: ZipFile) => void): void;
  };
  interface ZipFile {
    readEntry(): void;
    on(event: 'entry', listener: (entry: { fileName: string }) => void): void;
    on(event: 'end' | 'error', listener: (error?: Error) => void): void;
    openReadStream(entry: { fileName: string }, done: (error: Error | null, stream: NodeJS.ReadableStream) => void): void;
  }
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const entries = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolve(entries));
      zip.on('entry', (entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

beforeAll(async () => {
  copy = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-vscode-'));
  const built = /^(node_modules|out)$|\.vsix$/;
  fs.cpSync(SOURCE, copy, { recursive: true, filter: (from) => !built.test(path.basename(from)) });
  // No install scripts are needed to package (esbuild finds its platform binary package without its postinstall).
  run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline']);
  run('npm', ['run', 'package']);
  vsix = await unzip(path.join(copy, VSIX));
}, 600_000);

afterAll(() => {
  if (copy) fs.rmSync(copy, { recursive: true, force: true });
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const packed = (): Json => JSON.parse(vsix.get('extension/package.json')!.toString('utf8')) as Json;

test('the .vsix holds the bundle, the manifest, the README and the LICENSE, and nothing else', () => {
  expect([...vsix.keys()].sort()).toEqual([
    '[Content_Types].xml',
    'extension.vsixmanifest',
    'extension/LICENSE.txt',
    'extension/out/extension.js',
    'extension/package.json',
    'extension/readme.md',
  ]);
  expect(vsix.get('extension/LICENSE.txt')!.toString('utf8')).toBe(fs.readFileSync(path.join(REPO, 'LICENSE'), 'utf8'));
  const identity = /<Identity [^>]*\/>/.exec(vsix.get('extension.vsixmanifest')!.toString('utf8'))?.[0];
  expect(identity).toContain(`Id="${manifest.name}"`);
  expect(identity).toContain(`Version="${manifest.version}"`);
  expect(identity).toContain(`Publisher="${manifest.publisher}"`);
});

test('the packed manifest: entry point, activation, commands, the nix language, settings, workspace trust', () => {
  const pkg = packed();
  expect(pkg.main).toBe('./out/extension.js');
  expect(pkg.engines.vscode).toBe('^1.82.0');
  expect(pkg.activationEvents).toEqual(['onLanguage:nix', 'onLanguage:yaml', 'workspaceContains:**/flake.lock']);
  expect(pkg.contributes.commands.map((c: Json) => [c.command, `${c.category}: ${c.title}`])).toEqual([
    ['declint.restartServer', 'declint: Restart the language server'],
    ['declint.showHosts', 'declint: Show the hosts of this file'],
  ]);
  // `nix` is declared here, so .nix files activate the extension with or without a Nix language extension.
  expect(pkg.contributes.languages).toEqual([{ id: 'nix', aliases: ['Nix'], extensions: ['.nix'] }]);
  expect(pkg.extensionDependencies).toBeUndefined();
  expect(Object.keys(pkg.contributes.configuration.properties).sort()).toEqual(['declint.debounceMs', 'declint.frameworks', 'declint.level', 'declint.path', 'declint.ruleDirs', 'declint.suppressed']);
  // A repository's own settings must not choose the program the editor runs until the workspace is trusted.
  expect(pkg.capabilities.untrustedWorkspaces).toMatchObject({ supported: 'limited', restrictedConfigurations: ['declint.path'] });
  // Bundled: nothing to install at run time.
  expect([...vsix.keys()].filter((f) => f.includes('node_modules'))).toEqual([]);
  expect(pkg.dependencies).toEqual({ 'vscode-languageclient': expect.stringMatching(/^\d+\.\d+\.\d+$/) });
});

/**
 * Loads the bundle in a plain Node process (as VS Code's extension host does) with a stand-in for
 * the `vscode` module that records what the extension registers and says; `declint.path` names a
 * program that does not exist. Prints what it saw as JSON.
 */
const DRIVER = `
const Module = require('module');
const [bundle, declintPath] = process.argv.slice(1);
const commands = new Map();
const messages = [];
const required = new Set();
const disposable = { dispose() {} };
const say = (level) => async (text) => void messages.push(level + ': ' + text);
const api = {
  commands: { registerCommand: (id, run) => (commands.set(id, run), disposable), executeCommand: async () => undefined },
  workspace: {
    isTrusted: true,
    workspaceFolders: [],
    getConfiguration: (section) => ({ get: (key, fallback) => (section + '.' + key === 'declint.path' ? declintPath : fallback) }),
    onDidChangeConfiguration: () => disposable,
    onDidGrantWorkspaceTrust: () => disposable,
    asRelativePath: String,
  },
  window: { activeTextEditor: undefined, showErrorMessage: say('error'), showWarningMessage: say('warning'), showInformationMessage: say('info') },
};
// vscode-languageclient extends the API's classes (Diagnostic, CodeLens, …) as it loads: every other member is an empty class.
const vscode = new Proxy(api, { get: (target, name) => (name in target ? target[name] : class {}) });
const load = Module._load;
Module._load = function (request, ...rest) {
  required.add(request);
  return request === 'vscode' ? vscode : load.call(this, request, ...rest);
};
(async () => {
  const extension = require(bundle);
  const exports = Object.keys(extension).sort();
  const context = { subscriptions: [] };
  await extension.activate(context);
  await commands.get('declint.showHosts')();
  await extension.deactivate();
  console.log(JSON.stringify({ exports, required: [...required], commands: [...commands.keys()].sort(), subscriptions: context.subscriptions.length, messages }));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

test('the bundle loads with only vscode and Node built-ins; activation registers the contributed commands and says what is missing', () => {
  const bundle = path.join(copy, 'unpacked', 'extension.js');
  fs.mkdirSync(path.dirname(bundle));
  fs.writeFileSync(bundle, vsix.get('extension/out/extension.js')!);
  const missing = path.join(copy, 'no-such-declint');
  const result = spawnSync(process.execPath, ['-e', DRIVER, bundle, missing], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  const seen = JSON.parse(result.stdout) as { exports: string[]; required: string[]; commands: string[]; subscriptions: number; messages: string[] };
  expect(seen.exports).toEqual(['activate', 'deactivate']);
  expect(seen.required.filter((r) => r !== bundle && r !== 'vscode' && !builtinModules.includes(r.replace(/^node:/, '')))).toEqual([]);
  expect(seen.commands).toEqual(packed().contributes.commands.map((c: Json) => c.command).sort());
  expect(seen.messages).toEqual([
    `error: declint: \`${missing}\` was not found. Install declint (npm install --save-dev declint) or set declint.path.`,
    'info: declint: open a Nix file to see the hosts that include it.',
  ]);
});
