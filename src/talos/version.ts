/**
 * Talos versions, for rules the catalog gates by release (`since: v1.13`,
 * `until: v1.11`). A config says its version through the installer image tag
 * (`ghcr.io/siderolabs/installer:v1.9.6`,
 * `factory.talos.dev/installer/<schematic>:v1.12.0`) or talhelper's
 * `talosVersion`.
 */

import { parseVersion, Version } from '../rules/version-gate';

export { compareVersions, inRange, parseVersion } from '../rules/version-gate';
export type { Version } from '../rules/version-gate';

/** The version in an installer image's tag, when it is a Talos installer image. */
export function versionFromImage(image: unknown): Version | undefined {
  if (typeof image !== 'string') return undefined;
  // installer, installer-secureboot, and the Image Factory's platform installers (metal-installer, nocloud-installer…).
  const m = /\/(?:[a-z0-9]+-)?installer(?:-secureboot)?(?:\/[0-9a-f]+)?:(v?\d+\.\d+(?:\.\d+)?(?:-[\w.]+)?)(?:@sha256:[0-9a-f]+)?$/.exec(image.trim());
  return m ? parseVersion(m[1]) : undefined;
}

export function formatVersion(version: Version): string {
  return `v${version.join('.')}`;
}
