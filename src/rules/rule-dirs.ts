// Its own module: the built-in rules cache lists rule files without loading the rule loader (YAML, ajv).
/** `rules/controls/` holds the control registry, not rules. */
export const CONTROLS_DIR = 'controls';
/** `rules/data/` holds the data some rules judge against (the nixpkgs channel table), not rules. */
export const DATA_DIR = 'data';
