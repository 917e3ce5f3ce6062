import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { sourceMappedStack } from '../src/cli/stack-sources';
import { ROOT } from './support/cli';

/**
 * An internal error (a bug in declint) is reported with its stack trace;
 * declint runs from a minified bundle (scripts/bundle.js), so the trace
 * names the source lines the bundle was made from (src/cli/stack-sources.ts),
 * for a user's bug report to point at declint's code.
 */
describe('internal errors', () => {
  it('name the source file and line of each frame in the bundle', () => {
    // `--version` writes through io.stdout, which throws here: an error declint does not expect.
    const script = `require(${JSON.stringify(path.join(ROOT, 'dist/bundle/main.js'))}).main(['--version'], { stdout: () => { throw new TypeError('boom'); }, stderr: (s) => process.stderr.write(s), color: false, cwd: process.cwd() }).then((code) => { process.exitCode = code; });`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^declint: internal error: TypeError: boom\n/);
    const lines = fs.readFileSync(path.join(ROOT, 'src/cli/main.ts'), 'utf8').split('\n');
    const versionLine = lines.findIndex((l) => l.includes('io.stdout(`${TOOL_VERSION}\\n`);')) + 1;
    expect(versionLine).toBeGreaterThan(0);
    expect(run.stderr).toContain(`at dispatch (src/cli/main.ts:${versionLine}:`);
    expect(run.stderr).not.toContain('dist/bundle');
  });

  it('leaves a frame whose source map cannot be read as it was', () => {
    const stack = 'TypeError: boom\n    at f (/nowhere/dist/bundle/main.js:1:5)\n    at g (node:internal/x:2:3)';
    expect(sourceMappedStack(stack)).toBe(stack);
  });
});
