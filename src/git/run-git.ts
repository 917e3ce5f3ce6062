/**
 * Git as a subprocess, the one way declint runs it (`report`'s history,
 * `--changed-since`): in the scanned tree's repository, never the current
 * directory's, and with the repository's own configuration unable to run a
 * command. A scanned repository is not trusted: its `.git/config` could name
 * an fsmonitor, hooks, a pager, an external diff, textconv or clean/smudge
 * filter programs, or a signature checker, which git would otherwise start.
 */
/** `stderr` of a run that succeeded holds git's warnings (a directory it could not open). */
export type GitResult = { ok: true; stdout: string; stderr: string } | { ok: false; error: string };

export interface GitOptions {
  /** Largest output accepted (blame of a large file, a long log). */
  maxBuffer?: number;
  /** Milliseconds before git is stopped (a huge repository must not hang a run). */
  timeout?: number;
}

/** Settings that would make a read-only git command start a program, switched off. */
const HARDENING = [
  '--no-pager',
  ...['core.fsmonitor=', 'core.hooksPath=/dev/null', 'core.pager=cat', 'diff.external=', 'log.showSignature=false', 'core.untrackedCache=false'].flatMap((s) => ['-c', s]),
];

/** Per-driver settings (`filter.<name>.clean`, `diff.<name>.textconv`…) of a repository, switched off: found in its config, by name. */
const DRIVER_SETTING = /^(?:filter\.[^\n]+\.(?:clean|smudge|process|required)|diff\.[^\n]+\.(?:textconv|command))$/;

const driversByDir = new Map<string, string[]>();

/** Loaded when git first runs: a scan outside a git work tree never needs child_process. */
const childProcess = () => require('child_process') as typeof import('child_process');

/** Runs `git <args>` in `dir`; the output, or why git failed (not installed, not a repository, a bad revision). */
export function runGit(dir: string, args: string[], options: GitOptions = {}): GitResult {
  const run = childProcess().spawnSync('git', [...HARDENING, ...driverOverrides(dir), ...args], {
    cwd: dir,
    env: gitEnvironment(),
    encoding: 'utf8',
    maxBuffer: options.maxBuffer ?? 256 * 1024 * 1024,
    timeout: options.timeout ?? 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (run.error) return { ok: false, error: (run.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'git is not installed' : run.error.message };
  if (run.status !== 0) return { ok: false, error: run.stderr.trim().split('\n')[0] || `git ${args[0]} exited with ${run.status ?? run.signal}` };
  return { ok: true, stdout: run.stdout, stderr: run.stderr };
}

/**
 * `-c` options that empty every filter and diff driver command the
 * repository configures (`.gitattributes` of the scanned tree chooses the
 * driver, its config the program): reading config runs nothing.
 */
function driverOverrides(dir: string): string[] {
  let overrides = driversByDir.get(dir);
  if (overrides) return overrides;
  const run = childProcess().spawnSync('git', [...HARDENING, 'config', '--null', '--name-only', '--get-regexp', '^(filter|diff)\\.'], { cwd: dir, env: gitEnvironment(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 });
  const names = run.status === 0 ? run.stdout.split('\0').filter((name) => DRIVER_SETTING.test(name)) : [];
  overrides = names.flatMap((name) => ['-c', name.endsWith('.required') ? `${name}=false` : `${name}=`]);
  driversByDir.set(dir, overrides);
  return overrides;
}

/** The environment git runs with: no pager, no prompt, no lock taken, and no variable that points it at another repository. */
function gitEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_PAGER: 'cat', PAGER: 'cat', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_EXTERNAL_DIFF', 'GIT_CONFIG_PARAMETERS', 'GIT_CONFIG_COUNT']) delete env[name];
  return env;
}
