import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BIN, makeWorkspace, REPO } from './support/lsp-client';

/**
 * A real editor against the server: headless Neovim (Debian's `neovim`,
 * installed by .ci/run) with its built-in LSP client, configured with exactly
 * the setup snippet the README gives, opening a module and reading the
 * diagnostics back.
 */

const hasNvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasNvim) console.warn('lsp-neovim: skipped, nvim is not installed (apt-get install neovim; .ci/run installs it)');

/** The Lua block after `<!-- neovim-setup -->` in the README. */
function readmeSnippet(): string {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const match = /<!-- neovim-setup -->\n```lua\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README.md has no <!-- neovim-setup --> Lua block');
  return match[1];
}

const DRIVER = `
local function code(d)
  if d.code then return d.code end
  local lsp = d.user_data and d.user_data.lsp
  return lsp and lsp.code
end
local function found()
  for _, d in ipairs(vim.diagnostic.get(0)) do
    if code(d) == 'NIX-SSH-001' then return true end
  end
  return false
end
local ok = vim.wait(30000, found, 50)
local out = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(out, { lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col, severity = d.severity, source = d.source, code = code(d), message = d.message })
end
local clients = {}
for _, c in pairs(vim.lsp.get_active_clients()) do table.insert(clients, c.name) end
vim.fn.writefile({ vim.fn.json_encode({ ok = ok, clients = clients, filetype = vim.bo.filetype, diagnostics = out }) }, os.getenv('DECLINT_NVIM_OUT'))
vim.cmd('qall!')
`;

(hasNvim ? test : test.skip)('Neovim with the README setup shows declint diagnostics for an open module', () => {
  const root = makeWorkspace({
    'flake.nix': `{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.web = nixpkgs.lib.nixosSystem {\n      modules = [ ./configuration.nix ];\n    };\n  };\n}\n`,
    'configuration.nix': `{ ... }:\n{\n  imports = [ ./ssh.nix ];\n  system.stateVersion = "24.05";\n}\n`,
    'ssh.nix': `{ ... }:\n{\n  services.openssh.enable = true;\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n`,
  });
  // `declint` on PATH, as the snippet expects.
  const bin = path.join(root, '.bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'declint'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
  const init = path.join(root, '.init.lua');
  fs.writeFileSync(init, readmeSnippet());
  const driver = path.join(root, '.driver.lua');
  fs.writeFileSync(driver, DRIVER);
  const out = path.join(root, '.out.json');
  const run = spawnSync('nvim', ['--headless', '-n', '-i', 'NONE', '-u', init, 'ssh.nix', '-c', `luafile ${driver}`], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60000,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, XDG_STATE_HOME: root, XDG_DATA_HOME: root, XDG_CONFIG_HOME: root, DECLINT_NVIM_OUT: out },
  });
  expect(fs.existsSync(out) ? '' : `nvim wrote nothing: status ${run.status}, stderr ${run.stderr}`).toBe('');
  const result = JSON.parse(fs.readFileSync(out, 'utf8')) as { ok: boolean; clients: string[]; filetype: string; diagnostics: Record<string, unknown>[] };
  expect(result.filetype).toBe('nix');
  expect(result.clients).toEqual(['declint']);
  expect(result.ok).toBe(true);
  expect(result.diagnostics).toEqual([
    {
      lnum: 3,
      col: 2,
      end_lnum: 3,
      end_col: 51,
      severity: 1,
      source: 'declint',
      code: 'NIX-SSH-001',
      message: 'SSH lets root log in directly (services.openssh.settings.PermitRootLogin = "yes") [host web].',
    },
  ]);
});
