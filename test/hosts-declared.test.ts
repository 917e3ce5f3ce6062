import * as path from 'path';
import { makeTree, ROOT, runCli } from './support/cli';

/** `.declint.yaml` `hosts:`: the escape hatch for hosts the evaluator cannot read. */
const FIXTURE = path.join(ROOT, 'fixtures/hosts/declared');

describe('hosts declared in .declint.yaml', () => {
  test('a declared host is evaluated with its specialArgs, and stands for the set declint could not read', async () => {
    const run = await runCli(['hosts', '--json', '.'], FIXTURE);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.hosts).toEqual([expect.objectContaining({ name: 'edge', status: 'evaluated', construct: 'declared in .declint.yaml', root: '.declint.yaml:4', modules: 1 })]);
    expect(json.summary).toMatchObject({ evaluated: 1, unresolved: 0 });
    expect(json.notes).toEqual(['flake.nix: nixosConfigurations is not statically resolvable (result of fleet.lib.mkHosts ./hosts) (the hosts declared in .declint.yaml stand for them)']);
    const check = await runCli(['check', '--format', 'json', '.'], FIXTURE);
    const ssh = (JSON.parse(check.stdout).findings as { ruleId: string; file: string; range: { start: { line: number } }; hosts?: string[] }[]).find((f) => f.ruleId === 'NIX-SSH-002')!;
    // `role != "bastion"` with the declared `role: edge` allows passwords.
    expect([ssh.file, ssh.range.start.line, ssh.hosts]).toEqual(['hosts/edge/default.nix', 5, ['edge']]);
  });

  test('a declared module that does not exist stops with its line, exit 2', async () => {
    const dir = makeTree({
      'configuration.nix': '{ system.stateVersion = "25.05"; }\n',
      '.declint.yaml': 'hosts:\n  web:\n    modules:\n      - configuration.nix\n      - missing.nix\n',
    });
    const run = await runCli(['check', '.'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('declint: .declint.yaml:5:9: hosts.web.modules: missing.nix does not exist\n');
  });

  test('a declaration of the wrong shape is a configuration error at its line', async () => {
    const dir = makeTree({ '.declint.yaml': 'hosts:\n  web:\n    module: [configuration.nix]\n' });
    const run = await runCli(['check', '.'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^declint: \.declint\.yaml:3:5: /);
  });
});
