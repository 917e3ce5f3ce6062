import * as fs from 'fs';
import * as path from 'path';

/** One framework of the control registry (`rules/controls/<framework>.yaml`). */
export interface Framework {
  key: string;
  title: string;
  url: string;
  controls: { id: string; title: string }[];
  /**
   * The registry lists every control of the framework (within `scope`), so a
   * control it lacks does not exist and one no rule covers can be named.
   * Registries held in part list only the controls rules map to.
   */
  complete: boolean;
  /** For a complete registry of part of a framework: a regex of the IDs it holds in full (NIS2 Article 21(2)). */
  scope?: string;
}

export const CONTROLS_PATH = path.resolve(__dirname, '../../rules/controls');

/** The frameworks declint maps rules to, with their control IDs and official short titles. */
export function loadFrameworks(dir = CONTROLS_PATH): Framework[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const data = yamlParse(fs.readFileSync(path.join(dir, f), 'utf8')) as {
        framework: string;
        title: string;
        url: string;
        complete?: boolean;
        scope?: string;
        controls: { id: string; title: string }[];
      };
      return {
        key: data.framework,
        title: data.title,
        url: data.url,
        complete: data.complete === true,
        ...(data.scope ? { scope: data.scope } : {}),
        controls: data.controls.map((c) => ({ id: String(c.id), title: c.title })),
      };
    });
}

/** The title of a control, or undefined when the registry does not know the ID. */
export function controlTitle(frameworks: Framework[], framework: string, id: string): string | undefined {
  return frameworks.find((f) => f.key === framework)?.controls.find((c) => c.id === id)?.title;
}

/** ISO/IEC 27001:2013 Annex A control → its ISO/IEC 27001:2022 equivalents (ISO/IEC 27002:2022 Annex B). */
export function loadIso2013Mapping(dir = CONTROLS_PATH): Record<string, string[]> {
  const data = yamlParse(fs.readFileSync(path.join(dir, 'mappings', 'iso27001-2013.yaml'), 'utf8')) as { mapping: Record<string, string[]> };
  return data.mapping;
}

/** YAML, loaded only when the registry is read (a SARIF output, a report), not on every check. */
function yamlParse(text: string): unknown {
  return (require('yaml') as typeof import('yaml')).parse(text);
}
