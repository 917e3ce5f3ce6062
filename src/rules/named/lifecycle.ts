import * as fs from 'fs';
import * as path from 'path';
import { versionFromImage } from '../../talos/version';
import type { NamedPredicate } from '../named-predicates';
import type { PredicateContext } from '../predicates';
import { compareVersions, parseVersion, Version } from '../version-gate';
import { reached } from '../../source/watched-date';
import { PACKAGE_ROOT } from '../../package-root';

/**
 * End of life of Talos and Kubernetes releases (TAL-028), judged against the
 * dated table `rules/data/lifecycle.yaml` and the check's "today". A version
 * the table does not cover is not judged.
 */

interface Lifecycle {
  kubernetes: Record<string, string | null>;
  talos: Record<string, string | null>;
}

export const LIFECYCLE_PATH = path.join(PACKAGE_ROOT, 'rules', 'data', 'lifecycle.yaml');

let lifecycle: Lifecycle | undefined;

function table(): Lifecycle {
  lifecycle ??= (require('yaml') as typeof import('yaml')).parse(fs.readFileSync(LIFECYCLE_PATH, 'utf8')) as Lifecycle;
  return lifecycle;
}

const minorOf = (version: Version) => `${version[0]}.${version[1]}`;
const byVersion = (record: Record<string, string | null>) =>
  Object.entries(record)
    .map(([minor, date]) => ({ version: parseVersion(minor)!, date: date === null ? undefined : Date.parse(date) }))
    .sort((a, b) => compareVersions(a.version, b.version));

/** A version written as a tag of a Talos installer image or on its own (`v1.9.3`, `1.30`). */
function talosVersionOf(value: unknown): Version | undefined {
  if (typeof value !== 'string') return undefined;
  return versionFromImage(value) ?? parseVersion(value);
}

/** A Kubernetes version: a component image's tag (`registry.k8s.io/kube-apiserver:v1.30.4`) or on its own. */
function kubernetesVersionOf(value: unknown): Version | undefined {
  if (typeof value !== 'string') return undefined;
  const tag = /:(v?\d+\.\d+(?:\.\d+)?)(?:@sha256:[0-9a-f]+)?$/.exec(value.trim());
  return parseVersion(tag ? tag[1] : value);
}

/**
 * Whether a Talos minor is out of security support: a minor two or more
 * after it has a known release date on or before today ("security updates
 * are provided for the two latest minor releases", siderolabs/talos RELEASE.md).
 */
export function talosEndOfLife(version: Version, now: Date): boolean | undefined {
  const releases = byVersion(table().talos);
  if (!releases.some((r) => compareVersions(r.version, version.slice(0, 2)) === 0)) {
    return compareVersions(version, releases[0].version) < 0 ? true : undefined;
  }
  const successor = [version[0], version[1] + 2];
  return releases.some((r) => compareVersions(r.version, successor) >= 0 && r.date !== undefined && reached(now, r.date));
}

/** Whether a Kubernetes minor is past its end-of-life date (or older than the table). */
export function kubernetesEndOfLife(version: Version, now: Date): boolean | undefined {
  const eols = byVersion(table().kubernetes);
  const entry = eols.find((r) => compareVersions(r.version, version.slice(0, 2)) === 0);
  if (!entry) return compareVersions(version, eols[0].version) < 0 ? true : undefined;
  return entry.date === undefined ? undefined : reached(now, entry.date);
}

function endOfLife(read: (value: unknown) => Version | undefined, judge: (v: Version, now: Date) => boolean | undefined, product: string): NamedPredicate {
  return {
    description: `a ${product} version past its end of life (rules/data/lifecycle.yaml)`,
    test: (value: unknown, ctx?: PredicateContext) => {
      const version = read(value);
      return version ? judge(version, ctx?.now ?? new Date()) : undefined;
    },
    culprit: (value: unknown) => {
      const version = read(value);
      return version ? `${product} ${minorOf(version)}` : undefined;
    },
  };
}

export const LIFECYCLE_PREDICATES: Record<string, NamedPredicate> = {
  endOfLifeTalos: endOfLife(talosVersionOf, talosEndOfLife, 'Talos'),
  endOfLifeKubernetes: endOfLife(kubernetesVersionOf, kubernetesEndOfLife, 'Kubernetes'),
};
