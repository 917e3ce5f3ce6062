import * as path from 'path';
import { CodeAction, CodeActionKind, CreateFile, Diagnostic, Range as LspRange, TextDocumentEdit, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import { isMap, isSeq, parseDocument, YAMLMap } from 'yaml';
import type { Finding } from '../findings/finding';
import { editsOverlap, Fix, TextEdit as FixEdit } from '../fix/edit';
import { FixSources, planFix } from '../fix/plan';
import { reportPath } from '../source/paths';
import { LineIndex } from '../source/position';
import type { Rule } from '../rules/rule';
import { toDiagnostic, toLspRange } from './diagnostics';
import { OpenDocument, pathToUri } from './open-documents';

/** The kind of the "fix everything declint can fix in this file" action. */
export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.declint`;

/** Rules that are declint's own checks, not rules a user can suppress or except meaningfully. */
const NOT_SUPPRESSIBLE = new Set(['parse-error', 'declint-suppression', 'declint-exception-expired']);

export interface CodeActionInput {
  document: OpenDocument;
  /** Unsuppressed findings of this document. */
  findings: Finding[];
  rules: Map<string, Rule>;
  root: string;
  /** The config file in use, or where a new one would go, with its text (the editor's when open), undefined while there is none. */
  config: { path: string; text: string | undefined };
  /** The client can apply snippet text edits (LSP 3.18 `snippetEditSupport`). */
  snippets: boolean;
  /** What the fix engine reads: files' current texts (open buffers first) and each host's own module. */
  fixSources: FixSources;
}

/** Quick fixes, suppressions and exceptions for the findings that touch `range`, in that order. */
export function codeActions(input: CodeActionInput, range: LspRange, only: string[] | undefined): CodeAction[] {
  const wants = (kind: string) => !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
  const actions: CodeAction[] = [];
  // A source action is offered when asked for (on save, or from the source action menu), not in every lightbulb.
  if (only && wants(FIX_ALL_KIND)) {
    const fixAll = fixAllAction(input);
    if (fixAll) actions.push(fixAll);
  }
  if (!wants(CodeActionKind.QuickFix)) return actions;
  const touching = input.findings.filter((f) => overlaps(toLspRange(f.location.range), range));
  for (const finding of touching) {
    const diagnostic = toDiagnostic(finding, input.root);
    const fix = ruleFix(input, finding);
    if (fix) {
      const what = `${fix.fix.description.charAt(0).toUpperCase()}${fix.fix.description.slice(1)}`;
      actions.push({
        // An unsafe fix is offered, not preferred: `declint explain` tells what it can break.
        title: `${what} (${fix.fix.safe ? '' : 'unsafe '}fix for ${finding.ruleId})`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: fix.fix.safe,
        edit: fix.edit,
      });
    }
  }
  for (const finding of touching) {
    if (NOT_SUPPRESSIBLE.has(finding.ruleId) || input.document.absolutePath.endsWith('flake.lock')) continue;
    actions.push(suppressAction(input, finding, toDiagnostic(finding, input.root)));
  }
  for (const finding of touching) {
    if (NOT_SUPPRESSIBLE.has(finding.ruleId)) continue;
    const exception = exceptionAction(input, finding, toDiagnostic(finding, input.root));
    if (exception) actions.push(exception);
  }
  return actions;
}

/** `source.fixAll.declint`: every safe rule fix of the document's findings, as one edit (unsafe ones stay quick fixes, chosen one by one). */
function fixAllAction(input: CodeActionInput): CodeAction | undefined {
  const edits: FixEdit[] = [];
  let count = 0;
  for (const finding of input.findings) {
    const plan = planFix(finding, input.rules.get(finding.ruleId), input.fixSources);
    if (plan.kind !== 'fix' || !plan.fix.safe || plan.fix.edits.some((e) => edits.some((t) => editsOverlap(e, t)))) continue;
    edits.push(...plan.fix.edits);
    count++;
  }
  if (count === 0) return undefined;
  return { title: `Fix all declint findings with a safe fix (${count})`, kind: FIX_ALL_KIND, edit: workspaceEdit(input, edits) };
}

/** A rule's fix for one finding (the fix engine's, as `check --fix` applies it), with its edits for the editor. */
function ruleFix(input: CodeActionInput, finding: Finding): { fix: Fix; edit: WorkspaceEdit } | undefined {
  const plan = planFix(finding, input.rules.get(finding.ruleId), input.fixSources);
  return plan.kind === 'fix' ? { fix: plan.fix, edit: workspaceEdit(input, plan.fix.edits) } : undefined;
}

/** Edits by file as LSP text edits: positions from the open document, or from the file's text for another file. */
function workspaceEdit(input: CodeActionInput, edits: FixEdit[]): WorkspaceEdit {
  const changes: Record<string, TextEdit[]> = {};
  const own = reportPath(input.root, input.document.absolutePath);
  for (const e of edits) {
    const isOpen = e.file === own;
    const uri = isOpen ? input.document.uri : pathToUri(path.resolve(input.root, e.file));
    const at = isOpen ? (offset: number) => input.document.textDocument.positionAt(offset) : lspPositions(input.fixSources.text(e.file) ?? '');
    (changes[uri] ??= []).push({ range: { start: at(e.start), end: at(e.end) }, newText: e.text });
  }
  return { changes };
}

function lspPositions(text: string): (offset: number) => { line: number; character: number } {
  const index = new LineIndex(text);
  return (offset) => {
    const p = index.position(offset);
    return { line: p.line - 1, character: p.column - 1 };
  };
}

/**
 * `# declint-ignore RULE-ID: reason` alone on the line above the finding
 * (the syntax of src/findings/suppressions.ts), indented like that line. With
 * snippet support the reason is a placeholder to type over; without it the
 * reason is left empty, and the suppression is reported until one is written.
 */
function suppressAction(input: CodeActionInput, finding: Finding, diagnostic: Diagnostic): CodeAction {
  const line = finding.location.range.start.line - 1;
  const document = input.document.textDocument;
  const lineText = document.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });
  const indent = /^[ \t]*/.exec(lineText)![0];
  const at = { start: { line, character: 0 }, end: { line, character: 0 } };
  const comment = `${indent}# declint-ignore ${finding.ruleId}: `;
  const edit: WorkspaceEdit = input.snippets
    ? {
        documentChanges: [
          {
            textDocument: { uri: input.document.uri, version: input.document.version },
            edits: [{ range: at, snippet: { kind: 'snippet', value: `${escapeSnippet(comment)}\${1:reason}\n` } }],
          } as unknown as TextDocumentEdit,
        ],
      }
    : { changes: { [input.document.uri]: [{ range: at, newText: `${comment}\n` }] } };
  return { title: `Suppress ${finding.ruleId} with a reason`, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], edit };
}

