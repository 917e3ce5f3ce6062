import * as fs from 'fs';
import * as path from 'path';
import { parseOptionPath } from '../src/nix/option-path';
import { analyzeTree } from '../src/pipeline/check';
import { explainOption, OptionExplanation } from '../src/report/explain-option';

const SEMANTICS = path.resolve(__dirname, '../fixtures/semantics');

interface Expected {
  host: string;
  option: string;
  status: OptionExplanation['status'];
  value: unknown;
  why?: string;
  /** Status of each contributing definition, in the order explain-option lists them. */
  statuses?: string[];
  writtenAs?: string;
  /** Why declint does not give this value yet, where another change will make it (see `pending` below). */
  pending?: string;
}

/**
 * Each folder of fixtures/semantics is a small repository written for one
 * part of the module system, with the effective values a NixOS evaluation
 * gives written down in its expected.json.
 */
describe.each(fs.readdirSync(SEMANTICS).sort())('module-system semantics: %s', (name) => {
  const dir = path.join(SEMANTICS, name);
  const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected[];

  // An entry marked pending states what the module system gives and declint does not yet (the reason says where it is fixed):
  // it is expected to fail, and starts failing the suite the day declint agrees, to have its mark removed.
  const run = (e: Expected) => (e.pending ? test.failing : test);
  const settled = expected.filter((e) => !e.pending);
  if (settled.length > 0) test.each(settled.map((e) => [`${e.host} ${e.option}`, e] as const))('%s', async (_label, e) => check(e));
  for (const e of expected.filter((x) => x.pending)) run(e)(`${e.host} ${e.option} (pending: ${e.pending})`, async () => check(e));

  async function check(e: Expected): Promise<void> {
    const analysis = await analyzeTree({ paths: ['.'], base: dir, ignore: [], ruleDirs: [], now: new Date('2026-11-23'), jobs: 1, keepHosts: true });
    const host = analysis.hosts.hosts.find((h) => h.name === e.host);
    expect(host?.name).toBe(e.host);
    const explanation = explainOption(host!, parseOptionPath(e.option), (file) => analysis.hosts.loader.lines(file));
    expect({ status: explanation.status, value: explanation.value }).toEqual({ status: e.status, value: e.value });
    if (e.why) expect(explanation.why).toBe(e.why);
    if (e.statuses) expect(explanation.definitions.map((d) => d.status)).toEqual(e.statuses);
    if (e.writtenAs) expect(explanation.definitions.map((d) => d.writtenAs)).toContain(e.writtenAs);
  }
});

describe('conflicting definitions', () => {
  test('two plain values at the winning priority are reported where they are written, and no rule judges either', async () => {
    const dir = path.join(SEMANTICS, 'conflict');
    const { result } = await analyzeTree({ paths: ['.'], base: dir, ignore: [], ruleDirs: [], now: new Date('2026-11-23'), jobs: 1 });
    const conflict = result.findings.filter((f) => f.ruleId === 'nix-conflict');
    expect(conflict).toHaveLength(1);
    expect(conflict[0]).toMatchObject({
      severity: 'error',
      hosts: ['conflict'],
      location: { file: 'configuration.nix', range: { start: { line: 4, column: 3 } } },
      related: [{ file: 'other.nix', range: { start: { line: 1, column: 3 } }, message: 'conflicting definition' }],
    });
    expect(result.findings.filter((f) => f.ruleId === 'NIX-SSH-001')).toEqual([]);
  });
});

describe('definitions the module system merges by type', () => {
  test('are no conflict: lines are joined, and two values of a type declint does not know are not called a conflict', async () => {
    const dir = path.join(SEMANTICS, 'mergeable-types');
    const { result } = await analyzeTree({ paths: ['.'], base: dir, ignore: [], ruleDirs: [], now: new Date('2026-11-23'), jobs: 1 });
    expect(result.findings.filter((f) => f.ruleId === 'nix-conflict')).toEqual([]);
  });
});

describe('old option names', () => {
  test('a definition under an old name is forwarded, and noted where it is written', async () => {
    const dir = path.join(SEMANTICS, 'aliases-and-forms');
    const { result } = await analyzeTree({ paths: ['.'], base: dir, ignore: [], ruleDirs: [], now: new Date('2026-11-23'), jobs: 1 });
    const notes = result.findings.filter((f) => f.ruleId === 'nix-renamed-option');
    expect(notes.map((f) => `${f.location.file}:${f.location.range.start.line} ${f.severity} ${f.message}`)).toEqual([
      'configuration.nix:12 note services.openssh.permitRootLogin is the old name of services.openssh.settings.PermitRootLogin; NixOS forwards it with a warning.',
      'configuration.nix:15 note nix.requireSignedBinaryCaches is the old name of nix.settings.require-sigs; NixOS forwards it with a warning.',
    ]);
  });
});

describe('findings on merged lists', () => {
  test('point at the module that added the bad item, not at the first contributor', async () => {
    const dir = path.join(SEMANTICS, 'list-blame');
    const { result } = await analyzeTree({ paths: ['.'], base: dir, ignore: [], ruleDirs: [], now: new Date('2026-11-23'), jobs: 1 });
    const telnet = result.findings.filter((f) => f.ruleId === 'NIX-FW-002');
    expect(telnet.map((f) => `${f.location.file}:${f.location.range.start.line}`)).toEqual(['legacy.nix:1']);
  });
});

describe('options a module declint cannot read may set', () => {
  test('make a rule precondition unknown, not false: an explicit violation is reported, saying what it depends on', async () => {
    const dir = path.join(SEMANTICS, 'unread-profile');
    const { result } = await analyzeTree({ paths: ['.'], base: dir, ignore: [], ruleDirs: [], now: new Date('2026-11-23'), jobs: 1 });
    const root = result.findings.filter((f) => f.ruleId === 'NIX-SSH-001');
    expect(root.map((f) => `${f.location.file}:${f.location.range.start.line} ${f.severity} ${f.message}`)).toEqual([
      'configuration.nix:5 error SSH lets root log in directly (services.openssh.settings.PermitRootLogin = "yes") (only if services.openssh.enable is true: no module declint read sets it, and unread modules (nixpkgs/nixos/modules/installer/cd-dvd/installation-cd-minimal.nix) may).',
    ]);
    // A rule that judges only the default of an option nobody read sets decides nothing there.
    expect(result.findings.filter((f) => f.ruleId === 'NIX-SSH-002')).toEqual([]);
  });
});
