import * as fs from 'fs';
import * as path from 'path';
import { parseOptionPath } from '../src/nix/option-path';
import { analyzeTree } from '../src/pipeline/check';
import { explainOption, OptionExplanation } from '../src/report/explain-option';
import { AGREEMENT_OPTIONS, figures, Outcome, outcome } from './support/agreement';
import { nixpkgsLib, oracle, oracleDeclarations, OracleResult, ruleAliases } from './support/module-oracle';

/**
 * The agreement of `declint explain-option --root` with the real module
 * system on the hosts of the development repositories (dev-hosts.tsv): for
 * each host root and each option of AGREEMENT_OPTIONS, declint's answer
 * against `lib.evalModules`'. A measurement, run on demand where the
 * repositories and nixpkgs' lib are present:
 *
 *   DECLINT_NIXPKGS_LIB=/tmp/nixpkgs-lib/lib DECLINT_AGREEMENT=/work/corpus \
 *     npx jest test/module-agreement.test.ts
 *
 * It writes every pair to DECLINT_AGREEMENT_OUT (default
 * /tmp/declint-agreement.json) and prints the figures.
 */
const CORPUS = process.env.DECLINT_AGREEMENT;
const HOSTS_TSV = process.env.DECLINT_AGREEMENT_HOSTS ?? path.resolve(__dirname, '../../../shared/corpus/dev-hosts.tsv');
const lib = nixpkgsLib();
const run = CORPUS && lib && fs.existsSync(HOSTS_TSV) ? describe : describe.skip;
if (!CORPUS) console.warn('module-system agreement on real hosts: skipped (set DECLINT_AGREEMENT to the corpus directory and DECLINT_NIXPKGS_LIB to nixpkgs lib to run it).');

/**
 * Special arguments some repositories' flakes pass to nixosSystem, which the
 * harness gives as they are (the rest are stand-ins). declint gives a root
 * the specialArgs of the one host that reads it, as its flake evaluates
 * them; where it cannot, it should say unknown, not a wrong value.
 */
const REPOSITORY_ARGUMENTS: Record<string, Record<string, string>> = {
  // outputs/default.nix genSpecialArgs: inputs // { inherit mylib myvars; … }
  'ryan4yin+nix-config': { mylib: 'import (repository + "/lib") { inherit lib; }', myvars: 'import (repository + "/vars") { inherit lib; }' },
  // flake/hosts.nix mkHost { minimal = false; } for nixosConfigurations
  'oddlama+nix-config': { minimal: 'false' },
};

run('agreement with the NixOS module system on the development repositories', () => {
  test('every host root, every security option', async () => {
    const rows = fs.readFileSync(HOSTS_TSV, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    const byRepo = new Map<string, Set<string>>();
    for (const [repo, , , , root] of rows) {
      const dir = path.join(CORPUS!, repo.replace('/', '+'));
      if (!fs.existsSync(path.join(dir, root))) continue;
      const roots = byRepo.get(dir) ?? new Set();
      roots.add(root);
      byRepo.set(dir, roots);
    }
    const only = process.env.DECLINT_AGREEMENT_ONLY;
    const pairs: { repo: string; root: string; option: string; outcome: Outcome; declint: OptionExplanation; oracle: OracleResult }[] = [];
    const optionPaths = AGREEMENT_OPTIONS.map(parseOptionPath);
    for (const [dir, roots] of byRepo) {
      if (only && !dir.includes(only)) continue;
      const analysis = await analyzeTree({ paths: ['.'], base: dir, ignore: [], ruleDirs: [], now: new Date('2026-11-23'), jobs: 1, keepHosts: true, extraRoots: [...roots] });
      for (const root of roots) {
        const host = analysis.hosts.hosts.find((h) => h.name === root);
        const real = oracle(path.join(dir, root), optionPaths, { lib: lib!, repository: dir, declarations: oracleDeclarations(), aliases: ruleAliases(), arguments: REPOSITORY_ARGUMENTS[path.basename(dir)] });
        optionPaths.forEach((p, i) => {
          if (!host) return;
          const declint = explainOption(host, p, (file) => analysis.hosts.loader.lines(file));
          pairs.push({ repo: path.basename(dir), root, option: AGREEMENT_OPTIONS[i], outcome: outcome(declint, real[i]), declint, oracle: real[i] });
        });
      }
    }
    const result = figures(pairs);
    const out = process.env.DECLINT_AGREEMENT_OUT ?? '/tmp/declint-agreement.json';
    fs.writeFileSync(out, JSON.stringify({ figures: result, pairs }, null, 1));
    console.log(`agreement: ${JSON.stringify(result, null, 1)}\nevery pair: ${out}`);
    expect(result.pairs).toBeGreaterThan(0);
  }, 3_600_000);
});
