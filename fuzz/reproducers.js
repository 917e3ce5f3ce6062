'use strict';
/**
 * The inputs of issue 18's adversarial campaign, each as the smallest file
 * that reproduced a lost run, a lost finding or a hang on the main branch of
 * the time. They are the fuzz suite's first seeds and, with what a user
 * must see for each, the cases of test/robustness.test.ts.
 *
 * Each: `path` (where the file goes in the scanned tree) and `text`.
 */

const lock = (nodes, extra = {}) => JSON.stringify({ nodes, root: 'root', version: 7, ...extra }, null, 2) + '\n';
const nixpkgsNode = (lastModified) => ({
  locked: { lastModified, narHash: 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', owner: 'NixOS', repo: 'nixpkgs', rev: '0123456789abcdef0123456789abcdef01234567', type: 'github' },
  original: { owner: 'NixOS', ref: 'nixos-unstable', repo: 'nixpkgs', type: 'github' },
});

const BAD_SSH = '  services.openssh.settings.PermitRootLogin = "yes";\n';

const REPRODUCERS = [
  // A whole run lost: flake.lock
  { name: 'lock-lastModified-1e300', path: 'flake.lock', text: lock({ root: { inputs: { nixpkgs: 'nixpkgs' } }, nixpkgs: nixpkgsNode(1e300) }) },
  { name: 'lock-lastModified-negative', path: 'flake.lock', text: lock({ root: { inputs: { nixpkgs: 'nixpkgs' } }, nixpkgs: nixpkgsNode(-1e20) }) },
  { name: 'lock-input-object', path: 'flake.lock', text: lock({ root: { inputs: { x: {} } } }) },
  { name: 'lock-follows-cycle', path: 'flake.lock', text: lock({ root: { inputs: { a: ['a', 'b'] } } }) },
  { name: 'lock-follows-100k', path: 'flake.lock', text: lock({ root: { inputs: { a: Array(100000).fill('a') } } }) },
  { name: 'lock-nested-3000', path: 'flake.lock', text: `{"nodes":{"root":{"inputs":{"a":"a"}},"a":{"locked":${'['.repeat(3000)}${']'.repeat(3000)}}},"root":"root","version":7}\n` },
  // A whole run lost: valid Nix
  { name: 'nix-rec-self', path: 'self.nix', text: `rec {\n  a = { b = a; };\n${BAD_SSH}}\n` },
  { name: 'nix-nested-2000', path: 'nested.nix', text: `{\n  x = ${'{ a = '.repeat(2000)}1${'; }'.repeat(2000)};\n${BAD_SSH}}\n` },
  { name: 'nix-dotted-2000', path: 'dotted.nix', text: `{\n  ${Array(2000).fill('a').join('.')} = 1;\n${BAD_SSH}}\n` },
  { name: 'nix-dotted-100k', path: 'dotted.nix', text: `{\n  ${Array(100000).fill('a').join('.')} = 1;\n${BAD_SSH}}\n` },
  // Found by the fuzz suite (seed 18, input 24779): a syntax error inside a long attribute path; tree-sitter's error recovery took 52 s a parse.
  {
    name: 'nix-slow-parse',
    path: 'dotted.nix',
    text: `{\n  ${'a.'.repeat(21410)}t: x.\n{\n{\n  imports = [ ./users.nix ];\n}\n${'a.'.repeat(78600)}a = 1;\n${BAD_SSH}}\n`,
  },
  // Found by the fuzz suite (seed 18, input 5292): a comment swallows the rest of a 100,000-term line; finding the syntax error walked an ERROR node's children one by one from the first (quadratic: over 120 s).
  {
    name: 'nix-error-wide',
    path: 'update.nix',
    text: `{\n  x = ${Array.from({ length: 50000 }, (_, i) => `{ a${i} = 1; }`).join(' // ')} // { b = {\n  y = ""; # ${Array.from({ length: 50000 }, (_, i) => `{ c${i} = 1; }`).join(' // ')};\n${BAD_SSH}`,
  },
  // Found by the fuzz suite (seed 18, input 8618): a set nested 3,000 levels under a name the set repeats; the duplicate-attribute check recursed down it.
  { name: 'nix-merged-deep', path: 'boot.nix', text: `{\n  boot.loader.grub.x = ${'{ a = '.repeat(3000)}{ b = 1; }${'; }'.repeat(3000)};\n  boot.loader.grub.x = ${'{ a = '.repeat(3000)}{ c = 1; }${'; }'.repeat(3000)};\n${BAD_SSH}}\n` },
  {
    name: 'nix-doubling-22',
    path: 'configuration.nix',
    text: `let\n  a0 = "x";\n${Array.from({ length: 22 }, (_, i) => `  a${i + 1} = { x = a${i}; y = a${i}; };\n`).join('')}in {\n  foo = a22;\n${BAD_SSH}}\n`,
  },
  // A whole run lost: Talos YAML, flake.lock nesting
  { name: 'talos-nested-2000', path: 'talos/controlplane.yaml', text: `version: v1alpha1\nmachine:\n  type: controlplane\n  x: ${'['.repeat(2000)}${']'.repeat(2000)}\n` },
  // Findings silently lost
  {
    name: 'nix-expensive-function',
    path: 'configuration.nix',
    text: ['{ lib, ... }:', 'let', '  f = n: if n == 0 then 0 else f (n - 1) + f (n - 1);', 'in {', '  networking.hostName = "box";', '  fileSystems."/".device = "/dev/sda1";', '  boot.loader.grub.device = "/dev/sda";', '  expensive = f 40;', '  services.openssh.enable = true;', BAD_SSH.trimEnd(), '  alsoExpensive = f 40;', '}', ''].join('\n'),
  },
  { name: 'talos-bom', path: 'talos/controlplane.yaml', text: '\ufeffversion: v1alpha1\nmachine:\n  type: controlplane\ncluster:\n  allowSchedulingOnControlPlanes: true\n' },
  { name: 'talos-lone-cr', path: 'talos/controlplane.yaml', text: 'version: v1alpha1\rmachine:\r  type: controlplane\rcluster:\r  allowSchedulingOnControlPlanes: true\r' },
  { name: 'nix-bom', path: 'ssh.nix', text: `\ufeff{ services.openssh.settings.PermitRootLogin = "yes"; }\n` },
  { name: 'nix-crlf', path: 'ssh.nix', text: `{\r\n  x = 1;\r\n${BAD_SSH.replace('\n', '\r\n')}}\r\n` },
  { name: 'talos-flow-style', path: 'talos/controlplane.yaml', text: '{version: v1alpha1, machine: {type: controlplane}, cluster: {allowSchedulingOnControlPlanes: true}}\n' },
  { name: 'lock-no-root-object', path: 'flake.lock', text: '[1, 2, 3]\n' },
  { name: 'lock-nodes-list', path: 'flake.lock', text: '{"nodes": [], "root": "root", "version": 7}\n' },
  { name: 'lock-unknown-version', path: 'flake.lock', text: '{"nodes": {"root": {}}, "root": "root", "version": 99}\n' },
  // Slow inputs
  {
    name: 'lock-19k-nodes',
    path: 'flake.lock',
    text: JSON.stringify({
      // Every node a nixpkgs at its own revision, each the input of the one before: the lock graph rules walk it all.
      nodes: Object.fromEntries([['root', { inputs: { nixpkgs: 'a0' } }], ...Array.from({ length: 19000 }, (_, i) => [`a${i}`, { inputs: { n: `a${i + 1}` }, locked: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', rev: `r${i}` } }])]),
      root: 'root',
      version: 7,
    }),
  },
  { name: 'nix-update-100k', path: 'update.nix', text: `{\n  x = ${Array.from({ length: 100000 }, (_, i) => `{ a${i} = 1; }`).join(' // ')};\n${BAD_SSH}}\n` },
  { name: 'nix-concat-100k', path: 'concat.nix', text: `{\n  x = ${Array.from({ length: 100000 }, (_, i) => `[ ${i} ]`).join(' ++ ')};\n${BAD_SSH}}\n` },
  { name: 'nix-larger-than-limit', path: 'large.nix', text: `{\n${'  # padding padding padding padding padding padding padding padding padding\n'.repeat(40000)}${BAD_SSH}}\n` },
  // The builtins of host discovery's evaluator (lists, strings, regular expressions, flake outputs): each a bound, said at the value read
  { name: 'nix-genlist-huge', path: 'genlist.nix', text: conditional('builtins.length (builtins.genList (i: i) 1000000000) > 0') },
  { name: 'nix-concatlists-doubling', path: 'lists.nix', text: conditional(`builtins.length ${doubling('l', '[ 1 ]', (x) => `builtins.concatLists [ ${x} ${x} ]`, 30)} > 0`) },
  { name: 'nix-replacestrings-doubling', path: 'strings.nix', text: conditional(`builtins.stringLength ${doubling('s', '"a"', (x) => `builtins.replaceStrings [ "a" ] [ "aa" ] ${x}`, 30)} > 0`) },
  { name: 'nix-match-backtracking', path: 'match.nix', text: conditional(`builtins.match "(a+)+$" "${'a'.repeat(40)}!" == null`) },
  // Found by the fuzz suite after the merge: a number past 2^53, where `n++` stands still (a port range searched port by port, lib.range)
  { name: 'nix-port-beyond-2-53', path: 'port.nix', text: `{\n  networking.firewall.allowedTCPPorts = [ 9007199254740993 ];\n${BAD_SSH}}\n` },
  { name: 'nix-range-beyond-2-53', path: 'range.nix', text: conditional('builtins.length (lib.range 9007199254740992 9007199254740994) > 0') },
  {
    name: 'flake-genlist-hosts',
    path: 'flake.nix',
    text: [
      '{',
      '  outputs = { nixpkgs, ... }: {',
      '    nixosConfigurations = builtins.listToAttrs (builtins.genList (i: {',
      '      name = "host${toString i}";',
      '      value = nixpkgs.lib.nixosSystem { modules = [ { services.openssh.settings.PermitRootLogin = "yes"; } ]; };',
      '    }) 1000000000);',
      '  };',
      '}',
      '',
    ].join('\n'),
  },
];

/** A module whose root login setting holds only when `condition` does: the rule reads the condition, so it is evaluated. */
function conditional(condition) {
  return `{ lib, ... }:\n{\n  services.openssh.settings.PermitRootLogin = lib.mkIf (${condition}) "yes";\n}\n`;
}

/** `let x1 = step x0; … in xN`: a value that doubles at each of `n` steps. */
function doubling(name, start, step, n) {
  const bindings = Array.from({ length: n }, (_, i) => `${name}${i + 1} = ${step(`${name}${i}`)};`).join(' ');
  return `(let ${name}0 = ${start}; ${bindings} in ${name}${n})`;
}

module.exports = { REPRODUCERS, BAD_SSH };
