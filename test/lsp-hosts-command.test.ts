import { LspTestClient, makeWorkspace, uriOf } from './support/lsp-client';

/**
 * `workspace/executeCommand` `declint.hostsOf`: which hosts a file belongs to,
 * as the editor commands ("declint: Show the hosts of this file") ask it,
 * answered from the live index (unsaved buffers count).
 */

const FLAKE = `{
  outputs = { self, nixpkgs }: {
    nixosConfigurations.web = nixpkgs.lib.nixosSystem {
      modules = [ ./hosts/web.nix ];
    };
    nixosConfigurations.db = nixpkgs.lib.nixosSystem {
      modules = [ ./hosts/db.nix ];
    };
  };
}
`;
const WEB = `{ ... }:
{
  imports = [ ../modules/base.nix ../modules/ssh.nix ];
  system.stateVersion = "24.05";
}
`;
const DB = `{ ... }:
{
  imports = [ ../modules/base.nix ];
  system.stateVersion = "24.05";
}
`;
const BASE = `{ ... }:\n{\n  time.timeZone = "UTC";\n}\n`;
const SSH = `{ ... }:\n{\n  services.openssh.enable = true;\n}\n`;

let client: LspTestClient | undefined;
afterEach(() => {
  client?.kill();
  client = undefined;
});

const range = (l1: number, c1: number, l2: number, c2: number) => ({ start: { line: l1, character: c1 }, end: { line: l2, character: c2 } });
const hostsOf = (uri: string) => client!.connection.sendRequest('workspace/executeCommand', { command: 'declint.hostsOf', arguments: [uri] });

test('the server offers declint.hostsOf and answers with each host, where it is declared and where it imports the file', async () => {
  const root = makeWorkspace({ 'flake.nix': FLAKE, 'hosts/web.nix': WEB, 'hosts/db.nix': DB, 'modules/base.nix': BASE, 'modules/ssh.nix': SSH, 'notes/readme.nix': '{ }\n' });
  client = new LspTestClient(root);
  const init = await client.initialize();
  expect(init.capabilities.executeCommandProvider).toEqual({ commands: ['declint.hostsOf'] });

  const flake = uriOf(root, 'flake.nix');
  expect(await hostsOf(uriOf(root, 'modules/base.nix'))).toEqual({
    file: 'modules/base.nix',
    hosts: [
      { name: 'db', role: 'host', declaredAt: { uri: flake, range: range(5, 29, 7, 5) }, importedAt: { uri: uriOf(root, 'hosts/db.nix'), range: range(2, 14, 2, 33) } },
      { name: 'web', role: 'host', declaredAt: { uri: flake, range: range(2, 30, 4, 5) }, importedAt: { uri: uriOf(root, 'hosts/web.nix'), range: range(2, 14, 2, 33) } },
    ],
  });
  // A host's first module is imported by the flake's module list.
  expect(await hostsOf(uriOf(root, 'hosts/web.nix'))).toEqual({
    file: 'hosts/web.nix',
    hosts: [{ name: 'web', role: 'host', declaredAt: { uri: flake, range: range(2, 30, 4, 5) }, importedAt: { uri: flake, range: range(3, 18, 3, 33) } }],
  });
  expect(await hostsOf(uriOf(root, 'notes/readme.nix'))).toEqual({ file: 'notes/readme.nix', hosts: [] });

  // An unsaved edit that imports ssh.nix into db: the answer follows the buffer, not the disk.
  const db = client.open('hosts/db.nix', DB.replace('../modules/base.nix', '../modules/base.nix ../modules/ssh.nix'));
  await client.diagnosticsFor(db, () => true, 1);
  const ssh = (await hostsOf(uriOf(root, 'modules/ssh.nix'))) as { hosts: { name: string; importedAt: { uri: string } }[] };
  expect(ssh.hosts.map((h) => [h.name, h.importedAt.uri])).toEqual([
    ['db', db],
    ['web', uriOf(root, 'hosts/web.nix')],
  ]);

  await expect(client.connection.sendRequest('workspace/executeCommand', { command: 'declint.nothing', arguments: [] })).rejects.toMatchObject({ code: -32602 });
  await expect(client.connection.sendRequest('workspace/executeCommand', { command: 'declint.hostsOf', arguments: [42] })).rejects.toMatchObject({ code: -32602 });
  expect(await client.stop()).toBe(0);
});
