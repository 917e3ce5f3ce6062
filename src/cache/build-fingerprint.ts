import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/**
 * A fingerprint of the code that computes results: declint's compiled files
 * (or its TypeScript sources, when run from them) and its native bindings,
 * by path, size and modification time. A rebuild changes it, so a result
 * cached by the build before is never taken for one of this build; reading
 * file sizes costs a few milliseconds, hashing their contents would cost
 * more than the cache saves on a small tree. Run from the bundle
 * (`bin/declint.js`), the code is the bundle's directory: the 400 compiled
 * modules beside it, which the benches load, are not read by the command
 * (the status of each was 4 ms of a pre-commit hook's run).
 */
let fingerprint: string | undefined;

export function buildFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  const hash = createHash('sha256');
  const project = path.resolve(__dirname, '../..');
  const code = path.basename(__dirname) === 'bundle' ? __dirname : path.resolve(__dirname, '..');
  for (const dir of [code, path.join(project, 'build', 'Release'), path.join(project, 'prebuilds')]) addTree(hash, dir);
  fingerprint = hash.digest('base64url');
  return fingerprint;
}

function addTree(hash: ReturnType<typeof createHash>, dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // no native build here (a prebuilt binding instead), or the reverse
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) addTree(hash, full);
    else if (/\.(js|ts|json|node)$/.test(entry.name)) {
      const stat = fs.statSync(full);
      hash.update(`${full}\u0000${stat.size}\u0000${stat.mtimeMs}\n`);
    }
  }
}
