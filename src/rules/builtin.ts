import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { LocatedError } from '../source/errors';
import type { Rule } from './rule';
import { CONTROLS_DIR, DATA_DIR } from './rule-dirs';
import { compareText } from '../source/compare-text';
import { PACKAGE_ROOT } from '../package-root';

/** The rules shipped with declint. */
export const BUILTIN_RULES_DIR = path.join(PACKAGE_ROOT, 'rules');

/**
 * The built-in rules, validated once at build time and stored as JSON beside
 * the compiled code, so that a run (a pre-commit hook on one file) does not
 * pay for the YAML parser and the schema compiler. The cache carries a hash
 * of the rule files; when they changed since the build, the YAML is loaded
 * and validated as usual.
 */
const CACHE_FILE = path.join(__dirname, 'builtin-rules.json');

interface RulesCache {
  fingerprint: string;
  rules: Rule[];
}

export async function loadBuiltinRules(): Promise<Rule[]> {
  const fingerprint = fingerprintRuleFiles(BUILTIN_RULES_DIR);
  try {
    const cache = JSON.parse(fs.readFileSync(CACHE_FILE, 'utf8')) as RulesCache;
    if (cache.fingerprint === fingerprint) return cache.rules;
  } catch {
    // No cache (running from source, or not built yet): load the YAML.
  }
  const { loadRules } = require('./load') as typeof import('./load');
  return loadRules([BUILTIN_RULES_DIR]);
}

/** The rule files and the control registry they are checked against (a registry change invalidates the cache too). */
function ruleFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => compareText(a.name, b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== CONTROLS_DIR && entry.name !== DATA_DIR) out.push(...ruleFiles(full));
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out;
}

function fingerprintRuleFiles(dir: string): string {
  const hash = createHash('sha256');
  for (const file of ruleFiles(dir)) {
    hash.update(path.relative(dir, file));
    hash.update('\0');
    hash.update(fs.readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** The built-in rules plus the custom ones of `ruleDirs`; a custom rule may not reuse a built-in ID. */
export async function loadRuleSet(ruleDirs: string[], displayBase: string): Promise<Rule[]> {
  const builtin = await loadBuiltinRules();
  if (ruleDirs.length === 0) return builtin;
  const { loadRules } = require('./load') as typeof import('./load');
  const { loadFrameworks } = require('../controls/registry') as typeof import('../controls/registry');
  // A custom rule may map to a framework declared in its own directory (or another custom one).
  const custom = await loadRules(ruleDirs, displayBase, loadFrameworks(ruleDirs, displayBase));
  const ids = new Set(builtin.map((r) => r.id));
  const clash = custom.find((r) => ids.has(r.id));
  if (clash) throw new LocatedError(clash.source, 1, 1, `rule ${clash.id} is already a built-in rule`);
  return [...builtin, ...custom].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Validates the built-in rules and their data and writes the caches; run by `npm run build`. */
async function writeCache(): Promise<void> {
  const { loadRules } = require('./load') as typeof import('./load');
  const rules = await loadRules([BUILTIN_RULES_DIR]);
  const cache: RulesCache = { fingerprint: fingerprintRuleFiles(BUILTIN_RULES_DIR), rules };
  fs.writeFileSync(CACHE_FILE, JSON.stringify(cache));
  // The rules' data (rules/data/) is validated and cached at the same time.
  (require('../flake/channel-table') as typeof import('../flake/channel-table')).writeChannelTableCache();
}

if (require.main === module) {
  writeCache().catch((error: Error) => {
    process.stderr.write(`declint: ${error.message}\n`);
    process.exitCode = 2;
  });
}
