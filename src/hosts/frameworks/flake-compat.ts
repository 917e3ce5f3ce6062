import * as path from 'path';
import { placeOf } from '../../nix/builtins/io';
import { builtin, record } from '../../nix/builtins/registry';
import type { EvalSession } from '../../nix/evaluate';
import { unknown, Value } from '../../nix/value';
import { callFlake } from '../call-flake';
import { optionalMember } from '../flake-env';

/**
 * flake-compat (edolstra/flake-compat `default.nix`), vendored into the tree
 * as `flake-compat.nix` or a `flake-compat/` directory: `import it { src; }`
 * gives `defaultNix`, the flake at `src` as `self` (its outputs with
 * `inputs` and `outPath`). Its real code fetches the inputs from the lock
 * file; declint evaluates the flake with its stand-ins instead.
 */
export function isFlakeCompat(absolutePath: string): boolean {
  const base = path.basename(absolutePath);
  return base === 'flake-compat.nix' || (base === 'default.nix' && path.basename(path.dirname(absolutePath)) === 'flake-compat');
}

export function flakeCompat(session: EvalSession): Value {
  return builtin('flake-compat', 1, ([args]) => {
    const a = args.force();
    const src = a.kind === 'attrs' ? optionalMember(a, 'src') : undefined;
    const place = src ? placeOf(src) : undefined;
    if (place?.kind !== 'tree') return unknown('flake-compat of a source that is not in the tree');
    const loaded = session.io.load(path.join(place.absolute, 'flake.nix'));
    if ('error' in loaded) return unknown(`flake-compat: ${loaded.error}`);
    const flake = callFlake(loaded, session);
    return record({ defaultNix: flake.env.self.force(), shellNix: unknown('flake-compat shellNix is not evaluated') }, 'this part of flake-compat is not evaluated');
  });
}
