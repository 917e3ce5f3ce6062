import { UNKNOWN_MARK } from './unknown';

/**
 * Templated Talos YAML (`patch.yaml.j2`, `controlplane.yaml.tpl`, a
 * Terraform `templatefile` source, Go templates in talhelper patches): the
 * YAML around the template expressions is read once every expression is
 * replaced, character for character, by a stand-in of the same length, so
 * that every line and column of the file still holds:
 *
 * - a value expression (`{{ .disk }}`, `${install_disk}`) becomes an unknown
 *   value (see unknown.ts): a rule never judges it;
 * - a line holding only control tags (`{% if %}`, `{{- end }}`, `%{ for }`)
 *   becomes a comment, so both branches of a condition are read;
 * - a line holding only a value expression among a map's keys
 *   (`{{ toYaml .extra | nindent 2 }}`) becomes an unknown key: the map may
 *   hold anything there, so nothing is judged absent from it.
 *
 * Go templates and Jinja share `{{ }}`; Jinja adds `{% %}` and `{# #}`.
 * Terraform templates use `${ }` and `%{ }`.
 */
export type TemplateSyntax = 'go-jinja' | 'terraform';

/** Names of templated YAML files: `.yaml.j2`, `.yml.tpl`, `.yaml.tmpl`, `.yaml.gotmpl`, `.yaml.jinja2`. */
export const TEMPLATED_YAML_NAME = /\.ya?ml\.(?:tpl|tmpl|gotmpl|j2|jinja2?)$/i;

/**
 * A file read around its template expressions: a templated file (by its
 * name) with the syntaxes its name says; a plain YAML file with `{{ }}` or
 * `{% %}` as Go/Jinja, except inside its block scalars, whose text is
 * content (an inline manifest's own templates), not the file's template.
 */
