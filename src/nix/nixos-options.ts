import table from './nixos-options.json';
import { parseOptionPath } from './option-path';
import { Attr, Plain, Thunk, Value } from './value';

/**
 * The one table of NixOS option types and defaults (nixos-options.json, read
 * from nixpkgs' module sources): the evaluator reads a default where a
 * condition asks for an option nobody sets, the host merge reads how an
 * option's definitions combine, rules read the default an absent option has,
 * and hover shows it.
 */
export interface NixosOption {
  /** The option path; `*` stands for any name of an attrsOf option. */
  path: string[];
  /** The type as a lib.types expression, or null where it was not read. */
  type: string | null;
  /** The declared default, where it is a constant. */
  default?: Plain;
  /** A default that depends on other options, as nixpkgs describes it: not a value declint knows. */
  defaultText?: string;
  /** The source id in the table's `sources`: which nixpkgs module file, at which revision. */
  source: string;
  note?: string;
}

/** How the module system combines two or more definitions at the winning priority. */
export type Merge =
  /** mergeEqualOption (bool, str, int, enum, …): equal values are one value, different ones a conflict. */
  | { kind: 'equal'; nullable: boolean }
  /** mergeOneOption: a second definition is a conflict, even of the same value. */
  | { kind: 'unique'; nullable: boolean }
  | { kind: 'list'; nullable: boolean }
  /** lines, commas, separatedString: the strings joined in merge order. */
  | { kind: 'separated'; separator: string; nullable: boolean }
  | { kind: 'attrs'; element: Merge | undefined; nullable: boolean }
  /** boolByOr. */
  | { kind: 'or'; nullable: boolean }
  /** Not in the table, or of a type declint does not model: whether values merge is not known. */
  | { kind: 'unknown' };

const UNKNOWN: Merge = { kind: 'unknown' };

interface Entry extends NixosOption {
  merge: Merge;
}

let byKey: Map<string, Entry> | undefined;
let wildcards: Entry[] | undefined;
let prefixes: Set<string> | undefined;

const SEP = '\u0000';

function load(): void {
  if (byKey) return;
  byKey = new Map();
  wildcards = [];
  prefixes = new Set();
  for (const [name, o] of Object.entries(table.options as Record<string, Omit<NixosOption, 'path'>>)) {
    const path = parseOptionPath(name);
    const entry: Entry = { ...o, path, merge: o.type ? mergeOf(parseType(o.type)) : UNKNOWN };
    if (path.includes('*')) wildcards.push(entry);
    else byKey.set(path.join(SEP), entry);
    for (let i = 1; i < path.length; i++) prefixes.add(path.slice(0, i).join(SEP));
  }
}

/** Every option of the table. */
export function nixosOptions(): NixosOption[] {
  load();
  return [...byKey!.values(), ...wildcards!].map(({ merge: _merge, ...o }) => o);
}

/** The table's option at a concrete path (directly, or through a `*` entry). */
export function nixosOption(path: readonly string[]): NixosOption | undefined {
  load();
  return byKey!.get(path.join(SEP)) ?? wildcards!.find((w) => w.path.length === path.length && w.path.every((s, i) => s === '*' || s === path[i]));
}

/** The options the table declares directly below a path (`services.openssh.settings` → `PermitRootLogin`, …), by name. */
export function optionsBelow(path: readonly string[]): Map<string, NixosOption> {
  load();
  const out = new Map<string, NixosOption>();
  for (const o of byKey!.values()) if (o.path.length === path.length + 1 && path.every((s, i) => o.path[i] === s)) out.set(o.path[path.length], o);
  return out;
}

/** Whether the table declares options below a path (`services.openssh` → `services.openssh.enable`). */
export function declaresBelow(path: readonly string[]): boolean {
  load();
  if (prefixes!.has(path.join(SEP))) return true;
  return wildcards!.some((w) => w.path.length > path.length && path.every((s, i) => w.path[i] === '*' || w.path[i] === s));
}

/**
 * How definitions of an option combine: its own type's merge, or, below an
 * `attrsOf T` option, T's (`boot.kernel.sysctl."vm.swappiness"` is a
 * `sysctlValue`).
 */
export function optionMerge(path: readonly string[]): Merge {
  const own = nixosOption(path) as Entry | undefined;
  if (own) return own.merge;
  for (let i = path.length - 1; i >= 1; i--) {
    const parent = nixosOption(path.slice(0, i)) as Entry | undefined;
    if (!parent) continue;
    let merge: Merge | undefined = parent.merge;
    for (let depth = i; depth < path.length && merge; depth++) merge = merge.kind === 'attrs' ? merge.element : undefined;
    return merge ?? UNKNOWN;
  }
  return UNKNOWN;
}

/**
 * The value an option nobody defines has inside its parent's set: its
 * default, else its type's empty value (null for nullOr, [ ] for listOf,
 * { } for attrsOf); undefined where neither is known.
 */
