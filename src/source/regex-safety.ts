import type { Quantifier } from '@eslint-community/regexpp/ast';

/**
 * Why a rule's regular expression could take exponential time on some
 * values, or undefined when it cannot in the way checked here: a quantifier
 * that repeats something which itself holds a repeating quantifier
 * (`^(a+)+$`, `(\w*,)*x`), the shape behind most catastrophic backtracking
 * (star height above one, as safe-regex judges it). JavaScript's engine
 * backtracks; a value from a scanned file must not be able to hang a run,
 * so such a pattern is refused when a rule loads, and is not run when a
 * scanned Nix file gives it to `builtins.match`.
 */
export function catastrophicBacktracking(pattern: string): string | undefined {
  // Loaded on the first pattern met: a check of Nix files that never calls builtins.match need not load the parser.
  const { RegExpParser, visitRegExpAST } = require('@eslint-community/regexpp') as typeof import('@eslint-community/regexpp');
  let ast;
  try {
    ast = new RegExpParser({ ecmaVersion: 2024 }).parsePattern(pattern, 0, pattern.length, { unicode: false });
  } catch {
    return undefined; // an invalid pattern is reported by the schema (format: regex)
  }
  let found: string | undefined;
  const repeats = (q: Quantifier) => q.max > 1;
  visitRegExpAST(ast, {
    onQuantifierEnter(outer) {
      if (found || !repeats(outer)) return;
      let inner: Quantifier | undefined;
      visitRegExpAST(outer.element as never, {
        onQuantifierEnter(q) {
          if (!inner && repeats(q) && q.max === Infinity) inner = q;
        },
      });
      if (inner && (outer.max === Infinity || inner.max === Infinity)) {
        found = `${outer.raw} repeats ${inner.raw}, which repeats itself: a nested quantifier can take exponential time on a value that almost matches`;
      }
    },
  });
  return found;
}
