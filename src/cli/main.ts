import { existsSync, mkdirSync, promises as fs, statSync, writeFileSync } from 'fs';
import { Config, findConfig, loadConfig } from '../config/config';
import * as path from 'path';
import { severityRank, Severity } from '../findings/finding';
import { TOOL_VERSION } from '../meta';
import { analyzeTree, CheckOptions, Progress, runCheck } from '../pipeline/check';
import { timing } from '../timing';
import { loadFrameworks } from '../controls/registry';
import { loadRuleSet } from '../rules/builtin';
import { explainText, ruleMarkdown, rulesIndexMarkdown, rulesTable } from '../report/rule-docs';
import { applyBaseline, createBaseline, parseBaseline } from '../findings/baseline';
import { parseOptionPath } from '../nix/option-path';
import { formatJson } from '../report/json';
import type { CheckResult } from '../report/result';
import { formatSarif, MAX_UPLOAD_GZIP_BYTES, SarifOptions } from '../report/sarif';
import { formatGithub, githubStepSummary } from '../report/github';
import { formatJunit } from '../report/junit';
import { formatStylish } from '../report/stylish';
import { LocatedError, UsageError } from '../source/errors';
import { reportPath } from '../source/paths';
import { MAX_INPUT_BYTES, MAX_SOURCE_BYTES, readText } from '../source/read-text';
import { describeFileError } from '../source/file-error';
import { INTERNAL_ERROR_RULE_ID } from '../findings/unchecked';
import { runGit } from '../git/run-git';
import { scrubDeep, scrubSecrets } from '../redaction/secrets';
import { terminalLines, terminalSafe } from '../report/markup';
import type { HostCoverage } from '../pipeline/check-hosts';
import type { SourceSite } from '../nix/host';
import { referenceDate } from './reference-date';
import { cacheLocation, DEFAULT_CACHE_DIRECTORY } from '../cache/location';
import type { CacheStats } from '../cache/result-cache';
import { coverageGaps, emptyCoverage, formatSite } from '../coverage/coverage';
import { CommandSpec, commandHelp, completionScript, OptionSpec, parseCommand, Parsed, suggest, Values } from './options';

/**
 * The commands and their options. Each command's options are one table
 * (options.ts parses it, prints `declint <command> --help` from it, suggests
 * names from it and completes from it): a new flag is one entry in its
 * command's table, read from `parsed.values` in the command's function.
 */
const FORMATS = ['stylish', 'json', 'sarif', 'github', 'junit'] as const;
type Format = (typeof FORMATS)[number];
const FAIL_LEVELS = ['error', 'warning', 'note', 'never'] as const;
type FailLevel = (typeof FAIL_LEVELS)[number];
const SEVERITY_NAMES = ['error', 'warning', 'note'] as const;
const REPORT_FORMATS = ['md', 'html', 'json', 'csv', 'cyclonedx'] as const;
const SHELLS = ['bash', 'zsh', 'fish'] as const;
const FRAMEWORK_KEYS = ['iso27001', 'soc2', 'nis2', 'dora', 'anssi', 'cis', 'cis-k8s', 'stig'] as const;

const CONFIG_OPTION: OptionSpec = { name: 'config', short: 'c', value: 'file', help: 'configuration (default: .declint.yaml in the scanned directory or the nearest folder above it)' };
const IGNORE_OPTION: OptionSpec = { name: 'ignore', value: 'glob', multiple: true, help: 'skip matching files (gitignore syntax); .gitignore files are always honoured' };
const RULES_DIR_OPTION: OptionSpec = { name: 'rules-dir', value: 'dir', multiple: true, help: 'load more rules from a directory' };
const NOW_OPTION: OptionSpec = {
  name: 'now',
  value: 'date',
  help: 'judge as of this day (2026-12-04, a time with its zone, or @SECONDS): lock ages, channel status, exception expiry, report dates; default: SOURCE_DATE_EPOCH when set, else today',
};

