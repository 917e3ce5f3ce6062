'use strict';
const fs = require('fs');
const path = require('path');
const { REPRODUCERS } = require('./reproducers');

const ROOT = path.resolve(__dirname, '..');

/**
 * The seeds of each kind of input: the project's own fixtures and built-in
 * rules, configurations written for the purpose, and the campaign's
 * reproducers. Inputs are mutations of these.
 */
function loadSeeds() {
  const fixtures = path.join(ROOT, 'fixtures');
  const files = listFiles(fixtures);
  const trees = new Map();
  const read = (file) => ({ name: path.basename(file), text: fs.readFileSync(file, 'utf8'), ...treeOf(file, fixtures, trees) });
  const reproducers = (test) => REPRODUCERS.filter((r) => test(r.path)).map((r) => ({ name: path.basename(r.path), text: r.text }));
  const rules = listFiles(path.join(ROOT, 'rules')).filter((f) => /\.ya?ml$/.test(f) && !f.includes(`${path.sep}controls${path.sep}`));
  return {
    nix: [...files.filter((f) => f.endsWith('.nix')).map(read), ...reproducers((p) => p.endsWith('.nix'))],
    yaml: [...files.filter((f) => /\.ya?ml$/.test(f) && !path.basename(f).startsWith('.declint')).map(read), ...reproducers((p) => p.endsWith('.yaml'))],
    'flake-lock': [...files.filter((f) => path.basename(f) === 'flake.lock').map(read), ...reproducers((p) => p.endsWith('flake.lock'))],
    config: [...files.filter((f) => path.basename(f).startsWith('.declint')).map(read), ...CONFIGS.map((text) => ({ name: '.declint.yaml', text }))],
    rule: rules.map((file) => {
      // A custom rule may not reuse a built-in ID: each seed is a copy under its own.
      const id = path.basename(file).replace(/\.ya?ml$/, '');
      return { name: `X-${id}.yaml`, target: path.basename(path.dirname(file)), text: fs.readFileSync(file, 'utf8').replace(/^id: .*$/m, `id: X-${id}`) };
    }),
  };
}

/** Configurations that use every section, for the config mutations to start from. */
const CONFIGS = [
  ['frameworks: [iso27001, nis2]', 'level: strict', 'ignore: ["vendor/**"]'].join('\n'),
  ['frameworks:', '  nis2: { entityType: essential }', '  anssi: { level: reinforced }', 'hostTypes:', '  web-*: server', 'excludeTags: [reproducibility]'].join('\n'),
  ['rules:', '  TAL-022: warning', '  FLK-005: off', 'mode: enforce', 'flakes:', '  staleAfterDays: 45', '  errorAfterDays: 120', '  approvedSources: [github:NixOS, github:nix-community]'].join('\n'),
  ['exceptions:', '  NIX-SSH-001:', '    rationale: "Rescue access on the lab hosts, reviewed quarterly"', '    hosts: [lab-01]', '    paths: ["lab/**"]', '    expires: 2030-01-31', '    owner: "@platform"', '    ticket: SEC-1234'].join('\n'),
  ['ruleDirs: [policy]', 'level: paranoid', 'mode: report'].join('\n'),
].map((text) => `${text}\n`);

/** Files in a project root at least as large as a host (a flake, a configuration.nix, a talhelper project) are seeded as a tree. */
const PROJECT_MARKERS = ['flake.nix', 'configuration.nix', 'talconfig.yaml', 'flake.lock'];
const MAX_TREE_FILES = 80;

/**
 * The project a fixture file belongs to (the nearest directory above it with
 * a flake, a configuration.nix or a talconfig), as `tree` (path → text) with
 * `at`, the file's path in it; nothing for a file of no project.
 */
function treeOf(file, fixtures, cache) {
  for (let dir = path.dirname(file); dir.startsWith(fixtures) && dir !== fixtures; dir = path.dirname(dir)) {
    if (!PROJECT_MARKERS.some((marker) => fs.existsSync(path.join(dir, marker)))) continue;
    if (!cache.has(dir)) {
      const all = listFiles(dir);
      cache.set(dir, all.length > MAX_TREE_FILES ? undefined : Object.fromEntries(all.map((f) => [path.relative(dir, f), fs.readFileSync(f, 'utf8')])));
    }
    const tree = cache.get(dir);
    return tree ? { tree, at: path.relative(dir, file) } : {};
  }
  return {};
}

function listFiles(dir) {
  const out = [];
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop();
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.isFile()) out.push(full);
    }
  }
  return out.sort();
}

module.exports = { loadSeeds, ROOT };
