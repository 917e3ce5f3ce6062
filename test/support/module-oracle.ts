import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { INERT_EXTERNAL } from '../../src/nix/host';
import { nixosOptions } from '../../src/nix/nixos-options';
import { parseOptionPath } from '../../src/nix/option-path';

/**
 * The real NixOS module system as an oracle: nixpkgs' `lib.evalModules`,
 * run by `nix-instantiate`, evaluates one root module (and everything it
 * imports) under a freeform root, so that options nobody declares merge the
 * way the module system merges values of an unknown type (attribute sets key
 * by key, lists concatenated, anything else only when equal). The options of
 * declint's NixOS option table are declared with their real types and
 * defaults. What a repository gets from outside (flake inputs, `pkgs`,
 * `modulesPath` profiles, special arguments) is replaced by stand-ins: an
 * unread module is an empty module, anything else throws when it is used, so
 * a value that needs it is an error here (the module system cannot tell
 * either, with what declint can read).
 *
 * Needs nixpkgs' `lib` (DECLINT_NIXPKGS_LIB: the directory holding its
 * `default.nix`); nothing of nixpkgs is kept in this project.
 */

export type OracleResult = { kind: 'value'; value: unknown } | { kind: 'absent'; value?: unknown } | { kind: 'error'; message: string };

export interface OracleOptions {
  /** nixpkgs `lib` directory. */
  lib: string;
  /** Option declarations: path → nixpkgs type expression (over `lib.types`) and default. */
  declarations?: Record<string, { type: string; default?: unknown }>;
  /** The repository the root belongs to: what its modules refer to from outside is read from its text. */
  repository?: string;
  /** Old option names forwarded to new ones (`mkRenamedOptionModule`), as declint's rules know them. */
  aliases?: { from: string; to: string }[];
  /** Special arguments as Nix expressions (`lib`, `repository` in scope), where a repository's flake passes them. */
  arguments?: Record<string, string>;
}

const LIB_ENV = 'DECLINT_NIXPKGS_LIB';

/** The nixpkgs lib to evaluate with, when this machine has one. */
export function nixpkgsLib(): string | undefined {
  const dir = process.env[LIB_ENV];
  if (!dir || !fs.existsSync(path.join(dir, 'default.nix'))) return undefined;
  const nix = spawnSync('nix-instantiate', ['--version'], { encoding: 'utf8' });
  return nix.status === 0 ? dir : undefined;
}

/** The lib's release and, when it is a git checkout's export, nothing more: what the expected values were established with. */
export function libVersion(lib: string): string {
  const version = path.join(lib, '.version');
  return fs.existsSync(version) ? fs.readFileSync(version, 'utf8').trim() : 'unknown';
}

/** What a repository's modules name from outside, found in their text: the stand-ins they need. */
interface Outside {
  /** Argument names modules take (`{ inputs, pkgs, myvars, ... }:`). */
  arguments: Set<string>;
  /** Chains of names that end in a module (`inputs.disko.nixosModules.disko`, `matrix-hook.nixosModule`): unread modules, empty here. */
  moduleChains: string[][];
  /** Paths under modulesPath, `<nixpkgs/…>` and `input + "/…"` (empty modules here). */
  modulesPaths: Set<string>;
  nixpkgsPaths: Set<string>;
  inputPaths: Set<string>;
  /** Names modules define under `_module.args`: those come from the repository, not from stand-ins. */
  moduleArgs: Set<string>;
}

const outsideCache = new Map<string, Outside>();

function nixFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) nixFiles(full, out);
    else if (entry.isFile() && entry.name.endsWith('.nix')) out.push(full);
  }
  return out;
}

