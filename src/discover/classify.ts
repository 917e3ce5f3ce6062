import * as path from 'path';

/** Which reader a file goes to; YAML and lock files are confirmed by their content there. */
export type CandidateKind = 'nix' | 'flake-lock' | 'yaml';

export function candidateKind(filePath: string): CandidateKind | undefined {
  const name = path.basename(filePath);
  if (name.endsWith('.nix')) return 'nix';
  if (name === 'flake.lock') return 'flake-lock';
  if (name.endsWith('.yaml') || name.endsWith('.yml')) return 'yaml';
  return undefined;
}
