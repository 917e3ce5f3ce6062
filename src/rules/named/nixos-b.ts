import { ACCESS_TOKENS } from '../../redaction/secrets';
import type { NamedPredicate } from '../named-predicates';

/**
 * Named predicates of the NixOS rules on the Nix daemon, updates, kernel,
 * services and secrets (NIX-NIX-*, NIX-KRN-*, NIX-SVC-*, NIX-SECRET-*).
 * Each returns `undefined` for a value of another shape, so an unexpected
 * value never produces a finding. None of them keeps or returns the value:
 * secret-looking strings are only matched, never echoed.
 */

/** A list of strings, or undefined when the value is anything else. */
function stringList(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) return undefined;
  return value as string[];
}

/** A list of strings, or one string of space-separated items (as nix.conf and the kernel read them). */
function words(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split(/\s+/).filter((w) => w !== '');
  const list = stringList(value);
  return list?.flatMap((item) => item.split(/\s+/)).filter((w) => w !== '');
}

// ---------------------------------------------------------------------------
// Nix daemon (NIX-NIX-002, -005, -007)
// ---------------------------------------------------------------------------

/**
 * `nix.settings.trusted-users` naming anything besides root (a user, a
 * `@group`, `*`). The NixOS module contributes `root` itself; the list a
 * module writes is concatenated with it.
 */
function trustedUsersBeyondRoot(value: unknown): boolean | undefined {
  const list = stringList(value);
  if (!list) return undefined;
  return list.some((entry) => entry.trim() !== 'root');
}

