import { UNKNOWN_PART } from '../nix/value';
import type { TextFormat } from './rule';

/**
 * Verbatim config texts that NixOS writes into a daemon's file as they are
 * (`services.openssh.extraConfig`, `security.sudo.extraConfig`,
 * `services.journald.extraConfig`), read as the daemon reads them, so that
 * a rule judges a setting there as it judges the option.
 *
 * A part of the text declint could not evaluate (`${pkgs.foo}`) is the
 * character `UNKNOWN_PART`: a line is judged on what is known of it.
 */

/** One setting read from a config text. */
export interface TextEntry {
  /** The value the rule tests, in the option's own form (`yes` → true, `3` → 3). */
  value: unknown;
  /** The line as written (trimmed, without a trailing comment): shown in messages, and found in the source. */
  line: string;
  /**
   * Whether the daemon uses it whatever the option itself says: sshd keeps the
   * first value it reads and NixOS writes `settings` before `extraConfig`, so
   * only a line inside a `Match` block (or one for a setting the option
   * leaves unset) takes effect; systemd keeps the last value, so extraConfig wins.
   */
  overridesOption: boolean;
  /** The `Match` block a sshd line is in (`Match Address 10.0.0.0/8`). */
  scope?: string;
}

/** The settings of one key (sshd, systemd) or the rules (sudoers) a text holds, each as the rule tests it. */
export function readConfigText(format: TextFormat, text: string, key?: string): TextEntry[] {
  switch (format) {
    case 'sshd':
      return sshdEntries(text, key!);
    case 'systemd':
      return systemdEntries(text, key!);
    case 'sudoers':
      return sudoersEntries(text);
  }
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/\r$/, '').trim());
}

/**
 * A value in the form of the option it stands for: whole numbers as numbers;
 * yes/no as booleans where the option is a boolean (journald's, and the sshd
 * settings NixOS declares `bool`), as written elsewhere (`PermitRootLogin`
 * is the string "yes").
 */
