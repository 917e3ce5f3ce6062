import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { ROOT, makeTree, runCli } from './support/cli';

/**
 * Coverage through every output, for NixOS hosts and Talos nodes alike: a
 * flake with a host declint reads, one it cannot, and a flake whose outputs
 * it cannot resolve, beside a Talos patch no node applies and a Talos file
 * that does not parse.
 */
const FLAKE = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";
  outputs = { self, nixpkgs }: {
    nixosConfigurations.web = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ ./web.nix ];
    };
    nixosConfigurations.edge = mkEdge "edge";
  };
}
`;
const WEB = `{ ... }: {
  boot.loader.grub.device = "/dev/sda";
  fileSystems."/".device = "/dev/sda1";
  networking.firewall.enable = false;
}
`;
// A framework declint does not model: the flake's outputs cannot be resolved.
const FLAKE_PARTS = `{
  inputs.fleet.url = "github:example/fleet";
  outputs = inputs: inputs.fleet.lib.mkFleet { inherit inputs; } {
    flake.nixosConfigurations.db = inputs.nixpkgs.lib.nixosSystem { modules = [ ./db.nix ]; };
  };
}
`;

function fleet(): string {
  return makeTree({
    'flake.nix': FLAKE,
    'web.nix': WEB,
    'other/flake.nix': FLAKE_PARTS,
    'talos/patch.yaml': 'machine:\n  time:\n    disabled: true\n',
    'talos/broken.yaml': 'machine:\n  install:\n    disk: [/dev/sda\n',
  });
}

const schema = (name: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', name), 'utf8'));

describe('coverage in every output', () => {
  let dir: string;
  beforeAll(() => {
    dir = fleet();
  });

  test('check ends with the counts, then each host not resolved and each source that produced none, at its file and line', async () => {
    const run = await runCli(['check', '.'], dir);
    expect(run.stdout.slice(run.stdout.indexOf('Coverage:')).split('\n')).toEqual([
      'Coverage: 1 NixOS host checked; 1 declared but not resolved; 3 sources produced no host or node (1 checked on its own).',
      '  not resolved  flake.nix:8:5  NixOS host edge: nixosConfigurations.edge is not a NixOS system declint can read (result of mkEdge "edge")',
      "  not read      other/flake.nix:1:1  the flake's outputs are not statically resolvable (result of inputs.fleet.lib.mkFleet { inherit inputs; } { flake.nixo...)",
      '  not read      talos/broken.yaml:4:1  the file does not parse (Flow sequence in block collection must be sufficiently indented and end with a ])',
      '  no node       talos/patch.yaml  a strategic-merge patch that no node in the scan applies; checked on its own, for what it sets',
      '',
    ]);
    // Gaps are not findings: without --require-hosts the exit code is the findings' alone.
    expect(run.code).toBe(1);
    expect((await runCli(['check', '.', '--fail-on', 'never'], dir)).code).toBe(0);
    expect((await runCli(['check', '.', '--fail-on', 'never', '--require-hosts'], dir)).code).toBe(1);
  });

  test('JSON carries the coverage section its schema describes', async () => {
    const report = JSON.parse((await runCli(['check', '.', '--format', 'json'], dir)).stdout);
    const validate = new Ajv({ strict: true }).addSchema(schema('coverage.schema.json')).compile(schema('report.schema.json'));
    expect(validate(report) ? [] : validate.errors).toEqual([]);
    expect(report.coverage.summary).toEqual({
      nixosHosts: { evaluated: 1, partial: 0, unresolved: 1 },
      talosNodes: { evaluated: 0, partial: 0, unresolved: 0 },
      unread: 3,
      checkedAlone: 1,
    });
    expect(report.coverage.entries.map((e: { name: string; status: string; construct: string }) => [e.name, e.status, e.construct])).toEqual([
      ['web', 'evaluated', 'nixosConfigurations → nixosSystem'],
      ['edge', 'unresolved', 'nixosConfigurations.edge'],
    ]);
  });

  test('SARIF appends the gaps to the tool notifications, after the parse errors, each at its place', async () => {
    const log = JSON.parse((await runCli(['check', '.', '--format', 'sarif'], dir)).stdout);
    const notes = log.runs[0].invocations[0].toolExecutionNotifications as { level: string; descriptor: { id: string }; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[] }[];
    expect(notes.map((n) => [n.descriptor.id, n.level, n.locations[0].physicalLocation.artifactLocation.uri, n.locations[0].physicalLocation.region?.startLine])).toEqual([
      ['parse-error', 'error', 'talos/broken.yaml', 4],
      ['coverage/unresolved', 'warning', 'flake.nix', 8],
      ['coverage/unread', 'warning', 'other/flake.nix', 1],
      ['coverage/unread', 'warning', 'talos/broken.yaml', 4],
      ['coverage/checked-alone', 'note', 'talos/patch.yaml', undefined],
    ]);
    expect(notes[1].message.text).toBe('NixOS host edge (nixosConfigurations.edge) is declared but not resolved: nixosConfigurations.edge is not a NixOS system declint can read (result of mkEdge "edge").');
  });

  test('GitHub gets a warning for each gap and the headline in the step summary', async () => {
    const run = await runCli(['check', '.', '--format', 'github'], dir);
    const coverage = run.stdout.split('\n').filter((l) => l.includes('title=declint coverage'));
    expect(coverage).toEqual([
      '::warning file=flake.nix,line=8,title=declint coverage::NixOS host edge is declared but not resolved: nixosConfigurations.edge is not a NixOS system declint can read (result of mkEdge "edge")',
      "::warning file=other/flake.nix,line=1,title=declint coverage::No NixOS host read from this file: the flake's outputs are not statically resolvable (result of inputs.fleet.lib.mkFleet { inherit inputs; } { flake.nixo...)",
      '::warning file=talos/broken.yaml,line=4,title=declint coverage::No Talos node read from this file: the file does not parse (Flow sequence in block collection must be sufficiently indented and end with a ])',
    ]);
  });

  test("GitHub: coverage warnings count against the step's 10 warnings; more than 3 gaps are one warning", async () => {
    const files: Record<string, string> = {
      'flake.nix': `{\n  outputs = { self }: {\n${[1, 2, 3, 4, 5].map((i) => `    nixosConfigurations.edge${i} = mkEdge "edge${i}";\n`).join('')}  };\n}\n`,
    };
    for (let i = 0; i < 12; i++) files[`modules/m${i}.nix`] = '{ networking.firewall.trustedInterfaces = [ "eth0" ]; }\n';
    const run = await runCli(['check', '.', '--format', 'github'], makeTree(files));
    const warnings = run.stdout.split('\n').filter((l) => l.startsWith('::warning'));
    expect(warnings).toHaveLength(10);
    const coverage = warnings.filter((l) => l.includes('title=declint coverage'));
    expect(coverage).toEqual([
      '::warning title=declint coverage::Coverage: 5 declared but not resolved. The 5 hosts, nodes and sources not read are listed, each at its file and line, in the check\'s output and in the SARIF file\'s notifications.',
    ]);
    expect(run.stdout).toContain('::notice title=declint::3 more findings are not annotated');
  });

  test('the evidence report states coverage in its summary and lists every host and source under Limitations', async () => {
    const md = (await runCli(['report', '.', '--framework', 'nis2'], dir)).stdout;
    expect(md).toContain('| Coverage | 1 NixOS host checked; 1 declared but not resolved; 3 sources produced no host or node (1 checked on its own). |');
    const part = md.slice(md.indexOf('### Coverage of hosts and nodes'));
    expect(part).toContain('| web | NixOS host | evaluated | nixosConfigurations → nixosSystem | — |');
    expect(part).toContain('| edge | NixOS host | not resolved | nixosConfigurations.edge | nixosConfigurations.edge is not a NixOS system declint can read (result of mkEdge "edge") (flake.nix:8:5) |');
    expect(part).toContain('| talos/patch.yaml | a strategic-merge patch that no node in the scan applies; checked on its own, for what it sets | yes |');
    const json = JSON.parse((await runCli(['report', '.', '--framework', 'nis2', '--format', 'json'], dir)).stdout);
    expect(json.coverage.summary.nixosHosts).toEqual({ evaluated: 1, partial: 0, unresolved: 1 });
    const html = (await runCli(['report', '.', '--framework', 'nis2', '--format', 'html'], dir)).stdout;
    expect(html).toContain('<section id="coverage"><h3>Coverage of hosts and nodes</h3>');
    expect(html).toContain('<td>edge</td><td>NixOS host</td><td>not resolved</td>');
  });

  test('hosts shows how each host was found, and what was declared but not resolved', async () => {
    const run = await runCli(['hosts'], dir);
    expect(run.stdout.split('\n').filter((l) => l && !l.startsWith(' '))).toEqual([
      'web  flake.nix:4  1 module  host  nixosConfigurations → nixosSystem',
      'edge  flake.nix:8  not resolved  nixosConfigurations.edge',
      '(names not known)  other/flake.nix:1  not resolved  flake outputs',
      '1 host evaluated; 2 declared hosts not resolved.',
      'No Talos nodes found.',
      'no node: talos/broken.yaml:4:1: the file does not parse (Flow sequence in block collection must be sufficiently indented and end with a ])',
      'no node: talos/patch.yaml: a strategic-merge patch that no node in the scan applies; checked on its own, for what it sets',
    ]);
  });
});
