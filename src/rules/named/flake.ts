import { isRecord } from '../../source/records';
import type { NamedPredicate } from '../named-predicates';

/** Predicates on what a flake.nix declares: its inputs, its `nixConfig` settings, and how its lock agrees. */

type Obj = Record<string, unknown>;

/** The URL scheme of a flake reference (`git+http://…` → `git+http`, `github:…` → `github`). */
function scheme(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(url.trim());
  return m ? m[1].toLowerCase() : '';
}

/** Schemes that move content in clear: plain HTTP in any fetcher, and the git protocol. */
export function insecureFlakeUrl(url: string): boolean {
  const s = scheme(url);
  return s === 'http' || s.endsWith('+http') || s === 'git' || (s.startsWith('git+') && s.slice(4) === 'git');
}

/** A tarball/file input (by scheme or archive suffix) whose URL names no revision and that carries no `narHash`. */
function unpinnedTarball(input: Obj): boolean | undefined {
  const url = typeof input.url === 'string' ? input.url : undefined;
  const type = typeof input.type === 'string' ? input.type : undefined;
  if (!url) return undefined;
  const s = scheme(url);
  const archive = /\.(tar(\.(gz|xz|bz2|zst))?|tgz|zip)(\?.*)?$/i.test(url);
  const tarball = type === 'tarball' || type === 'file' || s.startsWith('tarball+') || s.startsWith('file+') || ((s === 'https' || s === 'http') && archive);
  if (!tarball) return false;
  if (typeof input.narHash === 'string') return false;
  // A URL that names a commit (40 hex digits) or a release tag/version is fixed content.
  return !/[0-9a-f]{40}/i.test(url) && !/\/(v?\d+\.\d+(\.\d+)?)[./-]/.test(url) && !/refs\/tags\//.test(url);
}

const SUBSTITUTER_SETTINGS = new Set(['substituters', 'extra-substituters', 'trusted-substituters', 'extra-trusted-substituters']);
const KEY_SETTINGS = new Set(['trusted-public-keys', 'extra-trusted-public-keys']);

function setting(value: unknown): { name: string; items: string[] } | undefined {
  if (!isRecord(value) || typeof value.name !== 'string') return undefined;
  const v = value.value;
  const items = typeof v === 'string' ? v.split(/\s+/).filter(Boolean) : Array.isArray(v) && v.every((i) => typeof i === 'string') ? (v as string[]) : undefined;
  return { name: value.name, items: items ?? [] };
}

/** A test on one `nixConfig` setting: whether it is one of `names` and its items pass `test`. */
function settingTest(names: Set<string>, test: (items: string[]) => boolean): (value: unknown) => boolean | undefined {
  return (value) => {
    const s = setting(value);
    return s ? names.has(s.name) && test(s.items) : undefined;
  };
}

export const FLAKE_PREDICATES: Record<string, NamedPredicate> = {
  flakeInputInsecureUrl: {
    description: 'a flake input whose URL uses plain HTTP (`http://`, `git+http://`, `tarball+http://`) or the git protocol',
    test: (value) => (isRecord(value) ? typeof value.url === 'string' && insecureFlakeUrl(value.url) : undefined),
  },
  flakeInputUnpinnedTarball: {
    description: 'a tarball or file input whose URL names no revision or release and that has no `narHash`: each lock update takes whatever the URL serves',
    test: (value) => (isRecord(value) ? unpinnedTarball(value) : undefined),
  },
  nixConfigHttpSubstituter: {
    description: 'a `nixConfig` substituter reached over plain `http://`',
    test: settingTest(SUBSTITUTER_SETTINGS, (items) => items.some((u) => /^http:\/\//i.test(u))),
  },
  nixConfigAddsSubstituters: {
    description: 'a `nixConfig` that adds binary caches (applied for anyone who accepts the flake\'s config)',
    test: settingTest(SUBSTITUTER_SETTINGS, (items) => items.length > 0),
  },
  nixConfigAddsTrustedKeys: {
    description: 'a `nixConfig` that adds trusted signing keys (each one a supplier able to ship code that runs as root)',
    test: settingTest(KEY_SETTINGS, (items) => items.length > 0),
  },
  nixConfigWeakensVerification: {
    description: 'a `nixConfig` that turns off signature checking (`require-sigs = false`) or the build sandbox (`sandbox = false` / `"relaxed"`)',
    test: (value) => {
      if (!isRecord(value) || typeof value.name !== 'string') return undefined;
      const v = value.value;
      if (value.name === 'require-sigs') return v === false || v === 'false';
      if (value.name === 'sandbox') return v === false || v === 'false' || v === 'relaxed';
      return false;
    },
  },
  inputNotLocked: {
    description: 'an input flake.nix declares (or its outputs take) that flake.lock does not lock',
    test: (value) => (isRecord(value) && typeof value.declared === 'boolean' ? value.declared && value.locked === false : undefined),
  },
  lockedInputNotDeclared: {
    description: 'an input flake.lock locks that flake.nix no longer declares',
    test: (value) => (isRecord(value) && typeof value.declared === 'boolean' ? !value.declared && value.locked === true : undefined),
  },
};
