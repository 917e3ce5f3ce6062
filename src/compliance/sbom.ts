import { createHash } from 'crypto';
import type { PinnedInput } from './subjects';

/**
 * A CycloneDX 1.6 SBOM of the flake inputs pinned in the scanned flake.lock
 * files: each input a component with its source, revision, content hash
 * (`narHash`, SHA-256) and date, as `declint sbom` and `report --format
 * cyclonedx` write it. Deterministic: the serial number is derived from
 * the content, the timestamp is the report's generation date.
 */
export interface SbomInput {
  inputs: PinnedInput[];
  /** What the SBOM describes: the system name of the report settings, else the scanned paths. */
  subject: string;
  toolVersion: string;
  /** ISO 8601, from the pipeline's reference date. */
  timestamp: string;
}

export function cycloneDx(input: SbomInput): Record<string, unknown> {
  const components = input.inputs.map(component);
  const body = {
    metadata: {
      timestamp: input.timestamp,
      tools: { components: [{ type: 'application', name: 'declint', version: input.toolVersion }] },
      component: { type: 'application', 'bom-ref': 'subject', name: input.subject },
    },
    components,
    dependencies: [{ ref: 'subject', dependsOn: components.filter((_, i) => input.inputs[i].direct).map((c) => c['bom-ref']) }],
  };
  // Derived from what the SBOM lists, not from when: the same lock files, the same serial number.
  const digest = createHash('sha256').update(JSON.stringify({ subject: input.subject, components, dependencies: body.dependencies })).digest('hex');
  const uuid = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-5${digest.slice(13, 16)}-a${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
  return { bomFormat: 'CycloneDX', specVersion: '1.6', serialNumber: `urn:uuid:${uuid}`, version: 1, ...body };
}

function component(i: PinnedInput): Record<string, unknown> & { 'bom-ref': string } {
  const sha256 = i.narHash?.startsWith('sha256-') ? Buffer.from(i.narHash.slice(7), 'base64').toString('hex') : undefined;
  const repository = i.host && i.source.includes('/') ? `https://${i.host}/${i.source}` : /^(https?|git\+https?|ssh):/.test(i.source) ? i.source.replace(/^git\+/, '') : undefined;
  const purl = i.host === 'github.com' && i.rev ? `pkg:github/${i.source}@${i.rev}` : undefined;
  const properties = [
    { name: 'declint:lockFile', value: `${i.lockFile}:${i.line}` },
    { name: 'nix:flake:input', value: i.key },
    { name: 'nix:flake:type', value: i.type },
    { name: 'nix:flake:direct', value: String(i.direct) },
    ...(i.narHash ? [{ name: 'nix:narHash', value: i.narHash }] : []),
    ...(i.date ? [{ name: 'nix:lastModified', value: i.date }] : []),
  ];
  return {
    type: 'library',
    'bom-ref': `${i.lockFile}#${i.key}`,
    name: i.key,
    ...(i.rev ? { version: i.rev } : {}),
    ...(sha256 && /^[0-9a-f]{64}$/.test(sha256) ? { hashes: [{ alg: 'SHA-256', content: sha256 }] } : {}),
    ...(purl ? { purl } : {}),
    ...(repository ? { externalReferences: [{ type: 'vcs', url: repository }] } : {}),
    properties,
  };
}
