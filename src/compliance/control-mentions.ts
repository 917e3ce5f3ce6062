import type { Framework } from '../controls/registry';
import { compareText } from '../source/compare-text';

/**
 * Control IDs written by people, in comments (`# ISO 27001 A.12.4.1 - Event
 * Logging`, `# NIS2 Art.21(2)(d)`) and commit messages: found, normalised to
 * the registry's spelling, and checked against it.
 */
export interface ControlMention {
  framework: string;
  /** Normalised: `A.8.15`, `21(2)(d)`, `CC6.1`, `R33`, `5.1.20`. */
  id: string;
  /** Offset of the mention (its framework name) in the text searched. */
  offset: number;
  /** The text as written, from the framework name to the last ID. */
  written: string;
}

/**
 * - `valid`: the ID exists in the framework (as the registry lists it);
 * - `superseded`: ISO/IEC 27001:2013 numbering, with its 2022 equivalent in `replacement`;
 * - `unknown`: the framework has no such control;
 * - `unverified`: outside what declint's registry lists for a framework it holds only in part.
 */
export type MentionStatus = 'valid' | 'superseded' | 'unknown' | 'unverified';

export interface CheckedMention extends ControlMention {
  status: MentionStatus;
  replacement?: string[];
}

interface Pattern {
  framework: string;
  /** The framework's name as people write it, with an optional version. */
  prefix: RegExp;
  /** One control ID, matched right after the prefix or a separator. */
  id: RegExp;
  normalise(id: string): string;
}

// Dashes and § as escapes: the bundle stays ASCII (scripts/bundle.js).
const FILLER = /[\s:,\-\u2013\u2014]*(?:Annex\s+A\b[\s:,\-\u2013\u2014]*)?(?:(?:controls?|Art(?:icle)?s?\.?|\u00a7)\s*)?/iy;
const SEPARATOR = /\s*(?:,|;|\/|&|\band\b)\s*(?:(?:Art(?:icle)?\.?|\u00a7)\s*)?/iy;

const PATTERNS: Pattern[] = [
  {
    framework: 'iso27001',
    prefix: /\bISO(?:\s*\/\s*IEC)?[\s-]*27001(?:\s*:\s*(?:2013|2022))?/gi,
    id: /(?:A\s*\.?\s*)?\d{1,2}(?:\.\d{1,2}){1,2}\b/iy,
    normalise: (id) => `A.${id.replace(/^A\s*\.?\s*/i, '')}`,
  },
  {
    framework: 'nis2',
    prefix: /\bNIS[\s-]?2\b/gi,
    id: /\d{1,2}(?:\s*\(\s*(?:\d{1,2}|[a-z])\s*\))*/iy,
    normalise: (id) => id.replace(/\s+/g, '').toLowerCase(),
  },
  {
    framework: 'soc2',
    prefix: /\bSOC[\s-]?2\b/gi,
    id: /(?:CC|A|C|PI|P)\d{1,2}\.\d{1,2}\b/iy,
    normalise: (id) => id.toUpperCase(),
  },
  {
    framework: 'dora',
    prefix: /\bDORA\b/g,
    id: /\d{1,2}(?:\s*\(\s*(?:\d{1,2}|[a-z])\s*\))*/iy,
    normalise: (id) => id.replace(/\s+/g, '').toLowerCase(),
  },
  {
    framework: 'anssi',
    prefix: /\b(?:ANSSI(?:[\s-]*BP[\s-]?028)?|BP[\s-]?028)\b/gi,
    id: /R\d{1,3}\b/iy,
    normalise: (id) => id.toUpperCase(),
  },
  {
    framework: 'cis',
    prefix: /\bCIS\b/g,
    id: /\d{1,2}(?:\.\d{1,2}){1,3}\b/y,
    normalise: (id) => id,
  },
];

/** Every control ID the text names after a framework name; several may follow one name (`A.8.15, A.8.16`). */
export function findControlMentions(text: string): ControlMention[] {
  const out: ControlMention[] = [];
  for (const pattern of PATTERNS) {
    pattern.prefix.lastIndex = 0;
    for (let m = pattern.prefix.exec(text); m; m = pattern.prefix.exec(text)) {
      let at = stickyEnd(FILLER, text, m.index + m[0].length);
      for (;;) {
        pattern.id.lastIndex = at;
        const id = pattern.id.exec(text);
        if (!id) break;
        const end = at + id[0].length;
        out.push({ framework: pattern.framework, id: pattern.normalise(id[0]), offset: m.index, written: text.slice(m.index, end).trim() });
        const next = stickyEnd(SEPARATOR, text, end);
        if (next === end) break;
        at = next;
      }
    }
  }
  return out.sort((a, b) => a.offset - b.offset || compareText(a.framework, b.framework));
}

function stickyEnd(re: RegExp, text: string, at: number): number {
  re.lastIndex = at;
  const m = re.exec(text);
  return m ? at + m[0].length : at;
}

/** The registry and the ISO/IEC 27001:2013 → 2022 correspondence, to check mentions against. */
export interface ControlIndex {
  frameworks: Framework[];
  iso2013: Record<string, string[]>;
}

export function checkMention(mention: ControlMention, index: ControlIndex): CheckedMention {
  const framework = index.frameworks.find((f) => f.key === mention.framework);
  const known = framework?.controls.some((c) => c.id === mention.id) ?? false;
  if (known) return { ...mention, status: 'valid' };
  if (mention.framework === 'iso27001' && mention.id.split('.').length === 4) {
    const replacement = index.iso2013[mention.id];
    return replacement ? { ...mention, status: 'superseded', replacement } : { ...mention, status: 'unknown' };
  }
  if (!framework || !framework.complete) return { ...mention, status: 'unverified' };
  // A framework held in full may still be held only for some of its parts (NIS2: Article 21(2); SOC 2: the CC series).
  return framework.scope && !new RegExp(framework.scope).test(mention.id) ? { ...mention, status: 'unverified' } : { ...mention, status: 'unknown' };
}
