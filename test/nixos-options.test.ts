import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import table from '../src/nix/nixos-options.json';
import { mergeOf, nixosOption, nixosOptions, optionMerge, parseType } from '../src/nix/nixos-options';
import { parseOptionPath } from '../src/nix/option-path';
import { loadRuleSet } from '../src/rules/builtin';
import { nixpkgsLib } from './support/module-oracle';

describe('the NixOS option table', () => {
  test('names the nixpkgs source of every fact, and every type is one declint models', () => {
    const sources = Object.keys(table.sources);
    for (const option of nixosOptions()) {
      expect(sources).toContain(option.source);
      if (option.type) expect([option.path.join('.'), mergeOf(parseType(option.type)).kind]).not.toEqual([option.path.join('.'), 'unknown']);
    }
  });

  test('tells how definitions merge, also below an attrsOf option', () => {
    expect(optionMerge(['networking', 'extraHosts'])).toEqual({ kind: 'separated', separator: '\n', nullable: false });
    expect(optionMerge(['services', 'openssh', 'settings', 'PermitRootLogin'])).toEqual({ kind: 'equal', nullable: true });
    expect(optionMerge(['boot', 'kernel', 'sysctl', 'vm.swappiness'])).toEqual({ kind: 'unique', nullable: false });
    expect(optionMerge(['networking', 'firewall', 'pingLimit'])).toEqual({ kind: 'separated', separator: ' ', nullable: true });
    expect(optionMerge(['services', 'acme', 'motd'])).toEqual({ kind: 'unknown' });
    expect(nixosOption(['boot', 'initrd', 'luks', 'devices', 'root', 'allowDiscards'])?.default).toBe(false);
  });

  /**
   * Rules state the default of their option where they judge an absent one;
   * the table states NixOS's. Where both state one they agree, except where
   * a rule states a default on purpose (listed, with why).
   */
  test("rules' stated defaults agree with the table, except where listed", async () => {
    const rules = (await loadRuleSet([], process.cwd())).filter((r) => r.target === 'nixos');
    const disagreements: string[] = [];
    for (const rule of rules) {
      const pairs: [string, unknown][] = [];
      if ('option' in rule.subject && rule.default !== undefined) pairs.push([rule.subject.option, rule.default]);
      if (rule.when?.default !== undefined) pairs.push([rule.when.option, rule.when.default]);
      for (const [option, stated] of pairs) {
        const entry = nixosOption(parseOptionPath(option));
        if (entry && 'default' in entry && JSON.stringify(entry.default) !== JSON.stringify(stated)) {
          disagreements.push(`${rule.id} ${option}: rule ${JSON.stringify(stated)}, table ${JSON.stringify(entry.default)}`);
        }
      }
    }
    expect(disagreements).toEqual([
      // The option's declared default is false; auditd's module sets it with mkDefault true, and the rule only runs where auditd is on.
      'NIX-LOG-002 security.audit.enable: rule true, table false',
    ]);
  });
});

const lib = nixpkgsLib();
(lib ? describe : describe.skip)('the NixOS option table, read by the real lib', () => {
  test('every type is a lib.types type, and every default is a value of it', () => {
    const typed = nixosOptions().filter((o) => o.type && 'default' in o);
    const expression = `
      let
        lib = import ${JSON.stringify(lib)};
        sysctlValue = lib.mkOptionType { name = "sysctl option value"; check = v: builtins.isBool v || builtins.isString v || builtins.isInt v || v == null; merge = lib.mergeOneOption; };
      in map (t: t.type.check t.default) [ ${typed.map((o) => `{ type = with lib.types; ${o.type}; default = builtins.fromJSON ${JSON.stringify(JSON.stringify(o.default))}; }`).join(' ')} ]`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-table-'));
    try {
      fs.writeFileSync(path.join(dir, 'check.nix'), expression);
      const run = spawnSync('nix-instantiate', ['--eval', '--strict', '--json', path.join(dir, 'check.nix')], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const checks = JSON.parse(run.stdout) as boolean[];
      expect(typed.filter((_, i) => !checks[i]).map((o) => o.path.join('.'))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
