import { isOpaquePart } from '../../nix/value';
import { isRecord } from '../../source/records';
import type { NamedPredicate } from '../named-predicates';

/**
 * Predicates of the NixOS rules that evidence the nixfleet controls beyond
 * one option's value: login lockout, audit rules, journal retention, SSH
 * host keys, garbage collection, nginx virtual hosts. Each
 * returns `undefined` for a value of another shape (or one with unknown
 * parts it would need), so an unexpected value never produces a finding.
 */

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
}

/** A set's field, or undefined when the set or the field is not known. */
function field(value: unknown, name: string): unknown {
  if (!isRecord(value) || isOpaquePart(value)) return undefined;
  const v = value[name];
  return isOpaquePart(v) ? undefined : v;
}

// ---------------------------------------------------------------------------
// systemd time spans and sizes (journald.conf(5), systemd.time(7))
// ---------------------------------------------------------------------------

const TIME_UNITS: [RegExp, number][] = [
  [/^(us|usec)$/, 1e-6],
  [/^(ms|msec)$/, 1e-3],
  [/^(s|sec|second|seconds)?$/, 1],
  [/^(m|min|minute|minutes)$/, 60],
  [/^(h|hr|hour|hours)$/, 3600],
  [/^(d|day|days)$/, 86400],
  [/^(w|week|weeks)$/, 7 * 86400],
  [/^(M|month|months)$/, 30.44 * 86400],
  [/^(y|year|years)$/, 365.25 * 86400],
];

/** A systemd time span (`2h 30min`, `1week`, `3600`) in seconds; a bare number is seconds. */
export function systemdSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  let total = 0;
  for (const part of value.trim().split(/\s+/)) {
    const m = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/.exec(part);
    if (!m) return undefined;
    const unit = TIME_UNITS.find(([re]) => re.test(m[2]));
    if (!unit) return undefined;
    total += Number(m[1]) * unit[1];
  }
  return total;
}

/** A journald size (`512M`, `1G`, `100K`, bytes when bare), in bytes (base 1024, as journald reads it). */
export function systemdBytes(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGTPE]?)\s*$/i.exec(value);
  if (!m) return undefined;
  return Number(m[1]) * 1024 ** 'BKMGTPE'.indexOf((m[2] || 'B').toUpperCase());
}

const DAY = 86400;

// ---------------------------------------------------------------------------
// Audit rules (NIX-LOG-006)
// ---------------------------------------------------------------------------

/** An audit rule that records program execution: a syscall rule on execve (or execveat). */
function recordsExecution(rule: string): boolean {
  return /(^|\s)-S\s+(\S*,)?(execve|execveat)(,\S*)?(\s|$)/.test(rule) || /(^|\s)-S\s+all(\s|$)/.test(rule);
}

// ---------------------------------------------------------------------------
// SSH host keys (NIX-SSH-017)
// ---------------------------------------------------------------------------

