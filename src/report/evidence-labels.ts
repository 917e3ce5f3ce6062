import type { ControlStatus } from '../compliance/evidence-report';
import type { Judgement } from '../findings/judgement';

/** The words the Markdown and HTML reports use for statuses and subjects, so both say the same thing. */
export const STATUS_LABELS: Record<ControlStatus, string> = {
  fail: 'fail',
  excepted: 'excepted',
  'not-evaluated': 'not evaluated',
  pass: 'pass',
  'not-applicable': 'not applicable',
  'no-subjects': 'no host or node in scope',
  'not-covered': 'not statically verifiable',
};

export const SUBJECT_KIND_LABELS: Record<Judgement['subjectKind'], string> = {
  host: 'NixOS host',
  'talos-node': 'Talos node',
  'flake-lock': 'flake.lock',
  file: 'file',
};

export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}
