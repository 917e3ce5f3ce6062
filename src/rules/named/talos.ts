import { isRecord } from '../../source/records';
import type { NamedPredicate } from '../named-predicates';

/**
 * Predicates on Talos machine-config values. Each judges one YAML value (a
 * scalar, a list or a map such as `extraArgs`) and returns `undefined` when
 * the value is not of the shape it reads, so an unexpected value is never
 * reported.
 */

type Obj = Record<string, unknown>;


function obj(value: unknown): Obj | undefined {
  return isRecord(value) ? value : undefined;
}

/** Scalars as Talos reads them into strings (YAML `true` / `10255` arrive as boolean / number). */
function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return undefined;
}

/**
 * The values of one `extraArgs` flag (Talos `meta.Args`: a string or a list
 * of strings, `pkg/machinery/config/types/meta/args.go`); `[]` when the flag
 * is not set, `undefined` when `args` is not a map or the value not a string.
 */
export function argValues(args: unknown, flag: string): string[] | undefined {
  if (!isRecord(args)) return undefined;
  const raw = args[flag];
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) {
    const items = raw.map(scalar);
    return items.every((i): i is string => i !== undefined) ? items : undefined;
  }
  const one = scalar(raw);
  return one === undefined ? undefined : [one];
}

/** Go's `strconv.ParseBool` true spellings (kube flags and Talos kernel parameters use it). */
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** A boolean flag is set to true: the last occurrence wins, as for repeated command-line flags. */
function flagTrue(values: string[]): boolean {
  return values.length > 0 && GO_TRUE.has(values[values.length - 1]);
}

function flagFalse(values: string[]): boolean {
  return values.length > 0 && GO_FALSE.has(values[values.length - 1]);
}

