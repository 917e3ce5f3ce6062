import { loadFrameworks } from '../src/controls/registry';
import { BUILTIN_RULES_DIR } from '../src/rules/builtin';
import { loadRules } from '../src/rules/load';

describe('the control registry', () => {
  const frameworks = loadFrameworks();

  test('holds the eight frameworks with IDs and titles', () => {
    expect(frameworks.map((f) => f.key)).toEqual(['anssi', 'cis-k8s', 'cis', 'dora', 'iso27001', 'nis2', 'soc2', 'stig']);
    for (const f of frameworks) {
      expect(f.controls.length).toBeGreaterThan(5);
      for (const c of f.controls) expect(c.title.length).toBeGreaterThan(3);
      expect(new Set(f.controls.map((c) => c.id)).size).toBe(f.controls.length);
    }
    const iso = frameworks.find((f) => f.key === 'iso27001')!;
    expect(iso.controls.find((c) => c.id === 'A.8.5')?.title).toBe('Secure authentication');
  });

  test('every control a built-in rule names exists in the registry', async () => {
    const rules = await loadRules([BUILTIN_RULES_DIR]);
    const unknown: string[] = [];
    for (const rule of rules) {
      for (const [framework, ids] of Object.entries(rule.controls)) {
        const known = new Set(frameworks.find((f) => f.key === framework)?.controls.map((c) => c.id) ?? []);
        for (const id of ids) if (!known.has(id)) unknown.push(`${rule.id}: ${framework} ${id}`);
      }
    }
    expect(unknown).toEqual([]);
  });
});
