/**
 * A one-host flake written for the tests that need a whole small repository
 * (report, hook): `app` is built from `app.nix` and `ssh.nix`.
 */
export const FLAKE = [
  '{',
  '  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";',
  '  outputs = { nixpkgs, ... }: {',
  '    nixosConfigurations.app = nixpkgs.lib.nixosSystem { modules = [ ./app.nix ./ssh.nix ]; };',
  '  };',
  '}',
  '',
].join('\n');

export const APP = ['{', '  system.stateVersion = "26.05";', '  networking.hostName = "app";', '}', ''].join('\n');

/** An SSH module with the given `PermitRootLogin` expression, on line 4. */
export function sshModule(permitRootLogin: string, extra: string[] = []): string {
  return ['{ lib, ... }:', '{', '  services.openssh.enable = true;', `  services.openssh.settings.PermitRootLogin = ${permitRootLogin};`, ...extra, '}', ''].join('\n');
}
