'use strict';
/**
 * Deterministic generator of a synthetic NixOS fleet repository for `npm run bench`.
 *
 *   node bench/generate.js --dir DIR [--files N] [--seed S]
 *
 * Writes exactly N `.nix` files (flake.nix, hosts/<host>/{configuration,hardware-configuration}.nix,
 * modules/<area>/[<group>/]<name>.nix with default.nix import hubs), one flake.lock and a few
 * Talos machine configs under talos/. A small fraction of modules carries an insecure setting
 * the linter is expected to report; the summary returned by generate() counts them.
 *
 * Every random choice comes from one seeded PRNG consumed in a fixed order, and nothing
 * depends on time, locale or directory listing order, so the same seed and N give a
 * byte-identical tree.
 */

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

/** Name of the marker file written at the root of a generated tree (see run.js for reuse). */
const MARKER = '.declint-bench.json';

// ---------------------------------------------------------------------------------------------
// PRNG

/** mulberry32: tiny, fast, good enough for test data, and identical on every platform. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(seed) {
    this.next = mulberry32(seed);
  }
  /** Integer in [lo, hi], both inclusive. */
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p) {
    return this.next() < p;
  }
  pick(arr) {
    return arr[Math.floor(this.next() * arr.length)];
  }
  /** k distinct elements of arr, in random order. */
  sample(arr, k) {
    const copy = arr.slice();
    const out = [];
    while (out.length < k && copy.length > 0) out.push(copy.splice(Math.floor(this.next() * copy.length), 1)[0]);
    return out;
  }
  hex(n) {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.int(0, 15)];
    return s;
  }
  base64(n) {
    const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    let s = '';
    for (let i = 0; i < n; i++) s += abc[this.int(0, 63)];
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

const AREAS = {
  services: ['nginx', 'postgres', 'redis', 'grafana', 'prometheus', 'loki', 'gitea', 'nextcloud', 'vaultwarden',
    'home-assistant', 'jellyfin', 'syncthing', 'minio', 'keycloak', 'matrix-synapse', 'mastodon', 'paperless',
    'immich', 'uptime-kuma', 'forgejo', 'hydra', 'mosquitto', 'zigbee2mqtt', 'netbox', 'outline', 'miniflux'],
  networking: ['firewall', 'wireguard', 'tailscale', 'bridges', 'vlans', 'dns', 'unbound', 'dhcp', 'bonding',
    'routes', 'nat', 'ipv6', 'haproxy', 'keepalived', 'bird', 'resolved', 'nftables', 'headscale'],
  security: ['hardening', 'sudo', 'auditd', 'apparmor', 'fail2ban', 'pam', 'tpm', 'secrets', 'sops', 'agenix',
    'usbguard', 'clamav', 'polkit', 'kernel-lockdown', 'acme', 'step-ca'],
  hardware: ['nvidia', 'amdgpu', 'bluetooth', 'audio', 'printing', 'scanners', 'firmware', 'smartd', 'sensors',
    'laptop', 'power', 'zfs', 'raid', 'ssd', 'thunderbolt'],
  desktop: ['gnome', 'plasma', 'sway', 'hyprland', 'fonts', 'xdg', 'pipewire', 'gaming', 'flatpak', 'browsers',
    'terminal', 'i3', 'greetd', 'theming'],
  users: ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar',
    'peggy', 'trent', 'victor', 'walter', 'deploy', 'ci'],
  virtualisation: ['docker', 'podman', 'libvirt', 'lxd', 'incus', 'microvm', 'k3s', 'containers', 'qemu-guest',
    'vmware-guest', 'waydroid'],
  monitoring: ['node-exporter', 'alertmanager', 'promtail', 'vector', 'telegraf', 'netdata', 'blackbox',
    'smartctl-exporter', 'postgres-exporter', 'nginx-exporter', 'journald', 'scrutiny'],
  backup: ['restic', 'borgbackup', 'sanoid', 'syncoid', 'rclone', 'snapper', 'btrbk', 'kopia', 'zrepl'],
  boot: ['systemd-boot', 'grub', 'lanzaboote', 'initrd-ssh', 'plymouth', 'kernel', 'tmpfs', 'impermanence'],
  dev: ['git', 'direnv', 'neovim', 'emacs', 'vscode', 'rust', 'python', 'go', 'node', 'java', 'haskell', 'ops-tools',
    'shells', 'zsh', 'fish', 'tmux'],
  nix: ['settings', 'gc', 'registry', 'distributed-builds', 'binary-caches', 'overlays', 'nix-ld', 'auto-upgrade'],
};

const GROUPS = ['web', 'databases', 'observability', 'mail', 'media', 'storage', 'ci', 'vpn', 'identity', 'iot',
  'edge', 'core', 'extra', 'legacy', 'lab', 'office', 'compute', 'ingress', 'internal', 'public'];

const QUALIFIERS = ['proxy', 'worker', 'exporter', 'backup', 'prod', 'staging', 'ha', 'replica', 'tuning', 'common',
  'server', 'client', 'agent', 'cache', 'oidc', 'ldap', 'hardening', 'defaults', 'secrets', 'firewall', 'limits',
  'metrics', 'logging', 'migration', 'legacy', 'internal', 'public', 'edge'];

const HOSTS = ['atlas', 'borealis', 'cassini', 'deimos', 'europa', 'fenrir', 'ganymede', 'helios', 'io', 'juno',
  'kepler', 'luna', 'mimas', 'nyx', 'oberon', 'phobos', 'rhea', 'titan', 'umbriel', 'vesta', 'wega', 'xena'];

const PKGS = ['git', 'vim', 'neovim', 'htop', 'btop', 'curl', 'wget', 'jq', 'yq-go', 'ripgrep', 'fd', 'tmux',
  'rsync', 'openssl', 'age', 'sops', 'nmap', 'tcpdump', 'iperf3', 'dnsutils', 'strace', 'lsof', 'file', 'tree',
  'unzip', 'zstd', 'pciutils', 'usbutils', 'smartmontools', 'nvme-cli', 'ethtool', 'mtr', 'bat', 'eza', 'fzf',
  'gnupg', 'pinentry-curses', 'kubectl', 'kubernetes-helm', 'talosctl', 'terraform', 'ansible', 'python3', 'go',
  'nodejs_20', 'rustup', 'gcc', 'gnumake', 'cmake', 'pkg-config', 'sqlite', 'postgresql_16', 'restic', 'borgbackup'];

const SYSCTLS = [
  ['net.ipv4.ip_forward', '0'],
  ['net.ipv4.conf.all.rp_filter', '1'],
  ['net.ipv4.conf.default.rp_filter', '1'],
  ['net.ipv4.conf.all.accept_redirects', '0'],
  ['net.ipv4.conf.all.send_redirects', '0'],
  ['net.ipv4.conf.all.accept_source_route', '0'],
  ['net.ipv4.tcp_syncookies', '1'],
  ['net.ipv6.conf.all.accept_redirects', '0'],
  ['net.ipv6.conf.all.accept_ra', '0'],
  ['net.core.somaxconn', '4096'],
  ['net.core.bpf_jit_harden', '2'],
  ['kernel.kptr_restrict', '2'],
  ['kernel.dmesg_restrict', '1'],
  ['kernel.unprivileged_bpf_disabled', '1'],
  ['kernel.yama.ptrace_scope', '1'],
  ['fs.protected_hardlinks', '1'],
  ['fs.protected_symlinks', '1'],
  ['fs.suid_dumpable', '0'],
  ['vm.swappiness', '10'],
  ['vm.max_map_count', '262144'],
];

