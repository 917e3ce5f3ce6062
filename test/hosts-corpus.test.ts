import * as fs from 'fs';
import * as path from 'path';
import { runCli } from './support/cli';

/**
 * The hosts of the public repositories the project develops against, read
 * by hand (`shared/corpus/dev-hosts.tsv`), against what `declint hosts`
 * finds in each fetched checkout. The checkouts are not part of the project:
 * where they are absent the test says so and checks nothing.
 */
const CORPUS = process.env.DECLINT_NIXOS_CORPUS ?? path.resolve(__dirname, '../../corpus');
const HOSTS = path.resolve(__dirname, '../../shared/corpus/dev-hosts.tsv');

function listed(): Map<string, { host: string; kind: string }[]> {
  const byRepo = new Map<string, { host: string; kind: string }[]>();
  if (!fs.existsSync(HOSTS)) return byRepo;
  for (const line of fs.readFileSync(HOSTS, 'utf8').trim().split('\n').slice(1)) {
    const [repo, , host, kind] = line.split('\t');
    byRepo.set(repo, [...(byRepo.get(repo) ?? []), { host, kind }]);
  }
  return byRepo;
}

const repos = [...listed()].filter(([repo]) => fs.existsSync(path.join(CORPUS, repo.replace('/', '+'))));

describe('declint hosts on the development corpus', () => {
  if (repos.length === 0) {
    test.skip(`no checkout of the development repositories under ${CORPUS} (fetch them, or set DECLINT_NIXOS_CORPUS)`, () => undefined);
    return;
  }
  test.each(repos)('%s: every host read by hand is found, and no other', async (repo, rows) => {
    const run = await runCli(['hosts', '--json', '.'], path.join(CORPUS, repo.replace('/', '+')));
    expect(run.code).toBe(0);
    const found = (JSON.parse(run.stdout) as { hosts: { name?: string; status: string; construct: string }[] }).hosts.filter((h) => !h.construct.startsWith('specialisation'));
    const names = found.filter((h) => h.status !== 'unresolved').map((h) => h.name).sort();
    expect(names).toEqual(rows.map((r) => r.host).sort());
  }, 300_000);
});
