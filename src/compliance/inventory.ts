import type { Host } from '../nix/host';
import type { Plain } from '../nix/value';

/**
 * The asset inventory of one NixOS host, as ISO/IEC 27001 A.5.9 asks for it:
 * what it runs and who can log in, read from its effective configuration.
 * Only what is known statically: a package list built by a function call,
 * or a user defined in an unread module, is not guessed.
 */
export interface HostInventory {
  /** The NixOS release of its locked nixpkgs, and `system.stateVersion`. */
  release?: string;
  stateVersion?: string;
  /** `environment.systemPackages` entries as written (`pkgs.` left out). */
  packages: string[];
  /** `services.<name>.enable = true`. */
  services: string[];
  /** Whether the NixOS firewall runs (it does unless a module turns it off); off, every listening port is reachable. */
  firewall: 'on' | 'off' | 'unknown';
  /** Firewall ports open on every interface (listed, or opened by SSH's `openFirewall`), and per interface. */
  ports: { scope: string; protocol: 'tcp' | 'udp'; ports: (number | string)[] }[];
  users: { name: string; groups: string[]; kind?: 'normal' | 'system' }[];
}

const USER_FIELDS = ['isNormalUser', 'isSystemUser', 'extraGroups', 'group', 'hashedPassword', 'hashedPasswordFile', 'initialPassword', 'password', 'description', 'home', 'shell', 'uid'];

export function hostInventory(host: Host, text: (file: string) => string | undefined): HostInventory {
  const plain = (path: string[]): Plain | undefined => {
    const e = host.effective(path);
    return e.kind === 'known' ? e.plain : undefined;
  };
  const stateVersion = plain(['system', 'stateVersion']);
  const services = host
    .definedPathsMatching(['services', '*', 'enable'])
    .filter((p) => plain(p) === true)
    .map((p) => p[1])
    .sort();
  const ports: HostInventory['ports'] = [];
  for (const protocol of ['tcp', 'udp'] as const) {
    const option = protocol === 'tcp' ? 'allowedTCPPorts' : 'allowedUDPPorts';
    const global = plain(['networking', 'firewall', option]);
    if (Array.isArray(global) && global.length > 0) ports.push({ scope: 'all interfaces', protocol, ports: global as (number | string)[] });
    for (const p of host.definedPathsMatching(['networking', 'firewall', 'interfaces', '*', option])) {
      const list = plain(p);
      if (Array.isArray(list) && list.length > 0) ports.push({ scope: p[3], protocol, ports: list as (number | string)[] });
    }
  }
  // services.openssh.openFirewall (default true) opens the SSH ports (default 22) everywhere.
  if (plain(['services', 'openssh', 'enable']) === true && host.effective(['services', 'openssh', 'openFirewall']).kind !== 'unknown' && plain(['services', 'openssh', 'openFirewall']) !== false) {
    const sshPorts = host.effective(['services', 'openssh', 'ports']).kind === 'absent' ? [22] : plain(['services', 'openssh', 'ports']);
    if (Array.isArray(sshPorts) && sshPorts.length > 0) ports.push({ scope: 'all interfaces (services.openssh.openFirewall)', protocol: 'tcp', ports: sshPorts as (number | string)[] });
  }
  const enabled = host.effective(['networking', 'firewall', 'enable']);
  const firewall = enabled.kind === 'absent' ? 'on' : enabled.kind === 'known' && typeof enabled.plain === 'boolean' ? (enabled.plain ? 'on' : 'off') : 'unknown';
  const names = new Set<string>();
  for (const field of USER_FIELDS) for (const p of host.definedPathsMatching(['users', 'users', '*', field])) names.add(p[2]);
  for (const p of host.definedPathsMatching(['users', 'users', '*', 'openssh', 'authorizedKeys', 'keys'])) names.add(p[2]);
  const users = [...names].sort().map((name) => {
    const groups = plain(['users', 'users', name, 'extraGroups']);
    const kind: 'normal' | 'system' | undefined = plain(['users', 'users', name, 'isNormalUser']) === true ? 'normal' : plain(['users', 'users', name, 'isSystemUser']) === true ? 'system' : undefined;
    return { name, groups: Array.isArray(groups) ? groups.map(String) : [], ...(kind ? { kind } : {}) };
  });
  return {
    ...(host.spec.release ? { release: host.spec.release.release } : {}),
    ...(typeof stateVersion === 'string' ? { stateVersion } : {}),
    packages: packageNames(host, text),
    services,
    firewall,
    ports,
    users,
  };
}

/** The entries of every `environment.systemPackages` list the host's modules write, as written. */
function packageNames(host: Host, text: (file: string) => string | undefined): string[] {
  const e = host.effective(['environment', 'systemPackages']);
  if (e.kind === 'absent') return [];
  const out: string[] = [];
  for (const c of e.contributions) {
    if (c.status === 'inactive') continue;
    const source = text(c.definition.file);
    if (source === undefined) continue;
    const binding = source.slice(c.definition.def.binding.start, c.definition.def.binding.end);
    const open = binding.indexOf('[');
    const close = binding.lastIndexOf(']');
    if (open === -1 || close < open) continue;
    out.push(...listItems(binding.slice(open + 1, close)).map((item) => item.replace(/^pkgs\./, '')));
  }
  return [...new Set(out)];
}

/** The top-level items of a Nix list body, split on white space outside brackets, braces, parentheses and strings; comments dropped. */
function listItems(body: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (!inString && ch === '#') {
      while (i < body.length && body[i] !== '\n') i++;
      continue;
    }
    if (ch === '"' && body[i - 1] !== '\\') inString = !inString;
    if (!inString) {
      if ('([{'.includes(ch)) depth++;
      else if (')]}'.includes(ch)) depth--;
    }
    if (!inString && depth === 0 && /\s/.test(ch)) {
      if (current) items.push(current);
      current = '';
    } else current += ch;
  }
  if (current) items.push(current);
  return items;
}