const GENERIC_SERVICES = ['fail2ban', 'tailscale', 'chrony', 'smartd', 'fwupd', 'avahi', 'printing', 'pipewire',
  'fstrim', 'thermald', 'upower', 'udisks2', 'locate', 'earlyoom', 'irqbalance', 'timesyncd', 'resolved', 'dbus'];

const EXPORTERS = ['node', 'systemd', 'postgres', 'nginx', 'redis', 'smartctl', 'blackbox', 'wireguard', 'zfs',
  'process', 'domain', 'bind'];

const IFACES = ['ens3', 'ens18', 'enp1s0', 'enp3s0', 'eno1', 'eth0', 'eth1', 'wlp2s0', 'br0', 'bond0'];

const TIMEZONES = ['Europe/Paris', 'Europe/Berlin', 'Europe/Amsterdam', 'UTC', 'America/New_York', 'Asia/Tokyo'];

// ---------------------------------------------------------------------------------------------
// Text helpers

/** Prefix every non-empty line with `n` spaces. */
function indent(lines, n) {
  const pad = ' '.repeat(n);
  return lines.map((l) => (l === '' ? '' : pad + l));
}

/** `[ a b c ]` or a multi-line list when long; `items` are raw Nix expressions. */
function exprListLines(head, items, tail) {
  if (items.length <= 5) return [`${head}[ ${items.join(' ')} ]${tail}`];
  return [`${head}[`, ...indent(items, 2), `]${tail}`];
}

// ---------------------------------------------------------------------------------------------
// Snippets: each one emits a few bindings (an array of lines, indentation relative to the
// enclosing attribute set) and claims a key so that one file never defines the same
// attribute twice (which would be valid syntax but an evaluation error).
//
// ctx: { rng, L ('lib.' or '' when `with lib;` / `inherit (lib) ...` is in scope), port (a Nix
// expression for the module's port), cfg (true when `cfg` is bound), name, area, used (Set) }

/** Unique-ifies a parametrised key such as `systemd.services.<name>`. */
function freshName(ctx, prefix, base) {
  let name = base;
  for (let i = 2; ctx.used.has(prefix + name); i++) name = `${base}-${i}`;
  return name;
}

