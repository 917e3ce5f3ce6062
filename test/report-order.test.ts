import { makeTree, spawnCli } from './support/cli';

/**
 * A report is the same on every machine: the order of its findings does
 * not follow the locale of the shell that ran declint (src/source/compare-text.ts).
 * Under a Turkish locale `i` and `I` are different letters, and `localeCompare`
 * put NIX-SSH-001 before nix-renamed-option at the same place.
 */
describe('the order of findings', () => {
  const dir = makeTree({ 'ssh.nix': '{\n  services.openssh.permitRootLogin = "yes";\n  services.openssh.passwordAuthentication = true;\n}\n' });
  const order = (locale: string) => {
    const run = spawnCli(['check', '.', '--format', 'json'], { cwd: dir, env: { LC_ALL: locale, LANG: locale } });
    expect(run.code).toBe(1);
    return (JSON.parse(run.stdout) as { findings: { ruleId: string; range: { start: { line: number } } }[] }).findings.map((f) => `${f.range.start.line} ${f.ruleId}`);
  };

  it.each(['C.UTF-8', 'en_US.UTF-8', 'tr_TR.UTF-8', 'sv_SE.UTF-8'])('is by line, then rule ID in English collation, under %s', (locale) => {
    expect(order(locale)).toEqual(['2 nix-renamed-option', '2 NIX-SSH-001', '3 nix-renamed-option', '3 NIX-SSH-002']);
  });
});
