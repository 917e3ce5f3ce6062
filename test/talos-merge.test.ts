import { parseDocument } from 'yaml';
import { LineIndex } from '../src/source/position';
import { readTalosFile } from '../src/talos/documents';
import { applyJson6902, applyStrategic, loadBase, parsePointer, ProvenancedTree } from '../src/talos/tree';
import { inRange, parseVersion, versionFromImage } from '../src/talos/version';

/** A tree from a base YAML text and patches (each its own file), applied in order. */
function build(base: string, ...patches: [file: string, text: string][]): ProvenancedTree {
  const tree = new ProvenancedTree();
  loadBase(tree, parseDocument(base).contents, { file: 'base.yaml', lines: new LineIndex(base), step: 0 });
  patches.forEach(([file, text], i) => {
    const node = parseDocument(text).contents;
    const src = { file, lines: new LineIndex(text), step: i + 1 };
    if (file.includes('json6902')) applyJson6902(tree, node, src);
    else applyStrategic(tree, node, src);
  });
  return tree;
}

const at = (tree: ProvenancedTree, path: string) => {
  const o = tree.originOf(path.split('.'));
  return o ? `${o.file}:${o.range.start.line}:${o.range.start.column}` : undefined;
};

const BASE = `version: v1alpha1
machine:
  type: controlplane
  kubelet:
    defaultRuntimeSeccompProfileEnabled: true
    extraArgs:
      rotate-server-certificates: "true"
  certSANs: [10.0.0.1]
cluster:
  apiServer:
    admissionControl:
      - name: PodSecurity
        configuration:
          defaults:
            enforce: baseline
    auditPolicy:
      apiVersion: audit.k8s.io/v1
      kind: Policy
      rules:
        - level: Metadata
`;

describe('strategic merge as Talos applies it, with provenance', () => {
  test('a scalar a patch overrides points at the patch line; untouched values keep the base line', () => {
    const tree = build(BASE, ['patch.yaml', 'machine:\n  kubelet:\n    defaultRuntimeSeccompProfileEnabled: false\n']);
    expect(tree.get(['machine', 'kubelet', 'defaultRuntimeSeccompProfileEnabled'])).toBe(false);
    expect(at(tree, 'machine.kubelet.defaultRuntimeSeccompProfileEnabled')).toBe('patch.yaml:3:5');
    expect(tree.get(['machine', 'kubelet', 'extraArgs'])).toEqual({ 'rotate-server-certificates': 'true' });
    expect(at(tree, 'machine.kubelet.extraArgs.rotate-server-certificates')).toBe('base.yaml:7:7');
  });

  test('lists are appended to; admission plugins merge by name; the audit policy is replaced whole', () => {
    const tree = build(BASE, [
      'patch.yaml',
      [
        'machine:',
        '  certSANs: [cp.example.internal]',
        'cluster:',
        '  apiServer:',
        '    admissionControl:',
        '      - name: PodSecurity',
        '        configuration:',
        '          defaults:',
        '            enforce: privileged',
        '    auditPolicy:',
        '      rules: []',
        '',
      ].join('\n'),
    ]);
    expect(tree.get(['machine', 'certSANs'])).toEqual(['10.0.0.1', 'cp.example.internal']);
    expect(tree.get(['cluster', 'apiServer', 'admissionControl'])).toEqual([{ name: 'PodSecurity', configuration: { defaults: { enforce: 'privileged' } } }]);
    expect(at(tree, 'cluster.apiServer.admissionControl.0.configuration.defaults.enforce')).toBe('patch.yaml:9:13');
    expect(tree.get(['cluster', 'apiServer', 'auditPolicy'])).toEqual({ rules: [] });
  });

  test('$patch: delete removes the key and remembers where', () => {
    const tree = build(BASE, ['patch.yaml', 'machine:\n  kubelet:\n    extraArgs:\n      $patch: delete\n']);
    expect(tree.get(['machine', 'kubelet', 'extraArgs'])).toBeUndefined();
    expect(tree.get(['machine', 'kubelet', 'defaultRuntimeSeccompProfileEnabled'])).toBe(true);
    const deletion = tree.deletions.get(['machine', 'kubelet', 'extraArgs'].join('\u0000'));
    expect(deletion && `${deletion.file}:${deletion.range.start.line}`).toBe('patch.yaml:3');
  });
});

