import { candidateKind } from '../discover/classify';
import type { FlakeLock } from '../flake/lock';
import { Finding, PARSE_ERROR_RULE_ID } from '../findings/finding';
import { readModule, NixModule } from '../nix/module';
import { firstDuplicateAttribute } from '../nix/duplicate-attributes';
import { describeSyntaxError, parseNix, parseNixFlat, ParseTooSlow, Tree } from '../nix/parser';
import { convertFlat, convertTree, NixNode } from '../nix/syntax';
import { LineIndex, Range } from '../source/position';
import { limitFinding } from '../findings/unchecked';
import type { TalosFile } from '../talos/documents';

/** A Nix text already parsed: its tree-sitter tree, and optionally the tree converted (`convertTree`). */
export interface ParsedNix {
  tree: Tree;
  root?: NixNode;
}

/** A file turned into the model rules read. */
export type AnalyzedFile =
  /** `flat`: the parse, where it was made here, for the host phase to read the file without parsing it again. */
  | { kind: 'nix'; path: string; module: NixModule; lines: LineIndex; flat?: Int32Array }
  | { kind: 'talos'; path: string; talos: TalosFile; lines: LineIndex }
  | { kind: 'flake-lock'; path: string; lock: FlakeLock; lines: LineIndex };

export type AnalysisResult =
  | { kind: 'analyzed'; file: AnalyzedFile }
  /** `detail`: what is wrong, without the place (the finding says both). */
  | { kind: 'parse-error'; finding: Finding; detail: string }
  /** Read but beyond a limit (nesting depth): one note says so, no rule runs. */
  | { kind: 'not-checked'; finding: Finding }
  /** A templated Talos file whose YAML cannot be read around its expressions: valid for its engine, so no finding; coverage lists it. */
  | { kind: 'unreadable-template'; message: string; range: Range }
  | { kind: 'skipped' };

/**
 * Classifies one file by name and content, parses it with positions and
 * builds its model. A file that does not parse yields one `parse-error`
 * finding at its first error; nothing here throws on bad input.
 *
 * `parsed`, for a `.nix` file, is the tree of exactly this text when the
 * caller already has it (the language server re-parses incrementally), and
 * its converted copy when it has that too.
 */
export function analyzeFile(path: string, text: string, parsed?: ParsedNix): AnalysisResult {
  const kind = candidateKind(path);
  switch (kind) {
    case 'nix': {
      // A text that parses without error needs no tree of the runtime: its flat parse is read as far as rules reach.
      let flat: Int32Array | undefined;
      let tree: Tree | undefined;
      try {
        flat = parsed ? undefined : parseNixFlat(text);
        if (!flat) tree = parsed?.tree ?? parseNix(text);
      } catch (error) {
        if (!(error instanceof ParseTooSlow)) throw error;
        const lines = new LineIndex(text);
        return { kind: 'not-checked', finding: limitFinding(path, `This file is not checked: ${error.message}.`, lines.range(0, Math.min(1, text.length))) };
      }
      let root: NixNode;
      if (flat) {
        root = convertFlat(flat, text);
      } else {
        const error = describeSyntaxError(tree!, text);
        if (error) {
          const lines = new LineIndex(text);
          const { startIndex, endIndex } = error.node;
          return parseError(path, error.atEnd ? lines.range(endIndex, endIndex) : lines.range(startIndex, endIndex), error.message);
        }
        root = parsed?.root ?? convertTree(tree!, text);
      }
      // Nix rejects an attribute defined twice when it parses the file; so does declint, rather than keep one of them.
      const duplicate = firstDuplicateAttribute(root);
      if (duplicate) {
        const lines = new LineIndex(text);
        const first = lines.range(duplicate.first.start, duplicate.first.end).start;
        return parseError(path, lines.range(duplicate.at.start, duplicate.at.end), `attribute '${duplicate.path}' already defined at line ${first.line}, column ${first.column}`);
      }
      if (path === 'flake.nix' || path.endsWith('/flake.nix')) {
        // flake.nix is not a module: its hosts and inputs are read by the flake model.
        return { kind: 'analyzed', file: { kind: 'nix', path, module: { definitions: [], declarations: [], imports: [] }, lines: new LineIndex(text), ...(flat ? { flat } : {}) } };
      }
      return { kind: 'analyzed', file: { kind: 'nix', path, module: readModule(root), lines: new LineIndex(text), ...(flat ? { flat } : {}) } };
    }
    case 'flake-lock': {
      const lines = new LineIndex(text);
      // Required here, not at the top: the JSON parser is loaded only when a lock file is read.
      const { readFlakeLock } = require('../flake/lock') as typeof import('../flake/lock');
      const result = readFlakeLock(text, lines);
      if (result.kind === 'syntax-error') return parseError(path, result.range, result.message);
      if (result.kind === 'too-deep') return { kind: 'not-checked', finding: limitFinding(path, result.message, result.range) };
      return { kind: 'analyzed', file: { kind: 'flake-lock', path, lock: result.lock, lines } };
    }
    case 'yaml': {
      const lines = new LineIndex(text);
      // Required here, not at the top: the YAML library is loaded only when a YAML file is read.
      const { readTalosFile } = require('../talos/documents') as typeof import('../talos/documents');
      const result = readTalosFile(text, lines, path);
      if (result.kind === 'syntax-error') return parseError(path, result.error.range, result.error.message);
      if (result.kind === 'too-complex') return { kind: 'not-checked', finding: limitFinding(path, result.error.message, result.error.range) };
      if (result.kind === 'unreadable-template') return { kind: 'unreadable-template', ...result.error };
      if (result.kind === 'not-talos') return { kind: 'skipped' };
      return { kind: 'analyzed', file: { kind: 'talos', path, talos: result.file, lines } };
    }
    default:
      return { kind: 'skipped' };
  }
}

function parseError(path: string, range: Range, detail: string): AnalysisResult {
  return {
    kind: 'parse-error',
    detail,
    finding: {
      ruleId: PARSE_ERROR_RULE_ID,
      severity: 'error',
      message: `The file does not parse: ${detail} at line ${range.start.line}, column ${range.start.column}. No rule could check it.`,
      location: { file: path, range },
      related: [],
    },
  };
}
