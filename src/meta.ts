import * as path from 'path';
import * as fs from 'fs';
import { PACKAGE_ROOT } from './package-root';

const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string; homepage: string };

export const TOOL_NAME = 'declint';
export const TOOL_VERSION = pkg.version;
export const HOMEPAGE = pkg.homepage;

/** The documentation page of a rule. */
export function ruleHelpUri(ruleId: string): string {
  return `${HOMEPAGE}/blob/main/docs/rules/${ruleId}.md`;
}
