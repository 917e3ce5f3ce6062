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
}

/**
 * Each folder of fixtures/semantics is a small repository written for one
 * part of the module system, with the effective values a NixOS evaluation
 * gives written down in its expected.json.
 */
describe.each(fs.readdirSync(SEMANTICS).sort())('module-system semantics: %s', (name) => {
  const dir = path.join(SEMANTICS, name);
  const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected[];

  test.each(expected.map((e) => [`${e.host} ${e.option}`, e] as const))('%s', async (_label, e) => {
    const analysis = await analyzeTree({ paths: ['.'], base: dir, ignore: [], ruleDirs: [], now: new Date('2026-11-23'), jobs: 1, keepHosts: true });
    const host = analysis.hosts.hosts.find((h) => h.name === e.host);
    expect(host?.name).toBe(e.host);
    const explanation = explainOption(host!, parseOptionPath(e.option), (file) => analysis.hosts.loader.lines(file));
    expect({ status: explanation.status, value: explanation.value }).toEqual({ status: e.status, value: e.value });
    if (e.why) expect(explanation.why).toBe(e.why);
    if (e.statuses) expect(explanation.definitions.map((d) => d.status)).toEqual(e.statuses);
    if (e.writtenAs) expect(explanation.definitions.map((d) => d.writtenAs)).toContain(e.writtenAs);
  });
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
