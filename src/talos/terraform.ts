import * as path from 'path';
import { Node as YamlNode, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { LineIndex } from '../source/position';
import { evaluate, HclScope, HclValue } from '../terraform/evaluate';
import { fileAttributes, fileBlocks, HclBlock, HclFile, parseHcl, SyntaxNode } from '../terraform/hcl';
import { classifyPatch, linesMapper, NodeRole, PatchDoc, patchesFromText, startGenerated } from './node-build';
import { builtNode, emptyNodeSourceResult, FileRange, FoundNode, lineOf, NodeSourceResult, readPatchFile, TreeReader, unresolvedNode } from './node-source';
import { maskTemplate } from './template';
import { loadBase, ProvenancedTree } from './tree';
import { unknownText } from './unknown';
import { parseVersion, Version } from './version';
import { readTalosFile } from './documents';

/**
 * The Terraform talos provider (siderolabs/terraform-provider-talos): a
 * `talos_machine_configuration` data source (or ephemeral resource)
 * generates a config for its `machine_type` and `talos_version` with its
 * `config_patches`; a `talos_machine_configuration_apply` resource applies
 * one (its `machine_configuration_input`) to a node with more
 * `config_patches`. Each apply resource is a node, named after it; a data
 * source no apply resource uses (its config goes to a server's user data)
 * is a node of its own. A patch is a YAML string or heredoc, a `file(…)` or
 * `templatefile(…)` of a file in the tree, or a `yamlencode(…)` of an HCL
 * object, whose lines are the patch's lines; what does not fold to one of
 * these is reported, not guessed.
 */

/** Cheap test before parsing: the file names a Talos config data source or apply resource. */
export function looksLikeTalosTerraform(text: string): boolean {
  return /"talos_machine_configuration(?:_apply)?"/.test(text);
}

/** One Terraform module: the `.tf` and `.tfvars` files of a directory. */
export interface TerraformModule {
  dir: string;
  files: { absolutePath: string; text: string }[];
}

interface Ctx {
  reader: TreeReader;
  result: NodeSourceResult;
  scope: HclScope;
  /** The file a syntax node is written in: a value may come from a `locals` block of another file of the module. */
  fileOf: (node: SyntaxNode) => HclFile;
  /** `dir/` before node names, for a module below the report base. */
  prefix: string;
}

export function terraformNodes(modules: TerraformModule[], reader: TreeReader): NodeSourceResult & { scanned: number } {
  const result = emptyNodeSourceResult();
  for (const module of modules) readModule(module, reader, result);
  return { ...result, scanned: modules.reduce((n, m) => n + m.files.length, 0) };
}

function readModule(module: TerraformModule, reader: TreeReader, result: NodeSourceResult): void {
  const parsed: HclFile[] = [];
  for (const source of module.files) {
    const file = reader.reportPath(source.absolutePath);
    const read = parseHcl(file, source.absolutePath, source.text);
    if (read.kind === 'parsed') parsed.push(read.file);
    // A file that does not parse hides what it declares; it matters when it is one that declares Talos nodes.
    else if (looksLikeTalosTerraform(source.text)) result.unread.push({ file, ...(read.range ? { at: read.range } : {}), reason: `the Terraform file ${read.message}` });
  }
  const tf = parsed.filter((f) => f.absolutePath.endsWith('.tf'));
  const blocks = tf.flatMap(fileBlocks);
  const dir = reader.reportPath(module.dir);
  const byTree = new Map(parsed.map((f) => [f.body.tree, f]));
  const ctx: Ctx = {
    reader,
    result,
    scope: moduleScope(module.dir, blocks, parsed.filter((f) => f.absolutePath.endsWith('.tfvars'))),
    fileOf: (node) => byTree.get(node.tree)!,
    prefix: dir === '' ? '' : `${dir}/`,
  };
  const configs = blocks.filter((b) => (b.type === 'data' || b.type === 'ephemeral') && b.labels[0] === 'talos_machine_configuration');
  const applies = blocks.filter((b) => b.type === 'resource' && b.labels[0] === 'talos_machine_configuration_apply');
  const used = new Set<HclBlock>();
  for (const apply of applies) {
    const name = `${ctx.prefix}talos_machine_configuration_apply.${apply.labels[1]}`;
    const declared = header(apply);
    // `_wo`: the write-only form (provider 0.9+), fed from an ephemeral resource.
    const input = apply.attributes.get('machine_configuration_input') ?? apply.attributes.get('machine_configuration_input_wo');
    const link = input ? /^(data|ephemeral)\.talos_machine_configuration\.([\w-]+)(?:\[[^\]]*\])?\.machine_configuration$/.exec(input.text.replace(/\s+/g, '')) : null;
    const config = link ? configs.find((c) => c.type === link[1] && c.labels[1] === link[2]) : undefined;
    const construct = `Terraform ${address(apply)} at ${lineOf(declared)}${instances(apply)}`;
    if (config) {
      used.add(config);
      addNode(ctx, name, `${construct} with ${address(config)} at ${lineOf(header(config))}`, declared, config, [
        { block: config, attribute: 'config_patches' },
        { block: apply, attribute: 'config_patches' },
      ]);
      continue;
    }
    const base = input ? evaluate(input, ctx.scope) : undefined;
    if (base?.kind === 'file') {
      addNode(ctx, name, construct, declared, undefined, [{ block: apply, attribute: 'config_patches' }], base);
      continue;
    }
    const why = !input ? 'it has no machine_configuration_input' : link ? `${input.text} names no talos_machine_configuration of the module` : `its machine_configuration_input (${base?.kind === 'unknown' ? base.why : input.text}) is not a talos_machine_configuration of the module nor a file`;
    result.files.add(apply.file.file);
    result.nodes.push(unresolvedNode(name, construct, declared, why));
  }
  for (const config of configs) {
    if (used.has(config)) continue;
    const declared = header(config);
    const construct = `Terraform ${address(config)} at ${lineOf(declared)}${instances(config)}, applied by no talos_machine_configuration_apply of the module`;
    addNode(ctx, `${ctx.prefix}${address(config)}`, construct, declared, config, [{ block: config, attribute: 'config_patches' }]);
  }
}