const SNIPPETS = [
  // Nested attribute sets, hardened sshd.
  {
    key: 'services.openssh',
    emit: (ctx) => [
      'services.openssh = {',
      '  enable = true;',
      `  ports = [ ${ctx.cfg ? 'cfg.port' : '22'} ];`,
      `  openFirewall = ${ctx.L}mkDefault true;`,
      '  settings = {',
      '    PermitRootLogin = "no";',
      '    PasswordAuthentication = false;',
      '    KbdInteractiveAuthentication = false;',
      `    X11Forwarding = ${ctx.rng.chance(0.5) ? 'false' : `${ctx.L}mkForce false`};`,
      '    MaxAuthTries = 3;',
      '  };',
      '};',
    ],
  },
  // Dotted paths, same subject.
  {
    key: 'services.openssh',
    emit: (ctx) => [
      `services.openssh.enable = ${ctx.L}mkDefault true;`,
      'services.openssh.settings.PermitRootLogin = "no";',
      'services.openssh.settings.PasswordAuthentication = false;',
    ],
  },
  // Quoted sysctl keys, dotted or as a set.
  {
    key: 'boot.kernel.sysctl',
    emit: (ctx) => {
      const entries = ctx.rng.sample(SYSCTLS, ctx.rng.int(2, 8));
      if (ctx.rng.chance(0.5)) {
        return entries.map(([k, v]) => `boot.kernel.sysctl."${k}" = ${ctx.rng.chance(0.2) ? `${ctx.L}mkDefault ${v}` : v};`);
      }
      return ['boot.kernel.sysctl = {', ...entries.map(([k, v]) => `  "${k}" = ${v};`), '};'];
    },
  },
  // Package lists: `with pkgs; [ … ]`, `++ lib.optionals`.
  {
    key: 'environment.systemPackages',
    emit: (ctx) => {
      const pkgs = ctx.rng.sample(PKGS, ctx.rng.int(2, 14));
      if (ctx.rng.chance(0.6)) return exprListLines('environment.systemPackages = with pkgs; ', pkgs, ';');
      const extra = ctx.rng.sample(PKGS, 2).map((p) => `pkgs.${p}`);
      return exprListLines('environment.systemPackages = ', pkgs.map((p) => `pkgs.${p}`), '')
        .concat([`  ++ ${ctx.L}optionals config.services.xserver.enable [ ${extra.join(' ')} ];`]);
    },
  },
  // systemd unit with `${…}` interpolation and an indented string.
  {
    key: 'systemd.services.',
    param: true,
    emit: (ctx) => {
      const svc = freshName(ctx, 'systemd.services.', ctx.rng.chance(0.5) ? ctx.name : ctx.rng.pick(AREAS.services));
      ctx.used.add('systemd.services.' + svc);
      const pkg = ctx.rng.pick(PKGS);
      const lines = [
        `systemd.services.${svc} = {`,
        `  description = "${svc} (${ctx.area})";`,
        '  wantedBy = [ "multi-user.target" ];',
        '  after = [ "network-online.target" ];',
        '  wants = [ "network-online.target" ];',
        '  environment = {',
        `    PORT = toString ${ctx.port};`,
        `    STATE_DIRECTORY = "/var/lib/${svc}";`,
        '  };',
      ];
      if (ctx.rng.chance(0.5)) {
        lines.push(
          '  script = \'\'',
          '    set -euo pipefail',
          `    echo "starting ${svc} on port \${toString ${ctx.port}}"`,
          `    exec \${pkgs.${pkg}}/bin/${pkg} --listen 127.0.0.1:\${toString ${ctx.port}}`,
          '  \'\';',
        );
      }
      lines.push('  serviceConfig = {');
      if (lines.every((l) => !l.includes('script ='))) {
        lines.push(`    ExecStart = "\${pkgs.${pkg}}/bin/${pkg} --port \${toString ${ctx.port}}";`);
      }
      lines.push(
        '    DynamicUser = true;',
        `    Restart = "${ctx.rng.pick(['on-failure', 'always'])}";`,
        `    RestartSec = ${ctx.rng.int(1, 30)};`,
        '    ProtectSystem = "strict";',
        '    ProtectHome = true;',
        '    PrivateTmp = true;',
        '    NoNewPrivileges = true;',
        `    StateDirectory = "${svc}";`,
        '  };',
        '};',
      );
      return lines;
    },
  },
  // Firewall ports with lib.optionals.
  {
    key: 'networking.firewall',
    emit: (ctx) => {
      if (ctx.cfg) {
        return [`networking.firewall.allowedTCPPorts = [ 80 443 ] ++ ${ctx.L}optionals cfg.openFirewall [ cfg.port ];`];
      }
      return [
        'networking.firewall = {',
        '  enable = true;',
        `  allowedTCPPorts = [ ${ctx.rng.sample(['22', '80', '443', '8443', '9100', '3000'], 3).join(' ')} ];`,
        `  allowedUDPPorts = [ ${ctx.rng.int(50000, 52000)} ];`,
        '  logRefusedConnections = false;',
        '};',
      ];
    },
  },
  // Users with nested attrs and authorized keys.
  {
    key: 'users.users.',
    param: true,
    emit: (ctx) => {
      const user = freshName(ctx, 'users.users.', ctx.rng.pick(AREAS.users));
      ctx.used.add('users.users.' + user);
      if (ctx.rng.chance(0.3)) {
        ctx.used.add('users.groups.' + user);
        return [
          `users.users.${user} = {`,
          '  isSystemUser = true;',
          `  group = "${user}";`,
          `  home = "/var/lib/${user}";`,
          '  createHome = true;',
          '};',
          `users.groups.${user} = { };`,
        ];
      }
      return [
        `users.users.${user} = {`,
        '  isNormalUser = true;',
        `  description = "${user[0].toUpperCase()}${user.slice(1)}";`,
        `  extraGroups = [ "wheel" "networkmanager" ] ++ ${ctx.L}optionals config.virtualisation.docker.enable [ "docker" ];`,
        `  shell = pkgs.${ctx.rng.pick(['zsh', 'bash', 'fish'])};`,
        '  openssh.authorizedKeys.keys = [',
        `    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${ctx.rng.base64(43)} ${user}@laptop"`,
        '  ];',
        '};',
      ];
    },
  },
  // nginx virtual host: interpolated attribute name, nested dotted keys, indented string.
  {
    key: 'services.nginx.virtualHosts.',
    param: true,
    emit: (ctx) => {
      const host = freshName(ctx, 'services.nginx.virtualHosts.', ctx.name);
      ctx.used.add('services.nginx.virtualHosts.' + host);
      return [
        `services.nginx.virtualHosts."${host}.\${config.networking.domain}" = {`,
        '  forceSSL = true;',
        '  enableACME = true;',
        '  locations."/" = {',
        `    proxyPass = "http://127.0.0.1:\${toString ${ctx.port}}";`,
        '    proxyWebsockets = true;',
        '    extraConfig = \'\'',
        '      proxy_set_header X-Real-IP $remote_addr;',
        `      client_max_body_size ${ctx.rng.int(1, 512)}m;`,
        '    \'\';',
        '  };',
        '};',
      ];
    },
  },
  // mkOverride / mkForce / mkDefault on scalars.
  {
    key: 'services.journald',
    emit: (ctx) => [
      'services.journald.extraConfig = lib.mkOverride 900 \'\'',
      `  SystemMaxUse=${ctx.rng.int(1, 8)}G`,
      '  MaxRetentionSec=1month',
      '\'\';',
    ],
  },
  {
    key: 'time.timeZone',
    emit: (ctx) => [`time.timeZone = ${ctx.L}mkForce "${ctx.rng.pick(TIMEZONES)}";`],
  },
  {
    key: 'i18n',
    emit: (ctx) => [
      `i18n.defaultLocale = ${ctx.L}mkDefault "en_US.UTF-8";`,
      'i18n.extraLocaleSettings = {',
      `  LC_TIME = "${ctx.rng.pick(['fr_FR.UTF-8', 'de_DE.UTF-8', 'en_GB.UTF-8'])}";`,
      '};',
    ],
  },
  // Safe nix settings.
  {
    key: 'nix.settings',
    emit: () => [
      'nix.settings = {',
      '  experimental-features = [ "nix-command" "flakes" ];',
      '  trusted-users = [ "root" "@wheel" ];',
      '  substituters = [ "https://cache.nixos.org" ];',
      '  auto-optimise-store = true;',
      '};',
    ],
  },
  {
    key: 'nix.gc',
    emit: (ctx) => [
      'nix.gc = {',
      '  automatic = true;',
      `  dates = "${ctx.rng.pick(['weekly', 'daily', 'monthly'])}";`,
      `  options = "--delete-older-than ${ctx.rng.int(7, 60)}d";`,
      '};',
    ],
  },
  // `//` with lib.optionalAttrs.
  {
    key: 'environment.variables',
    emit: (ctx) => [
      'environment.variables = {',
      '  EDITOR = "vim";',
      '  PAGER = "less -R";',
      `} // ${ctx.L}optionalAttrs config.services.xserver.enable {`,
      '  BROWSER = "firefox";',
      '};',
    ],
  },
  // /etc file from an indented string with interpolation.
  {
    key: 'environment.etc.',
    param: true,
    emit: (ctx) => {
      const name = freshName(ctx, 'environment.etc.', ctx.name);
      ctx.used.add('environment.etc.' + name);
      return [
        `environment.etc."${name}/config.toml".text = ''`,
        '  [server]',
        `  port = \${toString ${ctx.port}}`,
        '  host = "127.0.0.1"',
        `  data_dir = "/var/lib/${name}"`,
        '',
        '  [log]',
        `  level = "${ctx.rng.pick(['info', 'warn', 'debug'])}"`,
        '\'\';',
      ];
    },
  },
  // Postgres with a list of sets and a forced indented string.
  {
    key: 'services.postgresql',
    emit: (ctx) => [
      'services.postgresql = {',
      '  enable = true;',
      '  package = pkgs.postgresql_16;',
      `  ensureDatabases = [ "${ctx.name}" ];`,
      '  ensureUsers = [',
      '    {',
      `      name = "${ctx.name}";`,
      '      ensureDBOwnership = true;',
      '    }',
      '  ];',
      `  authentication = ${ctx.L}mkForce ''`,
      '    local all all peer',
      '    host all all 127.0.0.1/32 scram-sha-256',
      '    host all all ::1/128 scram-sha-256',
      '  \'\';',
      '};',
    ],
  },
  // OCI container.
  {
    key: 'virtualisation.oci-containers.containers.',
    param: true,
    emit: (ctx) => {
      const name = freshName(ctx, 'virtualisation.oci-containers.containers.', ctx.name);
      ctx.used.add('virtualisation.oci-containers.containers.' + name);
      return [
        `virtualisation.oci-containers.containers.${name} = {`,
        `  image = "ghcr.io/example/${name}:${ctx.rng.int(1, 9)}.${ctx.rng.int(0, 30)}.${ctx.rng.int(0, 9)}";`,
        `  ports = [ "127.0.0.1:\${toString ${ctx.port}}:8080" ];`,
        '  environment = {',
        '    TZ = config.time.timeZone;',
        '  };',
        `  volumes = [ "/var/lib/${name}:/data" ];`,
        '};',
      ];
    },
  },
  // Static addresses: list of sets.
  {
    key: 'networking.interfaces.',
    param: true,
    emit: (ctx) => {
      const ifc = freshName(ctx, 'networking.interfaces.', ctx.rng.pick(IFACES));
      ctx.used.add('networking.interfaces.' + ifc);
      return [
        `networking.interfaces.${ifc}.ipv4.addresses = [`,
        '  {',
        `    address = "10.${ctx.rng.int(0, 255)}.${ctx.rng.int(0, 255)}.${ctx.rng.int(1, 254)}";`,
        '    prefixLength = 24;',
        '  }',
        '];',
      ];
    },
  },
  {
    key: 'services.prometheus.exporters.',
    param: true,
    emit: (ctx) => {
      const exp = freshName(ctx, 'services.prometheus.exporters.', ctx.rng.pick(EXPORTERS));
      ctx.used.add('services.prometheus.exporters.' + exp);
      return [
        `services.prometheus.exporters.${exp} = {`,
        '  enable = true;',
        `  port = ${ctx.rng.int(9100, 9199)};`,
        `  openFirewall = ${ctx.L}mkDefault false;`,
        '};',
      ];
    },
  },
  {
    key: 'assertions',
    emit: (ctx) => [
      'assertions = [',
      '  {',
      `    assertion = ${ctx.cfg ? 'cfg.port != 22' : 'config.networking.hostName != ""'};`,
      `    message = "${ctx.area}.${ctx.name}: invalid configuration";`,
      '  }',
      '];',
    ],
  },
  {
    key: 'boot.kernelParams',
    emit: (ctx) => [
      `boot.kernelParams = [ "quiet" "loglevel=3" ] ++ ${ctx.L}optional config.hardware.cpu.intel.updateMicrocode "intel_iommu=on";`,
    ],
  },
  {
    key: 'security.sudo',
    emit: () => ['security.sudo = {', '  enable = true;', '  wheelNeedsPassword = true;', '  execWheelOnly = true;', '};'],
  },
  {
    key: 'security.auditd',
    emit: () => [
      'security.auditd.enable = true;',
      'security.audit.enable = true;',
      'security.audit.rules = [ "-a exit,always -F arch=b64 -S execve" ];',
    ],
  },
  {
    key: 'systemd.tmpfiles.rules',
    emit: (ctx) => [`systemd.tmpfiles.rules = [ "d /var/lib/${ctx.name} 0750 root root -" ];`],
  },
  // Generic `services.<x>` toggles, dotted or as a set.
  {
    key: 'services.',
    param: true,
    emit: (ctx) => {
      const svc = ctx.rng.pick(GENERIC_SERVICES);
      if (ctx.used.has('services.' + svc)) return null;
      ctx.used.add('services.' + svc);
      if (ctx.rng.chance(0.5)) return [`services.${svc}.enable = true;`];
      return [`services.${svc} = {`, `  enable = ${ctx.L}mkDefault true;`, '};'];
    },
  },
  // `let … in` inside a binding, `inherit`.
  {
    key: 'services.grafana',
    emit: (ctx) => [
      'services.grafana.settings = let',
      `  domain = "grafana.\${config.networking.domain}";`,
      'in {',
      '  server = {',
      '    inherit domain;',
      `    http_port = ${ctx.port};`,
      '    root_url = "https://${domain}/";',
      '  };',
      '  analytics.reporting_enabled = false;',
      '};',
    ],
  },
];

