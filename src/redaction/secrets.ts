/**
 * Where a secret may appear in what declint prints, and how it is hidden:
 * the one place every output (check in all formats, report, hosts,
 * explain-option, the language server) takes its values through.
 *
 * A value is secret by where it is written (a Talos key, a NixOS password
 * option, any setting named like a password or token) or by what it is (a
 * PEM private key, a token whose prefix names its issuer). Only strings are
 * secrets: `wheelNeedsPassword = false` stays visible.
 */

export const REDACTED = '<redacted>';

/** What kind of configuration a value path belongs to. */
export type ValueTarget = 'talos' | 'nixos' | 'flake' | 'flake-lock';

/**
 * Talos paths that hold keys, tokens and encryption secrets (the paths TAL-015
 * reports, whatever the document kind: v1alpha1, secrets bundles, and the
 * typed documents of v1.12+). `*` stands for any one name or list index.
 */
const TALOS_SECRET_PATHS = [
  'machine.token', 'machine.ca.key', 'machine.registries.config.*.auth.password', 'machine.registries.config.*.auth.auth',
  'machine.registries.config.*.auth.identityToken', 'cluster.secret', 'cluster.token', 'cluster.ca.key', 'cluster.aggregatorCA.key',
  'cluster.serviceAccount.key', 'cluster.etcd.ca.key', 'cluster.secretboxEncryptionSecret', 'cluster.aescbcEncryptionSecret',
  'machine.network.interfaces.*.wireguard.privateKey', 'machine.systemDiskEncryption.*.keys.*.static.passphrase',
  'secrets.bootstraptoken', 'secrets.secretboxencryptionsecret', 'secrets.aescbcencryptionsecret', 'trustdinfo.token', 'certs.*.key',
  'password', 'auth', 'identityToken', 'privateKey', 'encryption.keys.*.static.passphrase', 'issuingCA.key', 'issuer.privateKey',
  'config.resources.*.providers.*.*.keys.*.secret', 'clusterSecret',
].map((p) => p.split('.'));

/** NixOS options that hold secrets whatever their name says. */
const NIXOS_SECRET_OPTIONS = ['users.users.*.hashedPassword', 'users.users.*.initialHashedPassword', 'networking.wireless.networks.*.psk', 'networking.wireless.networks.*.auth'].map((p) => p.split('.'));

/** A setting named for a secret: `password`, `adminPassword`, `api_token`, `access-tokens`, `privateKey`, `psk`, `clientSecret`, `secret_key` (not `passwordFile`). */
const SECRET_NAME = /(?:^|[^a-z])pass$|pass(?:word|wd|phrase)s?$|secret(?:[_-]?key)?s?$|tokens?$|^psk$|private[_-]?keys?$|api[_-]?keys?$|credentials?$/i;

/** The path names a secret (the value there, if a string, is one). */
export function isSecretPath(path: readonly string[], target: ValueTarget): boolean {
  if (path.length === 0) return false;
  if (SECRET_NAME.test(path[path.length - 1])) return true;
  const patterns = target === 'talos' ? TALOS_SECRET_PATHS : target === 'nixos' ? NIXOS_SECRET_OPTIONS : [];
  return patterns.some((p) => p.length === path.length && p.every((segment, i) => segment === '*' || segment === path[i]));
}

/**
 * The value with every secret in it replaced by `<redacted>`: strings at a
 * secret path (at `path` or below it) and strings that look like secrets.
 * Within a node budget: beyond it, what is left is replaced too.
 */
export function redacted(value: unknown, path: readonly string[], target: ValueTarget): unknown {
  let budget = 10_000;
  const walk = (v: unknown, at: readonly string[], depth: number): unknown => {
    if (--budget < 0 || depth > 64) return REDACTED;
    if (typeof v === 'string') return isSecretPath(at, target) ? REDACTED : scrubSecrets(v);
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...at, String(i)], depth + 1));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = walk(item, [...at, k], depth + 1);
      return out;
    }
    return v;
  };
  return walk(value, path, 0);
}

/** A value as a message shows it (`"no"`, `false`, `[22]`), secrets redacted, at most 80 characters. */
export function shownValue(value: unknown, path: readonly string[], target: ValueTarget): string {
  const shown = redacted(value, path, target);
  if (shown === REDACTED) return REDACTED;
  if (typeof shown === 'string') return JSON.stringify(shown);
  if (shown === null || shown === undefined || typeof shown !== 'object') return String(shown);
  const text = JSON.stringify(shown);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * A PEM private key block with a body, also one cut short (a message that
 * quotes 60 characters of a source line): from the header to the END line
 * or the end of the text.
 */
const PEM_PRIVATE_KEY = /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----(?:[\s\S]*?-----END \1-----|[\s\S]*$)/g;

/**
 * Credentials whose format identifies them (the issuers document these
 * prefixes so that leaked tokens can be found): AWS access key IDs, GitHub,
 * GitLab, Slack, Google API, Stripe live, npm, Hugging Face and Tailscale keys.
 */
export const ACCESS_TOKENS: RegExp[] = [
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/,
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/,
  /\bgithub_pat_[A-Za-z0-9_]{60,}\b/,
  /\bglpat-[A-Za-z0-9_-]{20,}\b/,
  /\bxox[abpors]-[A-Za-z0-9-]{20,}\b/,
  /\bAIza[0-9A-Za-z_-]{35}\b/,
  /\b[rs]k_live_[0-9A-Za-z]{20,}\b/,
  /\bnpm_[A-Za-z0-9]{36}\b/,
  /\bhf_[A-Za-z]{34}\b/,
  /\btskey-(?:auth|client|api)-[A-Za-z0-9]{6,}-[A-Za-z0-9]{16,}\b/,
];

/** Every token pattern in one, so that a text is searched once. */
const ANY_ACCESS_TOKEN = new RegExp(ACCESS_TOKENS.map((pattern) => pattern.source).join('|'), 'g');

/** No secret this module recognises is shorter (an AWS key ID is 20 characters). */
const SHORTEST_SECRET = 20;

/** The password of a URL's user information (`https://user:password@host`, a flake input fetched with credentials). */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@/]+@/gi;

/** A text with every private key block, recognisable access token and URL password in it replaced by `<redacted>`. */
export function scrubSecrets(text: string): string {
  if (text.length < SHORTEST_SECRET) return text;
  const out = text.includes('PRIVATE KEY') ? text.replace(PEM_PRIVATE_KEY, REDACTED) : text;
  const tokens = out.replace(ANY_ACCESS_TOKEN, (match) => (/EXAMPLE/i.test(match) ? match : REDACTED));
  return tokens.includes('@') ? tokens.replace(URL_PASSWORD, `$1${REDACTED}@`) : tokens;
}

/**
 * Plain data (findings, a report) with `scrubSecrets` applied to every
 * string in it: the same object where nothing changed, a copy of each part
 * that did.
 */
export function scrubDeep<T>(value: T): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrubSecrets(v);
    if (Array.isArray(v)) {
      let copy: unknown[] | undefined;
      v.forEach((item, i) => {
        const scrubbed = walk(item);
        if (scrubbed !== item) (copy ??= [...v])[i] = scrubbed;
      });
      return copy ?? v;
    }
    if (v !== null && typeof v === 'object') {
      let copy: Record<string, unknown> | undefined;
      for (const key of Object.keys(v)) {
        const item = (v as Record<string, unknown>)[key];
        const scrubbed = walk(item);
        if (scrubbed !== item) (copy ??= { ...(v as Record<string, unknown>) })[key] = scrubbed;
      }
      return copy ?? v;
    }
    return v;
  };
  return walk(value) as T;
}
