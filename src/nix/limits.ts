/**
 * The bounds that keep the evaluation of any file finite in time and memory.
 * Each is far above what a hand-written NixOS configuration reaches, and each
 * one reached makes the value concerned unknown (never a guess) with a note
 * at the place, so that a file's other values are still judged.
 */

/** Evaluation steps for one value a reader asks for (a definition, a condition): each gets its own budget. */
export const MAX_STEPS_PER_VALUE = 200_000;

/**
 * Time one file's evaluation may take in all, across every value read from
 * it (the per-file budget, like Semgrep's per-file timeout): past it, every
 * value not yet known from that file is unknown.
 */
export const FILE_TIME_BUDGET_MS = 5_000;

/** Nested evaluations (calls, operands, thunks forced inside others): well inside the JavaScript stack. */
export const MAX_EVAL_DEPTH = 200;

/** Names in one attribute path (`a.b.c = …`); NixOS option paths have fewer than 12. */
export const MAX_ATTRPATH_NAMES = 64;

/** Characters of a string the evaluator builds (concatenation, interpolation, joins). */
export const MAX_STRING_LENGTH = 1 << 20;

/** Elements of a list the evaluator builds (`++`). */
export const MAX_LIST_LENGTH = 100_000;

/** Attributes of a set the evaluator builds (`//`). */
export const MAX_ATTRS = 100_000;

/** Nodes of a value turned into plain data or compared (a value that doubles at every level is a DAG, not a tree). */
export const MAX_PLAIN_NODES = 100_000;

/**
 * Option definitions a module yields from attribute sets it repeats (`let
 * a1 = { x = a0; y = a0; }; …` doubles at each level: 22 levels define four
 * million options). Definitions written out one by one are bounded by the
 * file size instead.
 */
export const MAX_SHARED_DEFINITIONS = 50_000;

/** A place where a limit was reached: what the note at the file says. */
export interface LimitNote {
  /** UTF-16 offsets in the file's text. */
  start: number;
  end: number;
  message: string;
}

/** Comparisons a builtin makes between the elements of lists (`unique`, `subtractLists`: each element with each other). */
export const MAX_COMPARISONS = 1_000_000;

/** Characters of a string `builtins.match` reads: regular expressions from scanned files may backtrack, polynomially at worst (nested quantifiers are refused). */
export const MAX_MATCH_LENGTH = 4_096;

/** Something a limit note can be attached to: a syntax node. */
export interface LimitSite {
  noteLimit(message: string): void;
}

let readingSite: LimitSite | undefined;

/**
 * Sets where a limit reached by a builtin is noted (the value being read,
 * set by the evaluator around each value it reads) and returns the
 * previous one, to be restored.
 */
export function enterReading(site: LimitSite | undefined): LimitSite | undefined {
  const previous = readingSite;
  readingSite = site;
  return previous;
}

/**
 * A limit reached by a builtin, which knows no syntax: noted at the value
 * being read. Returns the reason for the unknown value the builtin gives.
 */
export function limitReached(message: string): string {
  readingSite?.noteLimit(`${message}; it is treated as unknown.`);
  return message;
}
