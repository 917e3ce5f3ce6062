import type { ErrorObject } from 'ajv';
import { Document, isMap, isPair, isScalar, isSeq, LineCounter, Node as YamlNode } from 'yaml';
import { LocatedError } from './errors';

/**
 * Turns an ajv error on a YAML document (a rule file, `.declint.yaml`) into
 * `file:line:col: what is wrong`, pointing at the key or value concerned.
 */
export function locatedSchemaError(file: string, doc: Document, lines: LineCounter, error: ErrorObject, what: string): LocatedError {
  const { node, key } = locate(doc.contents, error);
  const pos = lines.linePos((key ?? node)?.range?.[0] ?? 0);
  return new LocatedError(file, pos.line, pos.col, describeSchemaError(error, what));
}

/** The YAML node an ajv error is about (and, for unknown keys, the key itself). */
export function locate(root: unknown, error: ErrorObject): { node?: YamlNode; key?: YamlNode } {
  let node = root as YamlNode | undefined;
  const segments = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === segment);
      node = pair?.value as YamlNode | undefined;
    } else if (isSeq(node)) {
      node = node.items[Number(segment)] as YamlNode | undefined;
    } else {
      break;
    }
  }
  const keyName = error.keyword === 'additionalProperties' ? (error.params as { additionalProperty: string }).additionalProperty : error.propertyName;
  if (keyName !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === keyName);
    if (pair) return { node, key: pair.key as YamlNode };
  }
  return { node };
}

export function describeSchemaError(error: ErrorObject, what: string): string {
  const where = error.instancePath
    ? error.instancePath.slice(1).split('/').map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`)).join('').replace(/^\./, '')
    : what;
  switch (error.keyword) {
    case 'required':
      return `${where} is missing the required key "${(error.params as { missingProperty: string }).missingProperty}"`;
    case 'additionalProperties':
      return `${where} has an unknown key "${(error.params as { additionalProperty: string }).additionalProperty}"`;
    case 'enum':
      if (error.propertyName !== undefined) {
        return `${where} has an unknown ${/(^|\.)(controls|frameworks)$/.test(where) ? 'framework' : 'name'} "${error.propertyName}" (known: ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')})`;
      }
      return `${where} must be one of: ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}
