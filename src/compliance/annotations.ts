import { CST, Lexer } from 'yaml';
import { parseNix } from '../nix/parser';
import { LineIndex } from '../source/position';
import { checkMention, CheckedMention, ControlIndex, findControlMentions } from './control-mentions';

/**
 * Control annotations: comments in which the team links a setting to a
 * control (`services.auditd.enable = true; # ISO 27001 A.8.15`). They are the
 * team's declared evidence; the report lists them under their control and
 * flags IDs that do not exist or use the superseded 2013 numbering.
 */
export interface ControlAnnotation extends CheckedMention {
  file: string;
  line: number;
  column: number;
  /** The comment, without its `#`. */
  comment: string;
  /** The line of code the comment annotates: its own line, or the next code line for a comment alone on its line. */
  settingLine?: number;
  setting?: string;
}

interface Comment {
  offset: number;
  text: string;
}

/** The comments of a Nix file (from the syntax tree, so a `#` inside a string is not one) or a YAML file (from its tokens). */
export function commentsOf(file: string, text: string): Comment[] {
  if (file.endsWith('.nix')) return nixComments(text);
  if (/\.ya?ml$/.test(file)) return yamlComments(text);
  return [];
}

function nixComments(text: string): Comment[] {
  const out: Comment[] = [];
  const tree = parseNix(text);
  const cursor = tree.rootNode.walk();
  // Depth-first over every node: comments are extras and can sit anywhere in the tree.
  let more = true;
  while (more) {
    if (cursor.nodeType === 'comment') out.push({ offset: cursor.startIndex, text: text.slice(cursor.startIndex, cursor.endIndex) });
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        more = false;
        break;
      }
    }
  }
  return out;
}

/** Control characters the lexer emits that take no room in the source. */
const ZERO_WIDTH = new Set(['\x02', '\x18', '\x1f']);

function yamlComments(text: string): Comment[] {
  const out: Comment[] = [];
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (ZERO_WIDTH.has(token)) continue;
    if (CST.tokenType(token) === 'comment') out.push({ offset, text: token });
    offset += token.length;
  }
  return out;
}

/** The control annotations of one file. */
export function findAnnotations(file: string, text: string, index: ControlIndex): ControlAnnotation[] {
  if (!/ISO|NIS|SOC|DORA|ANSSI|BP-?028|CIS/i.test(text)) return [];
  const lines = new LineIndex(text);
  const sourceLines = text.split('\n');
  const out: ControlAnnotation[] = [];
  for (const comment of commentsOf(file, text)) {
    const body = comment.text.replace(/^(?:#|\/\*)/, '').replace(/\*\/$/, '');
    const mentions = findControlMentions(body);
    if (mentions.length === 0) continue;
    const start = lines.position(comment.offset);
    const ownLine = sourceLines[start.line - 1].slice(0, start.column - 1).trim() === '';
    const settingLine = ownLine ? nextCodeLine(sourceLines, start.line) : start.line;
    for (const mention of mentions) {
      const checked = checkMention(mention, index);
      out.push({
        ...checked,
        file,
        line: start.line,
        column: start.column,
        comment: body.trim(),
        ...(settingLine ? { settingLine, setting: settingText(sourceLines[settingLine - 1], ownLine ? undefined : start.column) } : {}),
      });
    }
  }
  return out;
}

/** The first line after `line` that holds code (not blank, not only a comment). */
function nextCodeLine(lines: string[], line: number): number | undefined {
  for (let i = line; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t !== '' && !t.startsWith('#')) return i + 1;
  }
  return undefined;
}

function settingText(line: string, commentColumn: number | undefined): string {
  const code = commentColumn ? line.slice(0, commentColumn - 1) : line;
  const trimmed = code.trim();
  return trimmed.length > 120 ? `${trimmed.slice(0, 117)}...` : trimmed;
}
