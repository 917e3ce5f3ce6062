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

  test('branch status of nixpkgs inputs as of the reference date (FLK-013)', () => {
    const at = (day: string) => ({ now: new Date(`${day}T00:00:00Z`) });
    const p = (name: string, value: unknown, day = '2026-11-23') => FLAKE_LOCK_PREDICATES[name].test(value, at(day));
    // 25.11 ended on 2026-06-30: stable before, deprecated in its last month, unmaintained after
    const nixos2511 = github('NixOS', 'nixpkgs', { ref: 'nixos-25.11' });
    expect(p('nixpkgsChannelUnmaintained', nixos2511, '2026-03-01')).toBe(false);
    expect(p('nixpkgsChannelDeprecated', nixos2511, '2026-03-01')).toBe(false);
    expect(p('nixpkgsChannelDeprecated', nixos2511, '2026-06-10')).toBe(true);
    expect(p('nixpkgsChannelUnmaintained', nixos2511, '2026-06-30')).toBe(false);
    expect(p('nixpkgsChannelUnmaintained', nixos2511, '2026-07-01')).toBe(true);
    // each channel of a release, release branches, channel tarballs and registry refs
    expect(p('nixpkgsChannelUnmaintained', github('nixos', 'nixpkgs', { ref: 'nixos-25.05-small' }))).toBe(true);
    expect(p('nixpkgsChannelUnmaintained', github('NixOS', 'nixpkgs', { ref: 'nixpkgs-24.11-darwin' }))).toBe(true);
    expect(p('nixpkgsChannelUnmaintained', github('NixOS', 'nixpkgs', { ref: 'release-23.11' }))).toBe(true);
    expect(p('nixpkgsChannelUnmaintained', github('NixOS', 'nixpkgs', { ref: 'nixos-19.09' }))).toBe(true); // older than the table
    expect(p('nixpkgsChannelUnmaintained', { locked: { type: 'tarball', narHash: NAR, url: 'https://x' }, original: { type: 'tarball', url: 'https://channels.nixos.org/nixos-24.05/nixexprs.tar.xz' } })).toBe(true);
    expect(p('nixpkgsChannelUnmaintained', { locked: github('NixOS', 'nixpkgs').locked, original: { id: 'nixpkgs', ref: 'nixos-23.05', type: 'indirect' } })).toBe(true);
    expect(p('nixpkgsChannelUnmaintained', github('NixOS', 'nixpkgs', { ref: 'nixos-unstable' }))).toBe(false);
    expect(p('nixpkgsChannelUnmaintained', github('NixOS', 'nixpkgs', { ref: 'nixos-27.05' }))).toBe(false); // newer than the table: not judged
    // forks are nixpkgs too; home-manager's release branches are not nixpkgs
    expect(p('nixpkgsChannelUnmaintained', github('alice', 'nixpkgs', { ref: 'nixos-24.05' }))).toBe(true);
    expect(p('nixpkgsChannelUnmaintained', github('nix-community', 'home-manager', { ref: 'release-24.05' }))).toBe(false);
    // not a channel: master, a release's staging branch, a made-up name, no ref on NixOS/nixpkgs (its default branch)
    expect(p('nixpkgsNotAChannel', github('NixOS', 'nixpkgs', { ref: 'master' }))).toBe(true);
    expect(p('nixpkgsNotAChannel', github('NixOS', 'nixpkgs', { ref: 'release-26.05' }))).toBe(true);
    expect(p('nixpkgsNotAChannel', github('NixOS', 'nixpkgs', { ref: 'this-should-fail' }))).toBe(true);
    expect(p('nixpkgsNotAChannel', github('NixOS', 'nixpkgs'))).toBe(true);
    expect(p('nixpkgsNotAChannel', github('NixOS', 'nixpkgs', { ref: 'nixos-26.05-small' }))).toBe(false);
    expect(p('nixpkgsNotAChannel', github('NixOS', 'nixpkgs', { rev: REV }))).toBe(false); // a pinned revision follows no branch
    expect(p('nixpkgsNotAChannel', github('carol', 'nixpkgs'))).toBe(false); // a fork's default branch is unknown
    // an input only lib is taken from is not judged
    expect(p('nixpkgsChannelUnmaintained', { ...github('NixOS', 'nixpkgs', { ref: 'nixos-24.05' }), roots: [], path: ['flake-parts', 'nixpkgs-lib'], via: ['nixpkgs-lib'] })).toBe(false);
    expect(t('nixpkgsChannelUnmaintained', nixos2511)).toBeUndefined(); // no reference date
  });

  test('nixpkgsRefs allow and deny, and nixpkgsKeys (FLK-013)', () => {
    const now = new Date('2026-11-23T00:00:00Z');
    const policy = { staleAfterDays: 30, errorAfterDays: 90, nixpkgsKeys: ['pkgs'], nixpkgsRefs: { deny: ['*'], allow: ['nixos-26.05*', 'release-26.05'] } };
    const p = (name: string, value: unknown) => FLAKE_LOCK_PREDICATES[name].test(value, { now, flakePolicy: policy });
    expect(p('nixpkgsRefDenied', github('NixOS', 'nixpkgs', { ref: 'nixos-unstable' }))).toBe(true);
    expect(p('nixpkgsRefDenied', github('NixOS', 'nixpkgs', { ref: 'nixos-26.05-small' }))).toBe(false);
    expect(p('nixpkgsNotAChannel', github('NixOS', 'nixpkgs', { ref: 'release-26.05' }))).toBe(false); // allowed
    // a root input named in nixpkgsKeys is nixpkgs whatever its repository
    const acme = { ...github('acme', 'pkgs', { ref: 'main' }), roots: ['pkgs'], path: ['pkgs'], via: ['pkgs'] };
    expect(p('nixpkgsRefDenied', acme)).toBe(true);
    expect(p('lockEntryNixpkgsFork', acme)).toBe(true);
    expect(p('nixpkgsRefDenied', { ...acme, roots: [], path: ['tool', 'pkgs'] })).toBe(false);
  });

  test('lockEntryRootInput: the flake\'s own inputs, not a dependency\'s', () => {
    expect(t('lockEntryRootInput', { ...github('NixOS', 'nixpkgs'), roots: ['nixpkgs'] })).toBe(true);
    expect(t('lockEntryRootInput', { ...github('NixOS', 'nixpkgs'), roots: [] })).toBe(false);
    expect(t('lockEntryRootInput', github('NixOS', 'nixpkgs'))).toBeUndefined();
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
    // the owner the next update fetches (original) counts as much as the one locked today
    expect(t('lockEntryNixpkgsFork', { ...github('NixOS', 'nixpkgs'), original: { type: 'github', owner: 'mallory', repo: 'nixpkgs' } })).toBe(true);
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
    expect(p('lockEntryUnapprovedSource', { ...github('NixOS', 'nixpkgs'), original: { type: 'github', owner: 'mallory', repo: 'nixpkgs' } })).toBe(true);
    expect(p('lockEntryUnapprovedSource', { ...github('NixOS', 'nixpkgs'), original: { id: 'nixpkgs', type: 'indirect' } })).toBe(false);
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
