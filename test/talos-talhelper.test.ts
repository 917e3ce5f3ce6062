import * as path from 'path';
import { talhelperViews } from '../src/talos/talhelper';
import type { ProvenancedTree } from '../src/talos/tree';
import { makeTree, runCli } from './support/cli';

/** talhelper projects built from in-memory files (the reader refuses anything not listed, as the pipeline refuses paths outside the scan). */
function project(files: Record<string, string>) {
  const root = '/repo/cluster';
  const read = (absolute: string) => {
    const relative = path.relative(root, absolute);
    return relative in files ? { text: files[relative] } : { error: relative.startsWith('..') ? 'it is outside the scanned tree' : 'it does not exist' };
  };
  return talhelperViews({ absolutePath: path.join(root, 'talconfig.yaml'), text: files['talconfig.yaml'], read, reportPath: (p) => path.relative(root, p) });
}

const v1 = (tree: ProvenancedTree | undefined, p: string) => tree?.get(p.split('.'));
const where = (tree: ProvenancedTree | undefined, p: string) => {
  const o = tree?.originOf(p.split('.'));
  return o ? `${o.file}:${o.range.start.line}:${o.range.start.column}${o.note ? ' (generated)' : ''}` : undefined;
};

const TALCONFIG = `clusterName: lab
talosVersion: \${TALOS_VERSION}
endpoint: https://10.0.0.10:6443
allowSchedulingOnControlPlanes: true
patches:
  - |-
    machine:
      kubelet:
        extraArgs:
          max-pods: "110"
          node-ip: \${NODE_SUBNET}
  - "@./patches/common.yaml"
  - machine:
      env:
        API_TOKEN: \${SECRET}
nodes:
  - hostname: cp-1
    controlPlane: true
    installDisk: /dev/sda
  - hostname: gpu-1
    controlPlane: false
    installDisk: /dev/nvme0n1
    patches:
      - "@./patches/gpu.yaml"
      - "@../../etc/outside.yaml"
    configPatches:
      - op: add
        path: /machine/sysctls
        value:
          kernel.kptr_restrict: "0"
worker:
  patches:
    - machine:
        kubelet:
          extraArgs:
            max-pods: "250"
`;

describe('talhelper nodes', () => {
  const result = project({
    'talconfig.yaml': TALCONFIG,
    'talenv.yaml': 'TALOS_VERSION: v1.11.3\nNODE_SUBNET: 10.0.0.0/24\nSECRET: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\n',
    'patches/common.yaml': 'machine:\n  time:\n    servers: [time.example.org]\n',
    'patches/gpu.yaml': 'machine:\n  kubelet:\n    extraArgs:\n      max-pods: "64"\n',
  });
  const node = (name: string) => result.views.find((v) => v.node === name);
  const config = (name: string) => node(name)?.documents.find((d) => d.kind === 'v1alpha1')?.tree;

  test('each node is named by its hostname, with the version from talenv', () => {
    expect(result.views.map((v) => v.node)).toEqual(['cp-1', 'gpu-1']);
    expect(node('cp-1')?.version?.version).toEqual([1, 11, 3]);
    expect([...result.files].sort()).toEqual(['patches/common.yaml', 'patches/gpu.yaml', 'talconfig.yaml']);
  });

  test('the generated base depends on the role and version, and talconfig fields land at their lines', () => {
    expect(v1(config('cp-1'), 'machine.type')).toBe('controlplane');
    expect(v1(config('gpu-1'), 'machine.type')).toBe('worker');
    // Talos v1.11 configs are generated with RBAC and the EKU check on
    expect(v1(config('cp-1'), 'machine.features.rbac')).toBe(true);
    expect(where(config('cp-1'), 'machine.features.rbac')).toBe('talconfig.yaml:17:5 (generated)');
    expect(v1(config('cp-1'), 'cluster.allowSchedulingOnControlPlanes')).toBe(true);
    expect(where(config('cp-1'), 'cluster.allowSchedulingOnControlPlanes')).toBe('talconfig.yaml:4:1');
    expect(v1(config('gpu-1'), 'cluster.allowSchedulingOnControlPlanes')).toBeUndefined();
    expect(where(config('gpu-1'), 'machine.install.disk')).toBe('talconfig.yaml:22:5');
  });

  test('patches apply in order global, role, node; each value points at the line that set it', () => {
    expect(v1(config('cp-1'), 'machine.kubelet.extraArgs.max-pods')).toBe('110');
    expect(where(config('cp-1'), 'machine.kubelet.extraArgs.max-pods')).toBe('talconfig.yaml:10:11');
    expect(v1(config('gpu-1'), 'machine.kubelet.extraArgs.max-pods')).toBe('64');
    expect(where(config('gpu-1'), 'machine.kubelet.extraArgs.max-pods')).toBe('patches/gpu.yaml:4:7');
    expect(v1(config('cp-1'), 'machine.time.servers')).toEqual(['time.example.org']);
    expect(where(config('cp-1'), 'machine.time.servers')).toBe('patches/common.yaml:3:5');
    // talhelper's legacy configPatches are JSON 6902
    expect(v1(config('gpu-1'), 'machine.sysctls')).toEqual({ 'kernel.kptr_restrict': '0' });
    expect(where(config('gpu-1'), 'machine.sysctls')).toBe('talconfig.yaml:29:9');
  });

  test('${VAR} comes from talenv; encrypted values stay unresolved', () => {
    expect(v1(config('cp-1'), 'machine.kubelet.extraArgs.node-ip')).toBe('10.0.0.0/24');
    expect(v1(config('cp-1'), 'machine.env.API_TOKEN')).toBe('${SECRET}');
  });

  test('a reference outside the scanned tree is not read, and says so at its line', () => {
    expect(result.notes.map((n) => `${n.file}:${n.range.start.line} ${n.message}`)).toEqual([
      'talconfig.yaml:25 the talhelper patch ../../etc/outside.yaml is not read: it is outside the scanned tree',
    ]);
  });
});