const CHECK: CommandSpec = {
  name: 'check',
  args: '[paths...]',
  summary:
    'Checks NixOS modules, flake.nix and flake.lock files and Talos machine configs against compliance rules. Paths default to the current directory. Given files (as a pre-commit hook passes them), declint reads the whole tree so that their hosts are evaluated, and reports only on those files.\n\nExit codes: 0 no findings at or above --fail-on, 1 findings at or above it, 2 usage or configuration error.',
  complete: 'files',
  options: [
    { name: 'format', short: 'f', value: 'format', choices: FORMATS, multiple: true, help: 'output format (default: stylish); repeat --format, each followed by its own -o, for several outputs' },
    { name: 'output', short: 'o', value: 'file', multiple: true, help: 'write the report to a file instead of stdout (missing directories are created)' },
    { name: 'fail-on', value: 'level', choices: FAIL_LEVELS, help: 'lowest severity that makes the exit code 1 (default: error)' },
    { name: 'fail-on-internal-error', help: 'exit 2 when declint failed on a file (by default the failure is an internal-error finding at the file and the run goes on)' },
    { name: 'min-severity', value: 'level', choices: SEVERITY_NAMES, help: 'leave lower severities out of the output (default: note); the exit code still follows --fail-on' },
    { name: 'quiet', short: 'q', help: 'errors only in the output: --min-severity error' },
    { name: 'category', value: 'name', help: 'SARIF automationDetails.id (one per CI shard)' },
    { name: 'sarif-suppressed', value: 'mode', choices: ['omit', 'emit'], help: 'suppressed and excepted findings in SARIF (default: omit)' },
    { name: 'baseline', value: 'file', help: 'report only findings not in the baseline (see: declint baseline)' },
    { name: 'update-baseline', help: "rewrite the baseline with today's findings (it shrinks as they are fixed)" },
    { name: 'changed-since', value: 'rev', help: 'report only on files changed since a git revision, and on the hosts they affect' },
    { name: 'fix', help: 'apply every safe fix in place, check again, report what remains' },
    { name: 'fix-dry-run', help: 'print the fixes as a unified diff and change nothing (exit 1 when there are some)' },
    { name: 'fix-rule', value: 'id', multiple: true, help: "only this rule's fixes (repeatable, or comma-separated)" },
    { name: 'unsafe-fixes', help: 'also apply the fixes a rule marks unsafe (they can lock someone out)' },
    { name: 'host', value: 'name', help: 'report only on this NixOS host or Talos node (and on files of no host)' },
    { name: 'require-hosts', help: 'exit 1 also when a declared NixOS host or Talos node is not resolved, or a source that declares some produced none (see the coverage lines)' },
    IGNORE_OPTION,
    RULES_DIR_OPTION,
    CONFIG_OPTION,
    { name: 'jobs', short: 'j', value: 'n', help: 'threads checking files (default: one per core, the others started once the files checked show the work is worth it)' },
    NOW_OPTION,
    {
      name: 'cache',
      help: `keep results between runs and compute again only what a change affects: a file's own result when its content changed, a host's when a file its evaluation read changed (default location: ${DEFAULT_CACHE_DIRECTORY}/ in the scanned directory, which git ignores by itself)`,
    },
    { name: 'cache-location', value: 'path', help: 'with --cache: the cache file, or a directory to keep it in (an existing one, or a path ending in /)' },
    { name: 'verbose', help: 'say on standard error what the cache reused (DECLINT_TIMING=1 tells the time of each phase)' },
  ],
};
const HOSTS: CommandSpec = {
  name: 'hosts',
  args: '[paths...]',
  summary:
    'Lists the NixOS hosts found (flake outputs, host frameworks, configuration.nix roots, hosts declared in .declint.yaml) with their root, module count, role and how each was found, what could not be read, and the hosts declared but not resolved; then the Talos nodes (machine configs, talhelper, Omni, Cluster API, Terraform) and the Talos-looking files that produced none.',
  complete: 'files',
  options: [
    { name: 'json', help: 'print the list as JSON' },
    { name: 'root', value: 'file', multiple: true, help: 'treat a module file as a host of its own (with the specialArgs of the one host that reads it)' },
  ],
};
const EXPLAIN_OPTION: CommandSpec = {
  name: 'explain-option',
  args: 'HOST OPTION [paths...]',
  summary: "Prints an option's effective value on a host and every definition that set it (won, overridden, under mkIf).",
  complete: 'files',
  options: HOSTS.options.map((o) => (o.name === 'json' ? { ...o, help: 'print the explanation as JSON' } : o)),
};
const RULES: CommandSpec = {
  name: 'rules',
  args: '',
  summary: 'Lists the rules (table, JSON, or one Markdown documentation page a rule).',
  complete: 'none',
  options: [
    { name: 'framework', value: 'key', offers: FRAMEWORK_KEYS, help: `only the rules mapped to this framework (${FRAMEWORK_KEYS.join(', ')}, or one a rules directory declares)` },
    { name: 'format', short: 'f', value: 'format', choices: ['table', 'json', 'markdown'], help: 'output format (default: table)' },
    { name: 'out-dir', value: 'dir', help: 'with --format markdown: write one page a rule and an index into this directory' },
    RULES_DIR_OPTION,
    CONFIG_OPTION,
  ],
};
const EXPLAIN: CommandSpec = { name: 'explain', args: 'RULE-ID', summary: "Prints a rule's documentation and the controls it maps to.", complete: 'none', options: [RULES_DIR_OPTION, CONFIG_OPTION] };
const TEST_RULES: CommandSpec = {
  name: 'test-rules',
  args: '[DIR]',
  summary: 'Runs the annotated fixtures of the rules in DIR/rules (cases in DIR/fixtures/rules/<ID>/bad-* and good-*): validated, reported, noisy, missing.',
  complete: 'files',
  options: [NOW_OPTION],
};
const BASELINE: CommandSpec = {
  name: 'baseline',
  args: '[paths...]',
  summary: "Records today's findings by semantic fingerprint, so that `check --baseline FILE` reports only new ones.",
  complete: 'files',
  options: [{ name: 'output', short: 'o', value: 'file', help: 'where to write it (default: .declint-baseline.json)' }, CONFIG_OPTION, NOW_OPTION],
};
const REPORT: CommandSpec = {
  name: 'report',
  args: '[paths...]',
  summary:
    "The compliance evidence report: per framework and control, each rule's result on each host, Talos node and flake.lock with its defining line and last commit, the team's control annotations, and the controls no rule can check.",
  complete: 'files',
  options: [
    { name: 'framework', value: 'keys', multiple: true, offers: FRAMEWORK_KEYS, help: `frameworks, comma-separated (${FRAMEWORK_KEYS.join(', ')}; default: those of .declint.yaml, else all)` },
    { name: 'format', short: 'f', value: 'format', choices: REPORT_FORMATS, help: 'output format (default: md)' },
    { name: 'output', short: 'o', value: 'file', help: 'write the report to a file instead of stdout (missing directories are created)' },
    { name: 'since', value: 'date', help: 'start of the audit period (YYYY-MM-DD): the change log of the scanned configuration from that day' },
    { name: 'until', value: 'date', help: 'end of the audit period (YYYY-MM-DD, included)' },
    { name: 'repo-url', value: 'url', help: "the repository's web address, for evidence permalinks (default: report.repoUrl, else the origin remote)" },
    IGNORE_OPTION,
    RULES_DIR_OPTION,
    CONFIG_OPTION,
    NOW_OPTION,
  ],
};
const SBOM: CommandSpec = {
  name: 'sbom',
  args: '[paths...]',
  summary: 'Writes the pinned flake inputs as a CycloneDX 1.6 SBOM (the same as report --format cyclonedx).',
  complete: 'files',
  options: [{ name: 'output', short: 'o', value: 'file', help: 'write it to a file instead of stdout (missing directories are created)' }, CONFIG_OPTION, NOW_OPTION],
};
const INIT: CommandSpec = {
  name: 'init',
  args: '[DIR]',
  summary: 'Writes a starter .declint.yaml in DIR (default: the current directory) for the frameworks chosen.',
  complete: 'files',
  options: [
    { name: 'framework', value: 'keys', multiple: true, offers: FRAMEWORK_KEYS, help: `frameworks to evidence, comma-separated (${FRAMEWORK_KEYS.join(', ')}; default: all rules at the standard level)` },
    { name: 'force', help: 'overwrite an existing .declint.yaml' },
  ],
};
const LSP: CommandSpec = { name: 'lsp', args: '', summary: 'Runs the language server (for editors) on standard input and output.', complete: 'none', options: [{ name: 'stdio', help: 'talk over standard input and output (required)' }] };
const COMPLETION: CommandSpec = {
  name: 'completion',
  args: 'bash|zsh|fish',
  summary: 'Prints the shell completion script: eval "$(declint completion bash)" in ~/.bashrc, the same with zsh in ~/.zshrc, or declint completion fish > ~/.config/fish/completions/declint.fish.',
  complete: SHELLS,
  options: [],
};

type CommandRun = (parsed: Parsed, io: Io) => Promise<number>;
const COMMANDS: [CommandSpec, CommandRun][] = [
  [CHECK, check],
  [REPORT, reportCommand],
  [SBOM, sbomCommand],
  [HOSTS, hosts],
  [EXPLAIN_OPTION, explainOptionCommand],
  [RULES, rulesCommand],
  [EXPLAIN, explainCommand],
  [BASELINE, baselineCommand],
  [TEST_RULES, testRulesCommand],
  [INIT, initCommand],
  [LSP, lspCommand],
  [COMPLETION, completionCommand],
];

