import * as fs from 'fs';
import { fileURLToPath, pathToFileURL } from 'url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import { editTree, parseNix, ParseTooSlow, Tree } from '../nix/parser';
import type { SourceOverlay } from '../pipeline/source-loader';

/**
 * A document the editor has open: its unsaved text, which wins over the
 * disk, and for a `.nix` file the tree-sitter tree of that text, kept in step
 * with every edit (`tree.edit`, then an incremental re-parse when the tree is
 * next asked for) instead of parsed from scratch. An edit inside one value
 * is analyzed without the whole tree (the loader parses that binding alone),
 * so typing does not re-parse the file at every keystroke. YAML and
 * flake.lock are re-parsed per analysis.
 */
export class OpenDocument {
  private tree: Tree | undefined;
  /** The tree has edits its text does not have parsed yet. */
  private stale = false;

  constructor(
    readonly uri: string,
    /** The real path of the file (symlinks resolved), as the loader asks for it. */
    readonly absolutePath: string,
    private document: TextDocument,
  ) {
    if (this.isNix) this.tree = parseInBudget(document.getText());
  }

  get isNix(): boolean {
    return this.absolutePath.endsWith('.nix');
  }

  get text(): string {
    return this.document.getText();
  }

  get version(): number {
    return this.document.version;
  }

  get textDocument(): TextDocument {
    return this.document;
  }

  /** The tree of the current text (Nix only), re-parsed now if edits came since. */
  get nixTree(): Tree | undefined {
    if (this.isNix && (this.stale || !this.tree)) {
      this.tree = parseInBudget(this.document.getText(), this.tree);
      this.stale = false;
    }
    return this.tree;
  }

  /**
   * Applies the editor's changes in order. Each ranged change is also applied
   * to the old tree as an edit, so that the re-parse reuses every subtree the
   * change did not touch. Offsets and columns are UTF-16 code units, as both
   * LSP and tree-sitter's node binding count them.
   */
  applyChanges(changes: TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      if (!('range' in change) || !this.tree) {
        this.document = TextDocument.update(this.document, [change], version);
        if (this.isNix) this.tree = undefined;
        continue;
      }
      const before = this.document;
      const startIndex = before.offsetAt(change.range.start);
      const oldEndIndex = before.offsetAt(change.range.end);
      // offsetAt clamps: the points are taken back from the offsets so that tree and text agree.
      const startPosition = before.positionAt(startIndex);
      const oldEndPosition = before.positionAt(oldEndIndex);
      this.document = TextDocument.update(before, [change], version);
      const newEndIndex = startIndex + change.text.length;
      const newEndPosition = this.document.positionAt(newEndIndex);
      editTree(this.tree, {
        startIndex,
        oldEndIndex,
        newEndIndex,
        startPosition: { row: startPosition.line, column: startPosition.character },
        oldEndPosition: { row: oldEndPosition.line, column: oldEndPosition.character },
        newEndPosition: { row: newEndPosition.line, column: newEndPosition.character },
      });
    }
    if (this.isNix) this.stale = true;
  }
}

/** The open documents, by URI and by real path; the overlay the analysis reads through. */
export class OpenDocuments implements SourceOverlay {
  private readonly byUri = new Map<string, OpenDocument>();
  private readonly byPath = new Map<string, OpenDocument>();

  open(uri: string, languageId: string, version: number, text: string): OpenDocument {
    const absolutePath = realPath(uriToPath(uri));
    const document = new OpenDocument(uri, absolutePath, TextDocument.create(uri, languageId, version, text));
    this.byUri.set(uri, document);
    this.byPath.set(absolutePath, document);
    return document;
  }

  close(uri: string): OpenDocument | undefined {
    const document = this.byUri.get(uri);
    if (!document) return undefined;
    this.byUri.delete(uri);
    if (this.byPath.get(document.absolutePath) === document) this.byPath.delete(document.absolutePath);
    return document;
  }

  get(uri: string): OpenDocument | undefined {
    return this.byUri.get(uri);
  }

  atPath(absolutePath: string): OpenDocument | undefined {
    return this.byPath.get(absolutePath);
  }

  all(): OpenDocument[] {
    return [...this.byUri.values()];
  }

  text(absolutePath: string): string | undefined {
    return this.byPath.get(absolutePath)?.text;
  }

  tree(absolutePath: string): Tree | undefined {
    return this.byPath.get(absolutePath)?.nixTree;
  }
}

export function uriToPath(uri: string): string {
  return fileURLToPath(uri);
}

export function pathToUri(absolutePath: string): string {
  return pathToFileURL(absolutePath).href;
}

/** The path with symlinks resolved, or as given when it does not exist (a new, unsaved file). */
export function realPath(absolutePath: string): string {
  try {
    return fs.realpathSync(absolutePath);
  } catch {
    return absolutePath;
  }
}

/** The tree of a text, or none when parsing it takes longer than its budget (the analysis then says so at the file). */
function parseInBudget(text: string, oldTree?: Tree): Tree | undefined {
  try {
    return parseNix(text, oldTree);
  } catch (error) {
    if (error instanceof ParseTooSlow) return undefined;
    throw error;
  }
}
