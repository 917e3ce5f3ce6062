import { existsSync, promises as fs, statSync } from 'fs';
import { Config, findConfig, loadConfig } from '../config/config';
import * as path from 'path';
import { parseArgs, ParseArgsConfig } from 'util';
import { severityRank, Severity } from '../findings/finding';
import { TOOL_VERSION } from '../meta';
import { analyzeTree, CheckOptions, runCheck } from '../pipeline/check';
import { loadFrameworks } from '../controls/registry';
import { loadRuleSet } from '../rules/builtin';
import { explainText, ruleMarkdown, rulesIndexMarkdown, rulesTable } from '../report/rule-docs';
import { applyBaseline, createBaseline, parseBaseline } from '../findings/baseline';
import { parseOptionPath } from '../nix/option-path';
import { explainOption, formatExplanation } from '../report/explain-option';
import { formatJson } from '../report/json';
import type { CheckResult } from '../report/result';
import { formatSarif, SarifOptions } from '../report/sarif';
import { formatGithub, githubStepSummary } from '../report/github';
import { formatJunit } from '../report/junit';
import { formatStylish } from '../report/stylish';
import { LocatedError, UsageError } from '../source/errors';
import { reportPath } from '../source/paths';
import { describeReadError, MAX_INPUT_BYTES, MAX_SOURCE_BYTES, readText } from '../source/read-text';
import { INTERNAL_ERROR_RULE_ID } from '../findings/unchecked';
import { runGit } from '../git/run-git';
import { scrubDeep, scrubSecrets } from '../redaction/secrets';

const USAGE = `Usage: declint check [paths...] [options]
       declint hosts [paths...] [--json]
       declint explain-option HOST OPTION [paths...] [--root FILE] [--json]
       declint rules [--framework F] [--format table|json|markdown] [--out-dir DIR]
       declint explain RULE-ID
       declint test-rules [DIR]
       declint baseline [paths...] [-o FILE]
       declint report [paths...] [--framework F,G] [--format md|html|json] [-o FILE] [--timestamp]
       declint lsp --stdio

Checks NixOS modules, flake.lock files and Talos machine configs against
compliance rules. Paths default to the current directory.

  hosts            lists the NixOS hosts found (flake nixosConfigurations and
                   configuration.nix roots) with their root and module count
  explain-option   prints an option's effective value on a host and every
                   definition that set it (won, overridden, under mkIf)
  rules            lists the rules (markdown: one documentation page a rule)
  explain          prints a rule's documentation and the controls it maps to
  lsp              runs the language server (for editors) on standard input and output
  test-rules       runs the annotated fixtures of the rules in DIR/rules
                   (cases in DIR/fixtures/rules/<ID>/bad-* and good-*)
  report           the compliance evidence report: per framework and control,
                   each rule's result on each host, Talos node and flake.lock
                   with its defining line and last commit, the team's control
                   annotations, and the controls no rule can check

Options:
  -f, --format <stylish|json|sarif|github|junit>
                                      output format (default: stylish); repeat --format,
                                      each followed by its own -o, for several outputs
  -o, --output <file>                 write the report to a file instead of stdout
      --category <name>               SARIF automationDetails.id (one per CI shard)
      --sarif-suppressed <omit|emit>  suppressed and excepted findings in SARIF (default: omit)
      --baseline <file>               report only findings not in the baseline (see: declint baseline)
      --update-baseline               rewrite the baseline with today's findings (it shrinks as they are fixed)
      --changed-since <rev>           report only on files changed since a git revision, and on the hosts they affect

Given files (as a pre-commit hook passes them), declint reads the whole tree so that their
hosts are evaluated, and reports only on those files.
      --fail-on <error|warning|note|never>
                                      lowest severity that makes the exit code 1 (default: error)
      --fail-on-internal-error        exit 2 when declint failed on a file (by default the failure
                                      is an internal-error finding at the file and the run goes on)
      --ignore <glob>                 skip matching files (gitignore syntax; repeatable)
      --rules-dir <dir>               load more rules from a directory (repeatable)
      --host <name>                   report only on this NixOS host (and files of no host)
  -c, --config <file>                 configuration (default: .declint.yaml in the scanned
                                      directory or the nearest folder above it)
  -j, --jobs <n>                      worker threads (default: one per core for large trees)
  -h, --help                          show this help
  -v, --version                       print the version

Exit codes: 0 no findings at or above --fail-on, 1 findings at or above it,
2 usage or configuration error.
`;

