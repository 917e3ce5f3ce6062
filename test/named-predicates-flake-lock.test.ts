import { FLAKE_LOCK_PREDICATES } from '../src/rules/named/flake-lock';

const t = (name: string, value: unknown) => FLAKE_LOCK_PREDICATES[name].test(value);

const REV = '0123456789abcdef0123456789abcdef01234567';
const NAR = 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const github = (owner: string, repo: string, original: Record<string, unknown> = {}) => ({
  locked: { type: 'github', owner, repo, rev: REV, narHash: NAR, lastModified: 1763000000 },
  original: { type: 'github', owner, repo, ...original },
});

describe('flake.lock named predicates', () => {
  test('the existing lock predicates are kept', () => {
    expect(t('lockEntryUnlocked', { locked: { type: 'git', url: 'https://x' } })).toBe(true);
    expect(t('lockEntryWithoutNarHash', { locked: { type: 'github', owner: 'a', repo: 'b', rev: REV } })).toBe(true);
  });

  test('lockEntryLockedIndirect and lockEntryFromRegistry (FLK-004)', () => {
    const indirect = { locked: { id: 'nixpkgs', type: 'indirect' }, original: { id: 'nixpkgs', type: 'indirect' } };
    expect(t('lockEntryLockedIndirect', indirect)).toBe(true);
    expect(t('lockEntryFromRegistry', indirect)).toBe(false);
    const resolved = { ...github('NixOS', 'nixpkgs'), original: { id: 'nixpkgs', type: 'indirect' } };
    expect(t('lockEntryLockedIndirect', resolved)).toBe(false);
    expect(t('lockEntryFromRegistry', resolved)).toBe(true);
    expect(t('lockEntryFromRegistry', github('NixOS', 'nixpkgs', { ref: 'nixos-26.05' }))).toBe(false);
    expect(t('lockEntryFromRegistry', 'nixpkgs')).toBeUndefined();
  });

  test('lockEntryDefaultBranch and lockEntryMovingBranch (FLK-005)', () => {
    expect(t('lockEntryDefaultBranch', github('numtide', 'flake-utils'))).toBe(true);
    expect(t('lockEntryDefaultBranch', github('NixOS', 'nixpkgs', { ref: 'nixos-26.05' }))).toBe(false);
    expect(t('lockEntryDefaultBranch', github('a', 'b', { rev: REV }))).toBe(false);
    expect(t('lockEntryDefaultBranch', { locked: { type: 'tarball', url: 'https://x', narHash: NAR }, original: { type: 'tarball', url: 'https://x' } })).toBe(false);
    expect(t('lockEntryMovingBranch', github('NixOS', 'nixpkgs', { ref: 'nixos-unstable' }))).toBe(true);
    expect(t('lockEntryMovingBranch', { original: { type: 'git', url: 'https://x', ref: 'refs/heads/main' } })).toBe(true);
    expect(t('lockEntryMovingBranch', github('NixOS', 'nixpkgs', { ref: 'nixos-26.05' }))).toBe(false);
    expect(t('lockEntryMovingBranch', github('a', 'b', { ref: 'main', rev: REV }))).toBe(false);
    expect(t('lockEntryMovingBranch', { locked: {} })).toBeUndefined();
  });

  test('nixpkgsEndOfLifeRelease (FLK-006)', () => {
    expect(t('nixpkgsEndOfLifeRelease', github('NixOS', 'nixpkgs', { ref: 'nixos-24.11' }))).toBe(true);
    expect(t('nixpkgsEndOfLifeRelease', github('nixos', 'nixpkgs', { ref: 'nixos-25.05-small' }))).toBe(true);
    expect(t('nixpkgsEndOfLifeRelease', github('NixOS', 'nixpkgs', { ref: 'release-23.11' }))).toBe(true);
    expect(t('nixpkgsEndOfLifeRelease', github('NixOS', 'nixpkgs', { ref: 'nixos-25.11' }))).toBe(false);
    expect(t('nixpkgsEndOfLifeRelease', github('NixOS', 'nixpkgs', { ref: 'nixos-unstable' }))).toBe(false);
    expect(t('nixpkgsEndOfLifeRelease', { locked: { type: 'tarball', narHash: NAR, url: 'https://x' }, original: { type: 'tarball', url: 'https://channels.nixos.org/nixos-24.05/nixexprs.tar.xz' } })).toBe(true);
    expect(t('nixpkgsEndOfLifeRelease', { locked: github('NixOS', 'nixpkgs').locked, original: { id: 'nixpkgs', ref: 'nixos-23.05', type: 'indirect' } })).toBe(true);
    // not nixpkgs: home-manager release branches and forks are not judged
    expect(t('nixpkgsEndOfLifeRelease', github('nix-community', 'home-manager', { ref: 'release-24.05' }))).toBeUndefined();
    expect(t('nixpkgsEndOfLifeRelease', github('alice', 'nixpkgs', { ref: 'nixos-24.05' }))).toBeUndefined();
  });

  test('lockEntryInsecureTransport(Unverified) (FLK-007)', () => {
    const httpTarball = { locked: { type: 'tarball', url: 'http://m.example/x.tar.gz', narHash: NAR }, original: { type: 'tarball', url: 'http://m.example/x.tar.gz' } };
    expect(t('lockEntryInsecureTransport', httpTarball)).toBe(true);
    expect(t('lockEntryInsecureTransportUnverified', httpTarball)).toBe(false);
    const gitProtocol = { locked: { type: 'git', url: 'git://g.example/r.git', rev: REV }, original: { type: 'git', url: 'git://g.example/r.git' } };
    expect(t('lockEntryInsecureTransportUnverified', gitProtocol)).toBe(true);
    expect(t('lockEntryInsecureTransport', { locked: { type: 'git', url: 'ssh://git@g.example/r.git', rev: REV } })).toBe(false);
    expect(t('lockEntryInsecureTransport', github('a', 'b'))).toBe(false);
  });

  test('lockEntryAbsolutePath (FLK-008)', () => {
    expect(t('lockEntryAbsolutePath', { locked: { type: 'path', path: '/home/a/x', narHash: NAR }, original: { type: 'path', path: '/home/a/x' } })).toBe(true);
    expect(t('lockEntryAbsolutePath', { locked: { type: 'path', path: './sub' }, original: { type: 'path', path: './sub' }, parent: [] })).toBe(false);
    expect(t('lockEntryAbsolutePath', { locked: { type: 'git', url: 'file:///srv/git/x', rev: REV } })).toBe(true);
    expect(t('lockEntryAbsolutePath', github('a', 'b'))).toBe(false);
  });

  test('lockEntryNotFlake (FLK-010) and lockEntryNixpkgsFork (FLK-011)', () => {
    expect(t('lockEntryNotFlake', { ...github('edolstra', 'flake-compat'), flake: false })).toBe(true);
    expect(t('lockEntryNotFlake', github('a', 'b'))).toBe(false);
    expect(t('lockEntryNixpkgsFork', github('alice', 'nixpkgs'))).toBe(true);
    expect(t('lockEntryNixpkgsFork', github('nixos', 'nixpkgs'))).toBe(false);
    expect(t('lockEntryNixpkgsFork', github('nix-community', 'nixpkgs.lib'))).toBe(false);
    expect(t('lockEntryNixpkgsFork', { locked: { type: 'git', url: 'https://github.com/bob/nixpkgs.git', rev: REV } })).toBe(true);
    expect(t('lockEntryNixpkgsFork', { locked: { type: 'git', url: 'https://github.com/NixOS/nixpkgs', rev: REV } })).toBe(false);
  });

  test('lockEntryDirtyAccepted (FLK-012)', () => {
    expect(t('lockEntryDirtyAccepted', { locked: { type: 'git', url: 'https://g/x', dirtyRev: `${REV}-dirty`, narHash: NAR } })).toBe(true);
    expect(t('lockEntryDirtyAccepted', { locked: { type: 'github', owner: 'a', repo: 'b', narHash: NAR } })).toBe(true);
    expect(t('lockEntryDirtyAccepted', { locked: { type: 'git', url: 'https://g/x' } })).toBe(false); // unlocked without narHash: FLK-003
    expect(t('lockEntryDirtyAccepted', github('a', 'b'))).toBe(false);
    expect(t('lockEntryDirtyAccepted', { locked: { type: 'tarball', url: 'https://x', narHash: NAR } })).toBe(false);
    expect(t('lockEntryDirtyAccepted', null)).toBeUndefined();
  });

  test('nixpkgsStale and nixpkgsVeryStale (FLK-006) use the policy ages', () => {
    const now = new Date('2026-11-23T00:00:00Z');
    const at = (iso: string) => ({ ...github('NixOS', 'nixpkgs'), locked: { ...github('NixOS', 'nixpkgs').locked, lastModified: Date.parse(iso) / 1000 } });
    const p = (name: string, value: unknown, policy?: { staleAfterDays: number; errorAfterDays: number }) =>
      FLAKE_LOCK_PREDICATES[name].test(value, { now, ...(policy ? { flakePolicy: policy } : {}) });
    expect(p('nixpkgsStale', at('2026-11-10T00:00:00Z'))).toBe(false);
    expect(p('nixpkgsStale', at('2026-10-01T00:00:00Z'))).toBe(true);
    expect(p('nixpkgsVeryStale', at('2026-10-01T00:00:00Z'))).toBe(false);
    expect(p('nixpkgsVeryStale', at('2026-06-01T00:00:00Z'))).toBe(true);
    expect(p('nixpkgsStale', at('2026-10-01T00:00:00Z'), { staleAfterDays: 60, errorAfterDays: 120 })).toBe(false);
    expect(p('nixpkgsStale', { ...github('numtide', 'flake-utils') })).toBe(false);
    // without a date the age is unknown, and without a context there is no "today"
    expect(p('nixpkgsStale', { original: { id: 'nixpkgs', type: 'indirect' } })).toBeUndefined();
    expect(t('nixpkgsStale', at('2026-06-01T00:00:00Z'))).toBeUndefined();
  });

  test('lockEntryUnapprovedSource and lockEntryNotFlake read the approved-sources list', () => {
    const now = new Date('2026-11-23T00:00:00Z');
    const policy = { staleAfterDays: 30, errorAfterDays: 90, approvedSources: ['NixOS', 'nix-community', 'git.example.org'] };
    const p = (name: string, value: unknown, withPolicy = true) => FLAKE_LOCK_PREDICATES[name].test(value, { now, ...(withPolicy ? { flakePolicy: policy } : {}) });
    expect(p('lockEntryUnapprovedSource', github('NixOS', 'nixpkgs'))).toBe(false);
    expect(p('lockEntryUnapprovedSource', github('numtide', 'flake-utils'))).toBe(true);
    expect(p('lockEntryUnapprovedSource', { locked: { type: 'git', url: 'https://git.example.org/infra/tools.git', rev: REV } })).toBe(false);
    expect(p('lockEntryUnapprovedSource', github('numtide', 'flake-utils'), false)).toBeUndefined();
    const raw = { ...github('nix-community', 'theme'), flake: false };
    expect(p('lockEntryNotFlake', raw)).toBe(false);
    expect(p('lockEntryNotFlake', raw, false)).toBe(true);
  });

  test('danglingLockReference (FLK-002) and secondNixpkgsRevision (FLK-009)', () => {
    expect(t('danglingLockReference', { from: 'root', input: 'x', target: 'x', resolves: false })).toBe(true);
    expect(t('danglingLockReference', { from: 'root', input: 'x', target: 'x', resolves: true })).toBe(false);
    expect(t('danglingLockReference', 'x')).toBeUndefined();
    expect(t('secondNixpkgsRevision', { node: 'nixpkgs_2', rev: 'a', primaryRev: 'b', users: [] })).toBe(true);
    expect(t('secondNixpkgsRevision', { node: 'nixpkgs_2', rev: 'a', primaryRev: 'a', users: [] })).toBe(false);
    expect(t('secondNixpkgsRevision', {})).toBeUndefined();
  });
});
