import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import { makeTree, ROOT, runCli } from './support/cli';
import { LspTestClient, uriOf } from './support/lsp-client';

/**
 * What declint prints never carries a secret of the scanned files, and
 * never renders their markup: every output of check (five formats), report
 * (three), hosts, explain-option and the language server, checked against
 * every secret path and every field that comes from a scanned file,
 * whatever the layout of the output.
 */

/** A distinct secret per place, whose first 12 characters appear nowhere else. */
const secret = (i: number) => `Zq${String(i).padStart(3, '0')}Xv${'k9Lm2Np4Rt6Vw8Yb1Cd3Fg5Hj7'.slice(i % 7)}Q${i}`;

interface Placed {
  file: string;
  /** The YAML path or NixOS option, for messages. */
  where: string;
  value: string;
}

/**
 * Talos documents with a secret at every path TAL-015 names, read from the
 * rule itself: a path it gains later is covered without editing this test
 * (a path of an unknown document kind fails it, to be placed here).
 */
function talosSecrets(placed: Placed[]): Record<string, string> {
  const rule = parseYaml(fs.readFileSync(path.join(ROOT, 'rules/talos/TAL-015.yaml'), 'utf8')) as { subject: { paths: string[] } };
  const docs = new Map<string, Record<string, unknown>>();
  const docOf = (p: string): [string, Record<string, unknown>] => {
    const kinds: [RegExp, string, Record<string, unknown>][] = [
      [/^(machine|cluster)\./, 'talos/controlplane.yaml', { version: 'v1alpha1', machine: { type: 'controlplane' }, cluster: {} }],
      [/^(secrets|trustdinfo|certs)\./, 'talos/secrets.yaml', { cluster: { id: 'abc' } }],
      [/^(password|auth|identityToken)$/, 'talos/registry-auth.yaml', { apiVersion: 'v1alpha1', kind: 'RegistryAuthConfig', name: 'ghcr.io' }],
      [/^privateKey$/, 'talos/wireguard.yaml', { apiVersion: 'v1alpha1', kind: 'WireguardConfig', name: 'wg0' }],
      [/^encryption\./, 'talos/volume.yaml', { apiVersion: 'v1alpha1', kind: 'VolumeConfig', name: 'EPHEMERAL' }],
      [/^issuingCA\./, 'talos/apiserver-ca.yaml', { apiVersion: 'v1alpha1', kind: 'KubeAPIServerCAConfig' }],
      [/^issuer\./, 'talos/service-account.yaml', { apiVersion: 'v1alpha1', kind: 'KubeServiceAccountConfig' }],
      [/^config\.resources\./, 'talos/etcd-encryption.yaml', { apiVersion: 'v1alpha1', kind: 'KubeEtcdEncryptionConfig' }],
      [/^clusterSecret$/, 'talos/discovery.yaml', { apiVersion: 'v1alpha1', kind: 'DiscoveryIdentityConfig' }],
    ];
    const kind = kinds.find(([test]) => test.test(p));
    if (!kind) throw new Error(`TAL-015 path ${p}: place it in a document kind in this test`);
    if (!docs.has(kind[1])) docs.set(kind[1], kind[2]);
    return [kind[1], docs.get(kind[1])!];
  };
  rule.subject.paths.forEach((p, i) => {
    const [file, doc] = docOf(p);
    const segments = p.split('.').map((s) => (s === '*' ? 'x' : s));
    let node = doc;
    for (const s of segments.slice(0, -1)) node = (node[s] ??= {}) as Record<string, unknown>;
    const value = secret(i);
    node[segments[segments.length - 1]] = value;
    placed.push({ file, where: p, value });
  });
  // The control-plane config also carries what TAL-014 needs to judge (and print) its encryption secret.
  const cp = docs.get('talos/controlplane.yaml')!;
  ((cp.cluster as Record<string, unknown>).serviceAccount as Record<string, unknown>).key ??= secret(90);
  return Object.fromEntries([...docs].map(([file, doc]) => [file, `${JSON.stringify(doc, null, 2)}\n`]));
}

