import { spawn } from 'child_process';
import { PassThrough } from 'stream';
import { ResyncingMessageReader } from '../src/lsp/framing';
import { BIN, makeWorkspace } from './support/lsp-client';

/**
 * A client that frames a message wrongly must not silence the language
 * server: the bad bytes are said and skipped, and the next good message is
 * read and answered.
 */

const frame = (body: unknown) => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
};
const message = (id: number) => ({ jsonrpc: '2.0', id, method: 'probe', params: { text: 'Content-Length: 12\\r\\n\\r\\n inside a string is data' } });

/** Feeds the chunks to a reader; resolves to the ids of the messages read and the problems said. */
async function read(chunks: (string | Buffer)[]): Promise<{ ids: unknown[]; problems: number }> {
  const input = new PassThrough();
  let problems = 0;
  const reader = new ResyncingMessageReader(input, () => problems++);
  const ids: unknown[] = [];
  reader.listen((m) => ids.push((m as { id?: unknown }).id));
  for (const chunk of chunks) input.write(chunk);
  input.end();
  await new Promise((resolve) => setImmediate(resolve));
  return { ids, problems };
}

describe('reading messages from a client that frames some wrongly', () => {
  test('good messages arrive whole, however the stream cuts them (one byte at a time here)', async () => {
    const wire = Buffer.from(frame(message(1)) + frame(message(2)) + frame({ jsonrpc: '2.0', method: 'é ünïcode' }));
    const chunks = [...wire].map((byte) => Buffer.from([byte]));
    expect(await read(chunks)).toEqual({ ids: [1, 2, undefined], problems: 0 });
  });

  test.each([
    ['a length that is not a number', 'Content-Length: abc\r\n\r\n{"jsonrpc":"2.0","id":7}'],
    ['no length at all', 'Content-Type: application/json\r\n\r\n{"jsonrpc":"2.0","id":7}'],
    ['a length shorter than the body', 'Content-Length: 5\r\n\r\n{"jsonrpc":"2.0","id":7}'],
    ['a header that runs into its body (a line break missing)', 'Content-Length: 24\r\n{"jsonrpc":"2.0","id":7}'],
    ['bytes outside any message', 'hello\r\n\r\nworld'],
    ['a body that is JSON but not a message', frame('[1, 2, 3]')],
    ['a length far beyond any message', 'Content-Length: 99999999999\r\n\r\n{}'],
  ])('%s: said, skipped, and the next message is read', async (_name, bad) => {
    const { ids, problems } = await read([frame(message(1)), bad, frame(message(2))]);
    expect(ids).toEqual([1, 2]);
    expect(problems).toBeGreaterThan(0);
  });

  test('a length longer than the body: the message is read up to the next header, and the next one too', async () => {
    const body = JSON.stringify(message(7));
    const { ids } = await read([`Content-Length: ${body.length + 40}\r\n\r\n${body}`, frame(message(2))]);
    expect(ids).toEqual([7, 2]);
  });

  test('a body shorter than its length, cut in the middle, does not swallow the next message', async () => {
    const body = JSON.stringify(message(7));
    const { ids } = await read([`Content-Length: ${body.length}\r\n\r\n${body.slice(20)}`, frame(message(2))]);
    expect(ids).toEqual([2]);
  });
});

describe('the language server process', () => {
  const session = (wire: string[], closeAfterMs: number) =>
    new Promise<{ code: number | null; answered: number[]; stderr: string }>((resolve) => {
      const server = spawn(process.execPath, [BIN, 'lsp', '--stdio'], { cwd: makeWorkspace({}), stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      server.stdout.on('data', (chunk) => (stdout += chunk));
      server.stderr.on('data', (chunk) => (stderr += chunk));
      const timer = setTimeout(() => server.kill('SIGKILL'), 30_000);
      server.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, answered: [...stdout.matchAll(/"id":(\d+),"(?:result|error)"/g)].map((m) => Number(m[1])), stderr });
      });
      for (const part of wire) server.stdin.write(part);
      setTimeout(() => server.stdin.end(), closeAfterMs);
    });
  const initialize = frame({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });

  test('answers shutdown after garbage and a wrong Content-Length, and exits 0 when standard input closes', async () => {
    const run = await session([initialize, 'Content-Length: garbage\r\n\r\n{}', 'Content-Length: 3\r\n\r\n{"jsonrpc"', frame({ jsonrpc: '2.0', id: 2, method: 'shutdown' })], 3000);
    expect(run.answered).toEqual([1, 2]);
    expect(run.stderr).toMatch(/declint: skipped a header without a valid Content-Length on standard input/);
    expect(run.code).toBe(0);
  });

  test('exits (1, without a shutdown) when standard input closes in the middle of a message', async () => {
    const run = await session([initialize, 'Content-Length: 500\r\n\r\n{"jsonrpc":'], 3000);
    expect(run.answered).toEqual([1]);
    expect(run.code).toBe(1);
  });
});

describe('the language server on a module that doubles a value 22 times', () => {
  test("publishes the file's finding and a note at the value, and keeps answering", async () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { REPRODUCERS } = require('../fuzz/reproducers') as { REPRODUCERS: { name: string; text: string }[] };
    const text = REPRODUCERS.find((r) => r.name === 'nix-doubling-22')!.text;
    const { LspTestClient } = await import('./support/lsp-client');
    const client = new LspTestClient(makeWorkspace({ 'module.nix': text }));
    try {
      await client.initialize();
      const uri = client.open('module.nix', text);
      const diagnostics = await client.diagnosticsFor(uri, (d) => d.length >= 2);
      expect(diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.code}`).sort()).toEqual(['26:3 declint-limit', '27:3 NIX-SSH-001']);
      const hover = await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 26, character: 4 } });
      expect(JSON.stringify(hover)).toContain('NIX-SSH-001');
    } finally {
      await client.stop();
    }
  });
});

describe('the language server on a text that takes longer to parse than a file may', () => {
  test('publishes a note at the file instead of its findings, and keeps answering', async () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { REPRODUCERS } = require('../fuzz/reproducers') as { REPRODUCERS: { name: string; text: string }[] };
    const text = REPRODUCERS.find((r) => r.name === 'nix-slow-parse')!.text;
    const { LspTestClient } = await import('./support/lsp-client');
    const client = new LspTestClient(makeWorkspace({ 'canary.nix': '{\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n' }));
    try {
      await client.initialize();
      const uri = client.open('dotted.nix', text);
      const diagnostics = await client.diagnosticsFor(uri, (d) => d.length >= 1);
      expect(diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.code} ${d.message}`)).toEqual([
        '1:1 declint-limit This file is not checked: parsing it took longer than 5 s, the time a file may take.',
      ]);
      const canary = client.open('canary.nix', '{\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n');
      expect((await client.diagnosticsFor(canary, (d) => d.length >= 1)).map((d) => d.code)).toEqual(['NIX-SSH-001']);
    } finally {
      await client.stop();
    }
  }, 60_000);
});
