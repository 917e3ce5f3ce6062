import * as fs from 'fs';
import * as path from 'path';
import { runCheck } from '../src/pipeline/check';

/**
 * Every lock file of the real-world flake.lock corpus (kept outside the
 * project) is read and checked without a crash or a parse error, and no
 * lock reference Nix accepts is reported as broken. Skipped with a message
 * when the corpus is absent (CI has none).
 */
const CORPUS = process.env.DECLINT_FLAKE_CORPUS ?? path.resolve(__dirname, '../../shared/corpus/flake-lock');
const present = fs.existsSync(CORPUS);

(present ? describe : describe.skip)('the real-world flake.lock corpus', () => {
  test('every lock file is read and checked; real locks have no dangling references', async () => {
    const result = await runCheck({ paths: [CORPUS], base: CORPUS, ignore: [], ruleDirs: [], now: new Date('2026-11-23T00:00:00Z'), jobs: 1 });
    const byRule: Record<string, number> = {};
    for (const f of result.findings) byRule[`${f.ruleId} ${f.severity}`] = (byRule[`${f.ruleId} ${f.severity}`] ?? 0) + 1;
    console.log(`flake.lock corpus: ${result.filesScanned} files; findings by rule: ${JSON.stringify(byRule, null, 1)}`);
    expect(result.filesScanned).toBeGreaterThan(0);
    expect(result.findings.filter((f) => f.ruleId === 'parse-error')).toEqual([]);
    // These locks are used by their projects, so Nix reads them: none may be called broken.
    expect(result.findings.filter((f) => f.ruleId === 'FLK-002')).toEqual([]);
    // A dependency's own nixpkgs (test pins, a tool's old release) is a note at most, and an input only
    // lib is taken from (flake-parts' nixpkgs-lib) is not judged: errors are on the flake's own inputs.
    const nixpkgsVerdicts = result.findings.filter((f) => f.ruleId === 'FLK-006' || f.ruleId === 'FLK-013');
    expect(nixpkgsVerdicts.filter((f) => f.severity !== 'note' && !f.message.startsWith('The root input '))).toEqual([]);
    expect(nixpkgsVerdicts.filter((f) => /nixpkgs-lib|nixlib/.test(f.message))).toEqual([]);
  }, 60_000);
});

if (!present) console.warn(`flake.lock corpus not found at ${CORPUS}; the corpus walk is skipped (set DECLINT_FLAKE_CORPUS to run it).`);
