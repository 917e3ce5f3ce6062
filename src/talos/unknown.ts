import { isRecord } from '../source/records';

/**
 * Values declint cannot know in Talos configuration: a template expression
 * (`{{ .disk }}`, `${install_disk}`), a Terraform reference (`var.disk`), a
 * clusterctl variable. Such a value is written into the tree as a string of
 * this private-use character, one for each character of the expression it
 * replaces, so that the text around it keeps its offsets. A string that
 * contains the mark is unknown as a whole: rules never judge it.
 */
export const UNKNOWN_MARK = '\uE000';

/** The mark repeated: the stand-in for an expression of this many characters (at least one). */
export function unknownText(length: number): string {
  return UNKNOWN_MARK.repeat(Math.max(1, length));
}

export function isUnknownText(value: unknown): value is string {
  return typeof value === 'string' && value.includes(UNKNOWN_MARK);
}

/** Whether a value is unknown or holds an unknown value or key anywhere inside. */
export function containsUnknown(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(UNKNOWN_MARK);
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (isRecord(value)) return Object.entries(value).some(([k, v]) => k.includes(UNKNOWN_MARK) || containsUnknown(v));
  return false;
}

/**
 * Whether a path that is absent from a tree may still be set, by an unknown
 * value on the way to it (`install: {{ .install }}`) or by a key a template
 * writes into one of the maps on the way (a line `{{ toYaml .extra }}` among
 * a map's keys): then its absence says nothing.
 */
export function mayBeSetByTemplate(root: unknown, path: string[]): boolean {
  let cur: unknown = root;
  for (const segment of path) {
    if (isUnknownText(cur)) return true;
    if (Array.isArray(cur)) {
      cur = /^\d+$/.test(segment) ? cur[Number(segment)] : undefined;
      continue;
    }
    if (!isRecord(cur)) return false;
    if (Object.keys(cur).some((k) => k.includes(UNKNOWN_MARK))) return true;
    cur = cur[segment];
  }
  return isUnknownText(cur);
}

/** The paths of a value's unknown parts: an unknown string, or a map with a key a template writes (the map's own path). */
export function unknownPaths(value: unknown, at: string[] = []): string[][] {
  if (typeof value === 'string') return value.includes(UNKNOWN_MARK) ? [at] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownPaths(v, [...at, String(i)]));
  if (!isRecord(value)) return [];
  const own = Object.keys(value).some((k) => k.includes(UNKNOWN_MARK)) ? [at] : [];
  return [...own, ...Object.entries(value).flatMap(([k, v]) => (k.includes(UNKNOWN_MARK) ? [] : unknownPaths(v, [...at, k])))];
}