/** A node: the config the data source generates (or a full config file), then the patches of each block in order. */
function addNode(ctx: Ctx, name: string, construct: string, declared: FileRange, config: HclBlock | undefined, patchSources: { block: HclBlock; attribute: string }[], baseFile?: Extract<HclValue, { kind: 'file' }>): void {
  const { result } = ctx;
  result.files.add(declared.file);
  const notRead: FoundNode['reasons'] = [];
  const unresolved = (message: string) => result.nodes.push(unresolvedNode(name, construct, declared, message));
  let base: (tree: ProvenancedTree) => void;
  let version: Version | undefined;
  if (config) {
    const type = attribute(config, 'machine_type', ctx.scope);
    const role: NodeRole | undefined = type?.kind === 'string' && (type.value === 'controlplane' || type.value === 'init') ? 'controlplane' : type?.kind === 'string' && type.value === 'worker' ? 'worker' : undefined;
    if (!role) {
      const why = !type ? 'machine_type is missing' : type.kind === 'unknown' ? `machine_type: ${type.why}` : `machine_type is ${type.node.text}`;
      return void unresolved(`${why}, so the role of the config is not known`);
    }
    const versionValue = attribute(config, 'talos_version', ctx.scope);
    version = versionValue?.kind === 'string' ? parseVersion(versionValue.value) : undefined;
    // Not set (or null): the provider generates for its own default version, unknown here as with talosctl; set but not folded: a part not read.
    if (!version && versionValue && versionValue.kind !== 'null') {
      const why = versionValue.kind === 'unknown' ? versionValue.why : `${versionValue.node.text} is not a version`;
      notRead.push({ message: `talos_version: ${why}; version-gated rules report notes`, at: at(ctx.fileOf(versionValue.node), versionValue.node) });
    }
    base = (tree) => startGenerated(tree, role, version, declared, 'the Terraform talos provider', 'from talos_machine_secrets', name);
  } else {
    const read = ctx.reader.read(baseFile!.absolutePath);
    const file = ctx.reader.reportPath(baseFile!.absolutePath);
    const talos = 'text' in read ? readTalosFile(read.text, new LineIndex(read.text), file) : undefined;
    const doc = talos?.kind === 'talos' ? talos.file.documents.find((d) => d.role === 'machine-config') : undefined;
    if (!doc || !('text' in read)) return void unresolved(`machine_configuration_input reads ${file}, which is not a machine config declint can read`);
    result.files.add(file);
    const lines = new LineIndex(read.text);
    base = (tree) => loadBase(tree, doc.document.contents, { file, lines, step: 0 });
  }
  const patches: PatchDoc[] = [];
  for (const source of patchSources) {
    const expr = source.block.attributes.get(source.attribute);
    if (!expr) continue;
    const value = evaluate(expr, ctx.scope);
    const owner = address(source.block);
    if (value.kind !== 'tuple') {
      notRead.push({ message: `config_patches of ${owner}: ${value.kind === 'unknown' ? value.why : 'not a list'}`, at: at(source.block.file, expr) });
      continue;
    }
    value.items.forEach((item, i) => {
      const read = patchOf(item, ctx);
      if ('patches' in read) patches.push(...read.patches);
      else notRead.push({ message: `config_patches[${i}] of ${owner}: ${read.error}`, at: at(ctx.fileOf(item.node), item.node) });
    });
  }
  result.nodes.push(builtNode({ name, construct, declared, notRead }, { base, patches, version, versionFrom: `talos_version in ${path.basename(declared.file)}` }));
}