describe('JSON 6902 patches', () => {
  test('add, replace, remove and append, each value at its operation line', () => {
    const patch = [
      '- op: add',
      '  path: /cluster/apiServer/extraArgs',
      '  value:',
      '    profiling: "true"',
      '- op: replace',
      '  path: /machine/kubelet/defaultRuntimeSeccompProfileEnabled',
      '  value: false',
      '- op: remove',
      '  path: /machine/kubelet/extraArgs',
      '- op: add',
      '  path: /machine/certSANs/-',
      '  value: cp.example.internal',
      '',
    ].join('\n');
    const tree = build(BASE, ['json6902.yaml', patch]);
    expect(tree.get(['cluster', 'apiServer', 'extraArgs'])).toEqual({ profiling: 'true' });
    expect(at(tree, 'cluster.apiServer.extraArgs.profiling')).toBe('json6902.yaml:4:5');
    expect(tree.get(['machine', 'kubelet', 'defaultRuntimeSeccompProfileEnabled'])).toBe(false);
    expect(at(tree, 'machine.kubelet.defaultRuntimeSeccompProfileEnabled')).toBe('json6902.yaml:7:3');
    expect(tree.get(['machine', 'kubelet', 'extraArgs'])).toBeUndefined();
    expect(tree.get(['machine', 'certSANs'])).toEqual(['10.0.0.1', 'cp.example.internal']);
    expect(at(tree, 'machine.certSANs.1')).toBe('json6902.yaml:12:3');
  });

  test('JSON pointers unescape ~1 and ~0', () => {
    expect(parsePointer('/machine/sysctls/net~1ipv4~0x')).toEqual(['machine', 'sysctls', 'net/ipv4~x']);
    expect(parsePointer('machine')).toBeUndefined();
  });
});

