import * as path from 'path';
import { terraformNodes } from '../src/talos/terraform';
import type { TreeReader } from '../src/talos/node-source';

/** Terraform modules from in-memory files; the reader refuses anything not listed, as the pipeline refuses paths outside the scan. */
function module(files: Record<string, string>) {
  const root = '/repo/infra';
  const reader: TreeReader = {
    read: (absolute) => (path.relative(root, absolute) in files ? { text: files[path.relative(root, absolute)] } : { error: 'it does not exist' }),
    reportPath: (absolute) => path.relative(root, absolute),
  };
  const result = terraformNodes([{ dir: root, files: Object.entries(files).filter(([name]) => /\.tf(vars)?$/.test(name)).map(([name, text]) => ({ absolutePath: path.join(root, name), text })) }], reader);
  const node = (name: string) => result.nodes.find((n) => n.name === name);
  const value = (name: string, p: string) => node(name)?.view?.documents[0].tree.get(p.split('.'));
  const where = (name: string, p: string) => {
    const o = node(name)?.view?.documents[0].tree.originOf(p.split('.'));
    return o ? `${o.file}:${o.range.start.line}:${o.range.start.column}` : undefined;
  };
  return { result, node, value, where };
}

const DATA = (patches: string, extra = '') => `data "talos_machine_configuration" "cp" {
  cluster_name     = "lab"
  cluster_endpoint = "https://10.0.0.1:6443"
  machine_type     = var.role
  talos_version    = var.talos_version
  machine_secrets  = talos_machine_secrets.this.machine_secrets
  config_patches   = ${patches}
}
${extra}`;

const VARIABLES = `variable "role" {
  default = "controlplane"
}
variable "talos_version" {
  default = "v1.10.0"
}
variable "with_debug" {
  default = null
}
`;

describe('Terraform: folding HCL to patches', () => {
  test('columns count UTF-16 code units, as the rest of declint does, after non-ASCII text', () => {
    const { value, where } = module({
      'main.tf': DATA(`[yamlencode({ machine = { network = { hostname = "nœud-1" } }, debug = true })] # é`),
      'variables.tf': VARIABLES,
    });
    expect(value('data.talos_machine_configuration.cp', 'machine.network.hostname')).toBe('nœud-1');
    expect(where('data.talos_machine_configuration.cp', 'debug')).toBe('main.tf:7:85');
  });

  test('terraform.tfvars overrides a default; a value another .tfvars may pass is unknown', () => {
    const set = module({ 'main.tf': DATA('[]'), 'variables.tf': VARIABLES, 'terraform.tfvars': 'talos_version = "v1.12.1"\n' });
    expect(set.node('data.talos_machine_configuration.cp')?.view?.version?.version).toEqual([1, 12, 1]);
    const passed = module({ 'main.tf': DATA('[]'), 'variables.tf': VARIABLES, 'prod.tfvars': 'talos_version = "v1.12.1"\n' });
    const cp = passed.node('data.talos_machine_configuration.cp')!;
    expect(cp.view?.version).toBeUndefined();
    expect(cp.reasons.map((r) => r.message)).toEqual(['talos_version: var.talos_version is set in prod.tfvars, passed with -var-file or not; version-gated rules report notes']);
  });

  test('a local from another file of the module: its heredoc keeps its own file and lines; `<<EOT` keeps its indentation', () => {
    const { value, where } = module({
      'main.tf': DATA('[local.base, local.plain]'),
      'variables.tf': VARIABLES,
      'locals.tf': `locals {
  base = <<-EOT
    machine:
      time:
        disabled: true
  EOT
  plain = <<EOT
cluster:
  allowSchedulingOnControlPlanes: true
EOT
}
`,
    });
    expect(value('data.talos_machine_configuration.cp', 'machine.time.disabled')).toBe(true);
    expect(where('data.talos_machine_configuration.cp', 'machine.time.disabled')).toBe('locals.tf:5:9');
    expect(where('data.talos_machine_configuration.cp', 'cluster.allowSchedulingOnControlPlanes')).toBe('locals.tf:9:3');
  });

  test('a condition on known values is decided (`var.x != null`); one on a resource attribute is reported', () => {
    const decided = module({
      'main.tf': DATA('var.with_debug != null ? [yamlencode({ debug = true })] : [yamlencode({ debug = false })]'),
      'variables.tf': VARIABLES,
    });
    expect(decided.value('data.talos_machine_configuration.cp', 'debug')).toBe(false);
    const open = module({ 'main.tf': DATA('hcloud_server.cp.id != "" ? [] : []'), 'variables.tf': VARIABLES });
    expect(open.node('data.talos_machine_configuration.cp')?.reasons[0].message).toBe(
      'config_patches of data.talos_machine_configuration.cp: a condition on hcloud_server.cp.id != ""',
    );
  });

  test('an apply resource whose input is no data source of the module is declared but not resolved', () => {
    const { node } = module({
      'main.tf': `resource "talos_machine_configuration_apply" "cp" {
  machine_configuration_input = var.rendered
  node = "10.0.0.1"
}
`,
    });
    expect(node('talos_machine_configuration_apply.cp')).toMatchObject({
      status: 'unresolved',
      reasons: [{ message: 'its machine_configuration_input (var.rendered is not declared in the module) is not a talos_machine_configuration of the module nor a file' }],
    });
  });
});
