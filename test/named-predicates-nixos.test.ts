import { NIXOS_PREDICATES, sshAlgorithmList } from '../src/rules/named/nixos';

const test_ = (name: string, value: unknown) => NIXOS_PREDICATES[name].test(value);

describe('NixOS named predicates', () => {
  test('sshAlgorithmList reads lists and strings, and the +/^/- edit of the built-in list', () => {
    expect(sshAlgorithmList(['aes256-ctr', 'AES128-CBC'])).toEqual({ edit: 'replace', names: ['aes256-ctr', 'aes128-cbc'] });
    expect(sshAlgorithmList('+aes128-cbc,3des-cbc')).toEqual({ edit: 'add', names: ['aes128-cbc', '3des-cbc'] });
    expect(sshAlgorithmList(['^hmac-sha1'])?.edit).toBe('add');
    expect(sshAlgorithmList(['-aes128-cbc'])?.edit).toBe('remove');
    expect(sshAlgorithmList([])).toBeUndefined();
    expect(sshAlgorithmList(null)).toBeUndefined();
    expect(sshAlgorithmList([1, 2])).toBeUndefined();
  });

  test('sshWeakCiphers', () => {
    expect(test_('sshWeakCiphers', ['chacha20-poly1305@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr'])).toBe(false);
    expect(test_('sshWeakCiphers', ['aes256-ctr', 'aes256-cbc'])).toBe(true);
    expect(test_('sshWeakCiphers', ['+3des-cbc'])).toBe(true);
    expect(test_('sshWeakCiphers', ['arcfour256'])).toBe(true);
    expect(test_('sshWeakCiphers', ['+chacha20-poly1305@openssh.com'])).toBe(false);
    expect(test_('sshWeakCiphers', ['-aes128-cbc'])).toBe(false);
    expect(test_('sshWeakCiphers', 'aes128-ctr,blowfish-cbc')).toBe(true);
    expect(test_('sshWeakCiphers', null)).toBeUndefined();
  });

  test('sshWeakKex and sshNistKex', () => {
    const modern = ['mlkem768x25519-sha256', 'sntrup761x25519-sha512@openssh.com', 'curve25519-sha256', 'diffie-hellman-group16-sha512'];
    expect(test_('sshWeakKex', modern)).toBe(false);
    expect(test_('sshNistKex', modern)).toBe(false);
    expect(test_('sshWeakKex', [...modern, 'diffie-hellman-group14-sha1'])).toBe(true);
    expect(test_('sshWeakKex', ['+diffie-hellman-group1-sha1'])).toBe(true);
    expect(test_('sshWeakKex', ['gss-gex-sha1-toWM5Slw5Ew8Mqkay+al2g=='])).toBe(true);
    expect(test_('sshWeakKex', ['diffie-hellman-group14-sha256'])).toBe(false);
    expect(test_('sshNistKex', ['curve25519-sha256', 'ecdh-sha2-nistp256'])).toBe(true);
    expect(test_('sshNistKex', ['+curve25519-sha256'])).toBe(true);
    expect(test_('sshNistKex', ['-ecdh-sha2-nistp256'])).toBeUndefined();
    expect(test_('sshWeakKex', 42)).toBeUndefined();
  });

  test('sshWeakMacs', () => {
    expect(test_('sshWeakMacs', ['hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256-etm@openssh.com', 'umac-128-etm@openssh.com'])).toBe(false);
    expect(test_('sshWeakMacs', ['hmac-sha2-512-etm@openssh.com', 'hmac-sha1'])).toBe(true);
    expect(test_('sshWeakMacs', ['hmac-sha1-etm@openssh.com'])).toBe(true);
    expect(test_('sshWeakMacs', ['umac-64@openssh.com'])).toBe(true);
    expect(test_('sshWeakMacs', ['hmac-md5-96'])).toBe(true);
    expect(test_('sshWeakMacs', ['+hmac-sha2-512'])).toBe(true);
    expect(test_('sshWeakMacs', ['-hmac-sha1'])).toBeUndefined();
    expect(test_('sshWeakMacs', { Macs: [] })).toBeUndefined();
  });

  test('firewall port lists', () => {
    expect(test_('firewallOpensCleartextLoginPort', [22, 80, 443])).toBe(false);
    expect(test_('firewallOpensCleartextLoginPort', [22, 23])).toBe(true);
    expect(test_('firewallOpensCleartextLoginPort', [5901])).toBe(true);
    expect(test_('firewallOpensCleartextLoginPort', [3389])).toBe(true);
    expect(test_('firewallOpensCleartextLoginPort', [6000])).toBe(false);
    expect(test_('firewallOpensServicePort', [80, 443])).toBe(false);
    expect(test_('firewallOpensServicePort', [443, 5432])).toBe(true);
    expect(test_('firewallOpensServicePort', [2375])).toBe(true);
    // Port ranges are read too: a range that covers a risky port opens it, and a wide range is its own finding.
    expect(test_('firewallOpensServicePort', [{ from: 0, to: 65535 }])).toBe(true);
    expect(test_('firewallOpensServicePort', [{ from: 8000, to: 8100 }])).toBe(false);
    expect(test_('firewallOpensWideRange', [{ from: 0, to: 65535 }])).toBe(true);
    expect(test_('firewallOpensWideRange', [{ from: 27015, to: 27030 }])).toBe(false);
    expect(test_('firewallOpensCleartextUdpPort', [53, 69])).toBe(true);
    expect(test_('firewallOpensServiceUdpPort', [161])).toBe(true);
    expect(test_('firewallOpensServicePort', [{ from: 'a', to: 2 }])).toBeUndefined();
    expect(test_('firewallOpensCleartextLoginPort', '23')).toBeUndefined();
  });

  test('swap devices', () => {
    expect(test_('swapWithoutEncryption', [{ device: '/dev/sda2' }])).toBe(true);
    expect(test_('swapWithoutEncryption', [{ label: 'swap' }])).toBe(true);
    expect(test_('swapWithoutEncryption', [{ device: '/dev/sda2', randomEncryption: { enable: false } }])).toBe(true);
    expect(test_('swapWithoutEncryption', [{ device: '/dev/sda2', randomEncryption: true }, { device: '/dev/sdb2', randomEncryption: { enable: true } }])).toBe(false);
    expect(test_('swapWithoutEncryption', [{ device: '/dev/sdc2', encrypted: { enable: true } }])).toBe(false);
    expect(test_('swapWithoutEncryption', [{ device: '/dev/mapper/vg-swap' }, { device: '/dev/zvol/rpool/swap' }])).toBe(false);
    expect(test_('swapWithoutEncryption', [])).toBe(false);
    expect(test_('swapWithoutEncryption', [{ device: { $unknown: 'config.x' } }])).toBeUndefined();
    expect(test_('swapWithoutEncryption', [{ device: '/dev/sda2', randomEncryption: { enable: { $unknown: 'cfg.encrypt' } } }])).toBeUndefined();
    expect(test_('swapWithoutEncryption', 'not a list')).toBeUndefined();
  });

  test('trusted interfaces', () => {
    expect(test_('trustsUplinkInterface', ['eth0'])).toBe(true);
    expect(test_('trustsUplinkInterface', ['enp3s0'])).toBe(true);
    expect(test_('trustsUplinkInterface', ['wlan0', 'lo'])).toBe(true);
    expect(test_('trustsUplinkInterface', ['bond0'])).toBe(true);
    expect(test_('trustsUplinkInterface', ['tailscale0', 'wg0', 'docker0'])).toBe(false);
    expect(test_('trustsNonLoopbackInterface', ['lo'])).toBe(false);
    expect(test_('trustsNonLoopbackInterface', ['lo', 'tailscale0'])).toBe(true);
    expect(test_('trustsNonLoopbackInterface', [])).toBe(false);
    expect(test_('trustsNonLoopbackInterface', 'eth0')).toBeUndefined();
  });

  test('sudo extraRules', () => {
    const all = [{ groups: ['ops'], commands: [{ command: 'ALL', options: ['NOPASSWD'] }] }];
    const one = [{ users: ['backup'], commands: [{ command: '/run/current-system/sw/bin/systemctl restart borg', options: ['NOPASSWD'] }] }];
    const withPassword = [{ groups: ['ops'], commands: ['ALL', { command: '/usr/bin/true', options: ['SETENV'] }] }];
    expect(test_('sudoRuleNopasswdAll', all)).toBe(true);
    expect(test_('sudoRuleNopasswdAll', one)).toBe(false);
    expect(test_('sudoRuleNopasswd', one)).toBe(true);
    expect(test_('sudoRuleNopasswd', withPassword)).toBe(false);
    expect(test_('sudoRuleNopasswd', [])).toBe(false);
    expect(test_('sudoRuleNopasswd', 'ALL ALL=(ALL) NOPASSWD: ALL')).toBeUndefined();
    expect(test_('sudoRuleNopasswd', [null])).toBeUndefined();
  });
});
