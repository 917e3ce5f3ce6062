import * as fs from 'fs';
import * as path from 'path';
import type { BindingPatch, BindingRename, LoadError, LoadedSource, SourceLoader } from '../nix/host';
import { definitionSite, renamedSite } from '../nix/module';
import { firstDuplicateAttribute, repetitionAround } from '../nix/duplicate-attributes';
import { firstSyntaxError, parseNix, parseNixFlat, ParseTooSlow, Tree } from '../nix/parser';
import { convertFlat, convertTree, convertTreeReusing, renameInPlace, replaceBindingInPlace, TextChange, textChange } from '../nix/syntax';
import { contentHash } from '../source/content-hash';
import { reportPath } from '../source/paths';
import { LineIndex } from '../source/position';
import { noteRead, tracing } from '../nix/read-trace';
import { loadTraceEntry, ModuleSource, moduleSource } from './module-source';
import type { Finding } from '../findings/finding';
import type { StoredParses } from '../cache/parse-store';
import { limitFinding } from '../findings/unchecked';
import { MAX_SOURCE_BYTES, readText } from '../source/read-text';

/**
 * Where a loader's text comes from besides the disk: the language server's
 * open buffers, whose unsaved text wins over the file.
 */
export interface SourceOverlay {
  /** The text of a file (absolute, real path), or undefined to read the disk. */
  text(absolutePath: string): string | undefined;
  /** The syntax tree of exactly that text, when the overlay already has one. */
  tree?(absolutePath: string): Tree | undefined;
}

/** A text parsed before, with its flat parse (`parseNixFlat`), by absolute path. */
export type ParsedSources = Map<string, { text: string; flat: Int32Array }>;

/** What a plain check with `--cache` knows of the files' parses besides the per-file phase's (check-hosts.ts). */
export interface KnownParses {
  /** The content hash of a file's text the per-file phase found to parse without a repeated attribute (`check --cache`). */
  checkedHash?: (absolutePath: string) => string | undefined;
  /** Parses kept from earlier runs, and kept for later ones (cache/parse-store.ts). */
  stored?: StoredParses;
}

/**
 * Reads and parses `.nix` files for host evaluation, once each. A directory
 * means its `default.nix`; a file that resolves (through symlinks) outside
 * the scanned roots is refused. A file the per-file phase parsed (`parsed`)
 * is taken from there, not read and parsed again.
 */
export class NixSourceLoader implements SourceLoader {
  private readonly cache = new Map<string, LoadedSource | LoadError>();
  private readonly lineTables = new Map<string, LineIndex>();
  /** The last reading of each open buffer, whose unchanged bindings the next conversion reuses. */
  private readonly lastOpen = new Map<string, LoadedSource>();
  private readonly realRoots: string[];

  constructor(
    roots: string[],
    readonly base: string,
    private readonly overlay?: SourceOverlay,
    private readonly parsed?: ParsedSources,
    private readonly known: KnownParses = {},
  ) {
    this.realRoots = roots.map((r) => fs.realpathSync(r));
  }

  /** The scanned roots, through symlinks: what the evaluator may read lies below one of them. */
  get roots(): readonly string[] {
    return this.realRoots;
  }

  /** The report path of a file. */
  reportPath(absolutePath: string): string {
    return this.display(absolutePath);
  }

  load(absolutePath: string): LoadedSource | LoadError {
    const cached = this.cachedReading(absolutePath);
    if (cached) return cached;
    const loaded = this.read(absolutePath);
    this.cache.set(absolutePath, loaded);
    if (!('error' in loaded)) this.keptBytes += loaded.text.length;
    return loaded;
  }

  /**
   * The text loading a file would parse, without parsing it: for a file
   * looked at only for what its text says (a candidate entry file, most of
   * which build no system). Traced as its load is; undefined where it
   * cannot be read (missing, outside the roots, too large) or where it was
   * loaded and failed.
   */
  peek(absolutePath: string): string | undefined {
    const read = this.cachedReading(absolutePath) ?? this.tracedSource(absolutePath);
    return 'error' in read ? undefined : read.text;
  }

  /** The reading of a file kept from before, noted in the trace as a load of it; undefined where none is kept. */
  private cachedReading(absolutePath: string): LoadedSource | LoadError | undefined {
    const cached = this.cache.get(absolutePath);
    if (cached && tracing()) noteRead(this.traced.get(absolutePath) ?? this.traceOf(absolutePath, cached));
    return cached;
  }

