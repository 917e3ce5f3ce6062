import { readTalosFile } from '../src/talos/documents';
import { maskFile, maskTemplate } from '../src/talos/template';
import { containsUnknown, mayBeSetByTemplate, UNKNOWN_MARK } from '../src/talos/unknown';

/** The masked text with the unknown mark shown as `?`. */
const shown = (text: string) => text.split(UNKNOWN_MARK).join('?');

describe('reading YAML around template expressions', () => {
  test('every expression keeps its length and lines: values become unknown, control lines comments, a lone expression among keys an unknown key', () => {
    const source = ['machine:', '  install:', '    disk: {{ .Disk }}', '{{- if .Debug }}', '  debug: true', '{{- end }}', '  {{ toYaml .Extra }}', 'cluster: {}', ''].join('\n');
    const masked = maskTemplate(source, ['go-jinja']);
    expect(masked.text.length).toBe(source.length);
    expect(masked.expressions).toBe(4);
    expect(shown(masked.text).split('\n')).toEqual(['machine:', '  install:', '    disk: ?? ????? ??', '#               ', '  debug: true', '#         ', '  ?? ?????? ?????? ?:', 'cluster: {}', '']);
  });

  test('a lone expression under a key that opens a block is that key\'s value', () => {
    const masked = maskTemplate('machine:\n  kubelet:\n    {{ kubelet | to_nice_yaml | indent(4) }}\n', ['go-jinja']);
    const read = readTalosFile(masked.text);
    expect(read.kind).toBe('talos');
    const doc = read.kind === 'talos' ? read.file.documents[0].document.toJSON() : undefined;
    expect(containsUnknown(doc.machine.kubelet)).toBe(true);
    expect(mayBeSetByTemplate(doc, ['machine', 'kubelet', 'defaultRuntimeSeccompProfileEnabled'])).toBe(true);
    expect(mayBeSetByTemplate(doc, ['machine', 'logging', 'destinations'])).toBe(false);
  });

  test('Terraform templates: ${…} values, %{…} directives, $${ escapes left as written', () => {
    const masked = maskTemplate('a: ${var}\n%{ if x ~}\nb: $${literal}\n%{ endif ~}\n', ['terraform']);
    expect(shown(masked.text)).toBe('a: ??????\n#         \nb: $${literal}\n#          \n');
  });

  test('in a plain YAML file the text of a block scalar is content, not the file\'s template; in a templated file it is templated', () => {
    const text = 'cluster:\n  inlineManifests:\n    - name: x\n      contents: |\n        summary: "{{ $labels.instance }} down"\nmachine:\n  network:\n    hostname: {{ .Name }}\n';
    const plain = maskFile('patch.yaml', text);
    expect(plain.expressions).toBe(1);
    expect(plain.text).toContain('{{ $labels.instance }}');
    expect(maskFile('patch.yaml.j2', text).expressions).toBe(2);
    expect(maskFile('patch.yaml', 'machine: {}\n')).toEqual({ text: 'machine: {}\n', expressions: 0 });
  });

  test('a plain YAML patch with `{{ }}` reads as a patch with an unknown value, not as a flow mapping', () => {
    const read = readTalosFile('machine:\n  network:\n    hostname: {{ .Hostname }}\n', undefined, 'patch.yaml');
    expect(read.kind === 'talos' && [read.file.kind, read.file.templated]).toEqual(['strategic-patch', 1]);
  });

  test('a templated file that does not parse around its expressions is unreadable, not a syntax error', () => {
    const read = readTalosFile('machine:\n{% for n in nodes %}\n  - {{ n }}\n{% endfor %}\n  network: {}\n', undefined, 'nodes.yaml.j2');
    expect(read.kind).toBe('unreadable-template');
  });
});