function usage(): string {
  const width = Math.max(...COMMANDS.map(([c]) => c.name.length)) + 2;
  const list = COMMANDS.map(([c]) => `  ${c.name.padEnd(width)}${c.summary.split(/(?<=\.) /)[0]}`).join('\n');
  return `Usage: declint <command> [options]\n\nCompliance linter for NixOS modules, flake.nix, flake.lock and Talos machine configs.\n\nCommands:\n${list}\n\nRun declint <command> --help for the options of a command.\n  -h, --help     show this help\n  -v, --version  print the version\n`;
}


export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Colours by default (before --color and --no-color): FORCE_COLOR, else not with NO_COLOR, else on a terminal. */
  color: boolean;
  cwd: string;
  /** Standard error is a terminal: progress is shown there during long runs. */
  stderrIsTTY?: boolean;
  /** How long a run goes before its progress is shown (default a second). */
  progressDelayMs?: number;
  /** The environment (`SOURCE_DATE_EPOCH`); the process's when absent. */
  env?: Record<string, string | undefined>;
}

function defaultIo(): Io {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    color: colorByDefault(process.env, Boolean(process.stdout.isTTY)),
    cwd: process.cwd(),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
  };
}

/** The run's "today" (see reference-date.ts), from `--now` or the environment. */
function runDate(values: Values, io: Io): Date {
  const now = values.now;
  return referenceDate(typeof now === 'string' ? now : undefined, io.env ?? process.env).date;
}

/** FORCE_COLOR (anything but 0 or false) turns colours on, NO_COLOR off; otherwise a terminal gets them. */
export function colorByDefault(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (env.NO_COLOR) return false;
  return isTTY;
}

/** Runs the command line; resolves to the exit code. Never throws. */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof LocatedError) {
      io.stderr(`declint: ${error.message}\n`);
      return 2;
    }
    const stack = error instanceof Error && error.stack !== undefined ? (require('./stack-sources') as typeof import('./stack-sources')).sourceMappedStack(error.stack) : undefined;
    io.stderr(`declint: internal error: ${stack ?? (error instanceof Error ? error.message : String(error))}\n`);
    return 2;
  }
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help') {
    io.stdout(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '-v' || name === '--version') {
    io.stdout(`${TOOL_VERSION}\n`);
    return 0;
  }
  const find = (n: string) => COMMANDS.find(([c]) => c.name === n);
  if (name === 'help') {
    const topic = rest[0] === undefined ? undefined : find(rest[0]);
    if (rest[0] !== undefined && !topic) throw new UsageError(`unknown command "${rest[0]}"${suggest(rest[0], COMMANDS.map(([c]) => c.name))}`);
    io.stdout(topic ? commandHelp(topic[0]) : usage());
    return 0;
  }
  const entry = find(name);
  if (!entry) {
    const hint = suggest(name, COMMANDS.map(([c]) => c.name));
    throw new UsageError(`unknown command "${name}"${hint || ' (commands: ' + COMMANDS.map(([c]) => c.name).join(', ') + ')'}${name.startsWith('-') ? '' : ' (see: declint --help)'}`);
  }
  const [spec, run] = entry;
  const parsed = parseCommand(spec, rest);
  if (parsed.values.help) {
    io.stdout(commandHelp(spec));
    return 0;
  }
  const color = parsed.values.color ? true : parsed.values['no-color'] ? false : io.color;
  return run(parsed, { ...io, color });
}

const strings = (v: Values[string]) => (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []);
const string = (v: Values[string]) => (typeof v === 'string' ? v : undefined);

async function check(parsed: Parsed, io: Io): Promise<number> {
  const { values, positionals } = parsed;
  const outputs = outputSpecs(parsed.tokens);
  const failOn = (string(values['fail-on']) ?? 'error') as FailLevel;
  const minSeverity = values.quiet ? 'error' : ((string(values['min-severity']) ?? 'note') as Severity);
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1 && jobs <= 64)) {
    throw new UsageError(`--jobs must be a whole number from 1 to 64 (got "${values.jobs}")`);
  }
  let paths = positionals.length > 0 ? positionals : ['.'];
  // Files named on the command line (a pre-commit hook): the whole tree is read so their hosts are
  // evaluated, and only those files are reported on.
  let focus: Set<string> | undefined;
  let focusHosts = false;
  const inside = (p: string) => !reportPath(io.cwd, path.resolve(io.cwd, p)).startsWith('/');
  if (positionals.length > 0 && positionals.every((p) => isFile(path.resolve(io.cwd, p)) && inside(p))) {
    focus = new Set(positionals.map((p) => reportPath(io.cwd, path.resolve(io.cwd, p))));
    paths = ['.'];
  }
  const changedSinceRev = string(values['changed-since']);
  if (changedSinceRev) {
    const changed = changedSince(changedSinceRev, firstDirectory(paths, io.cwd), io.cwd);
    focus = new Set([...(focus ?? []), ...changed]);
    focusHosts = true;
  }
  const host = string(values.host);
  const config = configFor(string(values.config), paths, io);
  if (values['cache-location'] !== undefined && !values.cache) throw new UsageError('--cache-location needs --cache');
  let cacheStats: CacheStats | undefined;
  const checkOptions: CheckOptions = {
    ...scanOptions(values, paths, config, io),
    ...(jobs !== undefined ? { jobs } : {}),
    ...(host ? { host } : {}),
    ...(focus ? { focus, focusHosts } : {}),
    ...(values.cache ? { cache: { location: cacheLocation(string(values['cache-location']), firstDirectory(paths, io.cwd), io.cwd), note: (m: string) => io.stderr(`declint: ${m}\n`) } } : {}),
    ...(values.verbose ? { onCacheStats: (s: CacheStats) => (cacheStats = s) } : {}),
  };
  const fixing = values.fix || values['fix-dry-run'];
  if (!fixing && (values['fix-rule'] || values['unsafe-fixes'])) throw new UsageError(`${values['fix-rule'] ? '--fix-rule' : '--unsafe-fixes'} needs --fix or --fix-dry-run`);
  if (values.fix && values['fix-dry-run']) throw new UsageError('--fix writes the files and --fix-dry-run only shows the diff: give one of them');
  let analysis: import('../pipeline/check').TreeAnalysis;
  // JSON and SARIF carry each finding's fix: planned on the analysis, which knows each host's own module.
  const reportFixes = outputs.some((o) => o.format === 'json' || o.format === 'sarif');
  if (fixing) {
    const fixed = await runFixes(checkOptions, values, io);
    if (values['fix-dry-run']) return fixed.changed ? 1 : 0;
    analysis = fixed.analysis;
  } else {
    const progress = progressLine(io);
    analysis = await analyzeTree({ ...checkOptions, ...(progress ? { onProgress: progress.update } : {}), ...(reportFixes ? { reportFixes } : {}) });
    progress?.clear();
  }
  if (values.verbose) io.stderr(cacheStatsText(cacheStats));
  if (host && !analysis.hostNames.includes(host)) {
    throw new UsageError(`--host ${host}: no such host${suggest(host, analysis.hostNames)} (hosts: ${analysis.hostNames.join(', ') || 'none found'})`);
  }
  let result = analysis.result;
  timing?.phase('output');
  if (reportFixes && !result.fixes) {
    // After --fix: planned on the tree as the fixes left it.
    const { reportableFixes } = require('../pipeline/fix-tree') as typeof import('../pipeline/fix-tree');
    result = { ...result, fixes: reportableFixes(checkOptions, analysis) };
  }
  const baselineFile = string(values.baseline);
  if (baselineFile) {
    const file = path.resolve(io.cwd, baselineFile);
    const display = path.relative(io.cwd, file) || file;
    if (values['update-baseline']) writeOutput(file, `${JSON.stringify(createBaseline(result.findings), null, 2)}\n`, baselineFile);
    const read = readText(file, { maxBytes: MAX_INPUT_BYTES });
    if (read.kind === 'error') {
      throw new UsageError(`${baselineFile}: the baseline cannot be read: ${read.reason} (create one with: declint baseline -o ${baselineFile})`);
    }
    const applied = applyBaseline(result.findings, parseBaseline(read.text, display), display);
    result.findings = [...applied.findings, ...applied.fixed];
  } else if (values['update-baseline']) {
    throw new UsageError('--update-baseline needs --baseline FILE');
  }
  const internal = values['fail-on-internal-error'] === true && result.findings.some((f) => f.ruleId === INTERNAL_ERROR_RULE_ID);
  const code = internal ? 2 : Math.max(exitCode(result, failOn), values['require-hosts'] ? coverageExitCode(result) : 0);
  // --min-severity narrows what is shown, never what fails the run.
  const shown: CheckResult = { ...result, findings: result.findings.filter((f) => severityRank(f.severity) <= severityRank(minSeverity)) };
  const category = string(values.category);
  const sarif: SarifOptions = {
    sourceText: (file) => {
      const read = readText(path.resolve(io.cwd, file), { maxBytes: MAX_SOURCE_BYTES });
      return read.kind === 'text' ? read.text : undefined;
    },
    ...(category ? { category } : {}),
    suppressed: (string(values['sarif-suppressed']) ?? 'omit') as 'omit' | 'emit',
    // The registry is YAML: read only when a SARIF output needs its taxonomies (cold start of a hook).
    ...(outputs.some((o) => o.format === 'sarif') ? { frameworks: loadFrameworks(allRuleDirs(values, config, io), io.cwd) } : {}),
    exitCode: code,
  };
  for (const { format, output } of outputs) {
    const report = render(shown, format, io.color && !output, sarif);
    if (format === 'sarif') warnAboutUploadSize(report, output, io);
    if (output) writeOutput(path.resolve(io.cwd, output), report, output);
    else io.stdout(report);
  }
  const summaryFile = process.env.GITHUB_STEP_SUMMARY;
  if (summaryFile && outputs.some((o) => o.format === 'github')) await fs.appendFile(summaryFile, githubStepSummary(shown));
  if (internal) io.stderr('declint: declint failed on some files (internal-error findings); exit code 2 because of --fail-on-internal-error\n');
  return code;
}

