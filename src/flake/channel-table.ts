import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { LocatedError } from '../source/errors';
import type { ChannelTable } from './channels';
import schema from './channel-table.schema.json';
import { PACKAGE_ROOT } from '../package-root';

/** The dated channel table shipped with declint's rules. */
export const CHANNEL_TABLE_PATH = path.join(PACKAGE_ROOT, 'rules', 'data', 'nixpkgs-channels.yaml');

/**
 * Validated once at build time and stored as JSON beside the compiled code
 * (with a hash of the YAML), like the built-in rules, so that checking a lock
 * file does not load the YAML parser and the schema validator.
 */
const CACHE_FILE = path.join(__dirname, 'nixpkgs-channels.json');

let loaded: ChannelTable | undefined;

/** The built-in channel table, read once per process. */
export function builtinChannelTable(): ChannelTable {
  if (loaded) return loaded;
  const text = fs.readFileSync(CHANNEL_TABLE_PATH, 'utf8');
  try {
    const cache = JSON.parse(fs.readFileSync(CACHE_FILE, 'utf8')) as { fingerprint: string; table: ChannelTable };
    if (cache.fingerprint === fingerprint(text)) return (loaded = cache.table);
  } catch {
    // No cache (running from source, or not built yet): parse and validate the YAML.
  }
  return (loaded = parseChannelTable(text, path.relative(process.cwd(), CHANNEL_TABLE_PATH) || CHANNEL_TABLE_PATH));
}

/** Parses and validates a channel table; a mistake stops with `file:line:col: what is wrong`. */
export function parseChannelTable(text: string, display: string): ChannelTable {
  const { LineCounter, parseDocument } = require('yaml') as typeof import('yaml');
  const Ajv = (require('ajv') as typeof import('ajv')).default;
  const { locatedSchemaError } = require('../source/schema-errors') as typeof import('../source/schema-errors');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const pos = lineCounter.linePos(doc.errors[0].pos[0]);
    throw new LocatedError(display, pos.line, pos.col, doc.errors[0].message.split('\n')[0]);
  }
  const data = doc.toJS() as unknown;
  const validate = new Ajv({ allErrors: false, strict: true }).compile(schema);
  if (!validate(data)) throw locatedSchemaError(display, doc, lineCounter, validate.errors![0], 'the channel table');
  const table = data as unknown as ChannelTable;
  // Statuses are read from neighbours (a release's successor is the entry above it): the order is part of the data.
  table.releases.forEach((entry, i) => {
    const at = () => {
      const node = doc.getIn(['releases', i], true) as { range?: [number, number, number] } | undefined;
      const pos = lineCounter.linePos(node?.range?.[0] ?? 0);
      return [display, pos.line, pos.col] as const;
    };
    const older = table.releases[i + 1];
    if (older && Number(older.release) >= Number(entry.release)) throw new LocatedError(...at(), `releases must be listed newest first (${entry.release} before ${older.release})`);
    if (entry.released !== undefined && entry.released > entry.endOfLife) throw new LocatedError(...at(), `release ${entry.release} ends (${entry.endOfLife}) before it is released (${entry.released})`);
  });
  return table;
}

function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Validates the table and writes the cache; run by `npm run build` (through the rules cache). */
export function writeChannelTableCache(): void {
  const text = fs.readFileSync(CHANNEL_TABLE_PATH, 'utf8');
  const table = parseChannelTable(text, path.relative(process.cwd(), CHANNEL_TABLE_PATH));
  fs.writeFileSync(CACHE_FILE, JSON.stringify({ fingerprint: fingerprint(text), table }));
}
