import * as fs from 'fs';
import { builtinChannelTable, CHANNEL_TABLE_PATH, parseChannelTable } from '../src/flake/channel-table';
import { classifyBranch, releaseStatus } from '../src/flake/channels';
import { LocatedError } from '../src/source/errors';

/** The dated nixpkgs channel table (rules/data/nixpkgs-channels.yaml) and the statuses read from it. */
describe('the nixpkgs channel table', () => {
  const table = builtinChannelTable();

  test('the shipped table validates, lists releases newest first, and names its sources and review date', () => {
    expect(parseChannelTable(fs.readFileSync(CHANNEL_TABLE_PATH, 'utf8'), 'nixpkgs-channels.yaml')).toEqual(table);
    expect(table.reviewed).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(table.sources.length).toBeGreaterThan(0);
    expect(table.releases.map((r) => r.release).slice(0, 4)).toEqual(['26.11', '26.05', '25.11', '25.05']);
  });

  test('a release moves through beta, stable, deprecated and unmaintained by date', () => {
    const at = (release: string, day: string) => {
      const j = releaseStatus(release, table, day);
      return j.known ? j.status : j.newer ? 'newer than the table' : 'older than the table';
    };
    expect(at('25.11', '2025-11-29')).toBe('beta');
    expect(at('25.11', '2025-11-30')).toBe('stable');
    expect(at('25.11', '2026-05-29')).toBe('stable');
    expect(at('25.11', '2026-05-30')).toBe('deprecated'); // 26.05 is out
    expect(at('25.11', '2026-06-30')).toBe('deprecated'); // its last day of support
    expect(at('25.11', '2026-07-01')).toBe('unmaintained');
    // 26.11's release date is not in the table: 26.05 is deprecated in its last month all the same
    expect(at('26.05', '2026-11-29')).toBe('stable');
    expect(at('26.05', '2026-11-30')).toBe('deprecated');
    expect(at('26.05', '2027-01-01')).toBe('unmaintained');
    expect(at('26.11', '2026-12-04')).toBe('beta');
    expect(at('27.05', '2027-06-01')).toBe('newer than the table');
    expect(at('19.09', '2020-01-01')).toBe('older than the table');
  });

  test('branch names: channels, other branches of a release, rolling channels, anything else', () => {
    expect(classifyBranch('nixos-26.05-small', table)).toEqual({ kind: 'release', branch: 'nixos-26.05-small', release: '26.05', channel: true });
    expect(classifyBranch('nixpkgs-26.05-darwin', table)).toEqual({ kind: 'release', branch: 'nixpkgs-26.05-darwin', release: '26.05', channel: true });
    expect(classifyBranch('refs/heads/release-26.05', table)).toEqual({ kind: 'release', branch: 'release-26.05', release: '26.05', channel: false });
    expect(classifyBranch('staging-next-26.05', table)).toEqual({ kind: 'release', branch: 'staging-next-26.05', release: '26.05', channel: false });
    expect(classifyBranch('nixpkgs-unstable', table)).toEqual({ kind: 'rolling', branch: 'nixpkgs-unstable' });
    expect(classifyBranch('master', table)).toEqual({ kind: 'other', branch: 'master' });
  });

  test('a mistake in the table stops with file:line:col', () => {
    const wrongOrder = 'reviewed: 2026-12-04\nsources: [x]\nrolling: [nixos-unstable]\nreleases:\n  - { release: "25.11", endOfLife: 2026-06-30 }\n  - { release: "26.05", endOfLife: 2026-12-31 }\n';
    expect(() => parseChannelTable(wrongOrder, 'table.yaml')).toThrow(new LocatedError('table.yaml', 5, 5, 'releases must be listed newest first (25.11 before 26.05)'));
    const wrongKey = 'reviewed: 2026-12-04\nsources: [x]\nrolling: []\nreleases:\n  - release: "26.05"\n    endOfLive: 2026-12-31\n';
    expect(() => parseChannelTable(wrongKey, 'table.yaml')).toThrow(/^table\.yaml:5:5: /);
  });
});
