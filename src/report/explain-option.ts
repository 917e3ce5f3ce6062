import { isSecretPath, redacted, scrubSecrets } from '../redaction/secrets';
import type { Contribution, Effective, Host } from '../nix/host';
import { formatOptionPath } from '../nix/option-path';
import { describePlain, Plain, toPlain } from '../nix/value';
import type { LineIndex } from '../source/position';

/**
 * The documented shape of `declint explain-option --json`: the effective
 * value of one option on one host and every definition that contributed.
 */
export interface OptionExplanation {
  host: string;
  option: string;
  /** `known`: folded to a value; `unknown`: not decidable statically (see `why`); `absent`: no module sets it. */
  status: 'known' | 'unknown' | 'absent';
  /** The value as JSON when known (or the default a user module declares, when absent); otherwise null. */
  value: Plain | null;
  why?: string;
  definitions: {
    file: string;
    line: number;
    column: number;
    endLine: number;
    endColumn: number;
    /** The option path as written, when it is an old name forwarded to this one. */
    writtenAs?: string;
    priority: number;
    order: number;
    /** `won`: part of the value; `overridden`: lost on priority; `inactive`: under a false mkIf; `undecided`: under an mkIf declint cannot decide. */
    status: Contribution['status'];
    conditions: { text: string; value: boolean | null }[];
    value: Plain | null;
  }[];
}

export function explainOption(host: Host, optionPath: string[], lines: (file: string) => LineIndex): OptionExplanation {
  // Secrets in the value (a password option, a key inside a set) are replaced before anything shows it.
  const shown = (value: Plain | undefined): Plain | null => (value === undefined ? null : (redacted(value, optionPath, 'nixos') as Plain));
  const effective: Effective = host.effective(optionPath);
  const base = { host: host.name, option: formatOptionPath(optionPath) };
  if (effective.kind === 'absent') {
    const declared = effective.declaredDefault ? toPlain(effective.declaredDefault) : undefined;
    return { ...base, status: 'absent', value: declared === undefined ? null : shown(declared), definitions: [] };
  }
  const definitions = effective.contributions.map((c) => {
    const d = c.definition;
    const range = lines(d.file).rangeOf(d.def.binding);
    const conditions = d.def.conditions.map((cond) => {
      const v = cond.value;
      return { text: cond.text, value: v.kind === 'bool' ? v.value : null };
    });
    return {
      file: d.file,
      line: range.start.line,
      column: range.start.column,
      endLine: range.end.line,
      endColumn: range.end.column,
      ...(d.writtenPath ? { writtenAs: formatOptionPath(d.writtenPath) } : {}),
      priority: d.def.priority,
      order: d.def.order,
      status: c.status,
      conditions,
      value: shown(toPlain(d.def.value)),
    };
  });
  // Why a secret option is not known would quote its expression: not said.
  const why = isSecretPath(optionPath, 'nixos') ? 'not shown: the option holds a secret' : scrubSecrets(effective.kind === 'unknown' ? effective.why : '');
  if (effective.kind === 'unknown') return { ...base, status: 'unknown', value: null, why, definitions };
  return { ...base, status: 'known', value: shown(effective.plain), definitions };
}

export function formatExplanation(e: OptionExplanation): string {
  const value = e.status === 'known' ? describePlain(e.value as Plain) : e.status === 'absent' ? `not set${e.value !== null ? ` (declared default ${describePlain(e.value)})` : ''}` : `unknown: ${e.why}`;
  const lines = [`${e.host}: ${e.option} = ${value}`];
  for (const d of e.definitions) {
    const when = d.conditions.length ? `  when ${d.conditions.map((c) => `${c.text} (${c.value === null ? 'undecided' : c.value})`).join(' and ')}` : '';
    const shown = d.value === null ? 'unknown' : describePlain(d.value);
    const alias = d.writtenAs ? `  as ${d.writtenAs}` : '';
    lines.push(`  ${d.status.padEnd(10)}  ${d.file}:${d.line}:${d.column}  priority ${d.priority}  = ${shown}${alias}${when}`);
  }
  if (e.definitions.length === 0) lines.push('  no module in this host defines it');
  return `${lines.join('\n')}\n`;
}
