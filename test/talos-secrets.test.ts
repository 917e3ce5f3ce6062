import * as fs from 'fs';
import * as path from 'path';
import { makeTree, runCli } from './support/cli';

/**
 * A plaintext secrets bundle next to its SOPS-encrypted copy: the plaintext
 * one is reported at each secret's line, the encrypted one is not, and no
 * output format ever prints a secret's value.
 */
const SECRETS = {
  clusterSecret: 'Vb4tN8sQe2LmR7xZ1cK9yH3wJ5fD0aG6uP+oIjTnMlE=',
  bootstrapToken: 'n4v8qk.2t6b0xw9m3c7e1sd',
  osKey: 'LS0tLS1CRUdJTiBFRDI1NTE5IFBSSVZBVEUgS0VZLS0tLS0KTUM0Q0FRQXdCUVlESzJWd0JDSUVJRmFrZUZha2VGYWtlRmFrZUZha2VGYWtlRmFrZUZha2VGYWtlRmFrZUZha2UKLS0tLS1FTkQgRUQyNTUxOSBQUklWQVRFIEtFWS0tLS0tCg==',
};

const PLAINTEXT = [
  'cluster:',
  '  id: 3hCXq0Zm1nJ0TfW9aD8pXkGQbnJ5vS2c7rLwYeUoPiA=',
  `  secret: ${SECRETS.clusterSecret}`,
  'secrets:',
  `  bootstraptoken: ${SECRETS.bootstrapToken}`,
  'certs:',
  '  os:',
  '    crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t',
  `    key: ${SECRETS.osKey}`,
  '',
].join('\n');

const ENCRYPTED = [
  'cluster:',
  '    secret: ENC[AES256_GCM,data:9fT3kLw2Pq7Zx1Vb8Nm4Cd6Gh0Js5Ra=,iv:Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Yz3Ab4Cd=,tag:Zz9Yy8Xx7Ww6Vv5Uu4Tt3A==,type:str]',
  'secrets:',
  '    bootstraptoken: ENC[AES256_GCM,data:cW8xN2pR4tZ6vB0m,iv:Hh1Gg2Ff3Ee4Dd5Cc6Bb7Aa8Zz9Yy0Xx1Ww2Vv3Uu4T=,tag:Pp1Oo2Ii3Uu4Yy5Tt6Rr7A==,type:str]',
  'certs:',
  '    os:',
  '        key: ENC[AES256_GCM,data:S2V5ZmFrZXByaXZhdGVrZXk=,iv:Wq1Er2Ty3Ui4Op5As6Df7Gh8Jk9Lz0Xc1Vb2Nm3Qw4E=,tag:Rt1Yu2Io3Pa4Sd5Fg6Hj7A==,type:str]',
  'sops:',
  '    lastmodified: "2026-10-02T09:14:11Z"',
  '    mac: ENC[AES256_GCM,data:Zm9vYmFyYmF6cXV4ZmFrZW1hY3ZhbHVl,iv:Lk1Jh2Gf3Ds4Ap5Ow6Ie7Ur8Yt9Re0Wq1Az2Sx3Dc4V=,tag:Mn1Bv2Cx3Zl4Kj5Hg6Fd7A==,type:str]',
  '    version: 3.9.1',
  '',
].join('\n');

describe('Talos secrets (TAL-015)', () => {
  const dir = makeTree({ 'talos/secrets.yaml': PLAINTEXT, 'talos/talsecret.sops.yaml': ENCRYPTED });

  test('the plaintext bundle is reported at each secret line, the SOPS-encrypted one is not', async () => {
    const run = await runCli(['check', '.', '--format', 'json'], dir);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { findings: { ruleId: string; file: string; range: { start: { line: number; column: number } } }[] };
    const tal015 = report.findings.filter((f) => f.ruleId === 'TAL-015').map((f) => `${f.file}:${f.range.start.line}:${f.range.start.column}`);
    expect(tal015).toEqual(['talos/secrets.yaml:3:3', 'talos/secrets.yaml:5:3', 'talos/secrets.yaml:9:5']);
  });

  test.each(['stylish', 'json', 'sarif', 'github', 'junit'])('no secret value in the %s output', async (format) => {
    const run = await runCli(['check', '.', '--format', format, '-o', `out.${format}`], dir);
    expect(run.code).toBe(1);
    const output = fs.readFileSync(path.join(dir, `out.${format}`), 'utf8') + run.stdout + run.stderr;
    expect(output).toContain('TAL-015');
    for (const secret of Object.values(SECRETS)) {
      expect(output).not.toContain(secret);
      // nor a recognisable piece of it
      expect(output).not.toContain(secret.slice(0, 12));
    }
  });
});
