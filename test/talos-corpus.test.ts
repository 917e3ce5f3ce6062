import * as fs from 'fs';
import * as path from 'path';
import { runCheck } from '../src/pipeline/check';
import { analyzeFile } from '../src/pipeline/analyze';

/**
 * Every file of the real-world Talos corpus (public repositories, kept
 * outside the project) is classified, parsed and checked without a crash.
 * The corpus is not part of the repository: without it the test says so
 * and passes (CI has no corpus).
 */
const CORPUS = process.env.DECLINT_TALOS_CORPUS ?? path.resolve(__dirname, '../../shared/corpus/talos');
const present = fs.existsSync(CORPUS);

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? files(full) : [full];
  });
}

(present ? describe : describe.skip)('the real-world Talos corpus', () => {
  test('every file is classified and parsed, and the whole tree is checked without a crash', async () => {
    const all = files(CORPUS).filter((f) => /\.ya?ml$/.test(f));
    const byKind: Record<string, number> = {};
    const unclassified: string[] = [];
    for (const file of all) {
      const relative = path.relative(CORPUS, file);
      const result = analyzeFile(relative, fs.readFileSync(file, 'utf8'));
      let kind: string;
      if (result.kind === 'analyzed' && result.file.kind === 'talos') kind = result.file.talos.kind + (result.file.talos.sops ? ' (SOPS)' : '');
      else if (result.kind === 'parse-error') {
        kind = 'parse-error';
        // A parse error must say where.
        expect(result.finding.location.range.start.line).toBeGreaterThan(0);
      } else kind = 'not Talos';
      if (kind === 'not Talos') unclassified.push(relative);
      byKind[kind] = (byKind[kind] ?? 0) + 1;
    }
    const result = await runCheck({ paths: [CORPUS], base: CORPUS, ignore: [], ruleDirs: [], now: new Date('2026-11-23T00:00:00Z'), jobs: 1 });
    const byRule: Record<string, number> = {};
    for (const f of result.findings) byRule[`${f.ruleId} ${f.severity}`] = (byRule[`${f.ruleId} ${f.severity}`] ?? 0) + 1;
    const nodes = new Set(result.findings.flatMap((f) => (f.ruleId.startsWith('TAL-') ? (f.hosts ?? []) : [])));
    console.log(
      `Talos corpus: ${all.length} YAML files\nby kind: ${JSON.stringify(byKind, null, 1)}\nnot Talos: ${unclassified.join(', ')}\n` +
        `findings by rule: ${JSON.stringify(byRule, null, 1)}\ntalhelper nodes with findings: ${[...nodes].sort().join(', ')}`,
    );
    // Every file was read; Talos files are the great majority and each kind occurs.
    expect(Object.values(byKind).reduce((a, b) => a + b, 0)).toBe(all.length);
    for (const kind of ['machine-config', 'strategic-patch', 'json6902-patch', 'multidoc', 'talconfig', 'secrets-bundle']) expect(byKind[kind]).toBeGreaterThan(0);
    expect(result.findings.every((f) => f.location.range.start.line >= 1)).toBe(true);
    expect(result.filesScanned).toBeGreaterThanOrEqual(all.length - unclassified.length);
  }, 120_000);
});

if (!present) console.warn(`Talos corpus not found at ${CORPUS}; the corpus walk is skipped (set DECLINT_TALOS_CORPUS to run it).`);