export function maskFile(fileName: string, text: string): MaskedTemplate {
  if (TEMPLATED_YAML_NAME.test(fileName)) {
    // `.tpl` and `.tmpl` are what Terraform's templatefile reads as often as Go templates.
    return maskTemplate(text, /\.(?:tpl|tmpl)$/i.test(fileName) ? ['go-jinja', 'terraform'] : ['go-jinja']);
  }
  return /\{\{|\{%/.test(text) ? maskTemplate(text, ['go-jinja'], { literalBlockScalars: true }) : { text, expressions: 0 };
}

export interface MaskedTemplate {
  text: string;
  /** The template expressions replaced (value expressions and control tags). */
  expressions: number;
}

interface Expression {
  start: number;
  end: number;
  control: boolean;
}

const GO_CONTROL = /^\{\{-?\s*(?:\/\*|if\b|else\b|end\b|range\b|with\b|define\b|template\b|block\b|break\b|continue\b)/;

/** Replaces every template expression of the given syntaxes (see above); the result has the text's length and line breaks. */
export function maskTemplate(text: string, syntaxes: TemplateSyntax[], options: { literalBlockScalars?: boolean } = {}): MaskedTemplate {
  const found = findExpressions(text, syntaxes);
  const literal = options.literalBlockScalars && found.length > 0 ? blockScalarLines(text) : undefined;
  const expressions = found.filter((e) => !literal?.has(text.lastIndexOf('\n', e.start - 1) + 1));
  if (expressions.length === 0) return { text, expressions: 0 };
  const chars = text.split('');
  const fill = (e: Expression, mark: string) => {
    for (let i = e.start; i < e.end; i++) if (!/\s/.test(chars[i])) chars[i] = mark;
  };
  // Expressions by line: a line of control tags only is a comment; a lone value expression is a value or a key.
  const byLine = new Map<number, Expression[]>();
  for (const e of expressions) {
    const lineStart = text.lastIndexOf('\n', e.start - 1) + 1;
    const onLine = byLine.get(lineStart);
    if (onLine) onLine.push(e);
    else byLine.set(lineStart, [e]);
  }
  const alone = new Map<number, boolean>();
  const controlOnly = new Set<number>();
  for (const [lineStart, onLine] of byLine) {
    const last = onLine[onLine.length - 1];
    const lineEnd = text.indexOf('\n', last.end) === -1 ? text.length : text.indexOf('\n', last.end);
    let rest = text.slice(lineStart, lineEnd);
    for (const e of [...onLine].reverse()) rest = rest.slice(0, e.start - lineStart) + rest.slice(e.end - lineStart);
    const only = rest.trim() === '' && !onLine.some((e) => text.slice(e.start, e.end).includes('\n'));
    alone.set(lineStart, only);
    if (only && onLine.every((e) => e.control)) controlOnly.add(lineStart);
  }
  for (const [lineStart, onLine] of byLine) {
    if (controlOnly.has(lineStart)) {
      for (const e of onLine) for (let i = e.start; i < e.end; i++) chars[i] = ' ';
      chars[onLine[0].start] = '#';
      continue;
    }
    const values = onLine.filter((e) => !e.control);
    if (alone.get(lineStart) && values.length === 1 && !opensValue(text, lineStart, values[0].start - lineStart, controlOnly)) {
      for (const e of onLine) fill(e, e.control ? ' ' : UNKNOWN_MARK);
      chars[values[0].end - 1] = ':';
      continue;
    }
    for (const e of onLine) fill(e, UNKNOWN_MARK);
  }
  return { text: chars.join(''), expressions: expressions.length };
}

/**
 * Whether the line at `lineStart`, indented by `indent`, is the value of
 * what comes before it: the last meaningful line before it (not blank, not
 * a comment, not a line of control tags) opens a block (`key:`, `key: |`,
 * `- `) less indented than it.
 */
function opensValue(text: string, lineStart: number, indent: number, controlOnly: Set<number>): boolean {
  let end = lineStart - 1;
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end);
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || controlOnly.has(start)) {
      end = start - 1;
      continue;
    }
    const own = line.length - line.trimStart().length;
    return own < indent && /(?::|:\s*[|>][-+0-9]*|^-)\s*$/.test(trimmed);
  }
  return false;
}

/** The start offsets of the lines inside YAML block scalars (`key: |`, `- >-`): deeper indented than the line that opens one. */
function blockScalarLines(text: string): Set<number> {
  const out = new Set<number>();
  let opener: number | undefined;
  let offset = 0;
  for (const line of text.split('\n')) {
    const indent = line.length - line.trimStart().length;
    if (opener !== undefined && (line.trim() === '' || indent > opener)) out.add(offset);
    else if (!line.includes('|') && !line.includes('>')) opener = undefined;
    else opener = /(?:^|[:\-]\s)\s*[|>][-+0-9]*\s*(?:#.*)?$/.test(line.trimEnd()) || /^\s*-?\s*[|>][-+0-9]*\s*$/.test(line) ? indent : undefined;
    offset += line.length + 1;
  }
  return out;
}

/** Where an expression may open; the native search skips the rest of a large file. */
const OPENERS = /\{\{|\{%|\{#|\$\{|%\{/g;

function findExpressions(text: string, syntaxes: TemplateSyntax[]): Expression[] {
  const out: Expression[] = [];
  const goJinja = syntaxes.includes('go-jinja');
  const terraform = syntaxes.includes('terraform');
  const openers = new RegExp(OPENERS.source, 'g');
  for (let m = openers.exec(text); m; m = openers.exec(text)) {
    const i = m.index;
    const two = m[0];
    let end = -1;
    let control = false;
    if (goJinja && two === '{{') {
      end = closing(text, i + 2, '}}');
      control = end > i && GO_CONTROL.test(text.slice(i, end));
    } else if (goJinja && (two === '{%' || two === '{#')) {
      end = closing(text, i + 2, two === '{%' ? '%}' : '#}');
      control = true;
    } else if (terraform && (two === '${' || two === '%{') && text[i - 1] !== two[0]) {
      end = braceEnd(text, i + 2);
      control = two === '%{';
    }
    if (end > i) {
      out.push({ start: i, end, control });
      openers.lastIndex = end;
    } else openers.lastIndex = i + 1;
  }
  return out;
}

/** The offset just after the closing delimiter, or -1 when it is missing. */
function closing(text: string, from: number, delimiter: string): number {
  const at = text.indexOf(delimiter, from);
  return at === -1 ? -1 : at + delimiter.length;
}

/** The end of a Terraform interpolation: braces nest, strings are skipped. */
function braceEnd(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
    else if (c === '\n' && depth === 1 && text.slice(from, i).trim() === '') return -1;
  }
  return -1;
}