  /**
   * A file's text as read now, noted in the trace as a load of it; traced,
   * with the content hash the trace took (`parse` asks the parse store for
   * the same text's hash: it is taken once).
   */
  private tracedSource(absolutePath: string): ModuleSource & { hash?: string } {
    const source = this.source(absolutePath);
    if (!tracing()) return source;
    const traced = 'error' in source ? source : { ...source, hash: contentHash(source.text) };
    noteRead(this.traceOf(absolutePath, undefined, traced));
    return traced;
  }

  /** The length of the texts of the files read and kept (what their syntax costs grows with it). */
  get loadedBytes(): number {
    return this.keptBytes;
  }

  private keptBytes = 0;
  /** Limits reached in files released since (`release`), by report path and range. */
  private readonly releasedLimits = new Map<string, Finding>();

  /**
   * Lets go of the syntax of files read: every file `nextUse` says is not
   * read again (Infinity), then those read again the latest, until the texts
   * kept are within `keepBytes`. A file let go is read again if it is loaded
   * again; the limits evaluation reached in it are kept for `limitFindings`.
   * Gives the paths it let go (as loaded, and the files read).
   */
  release(nextUse: (loaded: LoadedSource) => number, keepBytes: number): string[] {
    const candidates: { key: string; loaded: LoadedSource; next: number }[] = [];
    for (const [key, loaded] of this.cache) {
      if (!('error' in loaded) && loaded !== this.lastOpen.get(loaded.absolutePath)) candidates.push({ key, loaded, next: nextUse(loaded) });
    }
    candidates.sort((a, b) => b.next - a.next);
    const released: string[] = [];
    for (const { key, loaded, next } of candidates) {
      if (next !== Infinity && this.keptBytes <= keepBytes) break;
      for (const finding of this.limitsOf(loaded)) this.releasedLimits.set(limitKey(finding), finding);
      // A file no host to come reads is not read again: its parse is let go with it.
      if (next !== Infinity) this.keepParse(loaded);
      this.cache.delete(key);
      // Its line table holds its text: made again from a kept parse or the disk if a range in it is asked for.
      this.lineTables.delete(loaded.file);
      this.keptBytes -= loaded.text.length;
      released.push(key, loaded.absolutePath);
    }
    return released;
  }

  /**
   * Lets go of the parses kept for files (the per-file phase's, and those
   * of files let go): a plain check's hosts to come do not read them. A
   * file read after all is parsed again.
   */
  forgetParses(files: Iterable<string>): void {
    for (const file of files) {
      this.parsed?.delete(file);
      const released = this.releasedParses.get(file);
      if (!released) continue;
      this.releasedParses.delete(file);
      this.releasedParseBytes -= released.text.length + released.flat.byteLength;
    }
  }

  /** The files whose parse is kept. */
  keptParses(): string[] {
    return [...(this.parsed?.keys() ?? []), ...this.releasedParses.keys()];
  }

  /** Flat parses of files let go (`release`), read again from there rather than parsed again. */
  private readonly releasedParses: ParsedSources = new Map();
  private releasedParseBytes = 0;

  private keepParse(loaded: LoadedSource): void {
    const flat = loaded.root.fileFlat;
    if (!flat || this.releasedParses.has(loaded.absolutePath)) return;
    const bytes = loaded.text.length + flat.byteLength;
    if (this.releasedParseBytes + bytes > RELEASED_PARSES_BYTES) return;
    this.releasedParses.set(loaded.absolutePath, { text: loaded.text, flat });
    this.releasedParseBytes += bytes;
  }

  private limitsOf(loaded: LoadedSource): Finding[] {
    return loaded.root.limitNotes.map((note) => limitFinding(loaded.file, note.message, this.lines(loaded.file).range(note.start, note.end)));
  }

  /** What was last read of a file, if anything (nothing is read now). */
  reading(absolutePath: string): LoadedSource | LoadError | undefined {
    return this.cache.get(absolutePath);
  }

  /**
   * Puts back an earlier reading of a file whose new text was just read
   * (`forget`, then `load`): the language server's hosts keep reading an
   * open module's last text that parsed while the buffer does not parse.
   */
  restore(absolutePath: string, reading: LoadedSource): void {
    const replaced = this.cache.get(absolutePath);
    if (replaced && !('error' in replaced)) this.keptBytes -= replaced.text.length;
    this.keptBytes += reading.text.length;
    this.cache.set(absolutePath, reading);
    this.lastOpen.delete(absolutePath);
    this.lineTables.set(reading.file, new LineIndex(reading.text));
  }

  /**
   * What loading a file sees before it parses anything: the file read (a
   * directory's default.nix) and its text, or why there is none. Its
   * fingerprint is what a cached result that loaded the file depends on.
   */
  source(absolutePath: string): ModuleSource {
    return moduleSource(absolutePath, { realRoots: this.realRoots, display: (p) => this.display(p), ...(this.overlay ? { overlay: (real: string) => this.overlay!.text(real) } : {}) });
  }