// Insecure settings, one per affected file. `id` is only used in the summary.
const INSECURE = [
  { id: 'ssh-permit-root-login', key: 'services.openssh',
    emit: () => ['services.openssh.enable = true;', 'services.openssh.settings.PermitRootLogin = "yes";'] },
  { id: 'ssh-password-auth', key: 'services.openssh',
    emit: () => ['services.openssh = {', '  enable = true;', '  settings.PasswordAuthentication = true;', '};'] },
  { id: 'nix-require-sigs-false', key: 'nix.settings', emit: () => ['nix.settings.require-sigs = false;'] },
  { id: 'firewall-disabled', key: 'networking.firewall', emit: () => ['networking.firewall.enable = false;'] },
  { id: 'sudo-no-password', key: 'security.sudo', emit: () => ['security.sudo.wheelNeedsPassword = false;'] },
  { id: 'root-initial-password', key: 'users.users.root',
    emit: () => ['users.users.root.initialPassword = "changeme";'] },
];

const COMMENTS = ['# Keep in sync with the production host.', '# TODO: move to a shared profile', '# See the runbook.',
  '# Managed by the platform team.', '# Hardening baseline.', '# FIXME: revisit after the next release'];

/** Appends snippets until the body reaches about `target` bytes. */
function fillBody(ctx, target, start) {
  const out = start.slice();
  let size = out.reduce((n, l) => n + l.length + 1, 0);
  for (let attempts = 0; size < target && attempts < 400; attempts++) {
    const snip = ctx.rng.pick(SNIPPETS);
    if (!snip.param && ctx.used.has(snip.key)) continue;
    const lines = snip.emit(ctx);
    if (!lines) continue;
    if (!snip.param) ctx.used.add(snip.key);
    if (out.length > 0) out.push('');
    if (ctx.rng.chance(0.15)) out.push(ctx.rng.pick(COMMENTS));
    out.push(...lines);
    size += lines.reduce((n, l) => n + l.length + 1, 0);
  }
  return out;
}

/**
 * File size target, log-uniform within a band: 35 % tiny (150–600 bytes), 50 % 0.6–2.5 KB,
 * 13 % 2.5–7 KB, 2 % 7–18 KB; the last snippet and the module's frame overshoot the target.
 * Real modules are small: the development repositories' .nix files have a median of 679
 * bytes, a mean of 1.6 KB and a 90th percentile of 3.5 KB (see README.md, "Shape").
 */
function targetSize(rng) {
  const r = rng.next();
  const [lo, hi] = r < 0.35 ? [150, 600] : r < 0.85 ? [600, 2500] : r < 0.98 ? [2500, 7000] : [7000, 18000];
  return Math.round(Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo))));
}

// ---------------------------------------------------------------------------------------------
// Module templates

const HEADERS = ['{ config, lib, pkgs, ... }:', '{ config, pkgs, lib, ... }:', '{ lib, config, pkgs, ... }:'];
const LIB_INHERIT = 'inherit (lib) mkIf mkMerge mkEnableOption mkOption mkDefault mkForce types optional optionals optionalAttrs;';

/**
 * Renders one module. `m` = { area, name, siblingsAfter (relative paths it may import), insecure }.
 */
