import * as path from 'path';
import { nixpkgsImports } from '../nix/builtins/nixpkgs';
import { builtin, call } from '../nix/builtins/registry';
import type { EvalSession } from '../nix/evaluate';
import { createLib } from '../nix/lib';
import { applyValue, Attr, Thunk, unknown, Value } from '../nix/value';
import { attrSet, optionalMember } from './flake-env';
import { collectModules } from './flake-modules';
import { frameworkSystem } from './systems';

/**
 * Files a repository imports from outside the scanned tree whose meaning
 * declint knows: a nixpkgs checkout that is not there (a git submodule,
 * `../external/nixpkgs/nixos`) is nixpkgs; nixus (`import …/nixus { } { … }`)
 * is the deployment tool whose `nodes.<n>.configuration` are hosts.
 */
export function outsideImports(session: EvalSession): (absolutePath: string) => Value | undefined {
  const nixpkgs = nixpkgsImports(session);
  return (absolutePath) => {
    const posix = absolutePath.split(path.sep).join('/');
    const vendored = /\/nixpkgs((?:\/nixos(?:\/lib\/eval-config\.nix|\/default\.nix)?|\/lib)?)\/?$/.exec(posix);
    if (vendored) return nixpkgs.importInput('nixpkgs', vendored[1] || '/');
    if (/\/nixus(\/default\.nix)?\/?$/.test(posix)) return nixusFunction(session);
    return undefined;
  };
}

/**
 * nixus (Infinisil/nixus `default.nix`): `import nixus { … } config` where
 * `config` is a module with `defaults` and `nodes.<n>`; each node is a
 * module (a set or a function of `{ name, lib, config, … }`) whose
 * `configuration` is the node's NixOS configuration, with `defaults` applied
 * to every node.
 */
function nixusFunction(session: EvalSession): Value {
  return builtin('nixus', 2, ([, config]) => {
    const lib = createLib(session);
    const collected = collectModules(config, new Map([['lib', Thunk.of(lib)]]), session);
    const nodeDefs = new Map<string, Thunk[]>();
    for (const def of collected.definitions.get('nodes') ?? []) {
      const value = def.force();
      if (value.kind !== 'attrs') continue;
      for (const [name, attr] of value.attrs) nodeDefs.set(name, [...(nodeDefs.get(name) ?? []), attr.value]);
    }
    const defaults = collected.definitions.get('defaults') ?? [];
    const nodes = new Map<string, Attr>();
    for (const [name, defs] of nodeDefs) {
      nodes.set(name, { value: Thunk.lazy(() => {
        const args = attrSet([['name', Thunk.of({ kind: 'string', value: name })], ['lib', Thunk.of(lib)], ['config', Thunk.of(unknown('the nixus node configuration is not evaluated'))]], 'a nixus module argument');
        const configurations: Thunk[] = [];
        for (const def of [...defaults, ...defs]) {
          let value = def.force();
          if (value.kind === 'lambda' || value.kind === 'builtin') value = applyValue(value, Thunk.of(args));
          const configuration = value.kind === 'attrs' ? optionalMember(value, 'configuration') : undefined;
          if (configuration && value.kind === 'attrs') configurations.push(value.attrs.get('configuration')?.value ?? Thunk.of(configuration));
        }
        return frameworkSystem('nixus', configurations, new Map());
      }) });
    }
    const open = collected.unread.length > 0 ? `a nixus module declint could not read (${collected.unread[0]})` : undefined;
    return attrSet([['nodes', Thunk.of({ kind: 'attrs', attrs: nodes, via: 'nixus nodes', ...(open ? { open } : {}) })]], 'other nixus outputs are not evaluated');
  });
}

void call;