  /** The trace entries of loads, by path: a module loaded by every host is hashed once. */
  private readonly traced = new Map<string, string>();

  /**
   * The trace entry of a load (read-trace.ts) from what it saw; for one
   * loaded before tracing began, from the text it was parsed from. A failure
   * loaded then is not known exactly any more: its entry matches nothing, so
   * no result computed from it is reused.
   */
  private traceOf(absolutePath: string, loaded?: LoadedSource | LoadError, source?: ModuleSource): string {
    let seen = source;
    if (!seen && loaded && !('error' in loaded)) {
      const real = safeRealPath(loaded.absolutePath);
      if (real) seen = { target: loaded.absolutePath, real, text: loaded.text };
    }
    const entry = loadTraceEntry(absolutePath, seen ?? { error: 'not known: loaded before its reads were traced' });
    this.traced.set(absolutePath, entry);
    return entry;
  }

  /**
   * Drops what was read of a file (its text changed), and with it every
   * cached failure, which may have been about this file being missing.
   */
  forget(absolutePath: string): void {
    const last = this.cache.get(absolutePath);
    if (last && !('error' in last) && this.overlay?.text(last.absolutePath) !== undefined) this.lastOpen.set(last.absolutePath, last);
    else this.lastOpen.delete(absolutePath);
    for (const key of [absolutePath, path.dirname(absolutePath)]) {
      const dropped = this.cache.get(key);
      if (dropped && !('error' in dropped)) this.keptBytes -= dropped.text.length;
      this.cache.delete(key);
    }
    for (const [key, loaded] of this.cache) if ('error' in loaded) this.cache.delete(key);
    this.lineTables.delete(this.display(absolutePath));
    this.traced.clear();
  }

  /** The limits reached while evaluating the files read so far (as `declint-limit` findings). */
  limitFindings(): Finding[] {
    const out = new Map(this.releasedLimits);
    for (const loaded of this.cache.values()) {
      if ('error' in loaded) continue;
      for (const finding of this.limitsOf(loaded)) out.set(limitKey(finding), finding);
    }
    return [...out.values()];
  }

  /** The line table of a loaded file (by report path), for turning spans into ranges. */
  lines(file: string): LineIndex {
    let table = this.lineTables.get(file);
    if (!table) {
      const absolutePath = path.resolve(this.base, file);
      let text = this.overlay?.text(absolutePath) ?? this.releasedParses.get(absolutePath)?.text;
      if (text === undefined) {
        const read = readText(absolutePath, { maxBytes: MAX_SOURCE_BYTES });
        text = read.kind === 'text' ? read.text : '';
      }
      table = new LineIndex(text);
      this.lineTables.set(file, table);
    }
    return table;
  }

  private read(absolutePath: string): LoadedSource | LoadError {
    const source = this.tracedSource(absolutePath);
    if ('error' in source) return source;
    try {
      return this.parse(source);
    } catch (error) {
      // A bug on one module must not end the run: the hosts that import it say it was not read.
      return { error: `${this.display(source.target)} is not read: declint failed on it (${String((error as Error)?.message ?? error).split('\n')[0]})` };
    }
  }