/** A NixOS host whose modules set secret options: by path, by name, by content, in a conflict and in an expression declint cannot fold. */
function nixosSecrets(placed: Placed[]): Record<string, string> {
  const pem = `-----BEGIN OPENSSH PRIVATE KEY-----\n${secret(60)}${'A'.repeat(64)}\n-----END OPENSSH PRIVATE KEY-----`;
  const settings: [string, string][] = [
    ['users.users.root.password', secret(50)],
    ['users.users.root.hashedPassword', `$6$${secret(51)}`],
    ['users.users.alice.initialPassword', secret(52)],
    ['users.users.alice.initialHashedPassword', `$6$${secret(53)}`],
    ['networking.wireless.networks.home.psk', secret(54)],
    ['services.grafana.settings.security.admin_password', secret(55)],
    ['services.grafana.settings.security.secret_key', secret(56)],
    ['nix.settings.access-tokens', `github.com=${secret(57)}`],
    ['systemd.services.app.environment.GITHUB_TOKEN', `ghp_${secret(58)}${'x'.repeat(20)}`],
  ];
  const lines = settings.map(([option, value]) => {
    placed.push({ file: 'secrets.nix', where: option, value });
    return `  ${option.split('.').map((s) => (/^[A-Za-z_][A-Za-z0-9_'-]*$/.test(s) ? s : JSON.stringify(s))).join('.')} = ${JSON.stringify(value)};`;
  });
  placed.push({ file: 'secrets.nix', where: 'environment.etc key.pem', value: pem.split('\n')[1] });
  placed.push({ file: 'secrets.nix', where: 'an unfolded expression', value: secret(61) });
  placed.push({ file: 'conflict.nix', where: 'a conflict', value: secret(62) });
  placed.push({ file: 'flake.lock', where: 'the password of an input URL', value: secret(66) });
  placed.push({ file: 'conflict.nix', where: 'a conflict of a known type', value: secret(64) });
  placed.push({ file: 'secrets.nix', where: 'a conflict of a known type', value: secret(65) });
  return {
    'flake.nix': '{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.app = nixpkgs.lib.nixosSystem { modules = [ ./app.nix ./secrets.nix ./conflict.nix ]; };\n  };\n}\n',
    'app.nix': '{\n  system.stateVersion = "25.11";\n  networking.hostName = "app";\n  services.openssh.enable = true;\n}\n',
    'secrets.nix': [
      '{ config, ... }:',
      '{',
      ...lines,
      `  environment.etc."ssl/key.pem".text = ''\n${pem.split('\n').map((l) => `    ${l}`).join('\n')}\n  '';`,
      `  users.users.bob.password = "${secret(61)}" + config.networking.domain;`,
      `  users.users.carol.hashedPassword = "$6$${secret(63)}";`,
      // A key named like a token under an option whose type does not merge two strings: a conflict that names both values.
      `  boot.kernel.sysctl."vendor.api_token" = "${secret(65)}";`,
      '}',
      '',
    ].join('\n'),
    // An input fetched with credentials in its URL: the report's inventory and the SBOM show its source.
    'flake.lock': `${JSON.stringify(
      {
        nodes: {
          root: { inputs: { nixpkgs: 'nixpkgs', private: 'private' } },
          nixpkgs: { locked: { lastModified: 1760000000, narHash: 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', owner: 'NixOS', repo: 'nixpkgs', rev: '0123456789abcdef0123456789abcdef01234567', type: 'github' }, original: { owner: 'NixOS', ref: 'nixos-25.11', repo: 'nixpkgs', type: 'github' } },
          private: {
            locked: { lastModified: 1760000000, narHash: 'sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=', rev: '89abcdef0123456789abcdef0123456789abcdef', type: 'git', url: `https://deploy:${secret(66)}@git.example.org/acme/private.git` },
            original: { type: 'git', url: `https://deploy:${secret(66)}@git.example.org/acme/private.git` },
          },
        },
        root: 'root',
        version: 7,
      },
      null,
      2,
    )}\n`,
    'conflict.nix': `{\n  users.users.carol.hashedPassword = "$6$${secret(62)}";\n  boot.kernel.sysctl."vendor.api_token" = "${secret(64)}";\n}\n`,
  };
}

describe('no secret value in any output', () => {
  const placed: Placed[] = [];
  const files = { ...talosSecrets(placed), ...nixosSecrets(placed) };
  const dir = makeTree(files);
  /** `command . --format F` for each format, with the exit code it must give, as one output to search. */
  const everyFormat = (command: string, formats: string[], code: number) =>
    formats.map((format): [string, () => Promise<string>] => [
      `${command} --format ${format}`,
      async () => {
        const run = await runCli([command, '.', '--format', format], dir);
        expect(run.code).toBe(code);
        return run.stdout + run.stderr;
      },
    ]);
  const outputs: [string, () => Promise<string>][] = [
    ...everyFormat('check', ['stylish', 'json', 'sarif', 'github', 'junit'], 1),
    ...everyFormat('report', ['md', 'html', 'json', 'csv', 'cyclonedx'], 0),
    [
      'hosts and hosts --json',
      async () => {
        const text = (await runCli(['hosts', '.'], dir)).stdout + (await runCli(['hosts', '.', '--json'], dir)).stdout;
        expect(text).toContain('app');
        return text;
      },
    ],
    [
      'explain-option on every secret option, as text and JSON',
      async () => {
        let out = '';
        for (const option of [
          ...placed.filter((p) => p.file === 'secrets.nix' && !p.where.includes(' ')).map((p) => p.where),
          'users.users.bob.password',
          'users.users.carol.hashedPassword',
          'environment.etc',
          'boot.kernel.sysctl."vendor.api_token"',
        ]) {
          for (const json of [[], ['--json']]) {
            const run = await runCli(['explain-option', 'app', option, '.', ...json], dir);
            expect(run.stderr).toBe('');
            out += run.stdout;
          }
        }
        return out;
      },
    ],
  ];

  test('every secret path of TAL-015 and every kind of NixOS secret is in the fixture', () => {
    expect(placed.length).toBeGreaterThan(40);
  });

  test.each(outputs)('%s', async (_name, produce) => {
    const text = await produce();
    expect(text.length).toBeGreaterThan(150);
    const leaked = placed.filter((p) => text.includes(p.value.slice(0, 12))).map((p) => `${p.where} (${p.file})`);
    expect(leaked).toEqual([]);
  });

  test('the outputs still say where the secrets are', async () => {
    const run = await runCli(['check', '.', '--format', 'json'], dir);
    const rules = new Set((JSON.parse(run.stdout) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId));
    expect([...rules]).toEqual(expect.arrayContaining(['TAL-015', 'NIX-USR-002', 'NIX-SECRET-001', 'NIX-SECRET-002', 'nix-conflict']));
  });

  test('the language server: diagnostics and hover over every secret line', async () => {
    const client = new LspTestClient(dir);
    try {
      await client.initialize();
      let shown = '';
      const opened = ['secrets.nix', 'conflict.nix', 'talos/controlplane.yaml', 'talos/secrets.yaml', 'talos/etcd-encryption.yaml'];
      for (const file of opened) {
        const text = files[file as keyof typeof files];
        const uri = client.open(file, text);
        await client.diagnosticsFor(uri);
        const lines = text.split('\n').length;
        for (let line = 0; line < lines; line++) {
          const hover = await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: uriOf(dir, file) }, position: { line, character: 6 } });
          shown += JSON.stringify(hover);
        }
        // Quick fixes (their titles and edits) and the hosts a file belongs to.
        const range = { start: { line: 0, character: 0 }, end: { line: lines, character: 0 } };
        shown += JSON.stringify(await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics: client.diagnostics.get(uri)?.diagnostics ?? [] } }));
        shown += JSON.stringify(await client.connection.sendRequest('workspace/executeCommand', { command: 'declint.hostsOf', arguments: [uri] }));
      }
      // Every diagnostic the server published, the host's included.
      await client.diagnosticsFor(uriOf(dir, 'secrets.nix'), (d) => d.some((x) => String(x.code) === 'NIX-USR-002'));
      shown += JSON.stringify([...client.diagnostics.values()]);
      expect(shown).toContain('TAL-015');
      expect(shown).toContain('users.users.root.password');
      expect(placed.filter((p) => shown.includes(p.value.slice(0, 12))).map((p) => p.where)).toEqual([]);
    } finally {
      await client.stop();
    }
  });
});

describe('markup from scanned files is shown, never rendered', () => {
  const HTML = '<img src=x onerror=alert(1)>';
  const COMMENT = '<!--';
  const LINK = '[click](javascript:alert(1))';
  const PAYLOAD = `${HTML}${COMMENT}${LINK}|\`*_~\u001b[2J`;
  const quoted = JSON.stringify(PAYLOAD);
  /** What a spreadsheet would run as a formula, at the start of a cell. */
  const FORMULA = '=HYPERLINK("http://example.org")';
  const lock = {
    nodes: {
      root: { inputs: { nixpkgs: 'nixpkgs', [`in${HTML}`]: 'evil' } },
      nixpkgs: {
        locked: { lastModified: 1760000000, narHash: 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', owner: 'NixOS', repo: 'nixpkgs', rev: COMMENT, type: 'github' },
        original: { owner: 'NixOS', ref: 'nixos-25.11', repo: 'nixpkgs', type: 'github' },
      },
      evil: { locked: { type: 'github', owner: PAYLOAD, repo: PAYLOAD, rev: PAYLOAD }, original: { type: 'github', owner: PAYLOAD, repo: PAYLOAD, ref: PAYLOAD } },
    },
    root: 'root',
    version: 7,
  };
  const files = {
    'flake.nix': `{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.${quoted} = nixpkgs.lib.nixosSystem { modules = [ ./host.nix ]; };\n  };\n}\n`,
    'flake.lock': `${JSON.stringify(lock, null, 2)}\n`,
    'host.nix': [
      '{',
      `  # ISO 27001 A.8.5 ${PAYLOAD}`,
      '  system.stateVersion = "25.11";',
      `  networking.hostName = ${quoted};`,
      '  services.openssh.enable = true;',
      `  services.openssh.settings.PermitRootLogin = ${quoted};`,
      `  networking.firewall.allowedTCPPorts = [ 22 ];`,
      `  services.openssh.settings.Ciphers = [ ${quoted} ];`,
      '}',
      '',
    ].join('\n'),
    [`talos/node${HTML}.yaml`]: `version: v1alpha1\nmachine:\n  type: controlplane\n  network:\n    hostname: ${quoted}\n  install:\n    image: ${quoted}\ncluster:\n  allowSchedulingOnControlPlanes: true\n`,
    '.declint.yaml': [
      'exceptions:',
      '  TAL-013:',
      `    rationale: ${JSON.stringify(`${FORMULA} ${PAYLOAD}`)}`,
      `    owner: ${quoted}`,
      `    ticket: ${quoted}`,
      // The evidence report's document control comes from here too; the repository address must not become a link elsewhere.
      'report:',
      ...['organisation', 'system', 'scope', 'preparer', 'reviewer'].map((key) => `  ${key}: ${quoted}`),
      `  repoUrl: ${JSON.stringify('https://example.org/acme)](javascript:alert(1)')}`,
      '',
    ].join('\n'),
  };
  const dir = makeTree(files);
  const hasGit = spawnSync('git', ['--version']).status === 0;
  beforeAll(() => {
    if (!hasGit) return;
    for (const args of [['init', '-q'], ['add', '-A'], ['commit', '-q', '-m', `${PAYLOAD} ISO 27001 A.8.5`]]) {
      spawnSync('git', ['-c', `user.name=${PAYLOAD}`, '-c', 'user.email=dev@example.org', ...args], { cwd: dir, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } });
    }
  });

  /** What of the payload a renderer of HTML would interpret. */
  const html = (text: string) => [
    ...(/<img/i.test(text) ? ['an <img> element'] : []),
    ...(text.includes(COMMENT) ? ['an HTML comment'] : []),
    ...(/href\s*=\s*["']?\s*javascript:/i.test(text) ? ['a javascript: link'] : []),
  ];
  /** What a terminal would interpret: a control character other than a line break. */
  // eslint-disable-next-line no-control-regex
  const terminal = (text: string) => (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text) ? ['a control character'] : []);
  /** A CSV cell a spreadsheet would run: one that starts with =, +, - or @. */
  const formulas = (text: string) => csvCells(text).filter((cell) => /^[=+\-@]/.test(cell)).map((cell) => `a formula cell ${cell.slice(0, 20)}`);
  /** What a Markdown renderer (GitHub's, an editor's) would: raw HTML and links, outside code spans and fenced blocks, which it shows as written. */
  const markdown = (text: string) => {
    const prose = text.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '').replace(/`[^`\n]*`/g, '');
    return [...html(prose), ...(/(?<!\\)\]\(javascript:/.test(prose) ? ['a Markdown link'] : [])];
  };

  test('the fixture puts the payload in every kind of field (host, file, node, lock entry, value, comment, exception, commit)', async () => {
    const run = await runCli(['report', '.', '--format', 'json'], dir);
    const json = run.stdout;
    for (const where of ['inventory', 'hosts', 'talosNodes', 'inputs', 'annotations']) expect(json).toContain(where);
    // Every occurrence of the payload in the data: the escapers below have something to do.
    expect(json.split('img src=x').length).toBeGreaterThan(8);
  });

  test.each([
    ['report --format html', ['report', '.', '--format', 'html'], html],
    ['report --format md', ['report', '.', '--format', 'md'], markdown],
    // With an audit period: the change log and the commits referenced.
    ['report --format html --since', ['report', '.', '--format', 'html', '--since', '2000-01-01'], html],
    ['report --format md --since', ['report', '.', '--format', 'md', '--since', '2000-01-01'], markdown],
    ['report --format csv', ['report', '.', '--format', 'csv'], formulas],
    ['check --format junit', ['check', '.', '--format', 'junit'], html],
    ['check (terminal: no control character of the input)', ['check', '.'], terminal],
    ['hosts (terminal)', ['hosts', '.'], terminal],
    // The host's name as Nix reads the flake's string (`\\u` is `u` there).
    ['explain-option (terminal)', ['explain-option', PAYLOAD.replace('\u001b', 'u001b'), 'services.openssh.settings.PermitRootLogin', '.'], terminal],
  ] as [string, string[], (text: string) => string[]][])('%s', async (_name, args, interpreted) => {
    const run = await runCli(args, dir);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('img src=x');
    expect(interpreted(run.stdout)).toEqual([]);
  });

  test('the GitHub step summary (Markdown) and annotations', async () => {
    const summary = path.join(dir, 'summary.md');
    process.env.GITHUB_STEP_SUMMARY = summary;
    try {
      const run = await runCli(['check', '.', '--format', 'github'], dir);
      expect(run.stdout).toContain('img src=x');
      expect(markdown(fs.readFileSync(summary, 'utf8'))).toEqual([]);
    } finally {
      delete process.env.GITHUB_STEP_SUMMARY;
    }
  });

  test('hover in the editor', async () => {
    const client = new LspTestClient(dir);
    try {
      await client.initialize();
      const uri = client.open('host.nix', files['host.nix']);
      await client.diagnosticsFor(uri);
      const hover = JSON.stringify(await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 5, character: 6 } }));
      expect(hover).toContain('img src=x');
      expect(markdown(JSON.parse(hover).contents.value)).toEqual([]);
    } finally {
      await client.stop();
    }
  });
});

/** The cells of a CSV text (RFC 4180: quoted cells may hold commas, quotes and line breaks). */
function csvCells(text: string): string[] {
  const cells: string[] = [];
  let i = 0;
  while (i < text.length) {
    let cell = '';
    if (text[i] === '"') {
      for (i++; i < text.length; i++) {
        if (text[i] === '"' && text[i + 1] === '"') (cell += '"'), i++;
        else if (text[i] === '"') break;
        else cell += text[i];
      }
      i++;
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') cell += text[i++];
    }
    cells.push(cell);
    while (text[i] === ',' || text[i] === '\r' || text[i] === '\n') i++;
  }
  return cells;
}

describe('the last step before any output', () => {
  test('a message that quotes a token from the source (the name of an attribute defined twice) is printed redacted, the rest of it kept', async () => {
    const token = 'AKIA' + 'Q3ZZTESTZZ7ZZZZZ';
    const dir = makeTree({ 'm.nix': `{\n  environment.etc."${token}".text = "a";\n  environment.etc."${token}".text = "b";\n}\n` });
    const run = await runCli(['check', '.', '--format', 'json'], dir);
    const messages = (JSON.parse(run.stdout) as { findings: { ruleId: string; message: string }[] }).findings.map((f) => [f.ruleId, f.message]);
    expect(messages).toEqual([['parse-error', "The file does not parse: attribute 'environment.etc.<redacted>.text' already defined at line 2, column 3 at line 3, column 3. No rule could check it."]]);
  });
});
