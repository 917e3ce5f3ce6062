import * as path from 'path';
import { TEMPLATED_YAML_NAME } from '../talos/template';

/**
 * Which reader a file goes to; YAML and lock files are confirmed by their
 * content there. Templated YAML (`patch.yaml.j2`) is YAML read around its
 * template expressions; Terraform is read only by the Talos node phase.
 */
export type CandidateKind = 'nix' | 'flake-lock' | 'yaml' | 'terraform';

export function candidateKind(filePath: string): CandidateKind | undefined {
  const name = path.basename(filePath);
  if (name.endsWith('.nix')) return 'nix';
  if (name === 'flake.lock') return 'flake-lock';
  if (name.endsWith('.yaml') || name.endsWith('.yml') || TEMPLATED_YAML_NAME.test(name)) return 'yaml';
  if (name.endsWith('.tf')) return 'terraform';
  return undefined;
}
