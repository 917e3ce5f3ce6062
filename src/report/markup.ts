/**
 * The escapers every output format takes text from scanned files through
 * (host names, file names, values, commit subjects, lock revisions), one per
 * kind of output, so that such text is shown, never interpreted.
 */

/**
 * Text for XML or HTML, in element content and in double- or single-quoted
 * attributes. Control characters XML 1.0 cannot carry at all become U+FFFD.
 */
export function escapeMarkup(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => MARKUP_ENTITIES[ch]).replace(XML_INVALID, '\ufffd');
}

const MARKUP_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/**
 * Text inside a line of Markdown as GitHub and editors render it (which
 * includes raw HTML): HTML is written as entities, the characters that
 * start emphasis, code, links, images, strikethrough and table cells are
 * backslash-escaped, and line breaks become spaces. (Characters that matter
 * only at the start of a line, `#`, `-`, `1.`, are left: the text never
 * starts one.)
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .replace(/[&<>]/g, (ch) => MARKUP_ENTITIES[ch])
    .replace(/[\\`*_[\]|~]/g, (ch) => `\\${ch}`);
}

/**
 * Text as an inline code span, also inside a table: no backtick can close
 * it (written as '), no line break or `|` can end the cell.
 */
export function markdownCodeSpan(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\s*[\r\n]+\s*/g, ' ').replace(/\|/g, '\\|')}\``;
}

/**
 * Text for a Markdown code block: a fence longer than any run of backticks
 * inside, so that the text cannot close it.
 */
export function markdownCodeBlock(text: string, info = ''): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text}\n${fence}`;
}

/**
 * Text for a terminal: control characters (an escape sequence in a file
 * name or a value could move the cursor or recolour the screen) are shown
 * as `\xNN` instead of being sent to the terminal.
 */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Whether a link target is a web address (a `javascript:` or `data:` link from a config or a remote is not followed). */
export function isWebUrl(url: string): boolean {
  return /^https?:\/\/[^\s<>"]+$/i.test(url);
}

/**
 * A Markdown link to a web address, its text escaped and its target
 * written so that no character can end it early; anything that is not a
 * web address is shown as text.
 */
export function markdownLink(text: string, url: string): string {
  if (!isWebUrl(url)) return escapeMarkdown(text === url ? url : `${text} (${url})`);
  return `[${escapeMarkdown(text)}](${url.replace(/[()[\]<>\s|]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)})`;
}

/** Lines of text for a terminal: each line's control characters shown as `\xNN` (the line breaks kept). */
export function terminalLines(text: string): string {
  return text.split('\n').map(terminalSafe).join('\n');
}