/** `--verbose`: what the cache reused, on standard error. */
function cacheStatsText(cache: CacheStats | undefined): string {
  if (!cache) return 'declint: no cache used (--cache keeps results between runs); DECLINT_TIMING=1 tells where the time goes\n';
  const opened = cache.opened === 'read' ? '' : typeof cache.opened === 'string' ? ` (${cache.opened === 'new' ? 'none yet' : 'written for other settings'})` : ' (discarded)';
  const files = cache.filesReused + cache.filesChecked;
  const hosts = cache.hosts.hostsReused + cache.hosts.hostsEvaluated;
  const phases = cache.phasesReused.length > 0 ? `; ${cache.phasesReused.join(', ')} phases reused whole` : '';
  return `declint: cache ${cache.file}${opened}: ${cache.filesReused} of ${files} files, ${cache.hosts.hostsReused} of ${hosts} hosts reused${phases}${cache.written ? '' : '; unchanged, not written'}\n`;
}

/** GitHub refuses a SARIF file over 10 MB gzip-compressed: say so, and how to split the run. */
function warnAboutUploadSize(report: string, output: string | undefined, io: Io): void {
  const size = (require('zlib') as typeof import('zlib')).gzipSync(report).length;
  if (size <= MAX_UPLOAD_GZIP_BYTES) return;
  io.stderr(
    `declint: warning: ${output ?? 'the SARIF output'} is ${(size / 1048576).toFixed(1)} MB gzip-compressed; GitHub code scanning accepts at most 10 MB: check the tree in parts, each with its own --category\n`,
  );
}

/** A report or baseline written with its missing directories created; a failure is a usage error naming the path, not a stack trace. */
function writeOutput(file: string, text: string, given = file): void {
  try {
    // Synchronous: one write at the end of the run, and loading fs.promises for it cost a hook run 4 ms.
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  } catch (error) {
    throw new UsageError(`-o ${given}: cannot write the file (${describeFileError(error, 'write')})`);
  }
}

/**
 * Progress on standard error while a run takes long (after a second), when it
 * is a terminal: files checked, then hosts evaluated, on one line rewritten in
 * place and erased at the end. Nothing when standard error is not a terminal.
 */
function progressLine(io: Io): { update: (p: Progress) => void; clear: () => void } | undefined {
  if (!io.stderrIsTTY) return undefined;
  const started = Date.now();
  const delay = io.progressDelayMs ?? 1000;
  let last = 0;
  let phase: Progress['phase'] | undefined;
  let shown = false;
  return {
    update: (p) => {
      const now = Date.now();
      // At most ten lines a second, but the first of a new phase is always shown.
      if (now - started < delay || (now - last < 100 && p.phase === phase)) return;
      last = now;
      phase = p.phase;
      shown = true;
      io.stderr(`\r\u001b[Kdeclint: ${p.phase === 'files' ? `${p.done}/${p.total} files checked` : `${p.done} hosts evaluated`}`);
    },
    clear: () => {
      if (shown) io.stderr('\r\u001b[K');
    },
  };
}


/**
 * `--format sarif -o a.sarif --format stylish`: each `--format` starts an
 * output and the `-o` after it (or before the first format) says where it goes.
 */
function outputSpecs(tokens: Parsed['tokens']): { format: Format; output?: string }[] {
  const specs: { format: Format; output?: string }[] = [];
  for (const token of tokens) {
    if (token.name === 'format') specs.push({ format: token.value as Format });
    else if (token.name === 'output') {
      const last = specs[specs.length - 1];
      if (last && last.output === undefined) last.output = token.value;
      else if (!last) specs.push({ format: 'stylish', output: token.value });
      else throw new UsageError(`-o ${token.value}: each output needs its own --format before it`);
    }
  }
  return specs.length ? specs : [{ format: 'stylish' }];
}