function renderModule(rng, m) {
  const kind = rng.next();
  const target = targetSize(rng);
  const ctx = { rng, L: 'lib.', port: String(rng.int(1024, 65000)), cfg: false, name: m.name, area: m.area, used: new Set() };
  const start = [];
  if (m.insecure) {
    ctx.used.add(m.insecure.key);
    start.push(...m.insecure.emit(ctx));
  }
  const importLines = m.siblingsAfter.length > 0 && rng.chance(0.12)
    ? exprListLines('imports = ', rng.sample(m.siblingsAfter, rng.int(1, 2)).map((s) => `./${s}`), ';')
    : null;

  // Tiny `{ pkgs, ... }:` package module.
  if (kind < 0.05 && !m.insecure && !importLines) {
    const pkgs = rng.sample(PKGS, rng.int(3, 20));
    return ['{ pkgs, ... }:', '', '{', ...indent(exprListLines('environment.systemPackages = with pkgs; ', pkgs, ';'), 2), '}', ''].join('\n');
  }

  const head = [rng.pick(HEADERS), ''];
  const scope = rng.next(); // how lib functions are brought into scope

  // Option module: options.my.<area>.<name> + config = mkIf cfg.enable { … }.
  if (kind < 0.5 && target >= 900) {
    ctx.cfg = true;
    ctx.port = 'cfg.port';
    const letLines = [`cfg = config.my.${m.area}.${m.name};`, `stateDir = "/var/lib/${m.name}";`];
    if (scope < 0.45) {
      head.push('with lib;', '');
      ctx.L = '';
    } else if (scope < 0.7) {
      letLines.unshift(LIB_INHERIT);
      ctx.L = '';
    }
    const L = ctx.L;
    head.push('let', ...indent(letLines, 2), 'in', '{');
    const opt = `options.my.${m.area}.${m.name}`;
    const defPort = rng.int(1024, 65000);
    let options;
    if (rng.chance(0.5)) {
      options = [
        `${opt} = {`,
        `  enable = ${L}mkEnableOption "the ${m.name} ${m.area} module";`,
        `  port = ${L}mkOption {`,
        `    type = ${L}types.port;`,
        `    default = ${defPort};`,
        `    description = "Port ${m.name} listens on.";`,
        '  };',
        `  openFirewall = ${L}mkOption {`,
        `    type = ${L}types.bool;`,
        '    default = false;',
        '    description = \'\'',
        `      Whether to open the firewall for \${toString cfg.port}.`,
        '    \'\';',
        '  };',
        `  extraArgs = ${L}mkOption { type = ${L}types.listOf ${L}types.str; default = [ ]; };`,
        '};',
      ];
    } else {
      options = [
        `${opt}.enable = ${L}mkEnableOption "${m.name}";`,
        `${opt}.port = ${L}mkOption { type = ${L}types.port; default = ${defPort}; };`,
        `${opt}.openFirewall = ${L}mkOption { type = ${L}types.bool; default = false; };`,
      ];
    }
    const body = fillBody(ctx, target - 900, start);
    const cfgLines = [];
    if (rng.chance(0.25)) {
      // mkIf over an mkMerge of a plain set and a conditional set.
      cfgLines.push(`config = ${L}mkIf cfg.enable (${L}mkMerge [`, '  {', ...indent(body, 4), '  }',
        `  (${L}mkIf cfg.openFirewall {`, '    networking.firewall.allowedTCPPorts = [ cfg.port ];', '  })', ']);');
    } else {
      cfgLines.push(`config = ${L}mkIf cfg.enable {`, ...indent(body, 2), '};');
    }
    const inner = [];
    if (importLines) inner.push(...importLines, '');
    inner.push(...options, '', ...cfgLines);
    return [...head, ...indent(inner, 2), '}', ''].join('\n');
  }

  // Let module: local values used by the bindings.
  if (kind < 0.65 && target >= 400) {
    ctx.port = 'port';
    head.push('let', '  port = ' + rng.int(1024, 65000) + ';', `  domain = "${m.name}.example.org";`,
      '  mkLocation = path: {', '    proxyPass = "http://127.0.0.1:${toString port}${path}";', '  };', 'in', '{');
    const body = fillBody(ctx, target - 250, start);
    // A dynamic attribute name (`${domain}`) applying a local function.
    body.push('', 'services.nginx.virtualHosts.${domain}.locations."/api" = mkLocation "/api";');
    const inner = importLines ? [...importLines, '', ...body] : body;
    return [...head, ...indent(inner, 2), '}', ''].join('\n');
  }

  // mkMerge profile: `config = mkMerge [ { … } (mkIf … { … }) ];`.
  if (kind < 0.75 && target >= 400) {
    if (scope < 0.5) {
      head.push('with lib;', '');
      ctx.L = '';
    }
    const L = ctx.L;
    const first = fillBody(ctx, (target - 200) / 2, start);
    const second = fillBody(ctx, (target - 200) / 2, []);
    const inner = importLines ? [...importLines, ''] : [];
    inner.push(`config = ${L}mkMerge [`, '  {', ...indent(first, 4), '  }',
      `  (${L}mkIf config.services.xserver.enable {`, ...indent(second.length ? second : ['services.libinput.enable = true;'], 4), '  })', '];');
    return [...head, '{', ...indent(inner, 2), '}', ''].join('\n');
  }

  // Plain module.
  if (scope < 0.3) {
    head.push('with lib;', '');
    ctx.L = '';
  }
  head.push('{');
  const body = fillBody(ctx, target - 100, importLines ? [...importLines, '', ...start] : start);
  return [...head, ...indent(body, 2), '}', ''].join('\n');
}

function renderImportHub(rng, imports, area) {
  const lines = rng.chance(0.7) ? ['{ ... }:', '', '{'] : ['{ lib, ... }:', '', '{'];
  lines.push(...indent(['imports = [', ...indent(imports, 2), '];'], 2));
  if (lines[0] !== '{ ... }:') {
    lines.push('', `  options.my.${area}.enableAll = lib.mkEnableOption "every ${area} module";`);
  }
  lines.push('}', '');
  return lines.join('\n');
}

/**
 * A host's configuration.nix: its hardware file, the profiles and modules it imports (paths
 * relative to hosts/<host>/), and a few of their options turned on.
 */
function renderHost(rng, host, imports, optionModules) {
  const enabled = rng.sample(optionModules, Math.min(optionModules.length, rng.int(3, 15)))
    .flatMap((o) => (rng.chance(0.5) ? [`my.${o}.enable = true;`] : [`my.${o} = {`, '  enable = true;', '};']));
  const lines = [
    '{ config, lib, pkgs, ... }:',
    '',
    '{',
    '  imports = [',
    '    ./hardware-configuration.nix',
    ...imports.map((i) => `    ${i}`),
    '  ];',
    '',
    `  networking.hostName = "${host}";`,
    '  networking.domain = "example.org";',
    `  time.timeZone = "${rng.pick(TIMEZONES)}";`,
    '',
    ...indent(enabled, 2),
    '',
    '  # This value determines the NixOS release from which the default',
    '  # settings for stateful data were taken. Do not change it.',
    `  system.stateVersion = "${rng.pick(['23.11', '24.05', '24.11'])}";`,
    '}',
    '',
  ];
  return lines.join('\n');
}

const LICENSES = ['mit', 'asl20', 'gpl3Plus', 'bsd3', 'mpl20'];

/** A package (`pkgs/<name>/default.nix`): a derivation called with callPackage, not a module. */
function renderPackage(rng, name) {
  const go = rng.chance(0.3);
  const lines = go
    ? ['{ lib, buildGoModule, fetchFromGitHub }:', '', 'buildGoModule rec {']
    : ['{ lib, stdenv, fetchFromGitHub, makeWrapper, ... }:', '', 'stdenv.mkDerivation rec {'];
  lines.push(
    `  pname = "${name}";`,
    `  version = "${rng.int(0, 4)}.${rng.int(0, 30)}.${rng.int(0, 9)}";`,
    '',
    '  src = fetchFromGitHub {',
    `    owner = "${rng.pick(['example', 'acme-corp', 'platform-team', 'infra-tools'])}";`,
    '    repo = pname;',
    '    rev = "v${version}";',
    `    hash = "sha256-${rng.base64(43)}=";`,
    '  };',
    '',
  );
  if (go) {
    lines.push(`  vendorHash = "sha256-${rng.base64(43)}=";`, '', '  ldflags = [ "-s" "-w" "-X main.version=${version}" ];');
  } else {
    lines.push(
      '  nativeBuildInputs = [ makeWrapper ];',
      '',
      "  installPhase = ''",
      '    runHook preInstall',
      '    install -Dm755 ${pname} $out/bin/${pname}',
      '    wrapProgram $out/bin/${pname} --set-default LOG_LEVEL info',
      '    runHook postInstall',
      "  '';",
    );
  }
  lines.push(
    '',
    '  meta = with lib; {',
    `    description = "${name}, packaged for the fleet";`,
    `    license = licenses.${rng.pick(LICENSES)};`,
    '    platforms = platforms.linux;',
    `    mainProgram = "${name}";`,
    '  };',
    '}',
    '',
  );
  return lines.join('\n');
}

function renderHardware(rng) {
  const uuid = `${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`;
  const cpu = rng.pick(['intel', 'amd']);
  return [
    '# Do not modify this file!  It was generated by \u2018nixos-generate-config\u2019',
    '# and may be overwritten by future invocations.',
    '{ config, lib, pkgs, modulesPath, ... }:',
    '',
    '{',
    '  imports = [ (modulesPath + "/installer/scan/not-detected.nix") ];',
    '',
    '  boot.initrd.availableKernelModules = [ "xhci_pci" "ahci" "nvme" "usbhid" "sd_mod" ];',
    '  boot.initrd.kernelModules = [ ];',
    `  boot.kernelModules = [ "kvm-${cpu}" ];`,
    '  boot.extraModulePackages = [ ];',
    '',
    '  fileSystems."/" = {',
    `    device = "/dev/disk/by-uuid/${uuid}";`,
    '    fsType = "ext4";',
    '  };',
    '',
    '  fileSystems."/boot" = {',
    `    device = "/dev/disk/by-uuid/${rng.hex(4).toUpperCase()}-${rng.hex(4).toUpperCase()}";`,
    '    fsType = "vfat";',
    '    options = [ "fmask=0022" "dmask=0022" ];',
    '  };',
    '',
    '  swapDevices = [ ];',
    '',
    '  networking.useDHCP = lib.mkDefault true;',
    '  nixpkgs.hostPlatform = lib.mkDefault "x86_64-linux";',
    `  hardware.cpu.${cpu}.updateMicrocode = lib.mkDefault config.hardware.enableRedistributableFirmware;`,
    '}',
    '',
  ].join('\n');
}