/** A substituter URL fetched over plain HTTP (`http://…`, any case). */
function substituterOverPlainHttp(value: unknown): boolean | undefined {
  const urls = words(value);
  if (!urls) return undefined;
  return urls.some((url) => /^http:\/\//i.test(url));
}

/** `nixpkgs.config.permittedInsecurePackages` with at least one entry. */
function permitsInsecurePackages(value: unknown): boolean | undefined {
  const list = stringList(value);
  if (!list) return undefined;
  return list.length > 0;
}

// ---------------------------------------------------------------------------
// Kernel command line (NIX-KRN-008)
// ---------------------------------------------------------------------------

/**
 * Parameters that switch off a whole protection: CPU mitigations, the audit
 * subsystem (auditd's unit has `ConditionKernelCommandLine = !audit=0 !audit=off`),
 * AppArmor, kernel lockdown, or init replaced by a shell.
 */
const DISABLING_PARAMS = new Set(['mitigations=off', 'audit=0', 'audit=off', 'apparmor=0', 'lockdown=none']);
/** `init=/bin/sh`, `init=/run/current-system/sw/bin/bash` and the like: a root shell instead of systemd. */
const SHELL_INIT = /^init=(?:\S*\/)?(?:sh|bash|dash|ash|zsh|ksh|mksh|fish|busybox)$/;

/** Parameters that weaken one hardening feature (speculative-execution, KASLR, module signatures, debugfs). */
const WEAKENING_PARAMS = new Set([
  'nopti',
  'pti=off',
  'nospectre_v1',
  'nospectre_v2',
  'spectre_v2=off',
  'mds=off',
  'l1tf=off',
  'nokaslr',
  'selinux=0',
  'module.sig_enforce=0',
  'debugfs=on',
  'iommu=off',
  'intel_iommu=off',
  'amd_iommu=off',
]);

/** Parameters that turn the IOMMU on for every device (ANSSI BP-028 R7; Intel needs `intel_iommu=on`). */
const IOMMU_PARAMS = new Set(['iommu=force', 'intel_iommu=on', 'amd_iommu=on', 'amd_iommu=force_isolation']);

function kernelParamsLackIommu(value: unknown): boolean | undefined {
  const params = words(value);
  if (!params) return undefined;
  return !params.some((p) => IOMMU_PARAMS.has(p));
}

// ---------------------------------------------------------------------------
// Kernel modules (NIX-KRN-012)
// ---------------------------------------------------------------------------

/** File systems and network protocols CIS asks to make unavailable (1.1.1.x, 3.2.x) that hosts rarely need. */
const RARE_MODULES = ['cramfs', 'freevxfs', 'hfs', 'hfsplus', 'jffs2', 'udf', 'dccp', 'tipc', 'rds', 'sctp'];

function missingRareModules(value: unknown): string[] | undefined {
  const list = stringList(value);
  return list && RARE_MODULES.filter((m) => !list.includes(m));
}

function kernelParamsDisableProtection(value: unknown): boolean | undefined {
  const params = words(value);
  if (!params) return undefined;
  return params.some((p) => DISABLING_PARAMS.has(p) || SHELL_INIT.test(p));
}

function kernelParamsWeakenHardening(value: unknown): boolean | undefined {
  const params = words(value);
  if (!params) return undefined;
  return params.some((p) => WEAKENING_PARAMS.has(p));
}

// ---------------------------------------------------------------------------
// CUPS (NIX-SVC-003)
// ---------------------------------------------------------------------------

/** A cupsd `Listen` address on every interface: `*:631`, `0.0.0.0:631`, `[::]:631` (port optional). */
const ALL_ADDRESSES = /^(?:\*|0\.0\.0\.0|\[::\]|::)(?::\d+)?$/;

function cupsListensOnAllAddresses(value: unknown): boolean | undefined {
  const list = stringList(value);
  if (!list) return undefined;
  return list.some((address) => ALL_ADDRESSES.test(address.trim()));
}

// ---------------------------------------------------------------------------
// Secrets (NIX-SECRET-001, -002)
// ---------------------------------------------------------------------------

/**
 * A PEM private key block with a body: `-----BEGIN [RSA |EC |OPENSSH |ENCRYPTED |PGP ]PRIVATE KEY[ BLOCK]-----`,
 * at least 64 characters of key material, and the matching END line. A bare
 * header (documentation, a placeholder with "...") is not a key.
 */
const PEM_PRIVATE_KEY = /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----([\s\S]*?)-----END \1-----/;

function containsPemPrivateKey(value: unknown): boolean | undefined {
  if (typeof value !== 'string') return undefined;
  const match = PEM_PRIVATE_KEY.exec(value);
  if (!match) return false;
  const body = match[2].replace(/^[A-Za-z-]+:.*$/gm, '').replace(/[^A-Za-z0-9+/=]/g, '');
  return body.length >= 64;
}

/** A credential whose format identifies it (ACCESS_TOKENS); AWS's documentation example key (…EXAMPLE) is not one. */
function containsKnownAccessToken(value: unknown): boolean | undefined {
  if (typeof value !== 'string') return undefined;
  return ACCESS_TOKENS.some((pattern) => {
    const match = pattern.exec(value);
    return match !== null && !/EXAMPLE/i.test(match[0]);
  });
}

/** Predicates of the NixOS daemon, kernel, service and secret rules. */
export const NIXOS_B_PREDICATES: Record<string, NamedPredicate> = {
  trustedUsersBeyondRoot: {
    description: 'nix.settings.trusted-users naming a user, group or wildcard besides root',
    test: trustedUsersBeyondRoot,
  },
  substituterOverPlainHttp: {
    description: 'a list of Nix substituters with one fetched over plain http://',
    test: substituterOverPlainHttp,
  },
  permitsInsecurePackages: {
    description: 'a non-empty nixpkgs.config.permittedInsecurePackages list',
    test: permitsInsecurePackages,
  },
  kernelParamsDisableProtection: {
    description: 'kernel parameters that switch off CPU mitigations, audit, AppArmor or lockdown, or boot a shell as init',
    test: kernelParamsDisableProtection,
    culprit: (value) => words(value)?.find((p) => DISABLING_PARAMS.has(p) || SHELL_INIT.test(p)),
  },
  kernelParamsLackIommu: {
    description: 'kernel parameters without iommu=force, intel_iommu=on or amd_iommu=on',
    test: kernelParamsLackIommu,
  },
  lacksRareModuleBlacklist: {
    description: `a module blacklist that leaves out one of ${RARE_MODULES.join(', ')}`,
    test: (value) => {
      const missing = missingRareModules(value);
      return missing === undefined ? undefined : missing.length > 0;
    },
    culprit: (value) => {
      const missing = missingRareModules(value);
      return missing && missing.length > 0 ? `not blacklisted: ${missing.join(', ')}` : undefined;
    },
  },
  kernelParamsWeakenHardening: {
    description: 'kernel parameters that weaken page-table isolation, Spectre/MDS/L1TF mitigations, KASLR, SELinux, module signatures, debugfs or the IOMMU',
    test: kernelParamsWeakenHardening,
    culprit: (value) => words(value)?.find((p) => WEAKENING_PARAMS.has(p)),
  },
  cupsListensOnAllAddresses: {
    description: 'CUPS listen addresses with a wildcard (*, 0.0.0.0, [::])',
    test: cupsListensOnAllAddresses,
  },
  containsPemPrivateKey: {
    description: 'a string holding a PEM private key block',
    test: containsPemPrivateKey,
  },
  containsKnownAccessToken: {
    description: 'a string holding an access token of a known format (AWS, GitHub, GitLab, Slack, Google, Stripe, npm, Hugging Face, Tailscale)',
    test: containsKnownAccessToken,
  },
};