describe('talhelper patches declint cannot read', () => {
  test('a missing file and invalid YAML are reported where talconfig names them; the nodes are still checked', async () => {
    const talconfig = [
      'clusterName: lab',
      'talosVersion: v1.12.2',
      'endpoint: https://10.0.0.10:6443',
      'nodes:',
      '  - hostname: cp-1',
      '    controlPlane: true',
      '    patches:',
      '      - "@./patches/missing.yaml"',
      '      - |-',
      '        machine: [unclosed',
      '      - |-',
      '        cluster:',
      '          allowSchedulingOnControlPlanes: true',
      '',
    ].join('\n');
    const run = await runCli(['check', '.', '--format', 'json'], makeTree({ 'talconfig.yaml': talconfig }));
    const found = (JSON.parse(run.stdout).findings as { ruleId: string; severity: string; range: { start: { line: number } }; message: string }[])
      .filter((f) => f.ruleId === 'talhelper-patch' || f.ruleId === 'TAL-013')
      .map((f) => `${f.range.start.line} ${f.ruleId} ${f.severity}`);
    expect(found).toEqual(['8 talhelper-patch warning', '9 talhelper-patch warning', '13 TAL-013 warning']);
  });
});

describe('talhelper extraManifests', () => {
  test('the files a node lists under the deprecated extraManifests are documents of its config, and its files', () => {
    const talconfig = ['clusterName: lab', 'talosVersion: v1.12.2', 'endpoint: https://10.0.0.10:6443', 'nodes:', '  - hostname: cp-1', '    controlPlane: true', '    extraManifests:', '      - ./manifests/firewall.yaml', ''].join('\n');
    const result = project({
      'talconfig.yaml': talconfig,
      'manifests/firewall.yaml': 'apiVersion: v1alpha1\nkind: NetworkDefaultActionConfig\ningress: accept\n',
    });
    const firewall = result.views[0].documents.find((d) => d.kind === 'NetworkDefaultActionConfig');
    expect(firewall?.tree.get(['ingress'])).toBe('accept');
    expect(where(firewall?.tree, 'ingress')).toBe('manifests/firewall.yaml:3:1');
    expect([...result.files].sort()).toEqual(['manifests/firewall.yaml', 'talconfig.yaml']);
  });
});
