import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Rule } from './rule';

/** The rules shipped with declint. */
export const BUILTIN_RULES_DIR = path.resolve(__dirname, '../../rules');

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

function ruleFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'controls') out.push(...ruleFiles(full));
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

/** Validates the built-in rules and writes the cache; run by `npm run build`. */
async function writeCache(): Promise<void> {
  const { loadRules } = require('./load') as typeof import('./load');
  const rules = await loadRules([BUILTIN_RULES_DIR]);
  const cache: RulesCache = { fingerprint: fingerprintRuleFiles(BUILTIN_RULES_DIR), rules };
  fs.writeFileSync(CACHE_FILE, JSON.stringify(cache));
}

if (require.main === module) {
  writeCache().catch((error: Error) => {
    process.stderr.write(`declint: ${error.message}\n`);
    process.exitCode = 2;
  });
}
