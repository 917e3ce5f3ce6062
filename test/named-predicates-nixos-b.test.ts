import { NIXOS_B_PREDICATES } from '../src/rules/named/nixos-b';
import { NAMED_PREDICATES } from '../src/rules/named-predicates';

const check = (name: string, value: unknown) => NIXOS_B_PREDICATES[name].test(value);

/** Fake credentials, built here so that no token-shaped literal sits in the source. */
const fake = {
  aws: 'AKIA' + 'Q3ZZTESTZZ7ZZZZZ',
  awsDocs: 'AKIA' + 'IOSFODNN7EXAMPLE',
  github: 'ghp_' + 'x'.repeat(36),
  gitlab: 'glpat-' + 'y'.repeat(20),
  slack: 'xoxb-' + '1'.repeat(12) + '-' + 'z'.repeat(24),
  tailscale: 'tskey-auth-' + 'kAbC12' + '-' + 'Q'.repeat(30),
};
const pem = (label: string, body: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
const keyBody = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ' + 'Cq'.repeat(40);

describe('NixOS named predicates (daemon, kernel, services, secrets)', () => {
  test('are registered with the other named predicates', () => {
    for (const name of Object.keys(NIXOS_B_PREDICATES)) expect(NAMED_PREDICATES[name]).toBe(NIXOS_B_PREDICATES[name]);
  });

  test('trustedUsersBeyondRoot', () => {
    expect(check('trustedUsersBeyondRoot', ['root'])).toBe(false);
    expect(check('trustedUsersBeyondRoot', [])).toBe(false);
    expect(check('trustedUsersBeyondRoot', ['root', '@wheel'])).toBe(true);
    expect(check('trustedUsersBeyondRoot', ['alice'])).toBe(true);
    expect(check('trustedUsersBeyondRoot', ['*'])).toBe(true);
    expect(check('trustedUsersBeyondRoot', 'root')).toBeUndefined();
    expect(check('trustedUsersBeyondRoot', ['root', 1])).toBeUndefined();
  });

  test('substituterOverPlainHttp', () => {
    expect(check('substituterOverPlainHttp', ['https://cache.nixos.org/', 'ssh-ng://builder', 's3://bucket'])).toBe(false);
    expect(check('substituterOverPlainHttp', ['https://cache.nixos.org/', 'http://10.0.0.5:5000'])).toBe(true);
    expect(check('substituterOverPlainHttp', ['HTTP://cache.lan'])).toBe(true);
    expect(check('substituterOverPlainHttp', 'https://a.example http://b.example')).toBe(true);
    expect(check('substituterOverPlainHttp', 'https://a.example')).toBe(false);
    expect(check('substituterOverPlainHttp', null)).toBeUndefined();
  });

  test('permitsInsecurePackages', () => {
    expect(check('permitsInsecurePackages', ['openssl-1.1.1w'])).toBe(true);
    expect(check('permitsInsecurePackages', [])).toBe(false);
    expect(check('permitsInsecurePackages', 'openssl-1.1.1w')).toBeUndefined();
  });

  test('kernelParamsDisableProtection', () => {
    expect(check('kernelParamsDisableProtection', ['quiet', 'mitigations=off'])).toBe(true);
    expect(check('kernelParamsDisableProtection', ['audit=0'])).toBe(true);
    expect(check('kernelParamsDisableProtection', ['audit=off'])).toBe(true);
    expect(check('kernelParamsDisableProtection', ['apparmor=0'])).toBe(true);
    expect(check('kernelParamsDisableProtection', ['lockdown=none'])).toBe(true);
    expect(check('kernelParamsDisableProtection', ['init=/bin/sh'])).toBe(true);
    expect(check('kernelParamsDisableProtection', ['init=/run/current-system/sw/bin/bash'])).toBe(true);
    expect(check('kernelParamsDisableProtection', ['quiet splash mitigations=off'])).toBe(true);
    expect(check('kernelParamsDisableProtection', ['audit=1', 'apparmor=1', 'security=apparmor', 'lockdown=confidentiality'])).toBe(false);
    expect(check('kernelParamsDisableProtection', ['init=/nix/store/abc-nixos-system/init'])).toBe(false);
    expect(check('kernelParamsDisableProtection', ['mitigations=auto,nosmt'])).toBe(false);
    expect(check('kernelParamsDisableProtection', ['nopti'])).toBe(false);
    expect(check('kernelParamsDisableProtection', { mitigations: 'off' })).toBeUndefined();
  });

  test('kernelParamsWeakenHardening', () => {
    for (const p of ['nopti', 'pti=off', 'nospectre_v1', 'nospectre_v2', 'spectre_v2=off', 'mds=off', 'l1tf=off', 'nokaslr', 'selinux=0', 'module.sig_enforce=0', 'debugfs=on']) {
      expect(check('kernelParamsWeakenHardening', ['quiet', p])).toBe(true);
    }
    expect(check('kernelParamsWeakenHardening', ['pti=on', 'spectre_v2=on', 'module.sig_enforce=1', 'debugfs=off', 'slab_nomerge'])).toBe(false);
    expect(check('kernelParamsWeakenHardening', [])).toBe(false);
    expect(check('kernelParamsWeakenHardening', [null])).toBeUndefined();
  });

  test('cupsListensOnAllAddresses', () => {
    expect(check('cupsListensOnAllAddresses', ['localhost:631'])).toBe(false);
    expect(check('cupsListensOnAllAddresses', ['127.0.0.1:631', '/run/cups/cups.sock'])).toBe(false);
    expect(check('cupsListensOnAllAddresses', ['192.168.1.10:631'])).toBe(false);
    expect(check('cupsListensOnAllAddresses', ['*:631'])).toBe(true);
    expect(check('cupsListensOnAllAddresses', ['0.0.0.0:631'])).toBe(true);
    expect(check('cupsListensOnAllAddresses', ['[::]:631'])).toBe(true);
    expect(check('cupsListensOnAllAddresses', ['*'])).toBe(true);
    expect(check('cupsListensOnAllAddresses', '*:631')).toBeUndefined();
  });

  test('containsPemPrivateKey', () => {
    expect(check('containsPemPrivateKey', pem('PRIVATE KEY', keyBody))).toBe(true);
    expect(check('containsPemPrivateKey', `ssl_key\n${pem('RSA PRIVATE KEY', keyBody)}`)).toBe(true);
    expect(check('containsPemPrivateKey', pem('OPENSSH PRIVATE KEY', keyBody))).toBe(true);
    expect(check('containsPemPrivateKey', pem('PGP PRIVATE KEY BLOCK', keyBody))).toBe(true);
    // A placeholder, a public key and a certificate are not private keys.
    expect(check('containsPemPrivateKey', pem('PRIVATE KEY', '...'))).toBe(false);
    expect(check('containsPemPrivateKey', pem('PUBLIC KEY', keyBody))).toBe(false);
    expect(check('containsPemPrivateKey', pem('CERTIFICATE', keyBody))).toBe(false);
    expect(check('containsPemPrivateKey', '/run/secrets/tls.key')).toBe(false);
    expect(check('containsPemPrivateKey', 42)).toBeUndefined();
  });

  test('containsKnownAccessToken', () => {
    expect(check('containsKnownAccessToken', fake.aws)).toBe(true);
    expect(check('containsKnownAccessToken', `Authorization: token ${fake.github}`)).toBe(true);
    expect(check('containsKnownAccessToken', fake.gitlab)).toBe(true);
    expect(check('containsKnownAccessToken', fake.slack)).toBe(true);
    expect(check('containsKnownAccessToken', fake.tailscale)).toBe(true);
    expect(check('containsKnownAccessToken', fake.awsDocs)).toBe(false);
    expect(check('containsKnownAccessToken', 'ghp_short')).toBe(false);
    expect(check('containsKnownAccessToken', '/run/secrets/github-token')).toBe(false);
    expect(check('containsKnownAccessToken', 'info')).toBe(false);
    expect(check('containsKnownAccessToken', ['x'])).toBeUndefined();
  });
});
