'use strict';
/**
 * Mutations of a seed text: byte-level ones any parser must survive, and
 * ones that aim at what the campaign found (nesting, repetition, numbers at
 * the edges of their range, line endings, byte order marks, markup).
 */

const TOKENS = {
  nix: ['{', '}', '[', ']', '(', ')', ';', '=', '.', '${', '"', "''", 'rec ', 'let ', ' in ', 'with ', 'inherit ', '//', '++', '+', ' or ', '?', ':', '...', 'lib.mkForce ', 'lib.mkIf true ', 'lib.mkMerge [ ', 'import ', './x.nix', 'null', 'true', '1e308', '-9223372036854775808', 'x: x', '__curPos', '#', '/*', '*/', '\\', '\u0000', '\ufeff', '\r', '<nixpkgs>'],
  yaml: ['- ', ': ', '{', '}', '[', ']', '&a ', '*a', '!!binary ', '? ', '|', '>', '---\n', '...\n', '#', '"', "'", '\t', '\r', '\ufeff', '%YAML 1.1\n', 'v1alpha1', 'machine:', 'cluster:', '<<: *a', 'true', 'null', '1e400', '0x', '~'],
  json: ['{', '}', '[', ']', ',', ':', '"', 'null', 'true', '1e400', '-0', '9007199254740993', '"\\u0000"', '"<!--"', '"<script>"', '[]', '{}', '\ufeff'],
  text: ['\u0000', '\ufeff', '\r', '\r\n', '\u2028', '<!--', '<script>alert(1)</script>', '`', '|', '*', '_', '[x](http://e)', '\u001b[31m', '%0A', '::error::'],
};

/** Applies one to four mutations to `text`. `splice` is another seed of the same kind, for crossover. */
function mutate(rng, text, kind, splice) {
  let out = text;
  const rounds = 1 + rng.int(4);
  for (let i = 0; i < rounds; i++) out = rng.pick(MUTATIONS)(rng, out, kind, splice);
  return out;
}

const at = (rng, text) => rng.int(text.length + 1);

const MUTATIONS = [
  // Byte level.
  (rng, text) => {
    const i = at(rng, text);
    return text.slice(0, i) + String.fromCharCode(rng.int(128)) + text.slice(i + 1);
  },
  (rng, text) => {
    const i = at(rng, text);
    return text.slice(0, i) + text.slice(i + 1 + rng.int(32));
  },
  (rng, text) => {
    const i = at(rng, text);
    const j = Math.min(text.length, i + rng.int(200));
    return text.slice(0, j) + text.slice(i, j) + text.slice(j);
  },
  (rng, text, kind) => {
    const i = at(rng, text);
    const tokens = kind === 'nix' ? TOKENS.nix : kind === 'yaml' || kind === 'config' || kind === 'rule' ? TOKENS.yaml : kind === 'flake-lock' ? TOKENS.json : TOKENS.text;
    return text.slice(0, i) + rng.pick(rng.chance(0.8) ? tokens : TOKENS.text) + text.slice(i);
  },
  // Crossover with another seed.
  (rng, text, kind, splice) => {
    if (!splice) return text;
    const i = at(rng, text);
    const j = rng.int(splice.length + 1);
    return text.slice(0, i) + splice.slice(j, j + rng.int(400)) + text.slice(i);
  },
  // Line level: drop, duplicate, shuffle indentation.
  (rng, text) => {
    const lines = text.split('\n');
    const i = rng.int(lines.length);
    const op = rng.int(3);
    if (op === 0) lines.splice(i, 1);
    else if (op === 1) lines.splice(i, 0, lines[rng.int(lines.length)]);
    else lines[i] = ' '.repeat(rng.int(12)) + lines[i].trimStart();
    return lines.join('\n');
  },
  // Line endings and byte order mark, as other editors write them.
  (rng, text) => (rng.chance(0.5) ? text.replace(/\n/g, rng.chance(0.5) ? '\r\n' : '\r') : `\ufeff${text}`),
  // Numbers at the edges of their range.
  (rng, text) => text.replace(/\b\d+\b/, rng.pick(['0', '-1', '1e300', '-1e20', '9007199254740993', '1e400', '0.0000001'])),
  // Strings that are markup or secrets-looking.
  (rng, text) => text.replace(/"[^"\n]{0,40}"/, rng.pick(['"<!--"', '"</td><script>x</script>"', '"a|b`c*d_e[f](g)"', '"ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"', '"\\u001b[31mred"'])),
  // Repetition that grows: a piece of the text nested inside itself or repeated.
  (rng, text, kind) => {
    const depth = 50 + rng.int(kind === 'flake-lock' ? 3000 : 1500);
    if (kind === 'nix') return text.replace(/= ([^;\n]{1,40});/, (_, v) => `= ${'{ a = '.repeat(depth)}${v}${'; }'.repeat(depth)};`);
    if (kind === 'flake-lock') return text.replace(/"locked":/, `"deep": ${'['.repeat(depth)}${']'.repeat(depth)}, "locked":`);
    return text.replace(/: ([^\n]{1,40})$/m, (_, v) => `: ${'['.repeat(depth)}${v}${']'.repeat(depth)}`);
  },
];

module.exports = { mutate };