const FORMATS = ['stylish', 'json', 'sarif', 'github', 'junit'] as const;
type Format = (typeof FORMATS)[number];
const FAIL_LEVELS = ['error', 'warning', 'note', 'never'] as const;
type FailLevel = (typeof FAIL_LEVELS)[number];

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  color: boolean;
  cwd: string;
}

function defaultIo(): Io {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    cwd: process.cwd(),
  };
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
    io.stderr(`declint: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 2;
  }
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.stdout(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === '-v' || command === '--version') {
    io.stdout(`${TOOL_VERSION}\n`);
    return 0;
  }
  if (command === 'check') return check(rest, io);
  if (command === 'hosts') return hosts(rest, io);
  if (command === 'explain-option') return explainOptionCommand(rest, io);
  if (command === 'rules') return rulesCommand(rest, io);
  if (command === 'explain') return explainCommand(rest, io);
  if (command === 'test-rules') return testRulesCommand(rest, io);
  if (command === 'baseline') return baselineCommand(rest, io);
  if (command === 'report') return reportCommand(rest, io);
  if (command === 'lsp') return lspCommand(rest);
  throw new UsageError(`unknown command "${command}" (try: declint check [paths...])`);
}

async function check(args: string[], io: Io): Promise<number> {
  const parsed = parseCommand({
    args,
    allowPositionals: true,
    tokens: true,
    options: {
      format: { type: 'string', short: 'f', multiple: true },
      output: { type: 'string', short: 'o', multiple: true },
      category: { type: 'string' },
      baseline: { type: 'string' },
      'update-baseline': { type: 'boolean' },
      'changed-since': { type: 'string' },
      'sarif-suppressed': { type: 'string' },
      'fail-on': { type: 'string' },
      'fail-on-internal-error': { type: 'boolean' },
      ignore: { type: 'string', multiple: true },
      'rules-dir': { type: 'string', multiple: true },
      jobs: { type: 'string', short: 'j' },
      host: { type: 'string' },
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const outputs = outputSpecs(parsed.tokens ?? []);
  const sarifSuppressed = oneOf('--sarif-suppressed', values['sarif-suppressed'] ?? 'omit', ['omit', 'emit'] as const);
  const failOn = oneOf<FailLevel>('--fail-on', values['fail-on'] ?? 'error', FAIL_LEVELS);
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
  if (values['changed-since']) {
    const changed = changedSince(values['changed-since'], firstDirectory(paths, io.cwd), io.cwd);
    focus = new Set([...(focus ?? []), ...changed]);
    focusHosts = true;
  }
  const config = configFor(values.config, paths, io);
  const result = await runCheck({
    ...scanOptions(values, paths, config, io),
    ...(jobs !== undefined ? { jobs } : {}),
    ...(values.host ? { host: values.host } : {}),
    ...(focus ? { focus, focusHosts } : {}),
  });
  if (values.baseline) {
    const file = path.resolve(io.cwd, values.baseline);
    const display = path.relative(io.cwd, file) || file;
    if (values['update-baseline']) await writeOutput(file, `${JSON.stringify(createBaseline(result.findings), null, 2)}\n`, values.baseline);
    const read = readText(file, { maxBytes: MAX_INPUT_BYTES });
    if (read.kind === 'error') {
      throw new UsageError(`${values.baseline}: the baseline cannot be read: ${read.reason} (create one with: declint baseline -o ${values.baseline})`);
    }
    const applied = applyBaseline(result.findings, parseBaseline(read.text, display), display);
    result.findings = [...applied.findings, ...applied.fixed];
  } else if (values['update-baseline']) {
    throw new UsageError('--update-baseline needs --baseline FILE');
  }
  const internal = values['fail-on-internal-error'] && result.findings.some((f) => f.ruleId === INTERNAL_ERROR_RULE_ID);
  const code = internal ? 2 : exitCode(result, failOn);
  const sarif: SarifOptions = {
    sourceText: (file) => {
      const read = readText(path.resolve(io.cwd, file), { maxBytes: MAX_SOURCE_BYTES });
      return read.kind === 'text' ? read.text : undefined;
    },
    ...(values.category ? { category: values.category } : {}),
    suppressed: sarifSuppressed,
    // The registry is YAML: read only when a SARIF output needs its taxonomies (cold start of a hook).
    ...(outputs.some((o) => o.format === 'sarif') ? { frameworks: loadFrameworks() } : {}),
    exitCode: code,
  };
  for (const { format, output } of outputs) {
    const report = render(result, format, io.color && !output, sarif);
    if (output) await writeOutput(path.resolve(io.cwd, output), report, output);
    else io.stdout(report);
  }
  const summaryFile = process.env.GITHUB_STEP_SUMMARY;
  if (summaryFile && outputs.some((o) => o.format === 'github')) await fs.appendFile(summaryFile, githubStepSummary(result));
  if (internal) io.stderr('declint: declint failed on some files (internal-error findings); exit code 2 because of --fail-on-internal-error\n');
  return code;
}

/**
 * `--format sarif -o a.sarif --format stylish`: each `--format` starts an
 * output and the `-o` after it (or before the first format) says where it goes.
 */
function outputSpecs(tokens: NonNullable<ReturnType<typeof parseArgs>['tokens']>): { format: Format; output?: string }[] {
  const specs: { format: Format; output?: string }[] = [];
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    if (token.name === 'format') specs.push({ format: oneOf<Format>('--format', token.value ?? '', FORMATS) });
    else if (token.name === 'output') {
      const last = specs[specs.length - 1];
      if (last && last.output === undefined) last.output = token.value;
      else if (!last) specs.push({ format: 'stylish', output: token.value });
      else throw new UsageError(`-o ${token.value}: each output needs its own --format before it`);
    }
  }
  return specs.length ? specs : [{ format: 'stylish' }];
}

/** `parseArgs`, with its errors turned into one-line usage errors (exit 2). */
function parseCommand<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config); // strict by default: unknown options are errors
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
}

/** Options of `hosts` and `explain-option`. */
function parseHostCommand(args: string[]) {
  return parseCommand({ args, allowPositionals: true, options: { json: { type: 'boolean' }, root: { type: 'string', multiple: true } } });
}

/** What `check` and `report` take alike from the command line: paths, config, ignores and rule directories. */
function scanOptions(values: { ignore?: string[]; 'rules-dir'?: string[] }, paths: string[], config: Config | undefined, io: Io): CheckOptions {
  return {
    ...(config ? { config } : {}),
    paths,
    base: io.cwd,
    ignore: values.ignore ?? [],
    ruleDirs: (values['rules-dir'] ?? []).map((d) => path.resolve(io.cwd, d)),
    now: new Date(),
  };
}

/** The project config: `--config FILE`, else `.declint.yaml` found from the first scanned directory upward. */
function configFor(flag: string | undefined, paths: string[], io: Io): Config | undefined {
  const file = flag ? path.resolve(io.cwd, flag) : findConfig(firstDirectory(paths, io.cwd));
  if (flag && !existsSync(file!)) throw new UsageError(`${flag}: no such configuration file`);
  return file ? loadConfig(file, path.relative(io.cwd, file) || file, { named: flag !== undefined }) : undefined;
}

async function hosts(args: string[], io: Io): Promise<number> {
  // Notes quote expressions of the scanned files: a key or token in one is not printed.
  const out = (text: string) => io.stdout(scrubSecrets(text));
  const { values, positionals } = parseHostCommand(args);
  const analysis = await analyzeTree({ paths: positionals.length ? positionals : ['.'], base: io.cwd, ignore: [], ruleDirs: [], now: new Date(), keepHosts: true });
  const list = analysis.hosts.hosts.map((h) => ({
    name: h.name,
    root: `${h.spec.root.file}:${analysis.hosts.loader.lines(h.spec.root.file).rangeOf(h.spec.root.span).start.line}`,
    modules: h.files.size,
    externalModules: h.externalModules.map((e) => `${e.site.file}: ${e.name}`),
    notes: h.notes.map((n) => `${n.site.file}: ${n.message}`),
  }));
  if (values.json) {
    out(`${JSON.stringify({ hosts: list, notes: analysis.hosts.notes.map((n) => `${n.site.file}: ${n.message}`) }, null, 2)}\n`);
    return 0;
  }
  if (list.length === 0) out('No NixOS hosts found.\n');
  for (const h of list) {
    out(`${h.name}  ${h.root}  ${h.modules} module${h.modules === 1 ? '' : 's'}\n`);
    for (const e of h.externalModules) out(`  external (not read): ${e}\n`);
    for (const n of h.notes) out(`  note: ${n}\n`);
  }
  for (const n of analysis.hosts.notes.filter((n) => !analysis.hosts.hosts.some((h) => h.notes.includes(n)))) {
    out(`note: ${n.site.file}: ${n.message}\n`);
  }
  return 0;
}

async function explainOptionCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseHostCommand(args);
  const [hostName, option, ...paths] = positionals;
  if (!hostName || !option) throw new UsageError('explain-option needs a host and an option: declint explain-option HOST OPTION [paths...]');
  const roots = values.root ?? [];
  const analysis = await analyzeTree({ paths: paths.length ? paths : ['.'], base: io.cwd, ignore: [], ruleDirs: [], now: new Date(), extraRoots: roots, keepHosts: true });
  const host = analysis.hosts.hosts.find((h) => h.name === hostName);
  if (!host) {
    const known = analysis.hosts.hosts.map((h) => h.name).join(', ') || 'none';
    throw new UsageError(`no host named "${hostName}" (hosts: ${known})`);
  }
  const explanation = explainOption(host, parseOptionPath(option), (file) => analysis.hosts.loader.lines(file));
  io.stdout(scrubSecrets(values.json ? `${JSON.stringify(explanation, null, 2)}\n` : formatExplanation(explanation)));
  return 0;
}

async function rulesCommand(args: string[], io: Io): Promise<number> {
  const parsed = parseCommand({
    args,
    options: { framework: { type: 'string' }, format: { type: 'string', short: 'f' }, 'out-dir': { type: 'string' }, 'rules-dir': { type: 'string', multiple: true } },
  });
  const { values } = parsed;
  const format = oneOf('--format', values.format ?? 'table', ['table', 'json', 'markdown'] as const);
  const frameworks = loadFrameworks();
  if (values.framework && !frameworks.some((f) => f.key === values.framework)) {
    throw new UsageError(`unknown framework "${values.framework}" (known: ${frameworks.map((f) => f.key).join(', ')})`);
  }
  const all = await loadRuleSet((values['rules-dir'] ?? []).map((d) => path.resolve(io.cwd, d)), io.cwd);
  const rules = values.framework ? all.filter((r) => values.framework! in r.controls) : all;
  if (format === 'json') io.stdout(`${JSON.stringify(rules.map(({ source: _source, ...r }) => r), null, 2)}\n`);
  else if (format === 'table') io.stdout(rulesTable(rules));
  else if (values['out-dir']) {
    const dir = path.resolve(io.cwd, values['out-dir']);
    await fs.mkdir(dir, { recursive: true });
    for (const rule of rules) await fs.writeFile(path.join(dir, `${rule.id}.md`), ruleMarkdown(rule, frameworks));
    await fs.writeFile(path.join(dir, 'README.md'), rulesIndexMarkdown(rules));
    io.stdout(`${rules.length} rule pages written to ${path.relative(io.cwd, dir) || '.'}\n`);
  } else io.stdout(rules.map((r) => ruleMarkdown(r, frameworks)).join('\n'));
  return 0;
}

async function explainCommand(args: string[], io: Io): Promise<number> {
  const [id, ...extra] = args;
  if (!id || extra.length > 0) throw new UsageError('explain needs one rule ID: declint explain NIX-SSH-001');
  const rules = await loadRuleSet([], io.cwd);
  const rule = rules.find((r) => r.id === id.toUpperCase());
  if (!rule) throw new UsageError(`no rule ${id} (try: declint rules)`);
  io.stdout(explainText(rule, loadFrameworks()));
  return 0;
}

/** `declint baseline [paths] [-o FILE]`: records today's findings so that only new ones are reported. */
async function baselineCommand(args: string[], io: Io): Promise<number> {
  const parsed = parseCommand({ args, allowPositionals: true, options: { output: { type: 'string', short: 'o' }, config: { type: 'string', short: 'c' } } });
  const paths = parsed.positionals.length ? parsed.positionals : ['.'];
  const config = configFor(parsed.values.config, paths, io);
  const result = await runCheck({ ...(config ? { config } : {}), paths, base: io.cwd, ignore: [], ruleDirs: [], now: new Date() });
  const out = path.resolve(io.cwd, parsed.values.output ?? '.declint-baseline.json');
  const baseline = createBaseline(result.findings);
  await writeOutput(out, `${JSON.stringify(baseline, null, 2)}\n`, parsed.values.output ?? '.declint-baseline.json');
  io.stdout(`${baseline.findings.length} findings recorded in ${path.relative(io.cwd, out) || out}\n`);
  return 0;
}

const REPORT_FORMATS = ['md', 'html', 'json'] as const;

/** `declint report`: the compliance evidence report (exit 0: it documents, it does not gate). */
async function reportCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand({
    args,
    allowPositionals: true,
    options: {
      framework: { type: 'string', multiple: true },
      format: { type: 'string', short: 'f' },
      output: { type: 'string', short: 'o' },
      timestamp: { type: 'boolean' },
      ignore: { type: 'string', multiple: true },
      'rules-dir': { type: 'string', multiple: true },
      config: { type: 'string', short: 'c' },
    },
  });
  const format = oneOf('--format', values.format ?? 'md', REPORT_FORMATS);
  const paths = positionals.length ? positionals : ['.'];
  const config = configFor(values.config, paths, io);
  const { loadIso2013Mapping } = require('../controls/registry') as typeof import('../controls/registry');
  const { buildEvidenceReport } = require('../compliance/evidence-report') as typeof import('../compliance/evidence-report');
  const { openGitHistory } = require('../compliance/git-history') as typeof import('../compliance/git-history');
  const { readEvidenceSources } = require('../compliance/sources') as typeof import('../compliance/sources');
  const registry = loadFrameworks();
  const wanted = (values.framework ?? []).flatMap((f) => f.split(',')).map((f) => f.trim().toLowerCase()).filter(Boolean);
  for (const key of wanted) {
    if (!registry.some((f) => f.key === key)) throw new UsageError(`--framework ${key}: unknown framework (one of ${registry.map((f) => f.key).join(', ')})`);
  }
  const keys = wanted.length ? wanted : (config?.frameworks?.map((f) => f.key) ?? registry.map((f) => f.key));
  const frameworks = keys.map((k) => registry.find((f) => f.key === k)!).filter(Boolean);
  const analysis = await analyzeTree({
    ...scanOptions(values, paths, config, io),
    keepHosts: true,
    judgements: true,
  });
  const index = { frameworks: registry, iso2013: loadIso2013Mapping() };
  const report = buildEvidenceReport({
    analysis,
    sources: readEvidenceSources(analysis.files, index),
    paths: paths.map((p) => reportPath(io.cwd, path.resolve(io.cwd, p)) || '.'),
    frameworks,
    index,
    git: openGitHistory(firstDirectory(paths, io.cwd), io.cwd, paths),
    now: new Date(),
    ...(values.timestamp ? { generatedAt: reportTimestamp() } : {}),
  });
  // Every string of the report (values, reasons, commit subjects) without keys or tokens, whatever the format.
  const text = renderEvidence(scrubDeep(report), format);
  if (values.output) await writeOutput(path.resolve(io.cwd, values.output), text, values.output);
  else io.stdout(text);
  return 0;
}

/** Now, or `SOURCE_DATE_EPOCH` for reproducible builds. */
function reportTimestamp(): string {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const date = epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function renderEvidence(report: import('../compliance/evidence-report').EvidenceReport, format: (typeof REPORT_FORMATS)[number]): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'html':
      return (require('../report/evidence-html') as typeof import('../report/evidence-html')).formatEvidenceHtml(report);
    default:
      return (require('../report/evidence-markdown') as typeof import('../report/evidence-markdown')).formatEvidenceMarkdown(report);
  }
}

/** `declint lsp --stdio`: the language server, until the editor sends `exit`. */
async function lspCommand(args: string[]): Promise<number> {
  const parsed = parseCommand({ args, options: { stdio: { type: 'boolean' } } });
  if (!parsed.values.stdio) throw new UsageError('lsp talks over standard input and output only: run declint lsp --stdio');
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
 * both a bad and a good case.
 */
async function testRulesCommand(args: string[], io: Io): Promise<number> {
  const [dir = '.', ...extra] = args;
  if (extra.length > 0 || dir.startsWith('-')) throw new UsageError('test-rules takes one directory: declint test-rules [DIR]');
  const root = path.resolve(io.cwd, dir);
  const { loadRules } = require('../rules/load') as typeof import('../rules/load');
  const { listCases, runCase } = require('../rules/rule-tests') as typeof import('../rules/rule-tests');
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
      const result = await runCase(rule, c.path, c.name, { now: new Date() });
      const wanted = c.kind === 'bad' ? 'reported' : 'validated';
      counts[result.outcome]++;
      if (result.outcome !== wanted || (c.kind === 'bad' && result.expected.length === 0)) failed = true;
      io.stdout(`${result.outcome.padEnd(10)}  ${rule.id}/${c.name}\n`);
      for (const m of result.missing) io.stdout(`              missing ${m.rule} at ${m.file}:${m.line}\n`);
      for (const f of result.unexpected) io.stdout(`              noisy ${f.ruleId} at ${f.location.file}:${f.location.range.start.line}: ${f.message}\n`);
    }
  }
  io.stdout(`${counts.validated} validated, ${counts.reported} reported, ${counts.noisy} noisy, ${counts.missing} missing\n`);
  return failed ? 1 : 0;
}

/** Writes a report or baseline, creating missing directories; a failure is a usage error naming the path, not a stack trace. */
async function writeOutput(file: string, text: string, given: string): Promise<void> {
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, text);
  } catch (error) {
    throw new UsageError(`-o ${given}: cannot write the file (${describeReadError(error)})`);
  }
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

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got "${value}")`);
}

