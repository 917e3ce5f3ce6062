/**
 * Talos versions, for rules the catalog gates by release (`since: v1.13`,
 * `until: v1.11`). A config says its version through the installer image tag
 * (`ghcr.io/siderolabs/installer:v1.9.6`,
 * `factory.talos.dev/installer/<schematic>:v1.12.0`) or talhelper's
 * `talosVersion`.
 */

export type Version = number[];

/** `v1.12.0` / `1.12` / `v1.14.0-rc.1` → `[1, 12, 0]`; undefined when it is not a version. */
export function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][\w.-]*)?$/.exec(text.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), ...(m[3] !== undefined ? [Number(m[3])] : [])];
}

/** The version in an installer image's tag, when it is a Talos installer image. */
export function versionFromImage(image: unknown): Version | undefined {
  if (typeof image !== 'string') return undefined;
  const m = /\/installer(?:-secureboot)?(?:\/[0-9a-f]+)?:(v?\d+\.\d+(?:\.\d+)?(?:-[\w.]+)?)(?:@sha256:[0-9a-f]+)?$/.exec(image.trim());
  return m ? parseVersion(m[1]) : undefined;
}

/**
 * Whether a version lies in a rule's range. A bound applies at its own
 * precision: `until: v1.11` includes every v1.11.x, `since: v1.13` starts at v1.13.0.
 */
export function inRange(version: Version, since?: string, until?: string): boolean {
  const lower = since ? parseVersion(since) : undefined;
  const upper = until ? parseVersion(until) : undefined;
  if (lower && compare(version, lower) < 0) return false;
  if (upper && compare(version.slice(0, upper.length), upper) > 0) return false;
  return true;
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function formatVersion(version: Version): string {
  return `v${version.join('.')}`;
}