/** What `check` and `report` take alike from the command line: paths, config, ignores and rule directories. */
function scanOptions(values: Values, paths: string[], config: Config | undefined, io: Io): CheckOptions {
  return {
    ...(config ? { config } : {}),
    paths,
    base: io.cwd,
    ignore: strings(values.ignore),
    ruleDirs: strings(values['rules-dir']).map((d) => path.resolve(io.cwd, d)),
    now: runDate(values, io),
  };
}

/** The custom rule directories of a run: `--rules-dir` and the config's `ruleDirs` (which may declare frameworks too). */
function allRuleDirs(values: Values, config: Config | undefined, io: Io): string[] {
  return [...strings(values['rules-dir']).map((d) => path.resolve(io.cwd, d)), ...(config?.ruleDirs ?? [])];
}

/** The project config: `--config FILE`, else `.declint.yaml` found from the first scanned directory upward. */
function configFor(flag: string | undefined, paths: string[], io: Io): Config | undefined {
  const file = flag ? path.resolve(io.cwd, flag) : findConfig(firstDirectory(paths, io.cwd));
  if (flag && !existsSync(file!)) throw new UsageError(`${flag}: no such configuration file`);
  return file ? loadConfig(file, path.relative(io.cwd, file) || file, { named: flag !== undefined }) : undefined;
}

async function hosts({ values, positionals }: Parsed, io: Io): Promise<number> {
  // Notes quote expressions of the scanned files: a key or token in one is not printed, nor a control character.
  const out = (line: string) => io.stdout(`${terminalSafe(scrubSecrets(line))}\n`);
  const paths = positionals.length ? positionals : ['.'];
  // Hosts declared in .declint.yaml are hosts too.
  const config = configFor(undefined, paths, io);
  const analysis = await analyzeTree({ paths, base: io.cwd, ignore: [], ruleDirs: [], now: runDate({}, io), keepHosts: true, ...(config ? { config } : {}) });
  const phase = analysis.hosts;
  const at = (site: SourceSite) => `${site.file}:${phase.loader.lines(site.file).rangeOf(site.span).start.line}`;
  const byName = new Map(phase.hosts.map((h) => [h.name, h]));
  const list = phase.hostCoverage.map((c) => {
    const host = c.name !== undefined ? byName.get(c.name) : undefined;
    return {
      ...(c.name !== undefined ? { name: c.name } : {}),
      status: c.status,
      ...(c.role ? { role: c.role } : {}),
      construct: c.construct,
      root: at(c.site),
      ...(host ? { modules: host.files.size } : {}),
      unread: c.reasons.map((n) => `${at(n.site)}: ${n.message}`),
      ...(host ? { externalModules: host.externalModules.map((e) => `${e.site.file}: ${e.name}`), notes: host.notes.filter((n) => !host.unread.includes(n)).map((n) => `${n.site.file}: ${n.message}`) } : {}),
    };
  });
  // Variants of a host (`specialisation.<name>`) are hosts too, listed after it.
  const variants = phase.hosts.filter((h) => !phase.hostCoverage.some((c) => c.name === h.name));
  const summary = coverageSummary(phase.hostCoverage);
  const coverage = analysis.result.coverage ?? emptyCoverage();
  const talosNodes = coverage.entries.filter((e) => e.kind === 'talos-node');
  const talosUnread = coverage.unread.filter((u) => u.kind === 'talos-node');
  if (values.json) {
    const json = {
      hosts: [...list, ...variants.map((h) => ({ name: h.name, status: 'evaluated', construct: `specialisation of ${h.name.split('/')[0]}`, root: at(h.spec.root), modules: h.files.size, unread: [], externalModules: [], notes: [] }))],
      notes: phase.notes.map((n) => `${n.site.file}: ${n.message}`),
      summary,
      talosNodes,
      coverage,
    };
    io.stdout(`${JSON.stringify(scrubDeep(json), null, 2)}\n`);
    return 0;
  }
  if (list.length === 0) out('No NixOS hosts found.');
  for (const h of list) {
    if (h.status === 'unresolved') {
      out(`${h.name ?? '(names not known)'}  ${h.root}  not resolved  ${h.construct}`);
      for (const u of h.unread) out(`  why: ${u}`);
      continue;
    }
    out(`${h.name}  ${h.root}  ${h.modules} module${h.modules === 1 ? '' : 's'}  ${h.role ?? 'host'}  ${h.construct}`);
    for (const u of h.unread) out(`  partly read: ${u}`);
    for (const e of h.externalModules ?? []) out(`  external (not read): ${e}`);
    for (const n of h.notes ?? []) out(`  note: ${n}`);
  }
  for (const v of variants) out(`${v.name}  ${at(v.spec.root)}  ${v.files.size} module${v.files.size === 1 ? '' : 's'}  specialisation`);
  const listed = new Set(phase.hosts.flatMap((h) => h.notes));
  for (const n of phase.notes.filter((n) => !listed.has(n) && !phase.hostCoverage.some((c) => c.reasons.includes(n)))) out(`note: ${n.site.file}: ${n.message}`);
  if (list.length > 0) out(summary.text);
  if (talosNodes.length > 0 || talosUnread.length > 0) out(talosNodes.length === 0 ? 'No Talos nodes found.' : 'Talos nodes:');
  for (const n of talosNodes) {
    out(`${n.name}  ${n.site ? `${n.site.file}:${n.site.line}` : '-'}  ${n.status === 'evaluated' ? '' : `${n.status === 'partial' ? 'partly read' : 'not resolved'}  `}${n.construct}`);
    for (const r of n.reasons) out(`  ${n.status === 'unresolved' ? 'why' : 'not read'}: ${r.site ? `${r.site.file}:${r.site.line}: ` : ''}${r.message}`);
  }
  for (const u of talosUnread) out(`no node: ${formatSite(u.site) || u.file}: ${u.reason}`);
  return 0;
}

/** "21 hosts evaluated (3 partly read); 1 declared host not resolved." */
function coverageSummary(coverage: HostCoverage[]): { evaluated: number; partial: number; unresolved: number; text: string } {
  const evaluated = coverage.filter((c) => c.status !== 'unresolved').length;
  const partial = coverage.filter((c) => c.status === 'partial').length;
  const unresolved = coverage.filter((c) => c.status === 'unresolved').length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const text = `${plural(evaluated, 'host')} evaluated${partial ? ` (${partial} partly read)` : ''}${unresolved ? `; ${plural(unresolved, 'declared host')} not resolved` : ''}.`;
  return { evaluated, partial, unresolved, text };
}