function optionForm(value: string, booleans: boolean): unknown {
  if (booleans && /^(yes|true)$/i.test(value)) return true;
  if (booleans && /^(no|false)$/i.test(value)) return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/**
 * The sshd keywords NixOS writes into sshd_config even when the configuration
 * leaves them unset (`services.openssh.settings` options with a non-null
 * default in sshd.nix, and the lines it always writes): a top-level line for
 * one of them in extraConfig comes second and is ignored.
 */
const SSHD_WRITTEN_WHEN_UNSET = new Set([
  'permitrootlogin', 'passwordauthentication', 'kbdinteractiveauthentication', 'x11forwarding', 'usepam', 'usedns',
  'strictmodes', 'printmotd', 'loglevel', 'ciphers', 'kexalgorithms', 'macs', 'gatewayports',
  'authorizedprincipalsfile', 'authorizedkeysfile',
]);

/** Whether NixOS writes the key itself, before the text, when the configuration does not set it. */
export function writtenWhenUnset(format: TextFormat, key: string | undefined): boolean {
  return format === 'sshd' && key !== undefined && SSHD_WRITTEN_WHEN_UNSET.has(key.toLowerCase());
}

/**
 * The option NixOS renders into the same file for a key of the text, before
 * it: `services.openssh.settings.<Key>` for sshd. A line of the text for
 * that key is shadowed when the option writes it (and stands for it when not).
 */
export function optionOfKey(format: TextFormat, key: string | undefined): string[] | undefined {
  return format === 'sshd' && key !== undefined ? ['services', 'openssh', 'settings', key] : undefined;
}

/** The sshd settings NixOS declares as booleans (rendered yes/no): services.openssh.settings in sshd.nix. */
const SSHD_BOOLEANS = new Set(['passwordauthentication', 'kbdinteractiveauthentication', 'x11forwarding', 'usedns', 'usepam', 'strictmodes', 'printmotd']);

/**
 * sshd_config: `Keyword value` (or `Keyword=value`), keywords case-insensitive,
 * `#` comments; a `Match` line starts a block that lasts until the next
 * `Match` (`Match all` returns to every connection). Outside a block only the
 * first occurrence counts, and NixOS wrote `settings` before it.
 */
function sshdEntries(text: string, key: string): TextEntry[] {
  const out: TextEntry[] = [];
  let scope: string | undefined;
  let seenGlobal = false;
  for (const line of lines(text)) {
    if (line === '' || line.startsWith('#')) continue;
    const setting = line.replace(/\s+#.*$/, '');
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(setting);
    if (!m) continue;
    const [, keyword, rest] = m;
    const value = rest.trim().replace(/^"(.*)"$/, '$1');
    if (/^match$/i.test(keyword)) {
      scope = /^all$/i.test(value) ? undefined : `Match ${value}`;
      continue;
    }
    if (keyword.toLowerCase() !== key.toLowerCase() || value.includes(UNKNOWN_PART)) continue;
    const judged = optionForm(value, SSHD_BOOLEANS.has(key.toLowerCase()));
    if (scope) out.push({ value: judged, line: setting, overridesOption: true, scope });
    else if (!seenGlobal) {
      seenGlobal = true;
      out.push({ value: judged, line: setting, overridesOption: false });
    }
  }
  return out;
}

/** systemd unit-style `Key=Value` lines (journald.conf): the last one wins, over what NixOS wrote before the text. */
function systemdEntries(text: string, key: string): TextEntry[] {
  let last: TextEntry | undefined;
  for (const line of lines(text)) {
    if (line === '' || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue;
    const m = /^([A-Za-z0-9]+)\s*=\s*(.*)$/.exec(line);
    if (!m || m[1] !== key) continue;
    last = m[2].includes(UNKNOWN_PART) ? undefined : { value: optionForm(m[2].trim(), true), line, overridesOption: true };
  }
  return last ? [last] : [];
}

/**
 * sudoers(5) user specifications, each as one `security.sudo.extraRules`
 * entry (`{ commands = [ { command; options; } ]; }`) so the same
 * predicates judge both: `who hosts = (runas) TAG: cmnd, TAG: cmnd`. Tags
 * carry over to the commands after them. `Defaults !authenticate` is every
 * command without a password. A command that is not fully known keeps its
 * unknown parts as U+FFFC; its tags are still read.
 */
function sudoersEntries(text: string): TextEntry[] {
  const out: TextEntry[] = [];
  // A backslash at the end of a line continues it.
  const joined = text.replace(/\\\r?\n/g, ' ');
  for (const written of lines(joined)) {
    // `#` starts a comment, except in `#1000` (a uid) and `#include`.
    if (written === '' || (written.startsWith('#') && !/^#\d/.test(written)) || written.startsWith('#include')) continue;
    const line = written.replace(/\s#(?!\d).*$/, '').trim();
    if (/^Defaults\b/.test(line)) {
      if (/(^|[\s,])!\s*authenticate\b/.test(line.replace(/^Defaults\S*/, ''))) {
        out.push({ value: [{ commands: [{ command: 'ALL', options: ['NOPASSWD'] }] }], line, overridesOption: true });
      }
      continue;
    }
    if (/^(User|Runas|Host|Cmnd|Cmd)_Alias\b/.test(line) || line.startsWith('@')) continue;
    const eq = line.indexOf('=');
    if (eq === -1) continue;
    const commands = sudoCommandList(line.slice(eq + 1));
    if (commands.length > 0) out.push({ value: [{ commands }], line, overridesOption: true });
  }
  return out;
}

const SUDO_TAG = /^(NOPASSWD|PASSWD|NOEXEC|EXEC|SETENV|NOSETENV|LOG_INPUT|NOLOG_INPUT|LOG_OUTPUT|NOLOG_OUTPUT|MAIL|NOMAIL|FOLLOW|NOFOLLOW|INTERCEPT|NOINTERCEPT)$/;

/** The `(runas) TAG: cmnd, …` part after `=`, as commands with the tags in force for each. */
function sudoCommandList(spec: string): { command: string; options: string[] }[] {
  const out: { command: string; options: string[] }[] = [];
  let tags: string[] = [];
  for (const raw of spec.split(',')) {
    let item = raw.trim().replace(/^\([^)]*\)\s*/, '');
    // Leading `TAG:` words; NOPASSWD and PASSWD replace each other.
    for (let m = /^([A-Z_]+)\s*:\s*/.exec(item); m && SUDO_TAG.test(m[1]); m = /^([A-Z_]+)\s*:\s*/.exec(item)) {
      const tag = m[1];
      tags = tags.filter((t) => t !== tag && !(tag === 'PASSWD' && t === 'NOPASSWD') && !(tag === 'NOPASSWD' && t === 'PASSWD'));
      tags.push(tag);
      item = item.slice(m[0].length);
    }
    if (item === '') continue;
    out.push({ command: item, options: [...tags] });
  }
  return out;
}
