import type { Rule } from '../rules/rule';
import { Config, Level, LEVELS } from './config';

/**
 * What each framework variant asks for, as a hardening level (the nixfleet
 * governance model): an essential NIS2 entity or a critical DORA entity runs
 * the strict rules, an important or standard one the standard rules; ISO
 * 27001 with a partial scope the minimal ones; ANSSI BP-028's own levels map
 * one to one (minimal, intermediary → standard, reinforced → strict, high →
 * paranoid). SOC 2 and CIS have no variants and run the standard rules.
 */
export const VARIANT_LEVELS: Record<string, Record<string, Record<string, Level>>> = {
  nis2: { entityType: { essential: 'strict', important: 'standard' } },
  dora: { entityType: { critical: 'strict', standard: 'standard' } },
  iso27001: { scope: { full: 'standard', partial: 'minimal' } },
  anssi: { level: { minimal: 'minimal', intermediary: 'standard', reinforced: 'strict', high: 'paranoid' } },
};

/** The hardening level a config asks for: its own `level`, else the strictest its framework variants imply. */
export function configLevel(config: Config): Level {
  if (config.level) return config.level;
  const levels = (config.frameworks ?? []).flatMap((f) =>
    Object.entries(f.variant).map(([k, v]) => VARIANT_LEVELS[f.key]?.[k]?.[v] ?? 'standard'),
  );
  if (levels.length === 0) return 'standard';
  return levels.reduce((best, l) => (LEVELS.indexOf(l) > LEVELS.indexOf(best) ? l : best));
}

/** The rules a config selects, with their severities as the config overrides them. */
export function selectRules(rules: Rule[], config: Config): Rule[] {
  const level = LEVELS.indexOf(configLevel(config));
  const frameworks = config.frameworks?.map((f) => f.key);
  return rules
    .filter((r) => !frameworks || frameworks.some((f) => f in r.controls))
    .filter((r) => LEVELS.indexOf(r.level) <= level)
    .filter((r) => !r.tags.some((t) => config.excludeTags.includes(t)))
    .filter((r) => config.rules[r.id] !== 'off')
    .map((r) => {
      const severity = config.rules[r.id];
      if (!severity || severity === 'off') return r;
      return { ...r, violations: r.violations.map((v) => ({ ...v, severity })) };
    });
}