async function explainOptionCommand({ values, positionals }: Parsed, io: Io): Promise<number> {
  const [hostName, option, ...paths] = positionals;
  if (!hostName || !option) throw new UsageError('explain-option needs a host and an option: declint explain-option HOST OPTION [paths...]');
  const roots = strings(values.root);
  const analysis = await analyzeTree({ paths: paths.length ? paths : ['.'], base: io.cwd, ignore: [], ruleDirs: [], now: runDate({}, io), extraRoots: roots, keepHosts: true });
  const host = analysis.hosts.hosts.find((h) => h.name === hostName);
  if (!host) {
    const known = analysis.hosts.hosts.map((h) => h.name).join(', ') || 'none';
    throw new UsageError(`no host named "${hostName}"${suggest(hostName, analysis.hosts.hosts.map((h) => h.name))} (hosts: ${known})`);
  }
  // Required here: the option table it reads is not loaded by a check (a pre-commit hook's start-up).
  const { explainOption, formatExplanation } = require('../report/explain-option') as typeof import('../report/explain-option');
  const explanation = explainOption(host, parseOptionPath(option), (file) => analysis.hosts.loader.lines(file));
  io.stdout(scrubSecrets(values.json ? `${JSON.stringify(explanation, null, 2)}\n` : terminalLines(formatExplanation(explanation))));
  return 0;
}

async function rulesCommand({ values, positionals }: Parsed, io: Io): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`rules takes no arguments (got "${positionals[0]}"; see: declint rules --help)`);
  const format = string(values.format) ?? 'table';
  // The project's own rules and frameworks (`ruleDirs` of .declint.yaml) are listed with the built-in ones.
  const ruleDirs = allRuleDirs(values, configFor(string(values.config), ['.'], io), io);
  const frameworks = loadFrameworks(ruleDirs, io.cwd);
  const framework = string(values.framework);
  if (framework && !frameworks.some((f) => f.key === framework)) {
    throw new UsageError(`unknown framework "${framework}" (known: ${frameworks.map((f) => f.key).join(', ')})${suggest(framework, frameworks.map((f) => f.key))}`);
  }
  const all = await loadRuleSet(ruleDirs, io.cwd);
  const rules = framework ? all.filter((r) => framework in r.controls) : all;
  if (format === 'json') io.stdout(`${JSON.stringify(rules.map(({ source: _source, ...r }) => r), null, 2)}\n`);
  else if (format === 'table') io.stdout(rulesTable(rules));
  else if (string(values['out-dir'])) {
    const dir = path.resolve(io.cwd, string(values['out-dir'])!);
    await fs.mkdir(dir, { recursive: true });
    for (const rule of rules) await fs.writeFile(path.join(dir, `${rule.id}.md`), ruleMarkdown(rule, frameworks));
    await fs.writeFile(path.join(dir, 'README.md'), rulesIndexMarkdown(rules));
    io.stdout(`${rules.length} rule pages written to ${path.relative(io.cwd, dir) || '.'}\n`);
  } else io.stdout(rules.map((r) => ruleMarkdown(r, frameworks)).join('\n'));
  return 0;
}

async function explainCommand({ values, positionals }: Parsed, io: Io): Promise<number> {
  const [id, ...extra] = positionals;
  if (!id || extra.length > 0) throw new UsageError('explain needs one rule ID: declint explain NIX-SSH-001');
  const ruleDirs = allRuleDirs(values, configFor(string(values.config), ['.'], io), io);
  const rules = await loadRuleSet(ruleDirs, io.cwd);
  const rule = rules.find((r) => r.id === id.toUpperCase());
  if (!rule) throw new UsageError(`no rule ${id}${suggest(id.toUpperCase(), rules.map((r) => r.id))} (see: declint rules)`);
  io.stdout(explainText(rule, loadFrameworks(ruleDirs, io.cwd)));
  return 0;
}

/** `declint baseline [paths] [-o FILE]`: records today's findings so that only new ones are reported. */
async function baselineCommand({ values, positionals }: Parsed, io: Io): Promise<number> {
  const paths = positionals.length ? positionals : ['.'];
  const config = configFor(string(values.config), paths, io);
  const result = await runCheck({ ...(config ? { config } : {}), paths, base: io.cwd, ignore: [], ruleDirs: [], now: runDate(values, io) });
  const out = path.resolve(io.cwd, string(values.output) ?? '.declint-baseline.json');
  const baseline = createBaseline(result.findings);
  writeOutput(out, `${JSON.stringify(baseline, null, 2)}\n`, string(values.output) ?? '.declint-baseline.json');
  io.stdout(`${baseline.findings.length} findings recorded in ${path.relative(io.cwd, out) || out}\n`);
  return 0;
}

/** `declint report`: the compliance evidence report (exit 0: it documents, it does not gate). */
async function reportCommand({ values, positionals }: Parsed, io: Io): Promise<number> {
  const format = (string(values.format) ?? 'md') as (typeof REPORT_FORMATS)[number];
  const paths = positionals.length ? positionals : ['.'];
  const config = configFor(string(values.config), paths, io);
  const { loadIso2013Mapping } = require('../controls/registry') as typeof import('../controls/registry');
  const { buildEvidenceReport } = require('../compliance/evidence-report') as typeof import('../compliance/evidence-report');
  const { openGitHistory } = require('../compliance/git-history') as typeof import('../compliance/git-history');
  const { readEvidenceSources } = require('../compliance/sources') as typeof import('../compliance/sources');
  const registry = loadFrameworks(allRuleDirs(values, config, io), io.cwd);
  const wanted = frameworkList(values.framework, registry.map((f) => f.key));
  const keys = wanted.length ? wanted : (config?.frameworks?.map((f) => f.key) ?? registry.map((f) => f.key));
  const frameworks = keys.map((k) => registry.find((f) => f.key === k)!).filter(Boolean);
  const period = auditPeriod(string(values.since), string(values.until));
  const repoUrl = string(values['repo-url']);
  if (repoUrl !== undefined && !/^https?:\/\/[^/\s]+\/\S+$/.test(repoUrl)) throw new UsageError(`--repo-url must be the repository's web address, like https://github.com/acme/infra (got "${repoUrl}")`);
  const options = scanOptions(values, paths, config, io);
  const analysis = await analyzeTree({ ...options, keepHosts: true, judgements: true });
  const index = { frameworks: registry, iso2013: loadIso2013Mapping() };
  const report = buildEvidenceReport({
    analysis,
    sources: readEvidenceSources(analysis.files, index),
    paths: paths.map((p) => reportPath(io.cwd, path.resolve(io.cwd, p)) || '.'),
    frameworks,
    index,
    git: openGitHistory(firstDirectory(paths, io.cwd), io.cwd, paths),
    // The generation date is the pipeline's reference date ("today" of every age-based rule).
    now: options.now,
    ...(config ? { config } : {}),
    ...(period ? { period } : {}),
    ...(repoUrl ? { repoUrl } : {}),
  });
  const output = string(values.output) ? path.resolve(io.cwd, string(values.output)!) : undefined;
  // Every string of the report (values, reasons, commit subjects) without keys or tokens, whatever the format.
  const safe = scrubDeep(report);
  if (format === 'csv') {
    const { evidenceCsv, changeLogCsv } = require('../report/evidence-csv') as typeof import('../report/evidence-csv');
    if (output) {
      writeOutput(output, evidenceCsv(safe), string(values.output));
      // The change log is the second file: `report.csv` → `report.changes.csv`.
      if (safe.period) writeOutput(output.replace(/(\.csv)?$/i, '.changes.csv'), changeLogCsv(safe));
    } else io.stdout(evidenceCsv(safe));
    return 0;
  }
  const text = renderEvidence(safe, format);
  if (output) writeOutput(output, text, string(values.output));
  else io.stdout(text);
  return 0;
}

