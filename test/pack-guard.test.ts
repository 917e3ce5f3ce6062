import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from './support/cli';

/**
 * `npm pack` of a checkout runs `prepack` (scripts/check-pack.js): without
 * prebuilds/ it stops, since the package would need a compiler to install;
 * with a prebuild it lets the pack go on (what `npm run release` does).
 */
describe('prepack guard', () => {
  function checkout(withPrebuild: boolean): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-pack-'));
    fs.mkdirSync(path.join(dir, 'scripts'));
    fs.copyFileSync(path.join(ROOT, 'scripts/check-pack.js'), path.join(dir, 'scripts/check-pack.js'));
    if (withPrebuild) {
      fs.mkdirSync(path.join(dir, 'prebuilds/linux-x64'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'prebuilds/linux-x64/declint.glibc.node'), '');
    }
    return dir;
  }

  test('the package script is the guard', () => {
    expect(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.prepack).toBe('node scripts/check-pack.js');
  });

  test('without prebuilds/ packing stops and says what to run instead', () => {
    const run = spawnSync(process.execPath, ['scripts/check-pack.js'], { cwd: checkout(false), encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('no prebuilds/ in this checkout: a package packed from it needs a compiler to install');
    expect(run.stderr).toContain('npm run prebuilds && npm run release -- OUT');
  });

  test('with a prebuild packing goes on', () => {
    const run = spawnSync(process.execPath, ['scripts/check-pack.js'], { cwd: checkout(true), encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
  });
});
