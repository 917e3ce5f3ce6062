import { parseArgs } from 'util';
import { UsageError } from '../source/errors';

/**
 * One option of a command, as its table declares it: the parser, the
 * command's `--help`, "did you mean" and shell completion all read the table,
 * so adding a flag to a command is adding one entry to its table.
 */
export interface OptionSpec {
  name: string;
  short?: string;
  /** A string option takes a value (shown as `<value>` in the help); a boolean one does not. */
  value?: string;
  /** The values a string option accepts (checked by the parser, offered by completion). */
  choices?: readonly string[];
  /** Values completion offers where the parser cannot know them all (a rules directory may declare more frameworks). */
  offers?: readonly string[];
  /** May be given several times. */
  multiple?: boolean;
  help: string;
}

export interface CommandSpec {
  name: string;
  /** After `declint <name>`: the positional arguments, e.g. `[paths...]`. */
  args: string;
  summary: string;
  options: OptionSpec[];
  /** What the positional arguments complete to. */
  complete?: 'files' | 'none' | readonly string[];
}

/** Options every command takes. */
export const COMMON_OPTIONS: OptionSpec[] = [
  { name: 'color', help: 'colour the output even when it is not a terminal' },
  { name: 'no-color', help: 'never colour the output (also NO_COLOR=1)' },
  { name: 'help', short: 'h', help: 'show this help' },
];

export type Values = Record<string, string | boolean | string[] | undefined>;
export interface Parsed {
  values: Values;
  positionals: string[];
  /** The options in command-line order (`--format a -o x --format b`). */
  tokens: { name: string; value?: string }[];
}

