import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The official SARIF 2.1.0 schema, as shipped with Microsoft's SARIF Multitool. */
const SCHEMA_PATH = require.resolve('@microsoft/sarif-multitool-linux/sarif-2.1.0.json');

export function schemaErrors(log: unknown): string[] {
  const schema = JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8'));
  delete schema.$schema; // draft 2020-12 is what Ajv2020 speaks; the meta-schema URI is not needed
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return validate(log) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

export interface MultitoolIssue {
  level: string;
  ruleId: string;
  message: string;
}

/**
 * Runs `sarif validate --rule-kind "Gh;Sarif"` of Microsoft's SARIF Multitool
 * on a log file and returns what it reports (errors, warnings and notes).
 * The binary is called directly: its npm wrapper passes the arguments through
 * a shell, where the `;` of "Gh;Sarif" would split the command.
 */
export function multitoolIssues(sarifFile: string): MultitoolIssue[] {
  const binary: string = require('@microsoft/sarif-multitool');
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sarif-validate-')), 'validation.sarif');
  const run = spawnSync(binary, ['validate', sarifFile, '--rule-kind', 'Gh;Sarif', '--level', 'Error;Warning;Note', '--output', out], {
    encoding: 'utf8',
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
    // The Multitool echoes every note on stdout: past spawnSync's default 1 MiB it is killed mid-write.
    maxBuffer: 256 * 1024 * 1024,
  });
  if (!fs.existsSync(out)) throw new Error(`the SARIF Multitool did not run: ${run.stdout}\n${run.stderr}`);
  const log = JSON.parse(fs.readFileSync(out, 'utf8'));
  const results = log.runs?.[0]?.results ?? [];
  const rules = log.runs?.[0]?.tool?.driver?.rules ?? [];
  return results.map((r: { level?: string; ruleId: string; message: { text?: string; id?: string; arguments?: string[] }; ruleIndex?: number }) => {
    const template: string | undefined = r.message.id
      ? rules[r.ruleIndex ?? -1]?.messageStrings?.[r.message.id]?.text ?? rules.find((x: { id: string }) => x.id === r.ruleId)?.messageStrings?.[r.message.id]?.text
      : undefined;
    const text = r.message.text ?? (template ? template.replace(/\{(\d+)\}/g, (_: string, i: string) => r.message.arguments?.[Number(i)] ?? '') : r.message.id ?? '');
    return { level: r.level ?? 'warning', ruleId: r.ruleId, message: text };
  });
}