/** `--since` and `--until` (`YYYY-MM-DD`, both days included); one without the other is the period up to or from it. */
function auditPeriod(since: string | undefined, until: string | undefined): { since: string; until: string } | undefined {
  if (since === undefined && until === undefined) return undefined;
  for (const [flag, value] of [['--since', since], ['--until', until]] as const) {
    if (value !== undefined && !(/^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value))) {
      throw new UsageError(`${flag} must be a date, YYYY-MM-DD (got "${value}")`);
    }
  }
  const period = { since: since ?? '0000-01-01', until: until ?? '9999-12-31' };
  if (period.since > period.until) throw new UsageError(`--since ${since} is after --until ${until}`);
  return period;
}


function renderEvidence(report: import('../compliance/evidence-report').EvidenceReport, format: (typeof REPORT_FORMATS)[number]): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'cyclonedx':
      return sbomText(report);
    case 'html':
      return (require('../report/evidence-html') as typeof import('../report/evidence-html')).formatEvidenceHtml(report);
    default:
      return (require('../report/evidence-markdown') as typeof import('../report/evidence-markdown')).formatEvidenceMarkdown(report);
  }
}

/** The CycloneDX SBOM of the report's pinned inputs. */
function sbomText(report: import('../compliance/evidence-report').EvidenceReport): string {
  const { cycloneDx } = require('../compliance/sbom') as typeof import('../compliance/sbom');
  const bom = cycloneDx({ inputs: report.inventory.inputs, subject: report.document.system ?? report.scope.paths.join(', '), toolVersion: report.tool.version, timestamp: report.generatedAt });
  return `${JSON.stringify(bom, null, 2)}\n`;
}

/** `declint sbom [paths] [-o FILE]`: the CycloneDX SBOM of the pinned flake inputs (`report --format cyclonedx`). */
async function sbomCommand(parsed: Parsed, io: Io): Promise<number> {
  return reportCommand({ ...parsed, values: { ...parsed.values, format: 'cyclonedx' } }, io);
}

/** `declint lsp --stdio`: the language server, until the editor sends `exit`. */
async function lspCommand({ values }: Parsed): Promise<number> {
  if (!values.stdio) throw new UsageError('lsp talks over standard input and output only: run declint lsp --stdio');
  // Required here: the protocol libraries are loaded only by the server.
  const { startStdioServer } = require('../lsp/server') as typeof import('../lsp/server');
  return startStdioServer();
}

/**
 * `declint test-rules DIR`: every rule of DIR/rules against its cases in
 * DIR/fixtures/rules/<ID>/, with the four outcomes of each case: validated
 * (a good case stays silent), reported (a bad case reports exactly what its
 * annotations say), noisy (a report nobody asked for), missing (an annotation
 * with no report). Exit 1 on any noisy or missing case, or a rule without
 * both a bad and a good case. For a rule with a fix, each bad case is also
 * fixed and compared with its `.fixed` text (`fixed`, or `mismatch`,
 * `not-clean`, `not-idempotent`, which fail).
 */
