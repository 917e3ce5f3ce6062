/**
 * Positions everywhere: 1-based line, 1-based column counted in UTF-16 code
 * units (what JS strings, tree-sitter's node binding, SARIF's default
 * `columnKind` and LSP all use), plus the 0-based UTF-16 offset.
 */
export interface Position {
  line: number;
  column: number;
  offset: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A stretch of one file's text as UTF-16 offsets: what models keep until a finding needs lines. */
export interface Span {
  start: number;
  end: number;
}

/**
 * Maps string offsets to line/column in one text; the line table is built on
 * first use. A line ends at LF, CRLF or a lone CR, as LSP and editors count.
 */
export class LineIndex {
  private starts: number[] | undefined;

  constructor(readonly text: string) {}

  private get lineStarts(): number[] {
    if (!this.starts) {
      const starts = [0];
      const text = this.text;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
      }
      this.starts = starts;
    }
    return this.starts;
  }

  rangeOf(span: Span): Range {
    return this.range(span.start, span.end);
  }

  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: clamped - this.lineStarts[lo] + 1, offset: clamped };
  }

  range(startOffset: number, endOffset: number): Range {
    return { start: this.position(startOffset), end: this.position(endOffset) };
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }
}