/** One element of `config_patches` as patch documents, or why it is not read. */
function patchOf(item: HclValue, ctx: Ctx): { patches: PatchDoc[] } | { error: string } {
  const file = ctx.fileOf(item.node);
  switch (item.kind) {
    case 'string': {
      // A heredoc keeps its lines; a quoted string maps to itself as a whole. Interpolations are unknown values.
      const whole = file.lines.range(item.node.startIndex, item.node.endIndex);
      const lines = item.heredoc ? linesMapper(item.value, item.heredoc.firstLine, item.heredoc.indent, file.lines) : { range: () => whole };
      const read = patchesFromText(maskTemplate(item.value, ['terraform']).text, { file: file.file, lines });
      return 'error' in read ? { error: `the YAML string is not valid YAML (${read.error})` } : read;
    }
    case 'file':
      return readPatchFile(ctx.reader, item.absolutePath, ctx.result.files, item.template ? ['terraform'] : []);
    case 'encoded': {
      const encoded = item.value;
      if (encoded.kind === 'unknown') return { error: `${item.node.text.split('(')[0]} of ${encoded.why}, not read` };
      if (encoded.kind !== 'object' && encoded.kind !== 'tuple') return { error: `${item.node.text.slice(0, 40)} encodes no patch` };
      // The encoded value's lines are where it is written (a `locals` block, maybe in another file).
      const written = ctx.fileOf(encoded.node);
      return { patches: [classifyPatch(yamlNode(encoded), { file: written.file, lines: written.lines })] };
    }
    case 'unknown':
      return { error: `${item.why}, not read` };
    default:
      return { error: `${item.node.text.slice(0, 40)} is not a YAML patch` };
  }
}

