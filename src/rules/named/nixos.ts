import { isOpaquePart, UNKNOWN_PART } from '../../nix/value';
import { isRecord } from '../../source/records';
import type { NamedPredicate } from '../named-predicates';

// ---------------------------------------------------------------------------
// sshd algorithm lists (NIX-SSH-005, -006, -007)
// ---------------------------------------------------------------------------

/**
 * An sshd algorithm list as NixOS writes it (`settings.Ciphers`, `KexAlgorithms`,
 * `Macs`: a list joined with commas) or as one string. sshd_config(5): a leading
 * `+` appends to OpenSSH's built-in list, `^` puts in front of it, `-` removes
 * from it; otherwise the list replaces it. Undefined when not strings.
 */
export function sshAlgorithmList(value: unknown): { edit: 'replace' | 'add' | 'remove'; names: string[] } | undefined {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) text = value.join(',');
  else return undefined;
  const raw = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (raw.length === 0) return undefined;
  const lead = raw[0][0];
  const edit = lead === '+' || lead === '^' ? 'add' : lead === '-' ? 'remove' : 'replace';
  return { edit, names: raw.map((s) => s.replace(/^[+^-]/, '').toLowerCase()) };
}

/** Ciphers OpenSSH removed from its defaults as weak (CBC, RC4, 3DES, Blowfish, CAST; openssh.com/legacy.html). */
const WEAK_CIPHERS = new Set([
  '3des-cbc', 'aes128-cbc', 'aes192-cbc', 'aes256-cbc', 'rijndael-cbc@lysator.liu.se',
  'blowfish-cbc', 'cast128-cbc', 'arcfour', 'arcfour128', 'arcfour256', 'none',
]);
/** SHA-1 / 1024-bit MODP key exchanges (removed from OpenSSH server defaults, Logjam-class). */
const WEAK_KEX = /^(diffie-hellman-group1-sha1|diffie-hellman-group14-sha1|diffie-hellman-group-exchange-sha1|gss-.*-sha1-.*)$/;
const NIST_KEX = /^ecdh-sha2-nistp(256|384|521)$/;
/** MD5, SHA-1, RIPEMD-160 and 64-bit-tag MACs (OpenSSH 7.2 disabled them by default). */
const WEAK_MAC = /^(hmac-md5|hmac-sha1|hmac-ripemd160|umac-64)/;

// ---------------------------------------------------------------------------
// Firewall ports and interfaces (NIX-FW-002, NIX-FW-006)
// ---------------------------------------------------------------------------

/** FTP, telnet, rexec/rlogin/rsh, RDP and VNC (5900-5999): clear-text or remote-desktop logins. */
const CLEARTEXT_TCP_PORTS = (port: number) => [21, 23, 512, 513, 514, 3389].includes(port) || (port >= 5900 && port <= 5999);
/** RPC/SMB, rsync, NFS, Docker API, etcd, databases, search, kubelet, memcached: data stores and admin APIs. */
const SERVICE_TCP_PORTS = new Set([111, 135, 139, 445, 873, 1433, 2049, 2375, 2379, 2380, 3306, 5432, 6379, 9200, 9300, 10250, 11211, 27017]);
/** TFTP: files served without any authentication. */
const CLEARTEXT_UDP_PORTS = (port: number) => port === 69;
/** RPC portmapper, SNMP, SSDP/UPnP and memcached over UDP (reflection amplifiers, management data). */
const SERVICE_UDP_PORTS = new Set([111, 161, 1900, 11211]);
/** A port range wider than this opens more than any one service needs. */
const WIDE_RANGE = 1000;

type PortSpan = { from: number; to: number };

/**
 * What a firewall option opens, as spans: a list of ports (`allowed*Ports`)
 * or of `{ from; to; }` ranges (`allowed*PortRanges`); undefined for
 * anything else.
 */
function portSpans(value: unknown): PortSpan[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const spans: PortSpan[] = [];
  for (const item of value) {
    if (isPort(item)) spans.push({ from: item, to: item });
    else if (isRecord(item) && isPort(item.from) && isPort(item.to)) spans.push({ from: item.from, to: item.to });
    else return undefined;
  }
  return spans;
}

/**
 * A port as NixOS types it (`types.port`, 0 to 65535). Anything else fails
 * the build, so it is not judged; and a range searched port by port must
 * end (2^53 + 1 reads as 2^53, which `port++` never passes).
 */
function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535;
}

/** The first risky port a list or a range list opens (ranges are searched port by port up to the wide-range limit). */
function riskyPort(value: unknown, risky: (port: number) => boolean): number | undefined | null {
  const spans = portSpans(value);
  if (!spans) return undefined;
  for (const { from, to } of spans) {
    for (let port = from; port <= Math.min(to, from + WIDE_RANGE); port++) if (risky(port)) return port;
  }
  return null;
}

