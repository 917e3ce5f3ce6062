import * as path from 'path';
import { Diagnostic, DiagnosticSeverity, DiagnosticTag, Range as LspRange } from 'vscode-languageserver';
import { Finding, messageWithHosts, Severity } from '../findings/finding';
import { ruleHelpUri, TOOL_NAME } from '../meta';
import type { Range } from '../source/position';
import { pathToUri } from './open-documents';

const SEVERITIES: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  note: DiagnosticSeverity.Information,
};

/** declint's 1-based line/column range as an LSP range (0-based, UTF-16 columns as both count them). */
export function toLspRange(range: Range): LspRange {
  return {
    start: { line: range.start.line - 1, character: range.start.column - 1 },
    end: { line: range.end.line - 1, character: range.end.column - 1 },
  };
}

/** A report path (relative to the workspace root, or absolute) as a URI. */
export function fileUri(root: string, file: string): string {
  // Every edit publishes the whole workspace's diagnostics: each file's URI is made once.
  const key = `${root}\u0000${file}`;
  let uri = URIS.get(key);
  if (uri === undefined) {
    if (URIS.size >= MAX_URIS) URIS.clear();
    URIS.set(key, (uri = pathToUri(path.isAbsolute(file) ? file : path.join(root, file))));
  }
  return uri;
}

const URIS = new Map<string, string>();
/** A bound on the URIs kept (a workspace's files with findings are far fewer). */
const MAX_URIS = 100_000;

/**
 * A finding as an LSP diagnostic: the rule ID as `code` with a link to its
 * page, the provenance chain (overridden definitions, the host root) as
 * related information. A suppressed or excepted finding, when shown at all,
 * is a hint marked unnecessary, with the justification.
 */
export function toDiagnostic(finding: Finding, root: string): Diagnostic {
  const tags: DiagnosticTag[] = [];
  if (finding.ruleId === 'nix-renamed-option') tags.push(DiagnosticTag.Deprecated);
  if (finding.ruleId === 'declint-suppression' && finding.message.includes('suppresses nothing')) tags.push(DiagnosticTag.Unnecessary);
  const suppressed = finding.suppressed;
  if (suppressed) tags.push(DiagnosticTag.Unnecessary);
  const message = messageWithHosts(finding);
  return {
    range: toLspRange(finding.location.range),
    severity: suppressed ? DiagnosticSeverity.Hint : SEVERITIES[finding.severity],
    code: finding.ruleId,
    codeDescription: { href: ruleHelpUri(finding.ruleId) },
    source: TOOL_NAME,
    message: suppressed ? `${message} (${suppressed.kind === 'inline' ? 'suppressed' : 'excepted'}: ${suppressed.justification})` : message,
    ...(tags.length > 0 ? { tags } : {}),
    ...(finding.related.length > 0
      ? { relatedInformation: finding.related.map((r) => ({ location: { uri: fileUri(root, r.file), range: toLspRange(r.range) }, message: r.message })) }
      : {}),
  };
}