/** Comma-separated list flags (`authorization-mode`, `enable-admission-plugins`, `cipher-suites`), all occurrences. */
function listItems(values: string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/** A predicate on an `extraArgs` map that reads one flag; `false` when the flag is absent. */
function onArg(description: string, flag: string, judge: (values: string[]) => boolean): NamedPredicate {
  return {
    description,
    test: (value) => {
      const values = argValues(value, flag);
      if (values === undefined) return undefined;
      return values.length > 0 && judge(values);
    },
  };
}

function at(value: unknown, ...path: string[]): unknown {
  let cur = value;
  for (const key of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function strings(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
}

// --- secrets -----------------------------------------------------------------

/**
 * A value that looks like real secret material written in clear: not empty,
 * not SOPS-encrypted (`ENC[…]`), not an age/PGP armour, not a template
 * placeholder (`${…}`, `{{ … }}`, `<…>`), not a redaction marker and not a
 * dummy standing where a key goes (`PRIVATE-KEY`, a PEM armour around a few
 * characters, as documentation and test data write them).
 */
export function plaintextSecret(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const s = value.trim();
  if (s.length < 8) return false;
  if (/^ENC\[/.test(s) || /-----BEGIN (AGE ENCRYPTED FILE|PGP MESSAGE)-----/.test(s)) return false;
  if (/\$\{|\{\{|\$\(|^<.*>$/.test(s)) return false;
  if (/^\*+$/.test(s) || /redacted/i.test(s)) return false;
  // Upper-case words joined by `-` or `_` name the value instead of being one: no generated secret looks like this.
  if (/^[A-Z]+(?:[-_][A-Z0-9]+)+$/.test(s)) return false;
  return !pemTooShortForAKey(s);
}

/**
 * A PEM armour, as text or base64-encoded as Talos writes keys (`LS0tLS1…`),
 * whose body is shorter than the smallest private key (an Ed25519 key in
 * PKCS#8 is 48 bytes, 64 base64 characters): a dummy, not a key.
 */
function pemTooShortForAKey(s: string): boolean {
  const text = s.startsWith('LS0tLS1') ? Buffer.from(s, 'base64').toString('latin1') : s;
  const pem = /^-----BEGIN [A-Z0-9 ]+-----([\s\S]*?)-----END [A-Z0-9 ]+-----\s*$/.exec(text.trim());
  return pem !== null && pem[1].replace(/\s/g, '').length < 64;
}

// --- kernel arguments and sysctls ---------------------------------------------

/**
 * Kernel arguments that switch off a hardening Talos enables by default
 * (`pkg/machinery/kernel/kernel.go`) or the Talos audit daemon; `-name`
 * removes a default argument (Talos `extraKernelArgs` syntax).
 */
function weakeningKernelArg(arg: string): boolean {
  const [name, ...rest] = arg.split('=');
  const value = rest.join('=');
  if (name === 'talos.auditd.disabled') return GO_TRUE.has(value);
  if (['-selinux', '-module.sig_enforce', '-lockdown', '-pti', '-init_on_alloc', '-slab_nomerge'].includes(arg)) return true;
  return (
    (name === 'selinux' && value === '0') ||
    (name === 'module.sig_enforce' && value === '0') ||
    (name === 'lockdown' && value === 'none') ||
    (name === 'pti' && value === 'off') ||
    (name === 'init_on_alloc' && value === '0') ||
    (name === 'mitigations' && value === 'off')
  );
}

/** A `machine.sysctls` map: each numeric sysctl by its name with dots (`net/ipv4/…` is accepted by sysctl too), with the key as written. */
function sysctlMap(value: unknown): Map<string, { n: number; written: string }> | undefined {
  if (!isRecord(value)) return undefined;
  const out = new Map<string, { n: number; written: string }>();
  for (const [key, raw] of Object.entries(value)) {
    const s = scalar(raw);
    if (s === undefined || !/^-?\d+$/.test(s)) continue;
    out.set(key.replace(/\//g, '.'), { n: Number(s), written: key });
  }
  return out;
}

/**
 * A predicate on `machine.sysctls` that holds when any listed sysctl has a
 * weakening value; it names that sysctl and points at its line.
 */
function onSysctls(description: string, weak: Record<string, (n: number) => boolean>, prefix?: { start: string; weak: (n: number) => boolean }): NamedPredicate {
  const firstWeak = (value: unknown) => {
    const map = sysctlMap(value);
    if (!map) return undefined;
    for (const [name, entry] of map) {
      if (weak[name]?.(entry.n) || (prefix && name.startsWith(prefix.start) && prefix.weak(entry.n))) return { name, ...entry };
    }
    return null;
  };
  return {
    description,
    test: (value) => {
      const found = firstWeak(value);
      return found === undefined ? undefined : found !== null;
    },
    culprit: (value) => {
      const found = firstWeak(value);
      return found ? `${found.name} = ${found.n}` : undefined;
    },
    culpritPath: (value) => {
      const found = firstWeak(value);
      return found ? [found.written] : undefined;
    },
  };
}

const isZero = (n: number) => n === 0;
const isOne = (n: number) => n === 1;

// --- networks ----------------------------------------------------------------

/** Whether a host is an IP literal outside private, loopback and link-local ranges (`undefined` for names). */
export function publicIpLiteral(host: string): boolean | undefined {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    if ([a, b, Number(v4[3]), Number(v4[4])].some((o) => o > 255)) return undefined;
    const isPrivate =
      a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127) || a === 0;
    return !isPrivate;
  }
  if (h.includes(':') && /^[0-9a-f:.]+$/.test(h)) {
    const isPrivate = h === '::1' || h === '::' || /^f[cd][0-9a-f]{2}:/.test(h) || /^fe[89ab][0-9a-f]:/.test(h);
    return !isPrivate;
  }
  return undefined;
}

/** The host of a URL-ish endpoint (`udp://10.0.0.1:514`, `tcp://[fd00::1]:5170`). */
function endpointHost(endpoint: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(\[[^\]]+\]|[^:/?#]+)/i.exec(endpoint.trim());
  return m ? m[1] : undefined;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

// --- the predicates ------------------------------------------------------------

const POWERFUL_TALOS_ROLES = ['os:operator', 'os:impersonator', 'os:meta:writer'];
const SYSTEM_NAMESPACES = ['default', 'kube-system'];

/** The Talos API access feature when it is explicitly enabled (a patch that does not say so is not judged). */
function enabledTalosApiAccess(value: unknown): Obj | undefined | false {
  const access = obj(value);
  if (!access) return undefined;
  if (access.enabled === false) return false;
  return access.enabled === true ? access : undefined;
}

function talosApiAccess(description: string, judge: (roles: string[], namespaces: string[]) => boolean): NamedPredicate {
  return {
    description,
    test: (value) => {
      const access = enabledTalosApiAccess(value);
      if (access === false) return false;
      if (!access) return undefined;
      const roles = access.allowedRoles === undefined ? [] : strings(access.allowedRoles);
      const namespaces = access.allowedKubernetesNamespaces === undefined ? [] : strings(access.allowedKubernetesNamespaces);
      if (!roles || !namespaces) return undefined;
      return judge(roles, namespaces);
    },
  };
}

/** The PodSecurity admission plugin entry of `cluster.apiServer.admissionControl` (other plugins are not judged). */
function podSecurity(value: unknown): Obj | undefined {
  const entry = obj(value);
  return entry && entry.name === 'PodSecurity' ? obj(entry.configuration) : undefined;
}

/** Audit-policy rule selectors: a rule with none of them matches every request. */
const AUDIT_SELECTORS = ['users', 'userGroups', 'verbs', 'resources', 'namespaces', 'nonResourceURLs'];

/** The keys of a `machine.systemDiskEncryption.*` / `VolumeConfig.encryption` key slot. */
function keyKinds(encryption: unknown): Set<string>[] | undefined {
  const keys = at(encryption, 'keys');
  if (!Array.isArray(keys) || keys.length === 0) return undefined;
  const kinds = keys.map((k) => new Set(isRecord(k) ? Object.keys(k).filter((n) => ['static', 'nodeID', 'kms', 'tpm'].includes(n)) : []));
  return kinds.every((k) => k.size > 0) ? kinds : undefined;
}

function registryMirrorEndpoints(value: unknown): string[] | undefined {
  const endpoints = at(value, 'endpoints');
  return endpoints === undefined ? undefined : strings(endpoints);
}

/** The PodSecurity admission default `enforce` level is `level` (false when the section has no PodSecurity config). */
function enforceLevelIs(level: string) {
  return (value: unknown): boolean | undefined => {
    const config = podSecurity(value);
    return config ? at(config, 'defaults', 'enforce') === level : isRecord(value) ? false : undefined;
  };
}

export const TALOS_PREDICATES: Record<string, NamedPredicate> = {
  // TAL-005 — machine.features.kubernetesTalosAPIAccess
  talosApiAccessGrantsAdmin: talosApiAccess(
    'Talos API access from pods enabled with the os:admin role: a pod can reset, reboot or read secrets of nodes',
    (roles) => roles.includes('os:admin'),
  ),
  talosApiAccessGrantsPowerfulRole: talosApiAccess(
    'Talos API access from pods enabled with os:operator, os:impersonator or os:meta:writer',
    (roles) => roles.some((r) => POWERFUL_TALOS_ROLES.includes(r)),
  ),
  talosApiAccessSystemNamespaces: talosApiAccess(
    'Talos API roles granted to pods of the default or kube-system namespace, where many workloads run',
    (roles, namespaces) => roles.length > 0 && namespaces.some((n) => SYSTEM_NAMESPACES.includes(n)),
  ),

  // TAL-006 — machine.kubelet
  kubeletAnonymousAuth: {
    description: 'kubelet accepts anonymous requests (`anonymous-auth` flag or `authentication.anonymous.enabled`)',
    test: (value) => {
      const kubelet = obj(value);
      if (!kubelet) return undefined;
      const flag = argValues(kubelet.extraArgs ?? {}, 'anonymous-auth');
      return (flag !== undefined && flagTrue(flag)) || at(kubelet.extraConfig, 'authentication', 'anonymous', 'enabled') === true;
    },
  },
  kubeletAlwaysAllow: {
    description: 'kubelet authorizes every request (`authorization-mode` flag or `authorization.mode` AlwaysAllow)',
    test: (value) => {
      const kubelet = obj(value);
      if (!kubelet) return undefined;
      const flag = argValues(kubelet.extraArgs ?? {}, 'authorization-mode');
      return (flag !== undefined && listItems(flag).includes('AlwaysAllow')) || at(kubelet.extraConfig, 'authorization', 'mode') === 'AlwaysAllow';
    },
  },
  kubeletSkipsNodeRegistration: {
    description: '`skipNodeRegistration: true`, which switches Talos kubelet to AlwaysAllow authorization without webhook authentication',
    test: (value) => {
      const kubelet = obj(value);
      return kubelet ? kubelet.skipNodeRegistration === true : undefined;
    },
  },
  kubeletReadOnlyPort: {
    description: 'kubelet read-only port (unauthenticated) opened (`read-only-port` flag or `readOnlyPort` not 0)',
    test: (value) => {
      const kubelet = obj(value);
      if (!kubelet) return undefined;
      const flag = argValues(kubelet.extraArgs ?? {}, 'read-only-port');
      const last = flag && flag.length > 0 ? flag[flag.length - 1] : undefined;
      const port = at(kubelet.extraConfig, 'readOnlyPort');
      return (last !== undefined && /^\d+$/.test(last) && Number(last) !== 0) || (typeof port === 'number' && port !== 0);
    },
  },

  // TAL-009 — cluster.apiServer.admissionControl.*
  podSecurityEnforcesPrivileged: {
    description: 'the PodSecurity admission default `enforce` level is privileged (nothing is enforced)',
    test: enforceLevelIs('privileged'),
  },
  podSecurityExtraExemptions: {
    description: 'PodSecurity exemptions beyond the kube-system namespace (other namespaces, users or runtime classes)',
    test: (value) => {
      const config = podSecurity(value);
      if (!config) return isRecord(value) ? false : undefined;
      const namespaces = strings(at(config, 'exemptions', 'namespaces') ?? []);
      const usernames = strings(at(config, 'exemptions', 'usernames') ?? []);
      const runtimeClasses = strings(at(config, 'exemptions', 'runtimeClasses') ?? []);
      if (!namespaces || !usernames || !runtimeClasses) return undefined;
      return namespaces.some((n) => n !== 'kube-system') || usernames.length > 0 || runtimeClasses.length > 0;
    },
  },
  podSecurityEnforcesBaseline: {
    description: 'the PodSecurity admission default `enforce` level is baseline rather than restricted',
    test: enforceLevelIs('baseline'),
  },

  // TAL-010 — cluster.apiServer
  auditPolicyDisabled: {
    description: 'an API-server audit policy with no rules, or whose first catch-all rule logs at level None',
    test: (value) => {
      const policy = at(value, 'auditPolicy');
      if (!isRecord(policy) || Object.keys(policy).length === 0) return isRecord(value) ? false : undefined;
      const rules = policy.rules;
      if (!Array.isArray(rules)) return undefined;
      if (rules.length === 0) return true;
      const catchAll = rules.find((r) => isRecord(r) && !AUDIT_SELECTORS.some((s) => s in r));
      return isRecord(catchAll) && catchAll.level === 'None';
    },
  },
  auditLogRetentionShort: {
    description: 'API-server audit logs kept fewer than 30 days (`audit-log-maxage`)',
    test: (value) => {
      if (!isRecord(value)) return undefined;
      const values = argValues(value.extraArgs ?? {}, 'audit-log-maxage');
      const last = values && values.length > 0 ? values[values.length - 1] : undefined;
      return last !== undefined && /^\d+$/.test(last) && Number(last) < 30;
    },
  },
  auditLogToStdout: {
    description: 'API-server audit events written to standard output (`audit-log-path: "-"`) instead of the node audit log',
    test: (value) => {
      if (!isRecord(value)) return undefined;
      const values = argValues(value.extraArgs ?? {}, 'audit-log-path');
      return values !== undefined && values.length > 0 && values[values.length - 1] === '-';
    },
  },

  // TAL-011 — cluster.apiServer.extraArgs
  apiServerAnonymousAuth: onArg('kube-apiserver `anonymous-auth` set to true', 'anonymous-auth', flagTrue),
  apiServerAlwaysAllow: onArg('kube-apiserver `authorization-mode` containing AlwaysAllow', 'authorization-mode', (v) => listItems(v).includes('AlwaysAllow')),
  apiServerAlwaysAdmit: onArg('kube-apiserver `enable-admission-plugins` containing AlwaysAdmit', 'enable-admission-plugins', (v) => listItems(v).includes('AlwaysAdmit')),
  apiServerWeakTlsVersion: onArg('kube-apiserver `tls-min-version` below TLS 1.2', 'tls-min-version', (v) => ['VersionTLS10', 'VersionTLS11'].includes(v[v.length - 1])),
  apiServerProfiling: onArg('kube-apiserver `profiling` set to true', 'profiling', flagTrue),

  // TAL-015 — each secret field of machine configs, patches and secrets bundles
  plaintextSecret: {
    description: 'secret material written in clear (not empty, not SOPS-encrypted, not a template placeholder, not a dummy such as `PRIVATE-KEY` or a PEM armour too short to hold a key)',
    test: (value) => (typeof value === 'string' ? plaintextSecret(value) : undefined),
  },

  // TAL-016 — VolumeConfig `encryption`
  diskEncryptionKmsOverHttp: {
    description: 'a disk-encryption KMS key slot whose endpoint is plain `http://`',
    test: (value) => {
      const keys = at(value, 'keys');
      if (!Array.isArray(keys)) return undefined;
      return keys.some((k) => /^http:\/\//i.test(String(at(k, 'kms', 'endpoint') ?? '')));
    },
  },
  diskEncryptionStaticKeysOnly: {
    description: 'disk encryption unlocked only by static passphrases written in the machine config',
    test: (value) => {
      const kinds = keyKinds(value);
      return kinds ? kinds.every((k) => k.size === 1 && k.has('static')) : undefined;
    },
  },
  diskEncryptionNodeIdKeysOnly: {
    description: 'disk encryption unlocked only by keys derived from the node UUID',
    test: (value) => {
      const kinds = keyKinds(value);
      return kinds ? kinds.every((k) => k.size === 1 && k.has('nodeID')) : undefined;
    },
  },
  diskEncryptionWeakKeysOnly: {
    description: 'disk encryption with neither a TPM- nor a KMS-sealed key slot (static passphrases and node-UUID keys only)',
    test: (value) => {
      const kinds = keyKinds(value);
      return kinds ? kinds.every((k) => !k.has('tpm') && !k.has('kms')) : undefined;
    },
  },

  // TAL-017 — machine.registries.{config,mirrors}.<name>
  registryTlsVerificationDisabled: {
    description: '`tls.insecureSkipVerify: true` for a registry',
    test: (value) => (isRecord(value) ? at(value, 'tls', 'insecureSkipVerify') === true : undefined),
  },
  registryMirrorPlainHttp: {
    description: 'a registry mirror endpoint reached over plain `http://`',
    test: (value) => {
      if (!isRecord(value)) return undefined;
      const endpoints = registryMirrorEndpoints(value);
      return endpoints ? endpoints.some((e) => /^http:\/\//i.test(e.trim())) : false;
    },
  },

  // TAL-018 — ImageVerificationConfig `rules`
  imageVerificationSkipAllFirst: {
    description: 'an image-verification rule skipping every image placed before verifying rules (first match wins, so they never apply)',
    test: (value) => {
      if (!Array.isArray(value)) return undefined;
      const skipAll = value.findIndex((r) => isRecord(r) && r.skip === true && typeof r.image === 'string' && /\*/.test(r.image) && /^[*/]+$/.test(r.image));
      if (skipAll === -1) return false;
      return value.slice(skipAll + 1).some((r) => isRecord(r) && (r.keyless !== undefined || r.publicKey !== undefined));
    },
  },

  // TAL-021 — cluster.discovery
  discoveryEndpointPlainHttp: {
    description: 'the discovery service reached over plain `http://`',
    test: (value) => {
      const discovery = obj(value);
      if (!discovery) return undefined;
      const service = obj(at(discovery, 'registries', 'service'));
      if (discovery.enabled === false || !service || service.disabled === true) return false;
      return typeof service.endpoint === 'string' && /^http:\/\//i.test(service.endpoint.trim());
    },
  },
  discoveryUsesPublicService: {
    description: 'cluster discovery enabled with the Sidero-hosted public service (https://discovery.talos.dev/)',
    test: (value) => {
      const discovery = obj(value);
      if (!discovery) return undefined;
      const service = obj(at(discovery, 'registries', 'service'));
      if (discovery.enabled !== true || !service || service.disabled === true) return false;
      const endpoint = service.endpoint;
      return endpoint === undefined || (typeof endpoint === 'string' && /^https:\/\/discovery\.talos\.dev\/?$/.test(endpoint.trim()));
    },
  },

  // TAL-022 — machine.logging.destinations
  logDestinationPublicAddress: {
    description: 'a log destination at a public IP address (Talos ships logs over plain TCP/UDP)',
    test: (value) => {
      if (!Array.isArray(value)) return undefined;
      return value.some((d) => {
        const endpoint = at(d, 'endpoint');
        const host = typeof endpoint === 'string' ? endpointHost(endpoint) : undefined;
        return host !== undefined && publicIpLiteral(host) === true;
      });
    },
  },

  // TAL-024 — machine.install.extraKernelArgs
  weakeningKernelArgs: {
    description: 'kernel arguments that disable SELinux, module signature enforcement, lockdown, PTI, init_on_alloc, slab_nomerge, CPU mitigations or Talos auditd',
    test: (value) => {
      const args = strings(value);
      if (!args) return undefined;
      return args.flatMap((a) => a.trim().split(/\s+/)).some(weakeningKernelArg);
    },
    culprit: (value) => strings(value)?.flatMap((a) => a.trim().split(/\s+/)).filter(weakeningKernelArg).join(' ') || undefined,
  },

  // TAL-025 — machine.sysctls
  sysctlsExposeKernelInformation: onSysctls(
    'kernel.kptr_restrict or kernel.dmesg_restrict set to 0, or kernel.perf_event_paranoid below 2',
    { 'kernel.kptr_restrict': isZero, 'kernel.dmesg_restrict': isZero, 'kernel.perf_event_paranoid': (n) => n < 2 },
  ),
  sysctlsWeakenProcessIsolation: onSysctls(
    'kernel.yama.ptrace_scope, kernel.unprivileged_bpf_disabled or net.core.bpf_jit_harden set to 0',
    { 'kernel.yama.ptrace_scope': isZero, 'kernel.unprivileged_bpf_disabled': isZero, 'net.core.bpf_jit_harden': isZero },
  ),
  sysctlsAcceptRedirects: onSysctls(
    'net.ipv4.conf.all.accept_redirects, send_redirects or accept_source_route set to 1',
    { 'net.ipv4.conf.all.accept_redirects': isOne, 'net.ipv4.conf.all.send_redirects': isOne, 'net.ipv4.conf.all.accept_source_route': isOne },
  ),
  sysctlsWeakenFilesystemProtections: onSysctls('an fs.protected_* link or FIFO protection set to 0', {}, { start: 'fs.protected_', weak: isZero }),

  // TAL-029 — machine: TPM-sealed disk encryption needs a Secure Boot installation.
  tpmEncryptionWithoutSecureBootInstaller: {
    description: 'system disk encryption with a TPM key slot while the installer image is a Talos installer without Secure Boot',
    test: (value) => {
      const image = at(value, 'install', 'image');
      if (typeof image !== 'string' || !/\/(?:[a-z0-9]+-)?installer/.test(image)) return undefined;
      const slots = ['state', 'ephemeral'].flatMap((part) => {
        const keys = at(value, 'systemDiskEncryption', part, 'keys');
        return Array.isArray(keys) ? keys : [];
      });
      return slots.some((k) => isRecord(k) && k.tpm !== undefined) && !/installer-secureboot/.test(image);
    },
    culprit: (value) => {
      const image = at(value, 'install', 'image');
      return typeof image === 'string' ? image : undefined;
    },
    culpritPath: () => ['install', 'image'],
  },

  // TAL-027 — cluster.etcd.extraArgs
  etcdClientCertAuthDisabled: onArg('etcd `client-cert-auth` set to false', 'client-cert-auth', flagFalse),
  etcdAutoTls: {
    description: 'etcd `auto-tls` or `peer-auto-tls` set to true (self-signed, unverified certificates)',
    test: (value) => {
      const auto = argValues(value, 'auto-tls');
      const peer = argValues(value, 'peer-auto-tls');
      if (auto === undefined || peer === undefined) return undefined;
      return flagTrue(auto) || flagTrue(peer);
    },
  },
  etcdWeakCipherSuites: onArg('etcd `cipher-suites` containing CBC or 3DES suites', 'cipher-suites', (v) => listItems(v).some((s) => /CBC|3DES/i.test(s))),
  etcdMetricsExposed: onArg('etcd `listen-metrics-urls` serving plain-HTTP metrics on a non-loopback address', 'listen-metrics-urls', (v) =>
    listItems(v).some((url) => {
      if (!/^http:\/\//i.test(url)) return false;
      const host = endpointHost(url);
      return host !== undefined && !LOOPBACK_HOSTS.has(host.toLowerCase());
    }),
  ),
};
