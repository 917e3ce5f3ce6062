import { builtin, record } from '../../nix/builtins/registry';
import { Attr, Thunk, unknown, Value } from '../../nix/value';
import { inputSet } from '../stand-in-set';
import { FlakeEnv, stringOf } from '../flake-env';

/**
 * nixos-generators (nix-community/nixos-generators `flake.nix`):
 * `nixosGenerate { modules; format; specialArgs?; }` builds an image of a
 * NixOS system; the system is what declint checks, named after the output
 * that holds the image.
 */
export function nixosGeneratorsStandIn(env: FlakeEnv, name: string): Value {
  void env;
  const nixosGenerate = builtin('nixosGenerate', 1, ([args]) => {
    const a = args.force();
    if (a.kind !== 'attrs') return unknown('nixosGenerate of arguments that are not known');
    const format = stringOf(a.attrs.get('format')?.value.force());
    const systemArgs = new Map<string, Attr>();
    for (const key of ['modules', 'specialArgs']) {
      const attr = a.attrs.get(key);
      if (attr) systemArgs.set(key, attr);
    }
    return { kind: 'system', args: Thunk.of({ kind: 'attrs', attrs: systemArgs }), via: `nixos-generators${format ? ` ${format}` : ''}` };
  });
  return inputSet(name, { nixosGenerate, outPath: { kind: 'path', value: '/', input: name } });
}