function escapeSnippet(text: string): string {
  return text.replace(/[\\$}]/g, (c) => `\\${c}`);
}

/**
 * An entry under `exceptions:` in `.declint.yaml` (created when there is
 * none) for the finding's hosts, or its file when it concerns no host. The
 * mandatory rationale is left empty: the config then reports, at that line,
 * that it must be written, and the exception does not apply until it is.
 */
function exceptionAction(input: CodeActionInput, finding: Finding, diagnostic: Diagnostic): CodeAction | undefined {
  const configPath = input.config.path;
  const exists = input.config.text !== undefined;
  const text = input.config.text ?? '';
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return undefined;
  if (!doc.contents) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  const exceptions = doc.get('exceptions', true);
  if (exceptions !== undefined && !isMap(exceptions)) return undefined;
  // One exception per rule: an existing one is widened, not duplicated.
  const existing = isMap(exceptions) ? (exceptions as YAMLMap).get(finding.ruleId, true) : undefined;
  const hosts = [...new Set((finding.hosts ?? []).map((h) => h.split('/')[0]))];
  const scope: { hosts?: string[]; paths?: string[] } = hosts.length > 0 ? { hosts } : { paths: [finding.location.file] };
  if (existing !== undefined) {
    if (!isMap(existing)) return undefined;
    const key = scope.hosts ? 'hosts' : 'paths';
    const current = (existing.toJSON() as Record<string, unknown>)[key];
    if (!Array.isArray(current)) return undefined; // unscoped already: it covers this finding
    const added = (scope[key] ?? []).filter((v) => !current.includes(v));
    if (added.length === 0) return undefined;
    existing.set(key, doc.createNode([...current, ...added], { flow: true }));
  } else {
    const entry = doc.createNode({ rationale: '', ...scope });
    for (const item of (entry as YAMLMap).items) if (isSeq(item.value)) item.value.flow = true;
    if (isMap(exceptions)) exceptions.set(finding.ruleId, entry);
    else doc.set('exceptions', doc.createNode({ [finding.ruleId]: entry }));
  }
  const newText = doc.toString();
  const uri = pathToUri(configPath);
  const whole = { start: { line: 0, character: 0 }, end: { line: text.split('\n').length, character: 0 } };
  const edit: WorkspaceEdit = exists
    ? { changes: { [uri]: [{ range: whole, newText }] } }
    : {
        documentChanges: [
          CreateFile.create(uri, { ignoreIfExists: true }),
          TextDocumentEdit.create({ uri, version: null }, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText }]),
        ],
      };
  const target = scope.hosts ? `host${scope.hosts.length > 1 ? 's' : ''} ${scope.hosts.join(', ')}` : finding.location.file;
  return { title: `Add an exception for ${finding.ruleId} (${target}) to ${path.basename(configPath)}`, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], edit };
}

function overlaps(a: LspRange, b: LspRange): boolean {
  const before = (p: { line: number; character: number }, q: { line: number; character: number }) => p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}