function outsideOf(repository: string): Outside {
  const cached = outsideCache.get(repository);
  if (cached) return cached;
  const outside: Outside = { arguments: new Set(), moduleChains: [], modulesPaths: new Set(), nixpkgsPaths: new Set(), inputPaths: new Set(), moduleArgs: new Set() };
  const chains = new Set<string>();
  for (const file of nixFiles(repository)) {
    const text = fs.readFileSync(file, 'utf8');
    // Formals of functions: `{ config, lib, inputs, ... }:` anywhere in the file.
    for (const m of text.matchAll(/\{([^{}]*?)\}\s*(?:@\s*\w+\s*)?:/g)) {
      for (const part of m[1].split(',')) {
        const name = /^\s*([A-Za-z_][\w'-]*)\s*(?:\?|$)/.exec(part)?.[1];
        if (name) outside.arguments.add(name);
      }
    }
    // Every chain of names (`inputs.disko.nixosModules.disko`, `flake.config.me.username`): stand-ins keep their shape.
    for (const m of text.matchAll(/(?<![\w.-])([A-Za-z_][\w-]*)((?:\.(?:[A-Za-z_][\w-]*|"[^"$]*"))+)/g)) {
      const names = [m[1], ...[...m[2].matchAll(/\.([A-Za-z_][\w-]*|"[^"$]*")/g)].map((n) => n[1].replace(/"/g, ''))];
      chains.add(JSON.stringify(names));
    }
    for (const m of text.matchAll(/modulesPath\s*\+\s*"([^"]+)"|\$\{modulesPath\}([^"]*)"/g)) outside.modulesPaths.add((m[1] ?? m[2]).replace(/^\/*/, '/'));
    for (const m of text.matchAll(/<nixpkgs(\/[^>]+)>/g)) outside.nixpkgsPaths.add(m[1]);
    for (const m of text.matchAll(/\b(?:inputs|self)\.[\w.-]+\s*\+\s*"(\/[^"]*)"/g)) outside.inputPaths.add(m[1]);
    for (const m of text.matchAll(/_module\.args\.([A-Za-z_][\w-]*)/g)) outside.moduleArgs.add(m[1]);
    for (const m of text.matchAll(/_module\.args\s*=\s*\{([^}]*)\}/g)) {
      for (const n of m[1].matchAll(/([A-Za-z_][\w-]*)\s*=|inherit\s+([^;]+);/g)) {
        if (n[1]) outside.moduleArgs.add(n[1]);
        else for (const name of n[2].replace(/\([^)]*\)/, '').trim().split(/\s+/)) outside.moduleArgs.add(name);
      }
    }
  }
  outside.moduleChains = [...chains].map((c) => JSON.parse(c) as string[]);
  outsideCache.set(repository, outside);
  return outside;
}

const nixString = (s: string) => JSON.stringify(s).replace(/\$\{/g, '\\${');

/** The option path as Nix attribute names: `[ "services" "openssh" "enable" ]`. */
const nixPath = (p: string[]) => `[ ${p.map(nixString).join(' ')} ]`;

/** The mark of a default the table does not fold (`defaultText`). */
function notFolded(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'declintOracleNotFolded' in v;
}

/** A JSON value as a Nix expression. */
function nixValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return nixString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[ ${v.map((x) => `(${nixValue(x)})`).join(' ')} ]`;
  return `{ ${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${nixString(k)} = ${nixValue(x)};`).join(' ')} }`;
}

/** The stand-in for a module declint does not read, by its name (see `oracleExpression`). */
function unreadModule(name: string, work: string): string {
  return `(import ${nixString(path.join(work, INERT_EXTERNAL.test(name) ? 'inert.nix' : 'unread.nix'))} ${nixString(name)})`;
}

/** Empty modules at each of the paths, under a new directory. */
function emptyModules(dir: string, paths: Set<string>, what: string): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const p of paths) {
    const file = path.join(dir, p.endsWith('.nix') ? p : path.join(p, 'default.nix'));
    if (!file.startsWith(dir + path.sep)) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${unreadModule(`${what}${p}`, path.join(dir, '..'))}\n`);
  }
  return dir;
}

/** Names every module function receives from the module system itself. */
const PROVIDED = new Set(['config', 'options', 'lib', 'specialArgs', '_class', '_prefix', 'extendModules', 'moduleType', 'modulesPath', 'name']);

/**
 * The Nix expression that evaluates `root` and prints, for each option path,
 * `{ ok; absent; value }`: the merged value with functions and derivations
 * named, and `absent` where no module defines the option (its declared
 * default, if any, in `value`).
 */
export function oracleExpression(root: string, optionPaths: string[][], options: OracleOptions, work: string): string {
  const outside: Outside = options.repository
    ? outsideOf(options.repository)
    : { arguments: new Set(), moduleChains: [], modulesPaths: new Set(), nixpkgsPaths: new Set(), inputPaths: new Set(), moduleArgs: new Set() };
  // A module declint cannot read either: empty where declint knows it sets no security option
  // (hardware profiles, secret managers: INERT_EXTERNAL), else it might set any probed option nobody else sets.
  fs.writeFileSync(path.join(work, 'inert.nix'), 'name: { _file = "stand-in for ${name}"; }\n');
  fs.writeFileSync(
    path.join(work, 'unread.nix'),
    `let lib = import ${nixString(options.lib)}; in name: {
  _file = "stand-in for \${name}";
  config = lib.mkMerge (map (p: lib.setAttrByPath p (lib.mkOverride 1400 (throw "declint-oracle: \${name} is not read and might set this"))) [ ${optionPaths.map(nixPath).join(' ')} ]);
}\n`,
  );
  const modulesPath = emptyModules(path.join(work, 'modulesPath'), outside.modulesPaths, 'modulesPath');
  const inputPath = emptyModules(path.join(work, 'input'), outside.inputPaths, 'a flake input');
  emptyModules(path.join(work, 'nixpkgs'), outside.nixpkgsPaths, '<nixpkgs>');
  // The chains to unread modules as a tree: `inputs` → `disko` → `nixosModules` → `disko`.
  type Tree = Map<string, Tree>;
  const tree: Tree = new Map();
  for (const chain of outside.moduleChains) {
    let node = tree;
    for (const name of chain) {
      let next = node.get(name);
      if (!next) node.set(name, (next = new Map()));
      node = next;
    }
  }
  // A collection of modules: each name an unread module, or a collection itself where names go on below it.
  const modulesOf = (node: Tree, where: string): string =>
    `{ ${[...node].map(([k, v]) => `${nixString(k)} = ${v.size > 0 ? modulesOf(v, `${where}.${k}`) : unreadModule(`${where}.${k}`, work)};`).join(' ')} }`;
  // Below a module collection (`nixosModules`, `modules.nixos`) every name is an unread module; `nixosModule` is one.
  const standInOf = (name: string, node: Tree, where: string, modules = false): string => {
    if (modules || name === 'nixosModule') return unreadModule(where, work);
    if (name === 'lib' && where.includes('.')) return 'lib';
    if (node.size === 0) return `standIn ${nixString(where)}`;
    const collection = (k: string) => k === 'nixosModules' || (name === 'modules' && k === 'nixos');
    const members = [...node].map(([k, v]) => `${nixString(k)} = ${collection(k) ? modulesOf(v, `${where}.${k}`) : standInOf(k, v, `${where}.${k}`)};`);
    return `standInSet ${nixString(where)} { ${members.join(' ')} }`;
  };
  // An argument a module names and no module defines: a stand-in, with the unread modules modules name under it.
  const args = options.arguments ?? {};
  const standIns: string[] = [];
  for (const name of [...new Set([...outside.arguments, ...tree.keys()])].sort()) {
    if (PROVIDED.has(name) || outside.moduleArgs.has(name) || name in args) continue;
    const node = tree.get(name);
    if (!outside.arguments.has(name)) continue;
    standIns.push(`${nixString(name)} = ${name === 'pkgs' ? 'standInSet "pkgs" { inherit lib; }' : node ? standInOf(name, node, name) : `standIn ${nixString(name)}`};`);
  }
  for (const [name, expression] of Object.entries(args)) standIns.push(`${nixString(name)} = ${expression};`);
  const declarations = Object.entries(options.declarations ?? {})
    .map(([p, d]) => `(lib.setAttrByPath ${nixPath(p.split('\u0000'))} (lib.mkOption ({ type = with lib.types; ${d.type}; } // ${'default' in d ? `{ default = ${notFolded(d.default) ? 'throw "declint-oracle: a default that depends on other options"' : nixValue(d.default)}; }` : '{ }'})))`)
    .join('\n      ');
  return `
let
  lib = import ${nixString(options.lib)};
  repository = ${options.repository ? nixString(options.repository) : 'null'};
  absent = "<declint-oracle:absent>";
  standIn = name: throw "declint-oracle: \${name} is a stand-in";
  # A stand-in with a few known members; other members are not there (an error, as for anything declint cannot read).
  # A flake input (inputs.x, self) is a path too (\`inputs.x + "/modules"\`); any other stand-in used as a string is an error.
  standInSet = name: members: members // { outPath = if builtins.match "(inputs|self)([.].*)?" name != null then ${nixString(inputPath)} else throw "declint-oracle: \${name} is a stand-in"; };
  opaque = anyType;
  # nixpkgs' config/sysctl.nix sysctlOption: a bool, string, int or null, defined once.
  sysctlValue = lib.mkOptionType {
    name = "sysctl option value";
    check = v: let ok = x: builtins.isBool x || builtins.isString x || builtins.isInt x || x == null; in ok v || (v._type or "" == "override" && ok v.content);
    merge = loc: defs: lib.mergeOneOption loc defs;
  };
  anyType = lib.mkOptionType {
    name = "declint-oracle-any";
    description = "a value of a type declint's table does not know";
    check = _: true;
    merge = loc: defs:
      let values = map (d: d.value) defs; in
      if lib.all (v: builtins.isAttrs v && !(lib.isDerivation v)) values then (lib.types.lazyAttrsOf anyType).merge loc defs
      else if lib.all builtins.isList values then lib.concatMap (d: d.value) defs
      else lib.mergeEqualOption loc defs;
    emptyValue = { value = absent; };
  };
  declared = { options = lib.foldl' lib.recursiveUpdate { } [
      ${declarations}
    ]; };
  evaluated = lib.evalModules {
    modules = [ { freeformType = anyType; } declared ${nixString(root)} ${(options.aliases ?? []).map((a) => `(lib.mkRenamedOptionModule ${nixPath(parseOptionPath(a.from))} ${nixPath(parseOptionPath(a.to))})`).join(' ')} ];
    specialArgs = { modulesPath = ${nixString(modulesPath)}; ${standIns.join(' ')} };
  };
  named = v:
    if lib.isFunction v then "<function>"
    else if lib.isDerivation v then "<derivation>"
    else if builtins.isPath v then toString v
    else if builtins.isAttrs v then lib.mapAttrs (_: named) (lib.filterAttrs (_: x: !(builtins.isString x && x == absent)) v)
    else if builtins.isList v then map named v
    else v;
  forced = v: let r = builtins.tryEval (let n = named v; in builtins.deepSeq n n); in if r.success then { ok = true; value = r.value; } else { ok = false; };
  probe = p:
    let
      option = lib.attrByPath p null evaluated.options;
      declaredHere = option != null && lib.isOption option;
      prio = builtins.tryEval option.highestPrio;
      free = lib.attrByPath p absent evaluated.config;
    in
      if declaredHere then
        (if !prio.success then { ok = false; }
         else if prio.value >= 1500 then (if option ? default then forced option.default // { absent = true; } else { ok = true; absent = true; })
         else forced option.value)
      else
        (let r = forced free; in if r.ok && builtins.isString r.value && r.value == absent then { ok = true; absent = true; } else r);
in map probe [ ${optionPaths.map(nixPath).join(' ')} ]
`;
}

function runNix(file: string, work: string): { ok: true; json: unknown } | { ok: false; message: string } {
  const run = spawnSync('nix-instantiate', ['--eval', '--strict', '--json', '-I', `nixpkgs=${path.join(work, 'nixpkgs')}`, file], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  if (run.status === 0) return { ok: true, json: JSON.parse(run.stdout) };
  const message = (run.stderr || run.error?.message || 'nix-instantiate failed').split('\n').filter((l) => l.startsWith('error:') || /^\s+\S/.test(l)).slice(0, 3).join(' ').replace(/\s+/g, ' ').trim();
  return { ok: false, message: message || 'nix-instantiate failed' };
}

/**
 * Each option's value in the real module system with `root` as the only
 * user module. One `nix-instantiate` for all the options; where that fails
 * as a whole (an error `tryEval` cannot catch, such as a missing attribute),
 * each option on its own, so one failing option does not take the others.
 */
export function oracle(root: string, optionPaths: string[][], options: OracleOptions): OracleResult[] {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'declint-oracle-'));
  try {
    const evaluate = (paths: string[][]) => {
      const file = path.join(work, 'probe.nix');
      fs.writeFileSync(file, oracleExpression(root, paths, options, work));
      return runNix(file, work);
    };
    const read = (item: unknown): OracleResult => {
      const r = item as { ok: boolean; absent?: boolean; value?: unknown };
      if (!r.ok) return { kind: 'error', message: 'the evaluation throws' };
      if (r.absent) return 'value' in r ? { kind: 'absent', value: r.value } : { kind: 'absent' };
      return { kind: 'value', value: r.value };
    };
    const all = evaluate(optionPaths);
    if (all.ok) return (all.json as unknown[]).map(read);
    return optionPaths.map((p) => {
      const one = evaluate([p]);
      return one.ok ? read((one.json as unknown[])[0]) : { kind: 'error', message: one.message };
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The options of declint's NixOS option table, to declare in the oracle with
 * their real types and defaults (none with DECLINT_ORACLE_FREEFORM_ONLY set:
 * everything merges as an unknown type).
 */
export function oracleDeclarations(): Record<string, { type: string; default?: unknown }> {
  if (process.env.DECLINT_ORACLE_FREEFORM_ONLY) return {};
  const out: Record<string, { type: string; default?: unknown }> = {};
  const options = nixosOptions().filter((o) => !o.path.includes('*'));
  const keys = new Set(options.map((o) => o.path.join('\u0000')));
  for (const o of options) {
    // A key of an attrsOf option (a sysctl NixOS sets) is part of that option's value, not an option of its own.
    if (o.path.some((_, i) => i > 0 && keys.has(o.path.slice(0, i).join('\u0000')))) continue;
    // A default that depends on other options is not folded here either: reading it is an error, as declint says unknown.
    out[o.path.join('\u0000')] = { type: o.type ?? 'opaque', ...('default' in o ? { default: o.default } : o.defaultText !== undefined ? { default: { declintOracleNotFolded: o.defaultText } } : {}) };
  }
  return out;
}

/** The old option names declint's built-in rules forward (each rule's `aliases`, for its subject and its precondition). */
export function ruleAliases(): { from: string; to: string }[] {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const YAML = require('yaml') as typeof import('yaml');
  const dir = path.resolve(__dirname, '../../rules/nixos');
  const out: { from: string; to: string }[] = [];
  for (const file of fs.readdirSync(dir).sort()) {
    const rule = YAML.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { subject: { option?: string; aliases?: string[] }; when?: { option: string; aliases?: string[] } };
    for (const from of rule.subject.aliases ?? []) out.push({ from, to: rule.subject.option! });
    for (const from of rule.when?.aliases ?? []) out.push({ from, to: rule.when!.option });
  }
  // A nested sysctl name is not an old option name: NixOS has no such rename.
  return [...new Map(out.filter((a) => !a.from.startsWith('boot.kernel.sysctl')).map((a) => [a.from, a])).values()];
}