export function unsetValue(option: NixosOption): Value | undefined {
  if ('default' in option) return plainValue(option.default!);
  if (option.defaultText !== undefined || !option.type) return undefined;
  const merge = option.type ? mergeOf(parseType(option.type)) : UNKNOWN;
  if (merge.kind !== 'unknown' && merge.nullable) return { kind: 'null' };
  if (merge.kind === 'list') return { kind: 'list', items: [] };
  if (merge.kind === 'attrs') return { kind: 'attrs', attrs: new Map() };
  return undefined;
}

/** The table's default for an option, as a value the evaluator reads. */
export function nixosDefault(path: readonly string[]): Value | undefined {
  const option = nixosOption(path);
  return option && 'default' in option ? plainValue(option.default!) : undefined;
}

function plainValue(plain: Plain): Value {
  if (plain === null) return { kind: 'null' };
  if (typeof plain === 'string') return { kind: 'string', value: plain };
  if (typeof plain === 'boolean') return { kind: 'bool', value: plain };
  if (typeof plain === 'number') return { kind: Number.isInteger(plain) ? 'int' : 'float', value: plain };
  if (Array.isArray(plain)) return { kind: 'list', items: plain.map((p) => Thunk.of(plainValue(p))) };
  const attrs = new Map<string, Attr>();
  for (const [k, v] of Object.entries(plain)) attrs.set(k, { value: Thunk.of(plainValue(v)) });
  return { kind: 'attrs', attrs };
}

/** A type expression: a name applied to arguments (`listOf str`, `enum [ "a" "b" ]`), a string, a list. */
type TypeExpr = { name: string; args: TypeExpr[] } | { string: string } | { list: TypeExpr[] } | { other: string };

/** Reads a lib.types expression as the table writes it. */
export function parseType(text: string): TypeExpr {
  const tokens = text.match(/"(?:[^"\\]|\\.)*"|[()[\]]|[^\s()[\]"]+/g) ?? [];
  let at = 0;
  const atom = (): TypeExpr => {
    const token = tokens[at++];
    if (token === '(') {
      const inner = application();
      at++; // )
      return inner;
    }
    if (token === '[') {
      const items: TypeExpr[] = [];
      while (at < tokens.length && tokens[at] !== ']') items.push(atom());
      at++;
      return { list: items };
    }
    if (token?.startsWith('"')) return { string: JSON.parse(token) as string };
    return /^[A-Za-z_][\w.']*$/.test(token ?? '') ? { name: token, args: [] } : { other: token ?? '' };
  };
  const application = (): TypeExpr => {
    const head = atom();
    if (!('name' in head)) return head;
    const args: TypeExpr[] = [];
    while (at < tokens.length && tokens[at] !== ')' && tokens[at] !== ']') args.push(atom());
    return { name: head.name, args };
  };
  return application();
}

const EQUAL = new Set(['bool', 'str', 'int', 'float', 'number', 'port', 'path', 'package', 'enum', 'strMatching', 'nonEmptyStr', 'singleLineStr', 'shellPackage', 'ints.unsigned', 'ints.positive', 'ints.u8', 'ints.u16', 'ints.u32', 'ints.between']);

/** The merge of a type, as lib/types.nix defines it for the types declint models. */
export function mergeOf(type: TypeExpr, nullable = false): Merge {
  if (!('name' in type)) return UNKNOWN;
  const [first, second] = type.args;
  switch (type.name) {
    case 'nullOr':
      return first ? mergeOf(first, true) : UNKNOWN;
    case 'listOf':
      return { kind: 'list', nullable };
    case 'attrsOf':
    case 'lazyAttrsOf':
      return { kind: 'attrs', element: first ? mergeOf(first) : undefined, nullable };
    case 'submodule':
      return { kind: 'attrs', element: undefined, nullable };
    case 'lines':
      return { kind: 'separated', separator: '\n', nullable };
    case 'commas':
      return { kind: 'separated', separator: ',', nullable };
    case 'envVar':
      return { kind: 'separated', separator: ':', nullable };
    case 'separatedString':
      return first && 'string' in first ? { kind: 'separated', separator: first.string, nullable } : UNKNOWN;
    case 'boolByOr':
      return { kind: 'or', nullable };
    case 'sysctlValue':
      return { kind: 'unique', nullable };
    case 'either':
    case 'oneOf': {
      const members = type.name === 'either' ? [first, second] : first && 'list' in first ? first.list : [];
      const merges = members.map((m) => (m ? mergeOf(m) : UNKNOWN));
      return merges.length > 0 && merges.every((m) => m.kind === 'equal') ? { kind: 'equal', nullable } : UNKNOWN;
    }
    default:
      return EQUAL.has(type.name) ? { kind: 'equal', nullable } : UNKNOWN;
  }
}