  private parse({ target, real, text, hash: knownHash }: { target: string; real: string; text: string; hash?: string }): LoadedSource | LoadError {
    const open = this.overlay?.text(real);
    const file = this.display(target);
    const shared = open === undefined ? (this.parsed?.get(real) ?? this.parsed?.get(target) ?? this.releasedParses.get(target)) : undefined;
    if (shared && shared.text === text) {
      // Parsed by the per-file phase, where it passed the syntax and duplicate-attribute checks.
      this.lineTables.set(file, new LineIndex(text));
      // Kept for the runs to come under the hash the per-file phase took of this very text.
      const checked = this.checkedHash(real, target);
      if (checked !== undefined) this.known.stored?.keep(real, checked, shared.flat);
      return { absolutePath: target, file, text, root: convertFlat(shared.flat, text) };
    }
    const last = open !== undefined ? this.lastOpen.get(real) : undefined;
    const change = last ? textChange(last.text, text) : undefined;
    // Typing in an option's name: that name changed in place, the rest of the earlier reading kept.
    const renamed = change ? renameOnePlace(last!, text, change) : undefined;
    if (renamed) {
      this.lineTables.set(file, new LineIndex(text));
      return { absolutePath: target, file, text, root: last!.root, rename: renamed };
    }
    // Typing in a value: that binding is parsed alone, the rest of the earlier reading kept.
    const patched = change ? patchInPlace(last!, text, change) : undefined;
    if (patched) {
      this.lineTables.set(file, new LineIndex(text));
      return { absolutePath: target, file, text, root: last!.root, patch: patched };
    }
    // A file from disk: its flat parse, read as far as the hosts reach; kept from an earlier run where the store has it.
    let hash = knownHash;
    const textHash = () => (hash ??= contentHash(text));
    const stored = open === undefined && this.known.stored ? this.known.stored.lookup(real, textHash()) : undefined;
    let flat: Int32Array | undefined = stored;
    let tree: Tree | undefined;
    try {
      flat ??= open === undefined ? parseNixFlat(text) : undefined;
      tree = flat ? undefined : ((open !== undefined ? this.overlay?.tree?.(real) : undefined) ?? parseNix(text));
    } catch (error) {
      if (error instanceof ParseTooSlow) return { error: `${file} is not read: ${error.message}` };
      throw error;
    }
    if (tree && firstSyntaxError(tree)) return { error: `${file} does not parse`, unparsed: file, absolutePath: target };
    this.lineTables.set(file, new LineIndex(text));
    // Copied whole, so that the native tree is freed: host evaluation keeps the syntax of every module.
    const root = flat ? convertFlat(flat, text) : last ? convertTreeReusing(tree!, text, { root: last.root, source: last.text }) : convertTree(tree!, text, false);
    // Nix rejects an attribute defined twice when it parses the file: its hosts do not get one of the two. A text known to
    // have none is not walked again, the walk converting nearly every node, most of which no host reads (about 12 ms of
    // a pre-commit hook that evaluates a host of 90 modules again): a stored parse (kept only after it loaded without
    // error), or a text the per-file phase checked (a result the cache kept).
    const checked = flat && !stored ? this.checkedHash(real, target) : undefined;
    const clean = stored !== undefined || (checked !== undefined && checked === textHash());
    if (!clean && firstDuplicateAttribute(root)) return { error: `${file} does not parse`, unparsed: file, absolutePath: target };
    if (flat && !stored) this.known.stored?.keep(real, textHash(), flat);
    return { absolutePath: target, file, text, root };
  }

  /** The content hash of the text of the file the per-file phase checked for repeated attributes and found none in. */
  private checkedHash(real: string, target: string): string | undefined {
    return this.known.checkedHash?.(real) ?? this.known.checkedHash?.(target);
  }

  private display(absolutePath: string): string {
    return reportPath(this.base, absolutePath);
  }
}

/**
 * An open module edited inside one binding's value (typing in a string, a
 * number, a list): the earlier conversion brought up to date in place, so
 * that its hosts re-evaluate that binding alone (`updateHost`).
 */
function patchInPlace(last: LoadedSource, text: string, change: TextChange): BindingPatch | undefined {
  const binding = definitionSite(last.root, change.start, change.oldEnd);
  const before = binding?.childForFieldName('expression');
  if (!binding || !before) return undefined;
  const after = replaceBindingInPlace(last.root, binding, change, text);
  return after ? { binding, before, after } : undefined;
}

/**
 * An open module edited inside one name of a binding's attribute path (a
 * letter typed in `services.openssh`): the earlier conversion brought up to
 * date in place, so that its hosts move that binding's definitions to the
 * new path (`updateHost`). Undefined, with nothing changed, where the edit
 * is not one name typed into another, or the new name repeats an attribute
 * of the same set (Nix rejects the file: a new reading says so).
 */
function renameOnePlace(last: LoadedSource, text: string, change: TextChange): BindingRename | undefined {
  const delta = change.newEnd - change.oldEnd;
  const site = renamedSite(last.root, change.start, change.oldEnd, (identifier) => text.slice(identifier.startIndex, identifier.endIndex + delta));
  if (!site || !renameInPlace(last.root, site.binding, change, text)) return undefined;
  if (repetitionAround(site.binding)) {
    renameInPlace(last.root, site.binding, { start: change.start, oldEnd: change.newEnd, newEnd: change.oldEnd }, last.text);
    return undefined;
  }
  return site;
}

function safeRealPath(p: string): string | undefined {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return undefined;
  }
}

/**
 * How much of the flat parses of files let go a loader keeps, texts
 * included (a flat parse is about 2.6 times its text). On a generated fleet
 * of 500 hosts and 20,000 files, whose host phase reads modules again about
 * 5,700 times, keeping them took the phase's parses from 8,578 to 2,997.
 */
const RELEASED_PARSES_BYTES = 64 * 1024 * 1024;

/** One limit finding per file, range and message: a file read again reaches the same limits. */
function limitKey(finding: Finding): string {
  const { start } = finding.location.range;
  return [finding.location.file, start.line, start.column, finding.message].join('\u0000');
}
