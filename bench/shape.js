'use strict';
/**
 * The shape of a NixOS repository, as declint sees it: how many `.nix` files, how many
 * hosts, how many modules each host has, how many files belong to no host and how many
 * hosts share a file. bench/generate.js takes its proportions from these figures
 * (bench/README.md lists them for the development repositories).
 *
 *   node bench/shape.js DIR [DIR...]      one line per directory, then BENCH_JSON [...]
 *
 * Reads the tree with the built product (dist/): the same discovery and host evaluation
 * as `declint hosts`, whose JSON gives each host's module count but not its files.
 */

const path = require('path');

const ROOT = path.join(__dirname, '..');

function median(xs) {
  if (xs.length === 0) return 0;
  const s = xs.slice().sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function shape(dir) {
  const { analyzeTree } = require(path.join(ROOT, 'dist', 'pipeline', 'check.js'));
  const analysis = await analyzeTree({ paths: [dir], base: dir, ignore: [], ruleDirs: [], now: new Date(0), jobs: 1, keepHosts: false });
  const nix = analysis.files.filter((f) => f.path.endsWith('.nix')).map((f) => f.path);
  const byHost = analysis.hosts.filesByHost;
  const hostsOf = new Map();
  for (const [host, files] of byHost) for (const f of files) hostsOf.set(f, (hostsOf.get(f) || 0) + 1);
  const sizes = [...byHost.values()].map((s) => s.size).sort((a, b) => a - b);
  const inHosts = nix.filter((f) => hostsOf.has(f)).length;
  const shared = [...hostsOf.values()];
  return {
    dir,
    nixFiles: nix.length,
    hosts: byHost.size,
    filesInNoHost: nix.length - inHosts,
    shareInNoHost: nix.length ? (nix.length - inHosts) / nix.length : 0,
    modulesPerHost: { min: sizes[0] || 0, median: median(sizes), max: sizes[sizes.length - 1] || 0 },
    hostsPerHostFile: { median: median(shared), max: Math.max(0, ...shared), inOneHost: shared.filter((n) => n === 1).length },
  };
}

async function main() {
  const dirs = process.argv.slice(2);
  if (dirs.length === 0) {
    console.error('usage: node bench/shape.js DIR [DIR...]');
    process.exit(2);
  }
  const all = [];
  for (const d of dirs) {
    const s = await shape(path.resolve(d));
    all.push(s);
    const pct = (x) => `${Math.round(x * 100)} %`;
    console.log(
      `${path.basename(s.dir)}: ${s.nixFiles} .nix, ${s.hosts} hosts, ${s.filesInNoHost} in no host (${pct(s.shareInNoHost)}), ` +
        `modules per host ${s.modulesPerHost.min}/${s.modulesPerHost.median}/${s.modulesPerHost.max} (min/median/max), ` +
        `a host file is in ${s.hostsPerHostFile.median} hosts (median; max ${s.hostsPerHostFile.max}; ${s.hostsPerHostFile.inOneHost} in one only)`,
    );
  }
  console.log(`BENCH_JSON ${JSON.stringify(all)}`);
}

main().catch((err) => {
  console.error(`shape: ${(err && err.stack) || err}`);
  process.exit(1);
});
