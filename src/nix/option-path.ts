/** `boot.kernel.sysctl."net.ipv4.ip_forward"` ⇄ `['boot', 'kernel', 'sysctl', 'net.ipv4.ip_forward']`. */
export function parseOptionPath(text: string): string[] {
  const segments: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|([^."]+)/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    segments.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]);
  }
  return segments;
}

/** What joins an option path's names into one key (no name holds it). */
export const OPTION_KEY_SEPARATOR = '\u0000';

/** An option path as one string, for maps and sets keyed by option. */
export function optionKey(path: readonly string[]): string {
  return path.join(OPTION_KEY_SEPARATOR);
}

const PLAIN_SEGMENT = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

export function formatOptionPath(path: readonly string[]): string {
  return path.map((s) => (PLAIN_SEGMENT.test(s) ? s : JSON.stringify(s))).join('.');
}

const SYSCTL = ['boot', 'kernel', 'sysctl'];

/**
 * The option path as NixOS reads it: under `boot.kernel.sysctl` nested names
 * are one sysctl key joined with `.` (`boot.kernel.sysctl.kernel.kptr_restrict`
 * is `boot.kernel.sysctl."kernel.kptr_restrict"`).
 */
export function canonicalOptionPath(path: string[]): string[] {
  if (path.length <= SYSCTL.length + 1 || !underSysctl(path)) return path;
  return [...SYSCTL, path.slice(SYSCTL.length).join('.')];
}

/** Whether the path is `boot.kernel.sysctl` or below it, where names below are joined into one key. */
export function underSysctl(path: readonly string[]): boolean {
  return SYSCTL.every((s, i) => path[i] === s);
}

/** Whether a concrete option path matches a pattern whose `*` segments match any one name (`users.users.*.password`). */
export function matchesPattern(pattern: readonly string[], path: readonly string[]): boolean {
  return pattern.length === path.length && pattern.every((s, i) => s === '*' || s === path[i]);
}

export function hasWildcard(pattern: readonly string[]): boolean {
  return pattern.includes('*');
}

export function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}