const FLAKE_INPUTS = [
  { name: 'nixpkgs', owner: 'NixOS', repo: 'nixpkgs', ref: 'nixos-24.11' },
  { name: 'home-manager', owner: 'nix-community', repo: 'home-manager', ref: 'release-24.11', follows: true },
  { name: 'sops-nix', owner: 'Mic92', repo: 'sops-nix', follows: true },
  { name: 'disko', owner: 'nix-community', repo: 'disko', follows: true },
  { name: 'flake-utils', owner: 'numtide', repo: 'flake-utils' },
];

function renderFlake(hosts) {
  const inputs = FLAKE_INPUTS.map((i) => {
    const url = `github:${i.owner}/${i.repo}${i.ref ? '/' + i.ref : ''}`;
    if (!i.follows) return `    ${i.name}.url = "${url}";`;
    return `    ${i.name} = {\n      url = "${url}";\n      inputs.nixpkgs.follows = "nixpkgs";\n    };`;
  });
  const configs = hosts.map((h) => [
    `      ${h} = nixpkgs.lib.nixosSystem {`,
    '        system = "x86_64-linux";',
    '        specialArgs = { inherit inputs; };',
    '        modules = [',
    `          ./hosts/${h}/configuration.nix`,
    '          sops-nix.nixosModules.sops',
    '        ];',
    '      };',
  ].join('\n'));
  return [
    '{',
    '  description = "Fleet configuration";',
    '',
    '  inputs = {',
    ...inputs,
    '  };',
    '',
    '  outputs = { self, nixpkgs, sops-nix, ... }@inputs: {',
    '    nixosConfigurations = {',
    configs.join('\n\n'),
    '    };',
    '  };',
    '}',
    '',
  ].join('\n');
}

function renderFlakeLock(rng) {
  const nodes = {};
  const rootInputs = {};
  let lastModified = 1730000000 + rng.int(0, 5000000);
  for (const i of FLAKE_INPUTS) {
    rootInputs[i.name] = i.name;
    const node = {};
    if (i.follows) node.inputs = { nixpkgs: ['nixpkgs'] };
    node.locked = {
      lastModified: lastModified - rng.int(0, 3000000),
      narHash: `sha256-${rng.base64(43)}=`,
      owner: i.owner,
      repo: i.repo,
      rev: rng.hex(40),
      type: 'github',
    };
    node.original = { owner: i.owner, repo: i.repo };
    if (i.ref) node.original.ref = i.ref;
    node.original.type = 'github';
    nodes[i.name] = node;
  }
  nodes.root = { inputs: rootInputs };
  return JSON.stringify({ nodes, root: 'root', version: 7 }, null, 2) + '\n';
}

