/**
 * Release ranges of rules (`since` / `until`): Talos `v1.12`, NixOS `25.11`.
 * Versions are dotted numbers; a bound applies at its own precision
 * (`until: v1.11` includes every v1.11.x).
 */

export type Version = number[];

/** `v1.12.0` / `1.12` / `25.05` / `v1.14.0-rc.1` → numbers; undefined when it is not a version. */
export function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][\w.-]*)?$/.exec(text.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), ...(m[3] !== undefined ? [Number(m[3])] : [])];
}

export function inRange(version: Version, since?: string, until?: string): boolean {
  const lower = since ? parseVersion(since) : undefined;
  const upper = until ? parseVersion(until) : undefined;
  if (lower && compareVersions(version, lower) < 0) return false;
  if (upper && compareVersions(version.slice(0, upper.length), upper) > 0) return false;
  return true;
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
