import type { ControlMap } from '../findings/finding';

/** Display names of the framework keys used in rule files. */
export const FRAMEWORK_LABELS: Record<string, string> = {
  iso27001: 'ISO 27001',
  soc2: 'SOC 2',
  nis2: 'NIS2',
  dora: 'DORA',
  anssi: 'ANSSI',
  cis: 'CIS',
  'cis-k8s': 'CIS Kubernetes',
  stig: 'DISA STIG',
};

/** `ISO 27001 A.8.2,A.8.5 · NIS2 21(2)(i)` */
export function controlsLabel(controls: ControlMap): string {
  return Object.entries(controls)
    .map(([framework, ids]) => `${FRAMEWORK_LABELS[framework] ?? framework} ${ids.join(',')}`)
    .join(' · ');
}