/** An HCL value as the YAML nodes a patch is made of, each with its place in the `.tf` file; what is not known is an unknown value. */
function yamlNode(value: HclValue): YamlNode {
  const ranged = <T extends YamlNode>(node: T, at: SyntaxNode): T => {
    node.range = [at.startIndex, at.endIndex, at.endIndex];
    return node;
  };
  switch (value.kind) {
    case 'object': {
      const map = new YAMLMap();
      for (const e of value.entries) map.items.push(new Pair(ranged(new Scalar(e.key), e.keyNode), yamlNode(e.value)));
      return ranged(map, value.node);
    }
    case 'tuple': {
      const seq = new YAMLSeq();
      seq.items.push(...value.items.map((i) => yamlNode(i)));
      return ranged(seq, value.node);
    }
    case 'string':
    case 'number':
    case 'bool':
      return ranged(new Scalar(value.value), value.node);
    case 'null':
      return ranged(new Scalar(null), value.node);
    default:
      return ranged(new Scalar(unknownText(value.node.endIndex - value.node.startIndex)), value.node);
  }
}

function attribute(block: HclBlock, name: string, scope: HclScope): HclValue | undefined {
  const expr = block.attributes.get(name);
  return expr ? evaluate(expr, scope) : undefined;
}

/** `var.x` from `terraform.tfvars`/`*.auto.tfvars` (which Terraform loads), else its default; `local.x` from `locals`. */
function moduleScope(moduleDir: string, blocks: HclBlock[], tfvars: HclFile[]): HclScope {
  const variables = new Map(blocks.filter((b) => b.type === 'variable').map((b) => [b.labels[0], b]));
  const locals = new Map(blocks.filter((b) => b.type === 'locals').flatMap((b) => [...b.attributes].map(([k, v]) => [k, v] as const)));
  const loaded = tfvars.filter((f) => /(^|\/)terraform\.tfvars$|\.auto\.tfvars$/.test(f.absolutePath));
  const others = tfvars.filter((f) => !loaded.includes(f));
  const resolving = new Set<string>();
  const guarded = (key: string, at: SyntaxNode, get: () => HclValue): HclValue => {
    if (resolving.has(key)) return { kind: 'unknown', why: `${key} refers to itself`, node: at };
    resolving.add(key);
    try {
      return get();
    } finally {
      resolving.delete(key);
    }
  };
  const scope: HclScope = {
    moduleDir,
    variable: (name, at) =>
      guarded(`var.${name}`, at, () => {
        const set = loaded.map((f) => fileAttributes(f).get(name)).find((v) => v !== undefined);
        if (set) return evaluate(set, scope);
        const other = others.find((f) => fileAttributes(f).has(name));
        if (other) return { kind: 'unknown', why: `var.${name} is set in ${path.basename(other.absolutePath)}, passed with -var-file or not`, node: at };
        const declared = variables.get(name);
        const fallback = declared?.attributes.get('default');
        if (fallback) return evaluate(fallback, scope);
        return { kind: 'unknown', why: declared ? `var.${name} has no default (the module's caller sets it)` : `var.${name} is not declared in the module`, node: at };
      }),
    local: (name, at) =>
      guarded(`local.${name}`, at, () => {
        const expr = locals.get(name);
        return expr ? evaluate(expr, scope) : { kind: 'unknown', why: `local.${name} is not declared in the module`, node: at };
      }),
  };
  return scope;
}

/** `data.talos_machine_configuration.cp`, `talos_machine_configuration_apply.cp`. */
function address(block: HclBlock): string {
  return `${block.type === 'resource' ? '' : `${block.type}.`}${block.labels[0]}.${block.labels[1]}`;
}

/** A block's first line, where it is declared. */
function header(block: HclBlock): FileRange {
  const start = block.node.startIndex;
  const lineEnd = block.file.text.indexOf('\n', start);
  return { file: block.file.file, range: block.file.lines.range(start, lineEnd === -1 ? block.node.endIndex : lineEnd) };
}

/** `for_each`/`count`: one node stands for every instance. */
function instances(block: HclBlock): string {
  const meta = block.attributes.has('for_each') ? 'for_each' : block.attributes.has('count') ? 'count' : undefined;
  return meta ? ` (one node for every instance of its ${meta})` : '';
}

function at(file: HclFile, node: SyntaxNode): FileRange {
  return { file: file.file, range: file.lines.range(node.startIndex, node.endIndex) };
}