/** Parses a command's arguments against its table; every mistake is a one-line usage error. */
export function parseCommand(command: CommandSpec, args: string[]): Parsed {
  const table = [...command.options, ...COMMON_OPTIONS];
  const config = Object.fromEntries(
    table.map((o) => [o.name, { type: o.value ? ('string' as const) : ('boolean' as const), ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]),
  );
  // A lenient pass first, to say what is wrong in our own words (and suggest a name) rather than in Node's.
  const loose = parseArgs({ args, options: config, strict: false, allowPositionals: true, tokens: true });
  for (const token of loose.tokens ?? []) {
    if (token.kind !== 'option') continue;
    const spec = table.find((o) => o.name === token.name);
    if (!spec) throw new UsageError(`unknown option ${token.rawName} for declint ${command.name}${suggest(token.name, table.map((o) => o.name), '--')} (see: declint ${command.name} --help)`);
    if (spec.value && token.value === undefined) throw new UsageError(`${token.rawName} needs a value: ${optionLabel(spec)}`);
    if (!spec.value && token.inlineValue) throw new UsageError(`${token.rawName} takes no value`);
    if (spec.choices && token.value !== undefined && !spec.choices.includes(token.value)) {
      throw new UsageError(`${token.rawName} must be one of ${spec.choices.join(', ')} (got "${token.value}")${suggest(token.value, spec.choices)}`);
    }
  }
  const parsed = parseArgs({ args, options: config, strict: true, allowPositionals: true, tokens: true });
  return {
    values: parsed.values as Values,
    positionals: parsed.positionals,
    tokens: (parsed.tokens ?? []).flatMap((t) => (t.kind === 'option' ? [{ name: t.name, ...(t.value !== undefined ? { value: t.value } : {}) }] : [])),
  };
}

/** `; did you mean --output?` when a known name is close to the one given, else nothing. */
export function suggest(given: string, known: readonly string[], prefix = ''): string {
  const scored = known.map((k) => ({ k, d: distance(given.toLowerCase(), k.toLowerCase()) })).sort((a, b) => a.d - b.d);
  const best = scored[0];
  if (!best) return '';
  const close = best.d <= Math.max(1, Math.floor(given.length / 3)) || (given.length >= 3 && best.k.startsWith(given));
  return close ? `; did you mean ${prefix}${best.k}?` : '';
}

/** Levenshtein distance, with a transposition counted as one edit. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

function optionLabel(o: OptionSpec): string {
  const value = o.value ? ` <${o.choices ? o.choices.join('|') : o.value}>` : '';
  return `${o.short ? `-${o.short}, ` : '    '}--${o.name}${value}`;
}

/** `declint <command> --help`: its usage, what it does, and its options from its table. */
export function commandHelp(command: CommandSpec): string {
  const rows = [...command.options, ...COMMON_OPTIONS].map((o) => [optionLabel(o), `${o.help}${o.multiple ? ' (repeatable)' : ''}`]);
  const width = Math.min(40, Math.max(...rows.map(([l]) => l.length)) + 2);
  const lines = rows.map(([label, help]) => (label.length + 2 > width ? `  ${label}\n  ${' '.repeat(width)}${help}` : `  ${label.padEnd(width)}${help}`));
  return `Usage: declint ${command.name}${command.args ? ` ${command.args}` : ''} [options]\n\n${command.summary}\n\nOptions:\n${lines.join('\n')}\n`;
}

/** The shell completion script for bash, zsh or fish, from the command tables. */
export function completionScript(shell: 'bash' | 'zsh' | 'fish', commands: CommandSpec[]): string {
  const flags = (c: CommandSpec) => [...c.options, ...COMMON_OPTIONS].flatMap((o) => [`--${o.name}`, ...(o.short ? [`-${o.short}`] : [])]);
  const names = commands.map((c) => c.name);
  if (shell === 'fish') {
    const lines = ['# declint completion for fish: declint completion fish > ~/.config/fish/completions/declint.fish', 'complete -c declint -f'];
    for (const c of commands) lines.push(`complete -c declint -n __fish_use_subcommand -a ${c.name} -d ${quote(c.summary.split('.')[0])}`);
    for (const c of commands) {
      for (const o of [...c.options, ...COMMON_OPTIONS]) {
        const offered = o.choices ?? o.offers;
        const choices = offered ? ` -x -a ${quote(offered.join(' '))}` : o.value ? ' -r -F' : '';
        lines.push(`complete -c declint -n '__fish_seen_subcommand_from ${c.name}' -l ${o.name}${o.short ? ` -s ${o.short}` : ''}${choices} -d ${quote(o.help)}`);
      }
      if (Array.isArray(c.complete)) lines.push(`complete -c declint -n '__fish_seen_subcommand_from ${c.name}' -a ${quote(c.complete.join(' '))}`);
      else if (c.complete !== 'none') lines.push(`complete -c declint -n '__fish_seen_subcommand_from ${c.name}' -F`);
    }
    return `${lines.join('\n')}\n`;
  }
  const cases = commands
    .map((c) => {
      const values = [...c.options, ...COMMON_OPTIONS]
        .filter((o) => o.choices ?? o.offers)
        .map((o) => `        ${[`--${o.name}`, ...(o.short ? [`-${o.short}`] : [])].join('|')}) COMPREPLY=( $(compgen -W ${quote((o.choices ?? o.offers)!.join(' '))} -- "$cur") ); return ;;`);
      const words = Array.isArray(c.complete) ? ` ${c.complete.join(' ')}` : '';
      const files = c.complete === 'none' || Array.isArray(c.complete) ? '' : ' -f';
      return [`    ${c.name})`, '      case "$prev" in', ...values, '      esac', `      COMPREPLY=( $(compgen${files} -W ${quote(`${flags(c).join(' ')}${words}`)} -- "$cur") ) ;;`].join('\n');
    })
    .join('\n');
  const bash = [
    '_declint() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
    '  if [ "$COMP_CWORD" -eq 1 ]; then',
    `    COMPREPLY=( $(compgen -W ${quote(`${names.join(' ')} --help --version`)} -- "$cur") ); return`,
    '  fi',
    '  case "${COMP_WORDS[1]}" in',
    cases,
    '  esac',
    '}',
    'complete -o default -F _declint declint',
  ].join('\n');
  if (shell === 'bash') return `# declint completion for bash: eval "$(declint completion bash)" in ~/.bashrc\n${bash}\n`;
  return `#compdef declint\n# declint completion for zsh: eval "$(declint completion zsh)" in ~/.zshrc (after compinit)\nautoload -U +X bashcompinit && bashcompinit\n${bash}\n`;
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
