import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

/** One framework of the control registry (`rules/controls/<framework>.yaml`). */
export interface Framework {
  key: string;
  title: string;
  url: string;
  controls: { id: string; title: string }[];
}

export const CONTROLS_PATH = path.resolve(__dirname, '../../rules/controls');

/** The frameworks declint maps rules to, with their control IDs and official short titles. */
export function loadFrameworks(dir = CONTROLS_PATH): Framework[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const data = parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { framework: string; title: string; url: string; controls: { id: string; title: string }[] };
      return { key: data.framework, title: data.title, url: data.url, controls: data.controls.map((c) => ({ id: String(c.id), title: c.title })) };
    });
}

/** The title of a control, or undefined when the registry does not know the ID. */
export function controlTitle(frameworks: Framework[], framework: string, id: string): string | undefined {
  return frameworks.find((f) => f.key === framework)?.controls.find((c) => c.id === id)?.title;
}
