/** The frameworks `declint init` can switch on, each with the setting that picks its rule level. */
const FRAMEWORK_LINES: Record<string, string> = {
  iso27001: 'iso27001: { scope: full }          # full → standard rules, partial → minimal',
  soc2: 'soc2: {}',
  nis2: 'nis2: { entityType: essential }    # essential → strict rules, important → standard',
  dora: 'dora: { entityType: standard }     # critical → strict rules, standard → standard',
  anssi: 'anssi: { level: intermediary }     # minimal, intermediary, reinforced, high',
  cis: 'cis: {}',
};

/**
 * The text of a starter `.declint.yaml`: the chosen frameworks switched on
 * (or none: every rule of the standard level), the other keys shown
 * commented out with what they do.
 */
export function starterConfig(frameworks: string[]): string {
  const chosen = frameworks.length
    ? ['frameworks:', ...frameworks.map((f) => `  ${FRAMEWORK_LINES[f]}`)]
    : ['# frameworks:                      # only rules mapped to these run, and only their controls are shown', ...Object.values(FRAMEWORK_LINES).map((l) => `#   ${l}`)];
  return [
    '# declint configuration (https://github.com/declint/declint#configuration-exceptions-and-suppressions)',
    ...chosen,
    '# level: standard                  # minimal | standard | strict | paranoid (overrides what the frameworks imply)',
    '# hostTypes:                       # host name or glob → server | workstation | appliance',
    '#   "web-*": server',
    '# rules:',
    '#   NIX-SSH-004: off               # or note | warning | error',
    '# ignore: ["vendor/"]',
    '# ruleDirs: [policy/rules]         # custom rules, same schema as the built-in ones',
    '# exceptions:',
    '#   NIX-SSH-001:',
    '#     rationale: The installer ISO needs root over SSH while it is provisioned.',
    '#     paths: ["installer/"]',
    '#     owner: platform-team',
    '#     expires: 2027-03-01',
    '',
  ].join('\n');
}
