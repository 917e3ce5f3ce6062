import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { LocatedError } from '../source/errors';
import type { Rule } from './rule';
import { CONTROLS_DIR, DATA_DIR } from './rule-dirs';
import { compareText } from '../source/compare-text';
import { PACKAGE_ROOT } from '../package-root';
import { contentHash } from '../source/content-hash';
import { FileStatus, fileStatus, sameStatus, settled } from '../source/file-status';
import { userCacheDirectory } from '../source/user-cache';
import { writeWhole } from '../source/write-whole';

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
  const fingerprint = ruleFilesFingerprint(BUILTIN_RULES_DIR, userCacheDirectory());
  try {
    const cache = JSON.parse(fs.readFileSync(CACHE_FILE, 'utf8')) as RulesCache;
    if (cache.fingerprint === fingerprint) return cache.rules;
  } catch {
    // No cache (running from source, or not built yet): load the YAML.
  }
  const { loadRules } = require('./load') as typeof import('./load');
  return loadRules([BUILTIN_RULES_DIR]);
}

/** The rule files and the control registry they are checked against (a registry change invalidates the cache too); `dirs` gets each directory listed. */
function ruleFiles(dir: string, dirs: string[] = []): string[] {
  dirs.push(dir);
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => compareText(a.name, b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== CONTROLS_DIR && entry.name !== DATA_DIR) out.push(...ruleFiles(full, dirs));
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out;
}

function fingerprintRuleFiles(dir: string, files = ruleFiles(dir)): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(path.relative(dir, file));
    hash.update('\0');
    hash.update(fs.readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** What a run learnt of the rule files: their fingerprint, and the status of each file and directory listed when it was taken. */
interface FingerprintNote {
  fingerprint: string;
  statuses: [string, FileStatus][];
}

/**
 * The fingerprint of the rule files under `dir` (`fingerprintRuleFiles`),
 * from a note in `notes` (the user's cache directory) where each file and
 * each directory listed has the status it had when the note was written,
 * as git trusts its index: reading and hashing the 150 rule files was a
 * third of loading the rules, 5 ms of every run. An edited, added or
 * removed rule file changes the status of the file or of its directory;
 * a status that had not settled when it was taken (`settled`) is not
 * noted, so a write within a coarse clock's tick is not missed.
 *
 * @internal exported for tests (`now` stands for the time of the run).
 */
export function ruleFilesFingerprint(dir: string, notes: string | undefined, now = Date.now()): string {
  const note = notes && path.join(notes, `rules-${contentHash(path.resolve(dir)).slice(0, 22)}.json`);
  const known = note ? readNote(note) : undefined;
  if (known && known.statuses.every(([p, status]) => sameStatus(fileStatus(path.join(dir, p)), status))) return known.fingerprint;
  const dirs: string[] = [];
  const files = ruleFiles(dir, dirs);
  // Taken before the files are read: a write after it shows in the next run's statuses.
  const statuses = [...dirs, ...files].map((p) => [path.relative(dir, p), fileStatus(p)] as const);
  const fingerprint = fingerprintRuleFiles(dir, files);
  if (note && statuses.every(([, status]) => status && settled(status, now))) {
    try {
      writeWhole(note, JSON.stringify({ fingerprint, statuses }), 0o600);
    } catch {
      // The note only spares reading the files: the next run reads them.
    }
  }
  return fingerprint;
}

function readNote(file: string): FingerprintNote | undefined {
  try {
    const note = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<FingerprintNote>;
    const isStatus = (s: unknown) => Array.isArray(s) && s.length === 4 && s.every((x) => typeof x === 'number');
    const valid = typeof note.fingerprint === 'string' && Array.isArray(note.statuses) && note.statuses.length > 0 && note.statuses.every((e) => Array.isArray(e) && typeof e[0] === 'string' && isStatus(e[1]));
    return valid ? (note as FingerprintNote) : undefined;
  } catch {
    return undefined;
  }
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