function renderTalos(rng, cluster, type, insecure) {
  const b64 = (n) => 'LS0tLS1CRUdJTi' + rng.base64(n);
  const lines = [
    'version: v1alpha1',
    `debug: ${insecure ? 'true' : 'false'}`,
    'persist: true',
    'machine:',
    `  type: ${type}`,
    `  token: ${rng.hex(6)}.${rng.hex(16)}`,
    '  ca:',
    `    crt: ${b64(120)}`,
    ...(type === 'controlplane' ? [`    key: ${b64(80)}`] : []),
    '  certSANs: []',
    '  kubelet:',
    '    image: ghcr.io/siderolabs/kubelet:v1.32.3',
    '    defaultRuntimeSeccompProfileEnabled: true',
    '    disableManifestsDirectory: true',
    '  network:',
    `    hostname: ${cluster}-${type === 'controlplane' ? 'cp' : 'worker'}-${rng.int(1, 9)}`,
    '  install:',
    '    disk: /dev/sda',
    `    image: ghcr.io/siderolabs/installer:${insecure ? 'latest' : 'v1.9.6'}`,
    '    wipe: false',
    '  features:',
    '    rbac: true',
    '    stableHostname: true',
    '    apidCheckExtKeyUsage: true',
    '    diskQuotaSupport: true',
    'cluster:',
    `  id: ${rng.base64(43)}=`,
    `  secret: ${rng.base64(43)}=`,
    '  controlPlane:',
    `    endpoint: https://10.${rng.int(0, 255)}.0.10:6443`,
    `  clusterName: ${cluster}`,
    '  network:',
    '    dnsDomain: cluster.local',
    '    podSubnets:',
    '      - 10.244.0.0/16',
    '    serviceSubnets:',
    '      - 10.96.0.0/12',
    `  token: ${rng.hex(6)}.${rng.hex(16)}`,
    '  ca:',
    `    crt: ${b64(120)}`,
  ];
  if (type === 'controlplane') {
    lines.push(
      `    key: ${b64(80)}`,
      `  secretboxEncryptionSecret: ${rng.base64(43)}=`,
      '  apiServer:',
      '    image: registry.k8s.io/kube-apiserver:v1.32.3',
      '    certSANs:',
      '      - 10.0.0.10',
      ...(insecure ? ['    extraArgs:', '      anonymous-auth: "true"'] : []),
      '    auditPolicy:',
      '      apiVersion: audit.k8s.io/v1',
      '      kind: Policy',
      '      rules:',
      '        - level: Metadata',
      '  etcd:',
      '    ca:',
      `      crt: ${b64(120)}`,
      `      key: ${b64(80)}`,
      `  allowSchedulingOnControlPlanes: ${insecure ? 'true' : 'false'}`,
    );
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Layout

/**
 * Proportions of the tree, from the development repositories (bench/README.md, "Shape",
 * measured with bench/shape.js): most files belong to no host, hosts share profiles, and two
 * large hosts import hundreds of modules.
 */
const SHAPE = {
  /** One NixOS host per this many .nix files (the corpus: 148 hosts in 6,058 files). */
  filesPerHost: 40,
  /** Share of the .nix files that some host imports; the rest is a library of modules no host imports, and packages. */
  inHostShare: 0.25,
  /** Modules each host has of its own (besides configuration.nix and hardware-configuration.nix). */
  ownModules: [0, 4],
  /** Modules of the profile every host imports, and of each role profile (a host imports one, sometimes two). */
  commonModules: [2, 12],
  roleModules: [8, 24],
  /** The platform tree the two largest hosts import: this share of the files, within [min, max] modules. */
  platformShare: 0.03,
  platformModules: [100, 600],
  /** Of the files in no host, this share are packages (callPackage derivations), the rest modules. */
  packageShare: 0.15,
};

/** Vocabulary areas for the names of each kind of directory. */
const COMMON_VOCAB = ['security', 'nix', 'users', 'monitoring', 'boot', 'networking'];
const ROLE_VOCABS = [['services', 'monitoring'], ['networking', 'security'], ['virtualisation', 'backup'], ['desktop', 'hardware', 'dev'], ['services', 'backup'], ['monitoring', 'networking']];
const ROLE_NAMES = ['web', 'db', 'edge', 'ci', 'storage', 'k8s', 'media', 'mail', 'vpn', 'desktop', 'build', 'gateway', 'metrics', 'auth', 'cache', 'iot'];

/** Host names: the list, then the list again with a number (`atlas`, …, `atlas-2`, …). */
function hostName(i) {
  const base = HOSTS[i % HOSTS.length];
  return i < HOSTS.length ? base : `${base}-${Math.floor(i / HOSTS.length) + 1}`;
}

/** Directory names within a parent: `web`, then `web-2` when the pick is taken. */
function uniqueName(rng, list, used) {
  const base = rng.pick(list);
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
  used.add(name);
  return name;
}

/**
 * A namer of modules within one option namespace: `nginx.nix` next to `nginx-proxy.nix`,
 * a number suffix only when both are taken.
 */
function moduleNamer(rng, vocab) {
  const used = new Set();
  return () => {
    const area = rng.pick(vocab);
    const base = rng.chance(0.4) ? rng.pick(AREAS[area]) : `${rng.pick(AREAS[area])}-${rng.pick(QUALIFIERS)}`;
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
    used.add(name);
    return name;
  };
}

/**
 * Generates the tree into `dir` (created if missing; must be empty or absent).
 * Returns a summary: { seed, nixFiles, nixBytes, otherFiles, hosts, inHostFiles, modulesPerHost,
 * insecure: {id: count}, insecureFiles, sampleFile, ... }.
 */
function generate({ dir, files = 10000, seed = 42 }) {
  if (!Number.isInteger(files) || files < 40) throw new Error(`--files must be an integer >= 40 (got ${files})`);
  const rng = new Rng(seed);
  const out = new Map(); // relative path -> content, written at the end in sorted order
  const clamp = (x, [lo, hi]) => Math.max(lo, Math.min(hi, x));

  // --- Hosts and what they import (the files in some host) -----------------------------------
  const hostCount = Math.max(2, Math.round(files / SHAPE.filesPerHost));
  const hosts = Array.from({ length: hostCount }, (_, i) => hostName(i));
  let inHostBudget = Math.max(2 * hostCount + 3, Math.round(files * SHAPE.inHostShare));
  // Directories of modules: { rel, files: [names], hub, area (option namespace under `my.`), subdirs }.
  const dirs = [];
  const moduleDir = (rel, area, count, vocab, hub = true) => {
    const next = moduleNamer(rng, vocab);
    const d = { rel, files: Array.from({ length: count }, next), hub, area, subdirs: [] };
    dirs.push(d);
    return d;
  };
  // Each host: configuration.nix, hardware-configuration.nix and a few modules of its own.
  const ownCount = hosts.map(() => rng.int(...SHAPE.ownModules));
  let budget = inHostBudget - 2 * hostCount;
  for (let i = 0; i < hostCount; i++) {
    ownCount[i] = Math.min(ownCount[i], Math.max(0, budget - 3));
    budget -= ownCount[i];
  }
  // The common profile (with its default.nix).
  const commonCount = Math.min(clamp(Math.round(inHostBudget * 0.02), SHAPE.commonModules), budget - 1);
  const common = moduleDir('profiles/common', 'common', commonCount, COMMON_VOCAB);
  budget -= commonCount + 1;
  // The platform tree of the two largest hosts: groups of modules, each with a hub, under one hub.
  let platform = null;
  if (files >= 1000) {
    let size = Math.min(clamp(Math.round(files * SHAPE.platformShare), SHAPE.platformModules), budget - 1);
    platform = { rel: 'platform', files: [], hub: true, area: 'platform', subdirs: [] };
    dirs.push(platform);
    budget -= 1;
    const groups = new Set();
    while (size >= 2) {
      const g = uniqueName(rng, GROUPS, groups);
      const n = Math.min(size - 1, rng.int(10, 40));
      const sub = moduleDir(`platform/${g}`, `platform.${g}`, n, Object.keys(AREAS));
      platform.subdirs.push(sub);
      size -= n + 1;
      budget -= n + 1;
    }
  }
  // Role profiles take the rest of the in-host budget.
  const roles = [];
  const roleNames = new Set();
  while (budget >= 3) {
    const name = uniqueName(rng, ROLE_NAMES, roleNames);
    const want = rng.int(...SHAPE.roleModules);
    const n = budget - (want + 1) < 3 ? budget - 1 : want;
    roles.push(moduleDir(`profiles/roles/${name}`, `roles.${name}`, n, ROLE_VOCABS[roles.length % ROLE_VOCABS.length]));
    budget -= n + 1;
  }
  inHostBudget -= budget; // what could not make a role goes to the library
  const ownDirs = hosts.map((h, i) => moduleDir(`hosts/${h}`, `hosts.${h}`, ownCount[i], Object.keys(AREAS), false));

  // --- The library: modules no host imports, and packages ------------------------------------
  const libraryBudget = files - 1 - inHostBudget; // minus flake.nix
  const packageCount = Math.round(libraryBudget * SHAPE.packageShare);
  const moduleBudget = libraryBudget - packageCount;
  // Spread the library over the areas (each area gets its default.nix hub).
  const areaNames = Object.keys(AREAS);
  const areas = areaNames.slice(0, Math.max(1, Math.min(areaNames.length, Math.ceil(moduleBudget / 300))));
  const shares = areas.map(() => 0.5 + rng.next());
  const shareSum = shares.reduce((a, b) => a + b, 0);
  let assigned = 0;
  const areaBudget = shares.map((s, i) => {
    const n = i === areas.length - 1 ? moduleBudget - assigned : Math.floor((moduleBudget * s) / shareSum);
    assigned += n;
    return n;
  });
  areas.forEach((area, ai) => {
    if (areaBudget[ai] < 1) return;
    const next = moduleNamer(rng, [area]);
    let remaining = areaBudget[ai] - 1; // minus the area's default.nix
    const areaDir = { rel: `modules/${area}`, files: [], hub: true, area, subdirs: [] };
    dirs.push(areaDir);
    const flat = Math.min(remaining, rng.int(3, 25));
    for (let i = 0; i < flat; i++) areaDir.files.push(next());
    remaining -= flat;
    const groupsUsed = new Set();
    while (remaining > 0) {
      const g = uniqueName(rng, GROUPS, groupsUsed);
      const hub = remaining >= 2 && rng.chance(0.7);
      const size = Math.min(remaining - (hub ? 1 : 0), rng.int(4, 40));
      const sub = { rel: `modules/${area}/${g}`, files: [], hub, area: `${area}.${g}`, subdirs: [] };
      for (let i = 0; i < size; i++) sub.files.push(next());
      remaining -= size + (hub ? 1 : 0);
      areaDir.subdirs.push(sub);
      dirs.push(sub);
    }
  });
  const packageNames = new Set();
  const packages = Array.from({ length: packageCount }, () => uniqueName(rng, [...PKGS, ...AREAS.services, ...AREAS.dev], packageNames));

  // --- Render ---------------------------------------------------------------------------------
  // Which modules get an insecure setting: ~2% of modules, at least one of each kind.
  const allModules = [];
  for (const d of dirs) for (const f of d.files) allModules.push({ dir: d, name: f });
  const insecureCount = Math.min(allModules.length, Math.max(INSECURE.length, Math.round(allModules.length * 0.02)));
  const insecureIdx = rng.sample(allModules.map((_, i) => i), insecureCount);
  const insecureOf = new Map(insecureIdx.map((idx, k) => [idx, INSECURE[k % INSECURE.length]]));
  const insecureSummary = {};
  const optionModulesOf = new Map(); // dir -> ['<area>.<name>' of its option modules]
  let sampleFile = null;
  allModules.forEach((mod, idx) => {
    const { dir: d, name } = mod;
    const pos = d.files.indexOf(name);
    const siblingsAfter = d.files.slice(pos + 1).map((f) => `${f}.nix`);
    const insecure = insecureOf.get(idx) || null;
    const text = renderModule(rng, { area: d.area, name, siblingsAfter, insecure });
    const rel = `${d.rel}/${name}.nix`;
    out.set(rel, text);
    if (insecure) {
      insecureSummary[insecure.id] = insecureSummary[insecure.id] || [];
      insecureSummary[insecure.id].push(rel);
    }
    if (text.includes(`options.my.${d.area}.${name}`)) {
      if (!optionModulesOf.has(d)) optionModulesOf.set(d, []);
      optionModulesOf.get(d).push(`${d.area}.${name}`);
    }
    // The pre-commit sample: the first clean option module of typical size that hosts import.
    if (!sampleFile && d.rel.startsWith('profiles/roles/') && !insecure && text.length > 1000 && text.length < 4000 && text.includes('mkIf cfg.enable')) sampleFile = rel;
  });
  for (const d of dirs) {
    if (!d.hub) continue;
    const imports = d.files.map((f) => `./${f}.nix`);
    for (const s of d.subdirs) {
      if (s.hub) imports.push(`./${path.posix.basename(s.rel)}`);
      else imports.push(...s.files.map((f) => `./${path.posix.basename(s.rel)}/${f}.nix`));
    }
    out.set(`${d.rel}/default.nix`, renderImportHub(rng, imports, d.area));
  }
  packages.forEach((name) => out.set(`pkgs/${name}/default.nix`, renderPackage(rng, name)));

  // Hosts: the common profile, one role (a fifth of them two), their own modules; the first
  // two import the platform tree, all of it and half of it.
  const hostSizes = [];
  hosts.forEach((h, i) => {
    const imported = [common];
    if (roles.length > 0) imported.push(roles[i % roles.length]);
    if (roles.length > 1 && rng.chance(0.2)) imported.push(roles[(i + 1 + rng.int(0, roles.length - 2)) % roles.length]);
    const paths = imported.map((d) => `../../${d.rel}`);
    paths.push(...ownDirs[i].files.map((f) => `./${f}.nix`));
    let platformDirs = [];
    if (platform && i === 0) {
      paths.push('../../platform');
      platformDirs = platform.subdirs;
    } else if (platform && i === 1) {
      platformDirs = platform.subdirs.slice(0, Math.max(1, platform.subdirs.length >> 1));
      paths.push(...platformDirs.map((d) => `../../${d.rel}`));
    }
    const reachable = [...imported, ownDirs[i], ...platformDirs];
    const options = reachable.flatMap((d) => optionModulesOf.get(d) || []);
    out.set(`hosts/${h}/configuration.nix`, renderHost(rng, h, paths, options));
    out.set(`hosts/${h}/hardware-configuration.nix`, renderHardware(rng));
    // Module files: configuration.nix, hardware-configuration.nix, each directory's modules and hub.
    hostSizes.push(2 + reachable.reduce((n, d) => n + d.files.length + (d.hub ? 1 : 0), 0) + (i === 0 && platform ? 1 : 0));
  });
  out.set('flake.nix', renderFlake(hosts));
  out.set('flake.lock', renderFlakeLock(rng));

  // Talos: two clusters, the second with a few insecure settings.
  ['prod-eu', 'staging'].forEach((cluster, i) => {
    out.set(`talos/${cluster}/controlplane.yaml`, renderTalos(rng, cluster, 'controlplane', i === 1));
    out.set(`talos/${cluster}/worker.yaml`, renderTalos(rng, cluster, 'worker', false));
  });

  // Write in sorted order.
  let nixFiles = 0;
  let bytes = 0;
  const dirsMade = new Set();
  for (const rel of [...out.keys()].sort()) {
    const abs = path.join(dir, rel);
    const parent = path.dirname(abs);
    if (!dirsMade.has(parent)) {
      fs.mkdirSync(parent, { recursive: true });
      dirsMade.add(parent);
    }
    const buf = Buffer.from(out.get(rel), 'utf8');
    fs.writeFileSync(abs, buf);
    if (rel.endsWith('.nix')) {
      nixFiles++;
      bytes += buf.length;
    }
  }
  if (nixFiles !== files) throw new Error(`generator bug: wrote ${nixFiles} .nix files, expected ${files}`);

  const sortedSizes = hostSizes.slice().sort((a, b) => a - b);
  const summary = {
    seed,
    nixFiles,
    nixBytes: bytes,
    otherFiles: out.size - nixFiles,
    hosts: hosts.length,
    inHostFiles: inHostBudget,
    filesInNoHost: nixFiles - inHostBudget,
    packages: packageCount,
    roles: roles.length,
    platformModules: platform ? platform.subdirs.reduce((n, d) => n + d.files.length, 0) : 0,
    modulesPerHost: { min: sortedSizes[0], median: middle(sortedSizes), max: sortedSizes[sortedSizes.length - 1] },
    optionModules: [...optionModulesOf.values()].reduce((n, v) => n + v.length, 0),
    insecure: Object.fromEntries(Object.entries(insecureSummary).sort().map(([k, v]) => [k, v.length])),
    insecureFiles: Object.values(insecureSummary).reduce((n, v) => n + v.length, 0),
    talosInsecure: ['talos/staging/controlplane.yaml'],
    sampleFile: sampleFile || `hosts/${hosts[0]}/configuration.nix`,
  };
  return summary;
}

/** The median of sorted numbers (the mean of the two middle ones for an even count). */
function middle(sorted) {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Hash of this file, so a reused tree is regenerated whenever the templates change. */
function generatorVersion() {
  return crypto.createHash('sha256').update(fs.readFileSync(__filename)).digest('hex').slice(0, 16);
}

/**
 * Makes sure `dir` holds the tree for (files, seed): reuses it when its marker matches,
 * regenerates it when the marker is from another run, refuses to touch a foreign non-empty dir.
 * Returns { summary, reused }.
 */
function ensureTree({ dir, files, seed }) {
  const version = generatorVersion();
  const markerPath = path.join(dir, MARKER);
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    let marker = null;
    try {
      marker = JSON.parse(fs.readFileSync(markerPath, 'utf8'));
    } catch {
      throw new Error(`${dir} is not empty and was not made by bench/generate.js (no ${MARKER}); refusing to write into it`);
    }
    if (marker.version === version && marker.files === files && marker.seed === seed) {
      return { summary: marker.summary, reused: true };
    }
    // Ours, but for other parameters: safe to wipe.
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.mkdirSync(dir, { recursive: true });
  const summary = generate({ dir, files, seed });
  fs.writeFileSync(markerPath, JSON.stringify({ version, files, seed, summary }, null, 2) + '\n');
  return { summary, reused: false };
}

module.exports = { generate, ensureTree, mulberry32, MARKER };

if (require.main === module) {
  const { parseArgs } = require('util');
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      files: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '42' },
    },
  });
  if (!values.dir) {
    console.error('usage: node bench/generate.js --dir DIR [--files N] [--seed S]');
    process.exit(2);
  }
  try {
    const { summary, reused } = ensureTree({ dir: path.resolve(values.dir), files: Number(values.files), seed: Number(values.seed) });
    console.log(JSON.stringify({ dir: path.resolve(values.dir), reused, ...summary }, null, 2));
  } catch (err) {
    console.error(`generate: ${err.message}`);
    process.exit(1);
  }
}