/** A predicate that holds when a port list or range list opens a risky port, naming it as the culprit. */
function opensPort(description: string, risky: (port: number) => boolean): NamedPredicate {
  return {
    description,
    test: (value) => {
      const port = riskyPort(value, risky);
      return port === undefined ? undefined : port !== null;
    },
    culprit: (value) => {
      const port = riskyPort(value, risky);
      return typeof port === 'number' ? `port ${port}` : undefined;
    },
  };
}

/** A list of interface names, or undefined when it is anything else. */
function interfaceNames(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((i) => typeof i === 'string') ? (value as string[]) : undefined;
}

// ---------------------------------------------------------------------------
// sudo rules (NIX-SUDO-003)
// ---------------------------------------------------------------------------

/**
 * The commands of `security.sudo.extraRules` (a list of `{ users; groups;
 * commands = [ "cmd" | { command; options; } ]; }`), each with its tags.
 * Undefined when the value is not a list of sets. Parts declint could not
 * evaluate (`{ $unknown }`, a command built from a package path) are kept
 * as they are: a tag beside them is still read.
 */
function sudoCommands(value: unknown): { command: unknown; options: unknown[] }[] | undefined {
  if (!Array.isArray(value) || !value.every(isRecord)) return undefined;
  return value.flatMap((rule) => {
    const commands = (rule as { commands?: unknown }).commands;
    if (!Array.isArray(commands)) return [];
    return commands.map((c) =>
      isRecord(c) && !isOpaquePart(c)
        ? { command: (c as { command?: unknown }).command, options: Array.isArray((c as { options?: unknown }).options) ? ((c as { options: unknown[] }).options) : [] }
        : { command: c, options: [] },
    );
  });
}

/** A sudo command as a user reads it: a command declint could not evaluate in full shows its known part. */
function shownCommand(command: unknown): string {
  if (typeof command === 'string') return command.replace(new RegExp(UNKNOWN_PART, 'g'), '…');
  return 'a command declint could not evaluate';
}

/** The first NOPASSWD command (of `ALL` only, with `all`), as `NOPASSWD: command`. */
function nopasswdCulprit(all: boolean) {
  return (value: unknown): string | undefined => {
    const found = sudoCommands(value)?.find((c) => c.options.includes('NOPASSWD') && (!all || c.command === 'ALL'));
    return found ? `NOPASSWD: ${shownCommand(found.command)}` : undefined;
  };
}

/** A list that names a weak algorithm (a `-` list only removes, from an all-strong default). */
function namesWeak(isWeak: (name: string) => boolean) {
  return (value: unknown): boolean | undefined => {
    const list = sshAlgorithmList(value);
    if (!list) return undefined;
    return list.edit !== 'remove' && list.names.some(isWeak);
  };
}

/** A list that names a weak algorithm, or adds to (`+`/`^`) a built-in list that offers one. */
function offersWeak(isWeak: (name: string) => boolean) {
  return (value: unknown): boolean | undefined => {
    const list = sshAlgorithmList(value);
    if (!list || list.edit === 'remove') return undefined;
    return list.edit === 'add' || list.names.some(isWeak);
  };
}

/** Predicates on NixOS option values. */
// ---------------------------------------------------------------------------
// Swap devices (NIX-BOOT-008)
// ---------------------------------------------------------------------------

/**
 * The first swap device of a `swapDevices` list written to disk in clear:
 * neither `randomEncryption` (a bool, or a set with `enable`) nor
 * `encrypted.enable`, and not a device-mapper or ZFS volume (which may be
 * encrypted below). Undefined when an element or one of those fields is not
 * known; null when every device is encrypted or may be.
 */
function plainSwapDevice(value: unknown): string | null | undefined {
  if (!Array.isArray(value)) return undefined;
  for (const device of value) {
    if (!isRecord(device) || isOpaquePart(device)) return undefined;
    const random = device.randomEncryption;
    const encrypted = device.encrypted;
    const name = device.device ?? (typeof device.label === 'string' ? `/dev/disk/by-label/${device.label}` : undefined);
    if ([random, encrypted, name].some(isOpaquePart) || (isRecord(random) && isOpaquePart(random.enable)) || (isRecord(encrypted) && isOpaquePart(encrypted.enable))) return undefined;
    if (random === true || (isRecord(random) && random.enable === true)) continue;
    if (isRecord(encrypted) && encrypted.enable === true) continue;
    if (typeof name !== 'string') return undefined;
    if (/^\/dev\/(mapper|zvol|dm-)/.test(name) || name.includes('\uFFFC')) continue;
    return name;
  }
  return null;
}