async function testRulesCommand({ values, positionals }: Parsed, io: Io): Promise<number> {
  const [dir = '.', ...extra] = positionals;
  if (extra.length > 0) throw new UsageError('test-rules takes one directory: declint test-rules [DIR] [--now DATE]');
  const now = runDate(values, io);
  const root = path.resolve(io.cwd, dir);
  const { loadRules } = require('../rules/load') as typeof import('../rules/load');
  const { listCases, runCase, runFixCase } = require('../rules/rule-tests') as typeof import('../rules/rule-tests');
  if (!existsSync(path.join(root, 'rules'))) throw new UsageError(`${dir}: no rules/ folder`);
  const rules = await loadRules([path.join(root, 'rules')], io.cwd);
  const counts = { validated: 0, reported: 0, noisy: 0, missing: 0 };
  let failed = false;
  for (const rule of rules) {
    const cases = await listCases(path.join(root, 'fixtures', 'rules', rule.id));
    if (!cases.some((c) => c.kind === 'bad') || !cases.some((c) => c.kind === 'good')) {
      io.stdout(`incomplete  ${rule.id}: needs at least one bad-* and one good-* case\n`);
      failed = true;
    }
    for (const c of cases) {
      const result = await runCase(rule, c.path, c.name, { now });
      const wanted = c.kind === 'bad' ? 'reported' : 'validated';
      counts[result.outcome]++;
      if (result.outcome !== wanted || (c.kind === 'bad' && result.expected.length === 0)) failed = true;
      io.stdout(`${result.outcome.padEnd(10)}  ${rule.id}/${c.name}\n`);
      for (const m of result.missing) io.stdout(`              missing ${m.rule} at ${m.file}:${m.line}\n`);
      for (const f of result.unexpected) io.stdout(`              noisy ${f.ruleId} at ${f.location.file}:${f.location.range.start.line}: ${f.message}\n`);
      // A rule with a fix: the bad case's fix against its `.fixed` text (none expected, none may apply).
      if (rule.fix && c.kind === 'bad') {
        const fix = await runFixCase(rule, c.path, { now });
        if (fix.outcome !== 'no-fix') io.stdout(`${fix.outcome.padEnd(10)}  ${rule.id}/${c.name}\n`);
        for (const d of fix.detail) io.stdout(`              ${d}\n`);
        if (fix.outcome !== 'fixed' && fix.outcome !== 'no-fix') failed = true;
      }
    }
  }
  io.stdout(`${counts.validated} validated, ${counts.reported} reported, ${counts.noisy} noisy, ${counts.missing} missing\n`);
  return failed ? 1 : 0;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Files changed since a git revision (committed, staged or not) in the scanned tree's repository, as report paths. */
function changedSince(revision: string, repoDir: string, cwd: string): string[] {
  const git = (...args: string[]) => {
    const run = runGit(repoDir, args);
    if (!run.ok) throw new UsageError(`--changed-since ${revision}: ${run.error}`);
    return run.stdout;
  };
  const top = git('rev-parse', '--show-toplevel').trim();
  const names =
    git('diff', '--name-only', '--no-ext-diff', '--no-textconv', '--ignore-submodules=all', revision, '--') + git('ls-files', '--others', '--exclude-standard', '--full-name');
  return names
    .split('\n')
    .filter(Boolean)
    .map((name) => reportPath(cwd, path.join(top, name)));
}

/** Where to look for `.declint.yaml`: the first directory scanned (or the folder of the first file). */
function firstDirectory(paths: string[], cwd: string): string {
  const first = path.resolve(cwd, paths[0]);
  try {
    return statSync(first).isDirectory() ? first : path.dirname(first);
  } catch {
    return cwd;
  }
}

/**
 * `--require-hosts`: 1 when a declared host or node is not resolved, or a
 * source that declares some produced none and was not read. A Talos patch
 * that no node applies is still checked on its own: it does not count.
 */
function coverageExitCode(result: CheckResult): number {
  if (!result.coverage) return 0;
  const gaps = coverageGaps(result.coverage);
  return gaps.unresolved.length > 0 || gaps.unread.some((u) => !u.checkedAlone) ? 1 : 0;
}

/**
 * `--fix` and `--fix-dry-run`: the fixes applied and checked in memory;
 * `--fix` writes the files and reports what remains, `--fix-dry-run` prints
 * the unified diff on standard output and changes nothing. What was rolled
 * back, and the unsafe fixes left out, are told on standard error.
 */
async function runFixes(
  options: CheckOptions,
  values: Values,
  io: Io,
): Promise<{ analysis: import('../pipeline/check').TreeAnalysis; changed: boolean }> {
  const { fixTree } = require('../pipeline/fix-tree') as typeof import('../pipeline/fix-tree');
  let rules: Set<string> | undefined;
  if (values['fix-rule']) {
    const known = await loadRuleSet([...options.ruleDirs, ...(options.config?.ruleDirs ?? [])], options.base);
    rules = new Set(strings(values['fix-rule']).flatMap((r) => r.split(',')).map((r) => r.trim().toUpperCase()).filter(Boolean));
    for (const id of rules) {
      const rule = known.find((r) => r.id === id);
      if (!rule) throw new UsageError(`--fix-rule ${id}: no such rule (see: declint rules)`);
      if (!rule.fix) throw new UsageError(`--fix-rule ${id}: the rule has no automatic fix`);
    }
  }
  const run = await fixTree(options, { unsafe: values['unsafe-fixes'] === true, ...(rules ? { rules } : {}) });
  const dryRun = values['fix-dry-run'] === true;
  if (dryRun) {
    const { unifiedDiff } = require('../fix/diff') as typeof import('../fix/diff');
    io.stdout(unifiedDiff(run.changes));
  } else {
    for (const change of run.changes) await fs.writeFile(change.absolutePath, change.after);
  }
  const files = run.changes.length;
  const fixes = run.applied.length;
  io.stderr(`declint: ${dryRun ? 'would fix' : 'fixed'} ${fixes} finding${fixes === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}\n`);
  for (const r of run.rolledBack) {
    const at = `${r.finding.location.file}:${r.finding.location.range.start.line}`;
    io.stderr(`declint: rolled back the fix for ${r.finding.ruleId} at ${at} (${r.fix.description}): ${r.why}\n`);
  }
  if (run.unsafeLeft.length > 0) {
    const ids = [...new Set(run.unsafeLeft.map((u) => u.finding.ruleId))].sort();
    io.stderr(`declint: ${run.unsafeLeft.length} more fix${run.unsafeLeft.length === 1 ? '' : 'es'} (${ids.join(', ')}) can break a working system and need --unsafe-fixes; declint explain RULE-ID says why\n`);
  }
  return { analysis: run.analysis, changed: files > 0 };
}

function render(result: CheckResult, format: Format, color: boolean, sarif: SarifOptions): string {
  switch (format) {
    case 'json':
      return formatJson(result);
    case 'sarif':
      return formatSarif(result, sarif);
    case 'github':
      return formatGithub(result);
    case 'junit':
      return formatJunit(result);
    default:
      return formatStylish(result, { color });
  }
}

export function exitCode(result: CheckResult, failOn: FailLevel): number {
  if (failOn === 'never' || result.mode === 'report') return 0;
  const threshold = severityRank(failOn as Severity);
  return result.findings.some((f) => !f.suppressed && severityRank(f.severity) <= threshold) ? 1 : 0;
}

/** `--framework a,b --framework c` as keys, each one known. */
function frameworkList(value: Values[string], known: readonly string[]): string[] {
  const keys = strings(value).flatMap((f) => f.split(',')).map((f) => f.trim().toLowerCase()).filter(Boolean);
  for (const key of keys) {
    if (!known.includes(key)) throw new UsageError(`--framework ${key}: unknown framework (one of ${[...known].sort().join(', ')})${suggest(key, known)}`);
  }
  return keys;
}

/** `declint init`: a starter .declint.yaml, every key explained, the frameworks chosen switched on. */
async function initCommand({ values, positionals }: Parsed, io: Io): Promise<number> {
  const [dir = '.', ...extra] = positionals;
  if (extra.length > 0) throw new UsageError('init takes one directory: declint init [DIR]');
  const file = path.resolve(io.cwd, dir, '.declint.yaml');
  if (existsSync(file) && !values.force) throw new UsageError(`${path.relative(io.cwd, file) || file} already exists (--force overwrites it)`);
  const { starterConfig } = require('../config/starter') as typeof import('../config/starter');
  writeOutput(file, starterConfig(frameworkList(values.framework, FRAMEWORK_KEYS) as (typeof FRAMEWORK_KEYS)[number][]));
  io.stdout(`wrote ${path.relative(io.cwd, file) || file}: run declint check to see what it finds\n`);
  // The one place a new user reads about the cache before a hook or CI step writes one.
  io.stdout(`declint check --cache keeps results between runs in ${DEFAULT_CACHE_DIRECTORY}/, which git ignores by itself; a --cache-location inside the repository belongs in .gitignore\n`);
  return 0;
}

/** `declint completion SHELL`: the completion script, from the command tables. */
async function completionCommand({ positionals }: Parsed, io: Io): Promise<number> {
  const [shell, ...extra] = positionals;
  if (!shell || extra.length > 0 || !(SHELLS as readonly string[]).includes(shell)) {
    throw new UsageError(`completion needs one shell: declint completion ${SHELLS.join('|')}${shell ? suggest(shell, SHELLS) : ''}`);
  }
  io.stdout(completionScript(shell as (typeof SHELLS)[number], COMMANDS.map(([c]) => c)));
  return 0;
}

