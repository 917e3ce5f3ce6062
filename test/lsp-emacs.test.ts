import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BIN, makeWorkspace } from './support/lsp-client';
import { readmeBlock } from './support/readme-blocks';

/**
 * A second real editor against the server: Emacs in batch mode (Debian's
 * `emacs-nox`) with its LSP client eglot (`elpa-eglot`; built in from Emacs
 * 29), both installed by .ci/run, configured with exactly the setup the
 * README gives. It opens a module of a git repository and reads back the
 * diagnostics eglot hands to Flymake.
 */

/** Whether `emacs` runs and, with its packages activated as an interactive start does, has eglot. */
const hasEglot = spawnSync('emacs', ['--batch', '--eval', "(progn (package-activate-all) (kill-emacs (if (fboundp 'eglot-ensure) 0 1)))"], { encoding: 'utf8', env: { ...process.env, HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'declint-emacs-home-')) } }).status === 0;
if (!hasEglot) console.warn('lsp-emacs: skipped, emacs with eglot is not installed (apt-get install emacs-nox elpa-eglot; .ci/run installs them)');

/**
 * Batch Emacs does not activate installed packages, nor run `post-command-hook`
 * (where `eglot-ensure` connects, after the command that opened the file):
 * the driver does both, as an interactive session would, then waits for
 * Flymake to hold a declint diagnostic. `nix-mode` comes from MELPA, not
 * Debian: a bare major mode of that name stands in for it.
 */
const DRIVER = `
(package-activate-all)
(define-derived-mode nix-mode prog-mode "Nix")
(add-to-list 'auto-mode-alist '("\\\\.nix\\\\'" . nix-mode))
(load (getenv "DECLINT_EMACS_SETUP") nil t)
(find-file "modules/ssh.nix")
(run-hooks 'post-command-hook)
(defun declint-test-found ()
  (cl-some (lambda (d) (string-match-p "NIX-SSH-001" (flymake-diagnostic-text d))) (flymake-diagnostics)))
(let ((deadline (+ (float-time) 30)))
  (while (and (not (declint-test-found)) (< (float-time) deadline))
    (accept-process-output nil 0.05)))
(defun declint-test-position (pos)
  (save-excursion (goto-char pos) (vector (line-number-at-pos) (current-column))))
(let* ((server (eglot-current-server))
       (result
        (list (cons 'mode (symbol-name major-mode))
              (cons 'server (and server (plist-get (eglot--server-info server) :name)))
              (cons 'root (and server (expand-file-name (project-root (eglot--project server)))))
              (cons 'diagnostics
                    (vconcat
                     (mapcar (lambda (d)
                               (let ((lsp (alist-get 'eglot-lsp-diag (flymake-diagnostic-data d))))
                                 (list (cons 'start (declint-test-position (flymake-diagnostic-beg d)))
                                       (cons 'end (declint-test-position (flymake-diagnostic-end d)))
                                       (cons 'type (symbol-name (flymake-diagnostic-type d)))
                                       (cons 'text (flymake-diagnostic-text d))
                                       (cons 'code (plist-get lsp :code)))))
                             (flymake-diagnostics)))))))
  (with-temp-file (getenv "DECLINT_EMACS_OUT")
    (insert (json-encode result))))
(kill-emacs 0)
`;

(hasEglot ? test : test.skip)('Emacs with eglot and the README setup shows declint diagnostics for an open module', () => {
  const root = makeWorkspace({
    'flake.nix': `{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.web = nixpkgs.lib.nixosSystem {\n      modules = [ ./hosts/web.nix ];\n    };\n  };\n}\n`,
    'hosts/web.nix': `{ ... }:\n{\n  imports = [ ../modules/ssh.nix ];\n  system.stateVersion = "24.05";\n}\n`,
    'modules/ssh.nix': `{ ... }:\n{\n  services.openssh.enable = true;\n  services.openssh.settings.PermitRootLogin = "yes";\n  # declint-ignore NIX-FW-001: appliance behind the site firewall (RISK-12)\n  networking.firewall.enable = false;\n}\n`,
    // The README's example of settings: suppressed findings shown as hints (hidden by default).
    '.dir-locals.el': readmeBlock('emacs-settings', 'elisp'),
  });
  // eglot roots the server at the project: the git repository, not the module's directory.
  expect(spawnSync('git', ['init', '-q'], { cwd: root }).status).toBe(0);
  // `declint` on PATH, as the setup expects.
  const bin = path.join(root, '.bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'declint'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
  const setup = path.join(root, '.setup.el');
  fs.writeFileSync(setup, readmeBlock('emacs-setup', 'elisp'));
  const driver = path.join(root, '.driver.el');
  fs.writeFileSync(driver, DRIVER);
  const out = path.join(root, '.out.json');
  const run = spawnSync('emacs', ['--batch', '-l', driver], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60000,
    // HOME: no user init file is read.
    env: { ...process.env, HOME: root, PATH: `${bin}:${process.env.PATH}`, DECLINT_EMACS_SETUP: setup, DECLINT_EMACS_OUT: out },
  });
  expect(fs.existsSync(out) ? '' : `emacs wrote nothing: status ${run.status}, stderr ${run.stderr}`).toBe('');
  const result = JSON.parse(fs.readFileSync(out, 'utf8')) as { mode: string; server: string; root: string; diagnostics: { start: number[] }[] };
  expect(result.mode).toBe('nix-mode');
  expect(result.server).toBe('declint');
  expect(path.resolve(result.root)).toBe(root);
  expect(result.diagnostics.sort((a, b) => a.start[0] - b.start[0])).toEqual([
    {
      start: [4, 2],
      end: [4, 51],
      type: 'eglot-error',
      text: 'declint [NIX-SSH-001]: SSH lets root log in directly (services.openssh.settings.PermitRootLogin = "yes") [host web].',
      code: 'NIX-SSH-001',
    },
    {
      start: [6, 2],
      end: [6, 36],
      type: 'eglot-note',
      text: 'declint [NIX-FW-001]: The host firewall is off (networking.firewall.enable = false): every listening socket is reachable [host web]. (suppressed: appliance behind the site firewall (RISK-12))',
      code: 'NIX-FW-001',
    },
  ]);
});
