import { isSecretPath, redacted, scrubSecrets } from '../redaction/secrets';
import { Contribution, Effective, Host, opaqueExternalModules } from '../nix/host';
import { nixosOption } from '../nix/nixos-options';
import { formatOptionPath } from '../nix/option-path';
import { describePlain, Plain, toPlain, unknownPart } from '../nix/value';
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
  /** The value as JSON when known (or, when absent, the default a module of the host declares, else NixOS's); otherwise null. */
  value: Plain | null;
  /** Where an absent option's default comes from: a module of the host (`mkOption { default }`), or NixOS (the option table). */
  defaultFrom?: 'module' | 'nixos';
  /** The option's type in NixOS, where declint's option table has it (`listOf str`, `lines`). */
  type?: string;
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

const SECRET_WHY = 'not shown: the option holds a secret';

export function explainOption(host: Host, optionPath: string[], lines: (file: string) => LineIndex): OptionExplanation {
  // Secrets in the value (a password option, a key inside a set) are replaced before anything shows it.
  const shown = (value: Plain | undefined): Plain | null => (value === undefined ? null : (redacted(value, optionPath, 'nixos') as Plain));
  const effective: Effective = host.effective(optionPath);
  const type = nixosOption(optionPath)?.type;
  const base = { host: host.name, option: formatOptionPath(optionPath), ...(type ? { type } : {}) };
  if (effective.kind === 'absent') {
    // Not set in the modules read: unknown where a module declint cannot read may set it (a flake input, an installer profile).
    const unread = opaqueExternalModules(host);
    if (unread.length > 0) return { ...base, status: 'unknown', value: null, why: `not set in the modules declint read; unread modules (${unread.join(', ')}) may set it`, definitions: [] };
    const declared = effective.declaredDefault ? toPlain(effective.declaredDefault) : undefined;
    if (declared !== undefined) return { ...base, status: 'absent', value: shown(declared), defaultFrom: 'module', definitions: [] };
    const nixos = effective.nixosDefault ? toPlain(effective.nixosDefault) : undefined;
    if (nixos !== undefined) return { ...base, status: 'absent', value: shown(nixos), defaultFrom: 'nixos', definitions: [] };
    return { ...base, status: 'absent', value: null, definitions: [] };
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
  const secret = isSecretPath(optionPath, 'nixos');
  if (effective.kind === 'unknown') return { ...base, status: 'unknown', value: null, why: secret ? SECRET_WHY : scrubSecrets(effective.why), definitions };
  // A list or set with a part declint cannot fold is not known as a whole (a rule does not judge it either).
  if (effective.plain === undefined) {
    const why = secret ? SECRET_WHY : scrubSecrets(`part of the value is not known: ${unknownPart(effective.value)?.why ?? 'not folded'}`);
    return { ...base, status: 'unknown', value: null, why, definitions };
  }
  return { ...base, status: 'known', value: shown(effective.plain), definitions };
}

export function formatExplanation(e: OptionExplanation): string {
  const shownDefault = e.value !== null ? ` (${e.defaultFrom === 'nixos' ? 'NixOS default' : 'declared default'} ${describePlain(e.value)})` : '';
  const value = e.status === 'known' ? describePlain(e.value as Plain) : e.status === 'absent' ? `not set${shownDefault}` : `unknown: ${e.why}`;
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