describe('classification of Talos files', () => {
  const kind = (text: string, name = 'x.yaml') => {
    const r = readTalosFile(text, new LineIndex(text), name);
    return r.kind === 'talos' ? `${r.file.kind}${r.file.sops ? `+sops(mac=${r.file.sops.mac},enc=${r.file.sops.encryptedValues},clear=${r.file.sops.plainValues})` : ''}` : r.kind;
  };

  test.each([
    ['version: v1alpha1\nmachine:\n  type: worker\ncluster:\n  clusterName: c\n', 'machine-config'],
    ['machine:\n  kubelet:\n    extraArgs: {}\n', 'strategic-patch'],
    // `version` does not make a patch a complete config: a `$patch` directive, or no machine.type, keeps it a patch.
    ['version: v1alpha1\ncluster:\n  apiServer:\n    admissionControl:\n      - name: PodSecurity\n        $patch: delete\n', 'strategic-patch'],
    ['version: v1alpha1\nmachine:\n  network:\n    hostname: cp-1\n', 'strategic-patch'],
    ['- op: add\n  path: /machine/network/hostname\n  value: cp-1\n', 'json6902-patch'],
    ['apiVersion: v1alpha1\nkind: NetworkDefaultActionConfig\ningress: block\n', 'multidoc'],
    ['apiVersion: v1alpha1\nkind: SomeFutureConfig\nfoo: bar\n', 'multidoc'],
    ['clusterName: lab\ntalosVersion: v1.12.0\nnodes:\n  - hostname: cp-1\n    controlPlane: true\n', 'talconfig'],
    ['cluster:\n  id: a\n  secret: b\nsecrets:\n  bootstraptoken: c\ncerts:\n  os: {}\n', 'secrets-bundle'],
    ['machine:\n  token: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nsops:\n  mac: ENC[AES256_GCM,data:m,iv:n,tag:o,type:str]\n  version: 3.9.1\n', 'strategic-patch+sops(mac=true,enc=1,clear=0)'],
    ['apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n', 'not-talos'],
    ['- op: add\n  path: /spec/replicas\n  value: 3\n', 'not-talos'],
    ['nodes:\n  - name: a\n', 'not-talos'],
  ])('%j is %s', (text, expected) => {
    expect(kind(text)).toBe(expected);
  });

  test('an Image Factory schematic is a document of its own; a Go template source is read around its expressions, never a parse error', () => {
    expect(kind('customization:\n  extraKernelArgs: [console=ttyS0]\noverlay:\n  name: rpi_generic\n')).toBe('schematic');
    expect(kind('customization:\n  extraKernelArgs: [a]\nmachine: {}\n')).toBe('not-talos');
    const template = 'apiVersion: v1alpha1\nkind: NetworkRuleConfig\nportSelector:\n  ports:\n{{- if ne .MachineConfig.MachineType "worker" }}\n    - 50000\n{{- end }}\n';
    expect(kind(template)).toBe('multidoc');
    const read = readTalosFile(template, new LineIndex(template), 'x.yaml');
    expect(read.kind === 'talos' && read.file.templated).toBe(2);
    // Broken YAML that is no template is still reported.
    expect(kind('version: v1alpha1\nmachine:\n  type: [worker\n')).toBe('syntax-error');
  });

  test('talenv files are known by name', () => {
    expect(kind('DOMAIN: example.org\n', 'cluster/talenv.yaml')).toBe('talenv');
    expect(kind('DOMAIN: example.org\n', 'cluster/values.yaml')).toBe('not-talos');
  });

  test('a multi-document file keeps each document with its own range (from its --- marker) and kind', () => {
    const text = 'version: v1alpha1\nmachine:\n  type: worker\ncluster: {clusterName: c}\n---\napiVersion: v1alpha1\nkind: NetworkDefaultActionConfig\ningress: accept\n---\napiVersion: v1alpha1\nkind: TimeSyncConfig\nenabled: false\n';
    const r = readTalosFile(text, new LineIndex(text));
    expect(r.kind).toBe('talos');
    if (r.kind !== 'talos') return;
    expect(r.file.documents.map((d) => `${d.kind}@${d.range.start.line}`)).toEqual(['v1alpha1@1', 'NetworkDefaultActionConfig@5', 'TimeSyncConfig@9']);
  });
});

describe('Talos versions', () => {
  test('from installer images', () => {
    expect(versionFromImage('ghcr.io/siderolabs/installer:v1.9.6')).toEqual([1, 9, 6]);
    expect(versionFromImage('factory.talos.dev/installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.12.0')).toEqual([1, 12, 0]);
    expect(versionFromImage('factory.talos.dev/installer-secureboot/abc123:v1.13.2@sha256:0123abcd')).toEqual([1, 13, 2]);
    expect(versionFromImage('factory.talos.dev/metal-installer/088171816e905ec439337da75b1bafb81de8c652ee41c099f2b9ef7d90847648:v1.11.1')).toEqual([1, 11, 1]);
    expect(versionFromImage('ghcr.io/siderolabs/installer:latest')).toBeUndefined();
    expect(versionFromImage('docker.io/library/nginx:1.25.3')).toBeUndefined();
  });

  test('ranges apply at their own precision', () => {
    const v = (s: string) => parseVersion(s)!;
    expect(inRange(v('v1.11.5'), undefined, 'v1.11')).toBe(true);
    expect(inRange(v('v1.12.0'), undefined, 'v1.11')).toBe(false);
    expect(inRange(v('v1.13.0'), 'v1.13')).toBe(true);
    expect(inRange(v('v1.12.9'), 'v1.13')).toBe(false);
    expect(parseVersion('v1.14.0-rc.1')).toEqual([1, 14, 0]);
  });
});