export const NIXOS_PREDICATES: Record<string, NamedPredicate> = {
  // Names are judged without their +/^/- prefix; a `-` list only removes from OpenSSH's all-strong built-in ciphers.
  sshWeakCiphers: {
    description: 'an sshd cipher list that enables a CBC, RC4, 3DES, Blowfish, CAST or `none` cipher',
    test: namesWeak((n) => WEAK_CIPHERS.has(n)),
  },
  // SHA-1 and 1024-bit groups are the key exchanges OpenSSH dropped as weak; a `-` list adds none.
  sshWeakKex: {
    description: 'an sshd key-exchange list that enables a SHA-1 or 1024-bit Diffie-Hellman exchange',
    test: namesWeak((n) => WEAK_KEX.test(n)),
  },
  // NIST curves are a policy choice; `+`/`^` keeps OpenSSH's built-in list, which offers them.
  sshNistKex: {
    description: 'an sshd key-exchange list that offers NIST-curve ECDH (listed, or kept from the built-in list by a `+`/`^` addition)',
    test: offersWeak((n) => NIST_KEX.test(n)),
  },
  // `+`/`^` keeps OpenSSH's built-in MAC list, which still offers hmac-sha1 and umac-64 (sshd_config(5)).
  sshWeakMacs: {
    description: 'an sshd MAC list that enables an MD5, SHA-1, RIPEMD-160 or 64-bit-tag MAC, or adds to the built-in list that does',
    test: offersWeak((n) => WEAK_MAC.test(n)),
  },
  // Clear-text logins and remote desktops must not be reachable from every network.
  firewallOpensCleartextLoginPort: opensPort('a TCP port list or range list that opens FTP, telnet, rexec/rlogin/rsh, RDP or VNC (5900-5999)', CLEARTEXT_TCP_PORTS),
  // Data stores and admin APIs are meant for a management or back-end network only.
  firewallOpensServicePort: opensPort(
    'a TCP port list or range list that opens a data store or admin API (RPC, SMB, rsync, NFS, Docker, etcd, SQL, Redis, Elasticsearch, kubelet, memcached, MongoDB)',
    (p) => SERVICE_TCP_PORTS.has(p),
  ),
  firewallOpensCleartextUdpPort: opensPort('a UDP port list or range list that opens TFTP (69)', CLEARTEXT_UDP_PORTS),
  firewallOpensServiceUdpPort: opensPort('a UDP port list or range list that opens the RPC portmapper, SNMP, SSDP or memcached', (p) => SERVICE_UDP_PORTS.has(p)),
  // A range of more than a thousand ports is no longer a list of services.
  firewallOpensWideRange: {
    description: `a port range list with a range of more than ${WIDE_RANGE} ports`,
    test: (value) => {
      const spans = portSpans(value);
      return spans === undefined ? undefined : spans.some((r) => r.to - r.from > WIDE_RANGE);
    },
    culprit: (value) => {
      const wide = portSpans(value)?.find((r) => r.to - r.from > WIDE_RANGE);
      return wide ? `ports ${wide.from}-${wide.to}` : undefined;
    },
  },
  // A swap partition in clear keeps whatever memory was paged out (keys, passwords) on the disk.
  swapWithoutEncryption: {
    description: 'a swap device list with a device that is neither randomly encrypted, nor `encrypted`, nor a device-mapper or ZFS volume',
    test: (value) => {
      const plain = plainSwapDevice(value);
      return plain === undefined ? undefined : plain !== null;
    },
    culprit: (value) => plainSwapDevice(value) ?? undefined,
  },
  // Trusting a physical or uplink interface turns the firewall off for the network behind it.
  trustsUplinkInterface: {
    description: 'a trusted-interface list with an Ethernet, Wi-Fi, WWAN or bond interface (en*, eth*, wl*, ww*, bond*)',
    test: (value) => {
      const names = interfaceNames(value);
      return names === undefined ? undefined : names.some((n) => /^(en|eth|wl|ww|bond)/.test(n));
    },
  },
  // Any interface besides loopback accepts all its traffic unfiltered.
  trustsNonLoopbackInterface: {
    description: 'a trusted-interface list with an interface other than `lo`',
    test: (value) => {
      const names = interfaceNames(value);
      return names === undefined ? undefined : names.some((n) => n !== 'lo');
    },
  },
  // NOPASSWD on ALL is root without authentication for whoever the rule names.
  sudoRuleNopasswdAll: {
    description: 'a sudo rule that runs the command ALL with the NOPASSWD tag',
    test: (value) => {
      const commands = sudoCommands(value);
      return commands === undefined ? undefined : commands.some((c) => c.command === 'ALL' && c.options.includes('NOPASSWD'));
    },
    culprit: nopasswdCulprit(true),
  },
  // NOPASSWD on any command runs it as the target user without re-authentication.
  sudoRuleNopasswd: {
    description: 'a sudo rule with the NOPASSWD tag on a command',
    test: (value) => {
      const commands = sudoCommands(value);
      return commands === undefined ? undefined : commands.some((c) => c.options.includes('NOPASSWD'));
    },
    culprit: nopasswdCulprit(false),
  },
};