/** The weak host keys of `services.openssh.hostKeys`: DSA, and RSA under 3072 bits. */
function weakHostKeys(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: string[] = [];
  for (const key of value) {
    const type = field(key, 'type');
    if (typeof type !== 'string') return undefined;
    if (type === 'dsa') out.push('a DSA key');
    else if (type === 'rsa') {
      const bits = field(key, 'bits');
      // NixOS's hostKeys submodule has no default for bits; ssh-keygen then makes a 3072-bit key.
      if (typeof bits === 'number' && bits < 3072) out.push(`a ${bits}-bit RSA key`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// nix.gc (NIX-NIX-008)
// ---------------------------------------------------------------------------

/**
 * How many days of generations `nix-collect-garbage` keeps with these
 * options: `--delete-older-than Nd`, or 0 for `-d` / `--delete-old` (every
 * old generation); undefined when the options delete none.
 */
function generationsKeptDays(options: string): number | undefined {
  const words = options.trim().split(/\s+/);
  if (words.includes('-d') || words.includes('--delete-old')) return 0;
  const i = words.indexOf('--delete-older-than');
  const period = i === -1 ? undefined : words[i + 1];
  if (!period) return undefined;
  const m = /^(\d+)d$/.exec(period);
  return m ? Number(m[1]) : undefined;
}

const MIN_ROLLBACK_DAYS = 7;

// ---------------------------------------------------------------------------
// nginx virtual hosts (NIX-SVC-007)
// ---------------------------------------------------------------------------

type VhostTls = 'forced' | 'both' | 'none' | 'rejected';

/**
 * How a virtual host serves TLS, from the options that decide it: `forceSSL`
 * (redirect HTTP), `onlySSL` (no HTTP listener), `rejectSSL`; a certificate
 * (`enableACME`, `useACMEHost`, `sslCertificate`) or `addSSL` without them
 * serves both. Undefined when one of them is not known.
 */
function vhostTls(value: unknown): VhostTls | undefined {
  if (!isRecord(value) || isOpaquePart(value)) return undefined;
  const flag = (name: string): boolean | undefined => {
    if (!(name in value)) return false;
    const v = value[name];
    if (isOpaquePart(v)) return undefined;
    return v === true || (typeof v === 'string' && v !== '');
  };
  const names = ['forceSSL', 'onlySSL', 'rejectSSL', 'addSSL', 'enableACME', 'useACMEHost', 'sslCertificate'];
  const flags = Object.fromEntries(names.map((n) => [n, flag(n)]));
  if (Object.values(flags).some((f) => f === undefined)) return undefined;
  if (flags.forceSSL || flags.onlySSL) return 'forced';
  if (flags.rejectSSL) return 'rejected';
  if (flags.addSSL || flags.enableACME || flags.useACMEHost || flags.sslCertificate) return 'both';
  return 'none';
}

export const NIXOS_CONTROL_PREDICATES: Record<string, NamedPredicate> = {
  // NIX-PAM-001 — a full PAM text the configuration writes for a service.
  pamTextWithoutFaillock: {
    description: 'a PAM service text that has no pam_faillock line',
    test: (value) => (typeof value === 'string' ? !/pam_faillock\.so/.test(value) : undefined),
  },

  // NIX-LOG-006 — security.audit.rules
  auditRulesLackExecve: {
    description: 'audit rules none of which records program execution (an execve syscall rule)',
    test: (value) => {
      const rules = strings(value);
      return rules === undefined ? undefined : rules.length > 0 && !rules.some(recordsExecution);
    },
  },

  // NIX-LOG-007 — journald.conf MaxRetentionSec / SystemMaxUse
  journalRetentionUnderAWeek: {
    description: 'a journald MaxRetentionSec shorter than 7 days (0 means no time limit)',
    test: (value) => {
      const seconds = systemdSeconds(value);
      return seconds === undefined ? undefined : seconds > 0 && seconds < 7 * DAY;
    },
  },
  journalSizeUnder100M: {
    description: 'a journald SystemMaxUse below 100 MiB',
    test: (value) => {
      const bytes = systemdBytes(value);
      return bytes === undefined ? undefined : bytes < 100 * 1024 ** 2;
    },
  },

  // NIX-SSH-017 — services.openssh.hostKeys
  weakSshHostKeys: {
    description: 'SSH host keys with a DSA key or an RSA key under 3072 bits',
    test: (value) => {
      const weak = weakHostKeys(value);
      return weak === undefined ? undefined : weak.length > 0;
    },
    culprit: (value) => {
      const weak = weakHostKeys(value);
      return weak && weak.length > 0 ? weak.join(', ') : undefined;
    },
  },

  // NIX-NIX-008 — nix.gc.options
  gcDeletesRecentGenerations: {
    description: `nix.gc options that delete system generations younger than ${MIN_ROLLBACK_DAYS} days (-d, --delete-old, --delete-older-than under ${MIN_ROLLBACK_DAYS}d)`,
    test: (value) => {
      if (typeof value !== 'string') return undefined;
      const days = generationsKeptDays(value);
      return days !== undefined && days < MIN_ROLLBACK_DAYS;
    },
    culprit: (value) => {
      if (typeof value !== 'string') return undefined;
      const days = generationsKeptDays(value);
      return days === 0 ? 'every old generation is deleted' : days !== undefined ? `generations older than ${days} day${days === 1 ? "" : "s"} are deleted` : undefined;
    },
  },

  // NIX-SVC-007 — services.nginx.virtualHosts.<name>
  nginxVhostAlsoPlainHttp: {
    description: 'an nginx virtual host with a certificate that also answers plain HTTP without redirecting (no forceSSL or onlySSL)',
    test: (value) => {
      const tls = vhostTls(value);
      return tls === undefined ? undefined : tls === 'both';
    },
  },
  nginxVhostWithoutTls: {
    description: 'an nginx virtual host without any TLS certificate (plain HTTP only)',
    test: (value) => {
      const tls = vhostTls(value);
      return tls === undefined ? undefined : tls === 'none';
    },
  },

};
