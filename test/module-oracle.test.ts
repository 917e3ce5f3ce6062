import * as fs from 'fs';
import * as path from 'path';
import { parseOptionPath } from '../src/nix/option-path';
import { sameValue } from './support/agreement';
import { libVersion, nixpkgsLib, oracle, oracleDeclarations, ruleAliases } from './support/module-oracle';

/**
 * The expected values of fixtures/semantics are the real module system's:
 * each fixture whose host is its `configuration.nix` is evaluated by nixpkgs'
 * `lib.evalModules` (see support/module-oracle.ts), and every value the
 * fixture says declint knows, or knows to be unset, must be the module
 * system's. nix-semantics.test.ts checks declint against the same files in
 * CI; this test, run where nixpkgs' lib is present (DECLINT_NIXPKGS_LIB),
 * checks that the files say what the module system says.
 */
const SEMANTICS = path.resolve(__dirname, '../fixtures/semantics');
const lib = nixpkgsLib();
if (!lib) console.warn('SKIPPED: DECLINT_NIXPKGS_LIB does not name a nixpkgs lib (or nix-instantiate is missing); the fixtures were not checked against the real module system.');

interface Expected {
  host: string;
  option: string;
  status: 'known' | 'unknown' | 'absent';
  value: unknown;
}

/**
 * Fixtures where declint deliberately says more than the module system:
 * nixpkgs' lib fails on an import cycle (collectModules follows imports
 * before it drops repeated ones, and recurses without end), while declint
 * reads each file once and reports what the files set.
 */
const NOT_COMPARED = new Set(['cycles']);

/** The host of a fixture's configuration.nix: named after its literal networking.hostName, else its directory (as host discovery names it). */
function rootHost(name: string): string {
  const text = fs.readFileSync(path.join(SEMANTICS, name, 'configuration.nix'), 'utf8');
  return /networking\.hostName\s*=\s*"([A-Za-z0-9.-]+)"/.exec(text)?.[1] ?? name;
}

const cases = fs
  .readdirSync(SEMANTICS)
  .sort()
  .filter((name) => fs.existsSync(path.join(SEMANTICS, name, 'configuration.nix')) && !NOT_COMPARED.has(name))
  .filter((name) => (JSON.parse(fs.readFileSync(path.join(SEMANTICS, name, 'expected.json'), 'utf8')) as Expected[]).some((e) => e.host === rootHost(name) && e.status !== 'unknown'));

(lib ? describe : describe.skip).each(cases)('the module system agrees with fixtures/semantics/%s', (name) => {
  const dir = path.join(SEMANTICS, name);
  const expected = (JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected[]).filter((e) => e.host === rootHost(name) && e.status !== 'unknown');
  const results = lib && expected.length ? oracle(path.join(dir, 'configuration.nix'), expected.map((e) => parseOptionPath(e.option)), { lib: lib!, repository: dir, declarations: oracleDeclarations(), aliases: ruleAliases() }) : [];

  test.each(expected.map((e, i) => [e.option, e, i] as const))(`%s (nixpkgs lib ${lib ? libVersion(lib) : ''})`, (_option, e, i) => {
    const real = results[i];
    if (e.status === 'absent') expect(real.kind).toBe('absent');
    else {
      expect(real).toMatchObject({ kind: 'value' });
      expect(sameValue(e.value, (real as { value: unknown }).value) ? e.value : (real as { value: unknown }).value).toEqual(e.value);
    }
  });
});
