import { FLAKE_PREDICATES, insecureFlakeUrl } from '../src/rules/named/flake';

const t = (name: string, value: unknown) => FLAKE_PREDICATES[name].test(value);

describe('flake.nix named predicates', () => {
  test('insecure input URLs (FLAKE-001)', () => {
    expect(insecureFlakeUrl('http://mirror.example.org/src.tar.gz')).toBe(true);
    expect(insecureFlakeUrl('git+http://git.example.org/x.git')).toBe(true);
    expect(insecureFlakeUrl('tarball+http://example.org/x.tar.gz')).toBe(true);
    expect(insecureFlakeUrl('git://git.example.org/x.git')).toBe(true);
    expect(insecureFlakeUrl('git+https://git.example.org/x.git')).toBe(false);
    expect(insecureFlakeUrl('github:NixOS/nixpkgs')).toBe(false);
    expect(t('flakeInputInsecureUrl', { name: 'x', url: 'http://a/b' })).toBe(true);
    expect(t('flakeInputInsecureUrl', { name: 'x', follows: 'nixpkgs' })).toBe(false);
    expect(t('flakeInputInsecureUrl', 'x')).toBeUndefined();
  });

  test('unpinned tarballs (FLAKE-002)', () => {
    expect(t('flakeInputUnpinnedTarball', { url: 'https://github.com/a/b/archive/main.tar.gz' })).toBe(true);
    expect(t('flakeInputUnpinnedTarball', { url: 'https://github.com/a/b/archive/v1.2.3.tar.gz' })).toBe(false);
    expect(t('flakeInputUnpinnedTarball', { url: 'https://x/latest.tar.gz', narHash: 'sha256-AAAA' })).toBe(false);
    expect(t('flakeInputUnpinnedTarball', { url: 'github:a/b' })).toBe(false);
    expect(t('flakeInputUnpinnedTarball', { name: 'x' })).toBeUndefined();
  });

  test('nixConfig settings (FLAKE-003, FLAKE-004)', () => {
    expect(t('nixConfigHttpSubstituter', { name: 'extra-substituters', value: ['http://c'] })).toBe(true);
    expect(t('nixConfigHttpSubstituter', { name: 'extra-substituters', value: 'https://a http://b' })).toBe(true);
    expect(t('nixConfigHttpSubstituter', { name: 'extra-substituters', value: ['https://c'] })).toBe(false);
    expect(t('nixConfigAddsSubstituters', { name: 'extra-substituters', value: ['https://c'] })).toBe(true);
    expect(t('nixConfigAddsTrustedKeys', { name: 'extra-trusted-public-keys', value: ['k-1:abc='] })).toBe(true);
    expect(t('nixConfigAddsTrustedKeys', { name: 'bash-prompt', value: '> ' })).toBe(false);
    expect(t('nixConfigWeakensVerification', { name: 'require-sigs', value: false })).toBe(true);
    expect(t('nixConfigWeakensVerification', { name: 'sandbox', value: 'relaxed' })).toBe(true);
    expect(t('nixConfigWeakensVerification', { name: 'sandbox', value: true })).toBe(false);
    expect(t('nixConfigWeakensVerification', 'sandbox')).toBeUndefined();
  });

  test('lock sync (FLAKE-005)', () => {
    expect(t('inputNotLocked', { input: 'a', declared: true, locked: false })).toBe(true);
    expect(t('inputNotLocked', { input: 'a', declared: true, locked: true })).toBe(false);
    expect(t('lockedInputNotDeclared', { input: 'a', declared: false, locked: true })).toBe(true);
    expect(t('lockedInputNotDeclared', {})).toBeUndefined();
  });
});
