import { conditionsHold, readModule, OptionDefinition } from '../src/nix/module';
import { LineIndex } from '../src/source/position';
import { formatOptionPath } from '../src/nix/option-path';
import { parseNix } from '../src/nix/parser';
import { convertTree } from '../src/nix/syntax';
import { toPlain } from '../src/nix/value';

/** `path = value @line:col prio N [if …]` for each definition, in source order. */
function definitions(text: string): string[] {
  const lines = new LineIndex(text);
  // What applies: definitions under a known-false mkIf are dropped, undecided conditions shown.
  return readModule(convertTree(parseNix(text), text))
    .definitions.filter((d) => conditionsHold(d) !== false)
    .map((d) => show(d, lines));
}

function show(d: OptionDefinition, lines: LineIndex): string {
  const at = lines.position(d.binding.start);
  const value = toPlain(d.value);
  const shown = value === undefined ? `unknown(${d.value.kind === 'unknown' ? d.value.why : d.value.kind})` : JSON.stringify(value);
  const open = d.conditions.filter((c) => c.value.kind !== 'bool');
  const when = open.length ? ` if ${open.map((c) => c.text).join(' && ')}` : '';
  return `${formatOptionPath(d.path)} = ${shown} @${at.line}:${at.column} prio ${d.priority}${when}`;
}

describe('one module file → option definitions', () => {
  test('dotted, nested and mixed paths name the same option, each at its own binding', () => {
    expect(
      definitions(`{
  services.openssh.settings.PermitRootLogin = "no";
  services.openssh = { enable = true; settings.X11Forwarding = false; };
  services = { openssh = { settings = { PasswordAuthentication = false; }; }; };
}`),
    ).toEqual([
      'services.openssh.settings.PermitRootLogin = "no" @2:3 prio 100',
      'services.openssh.settings.X11Forwarding = false @3:39 prio 100',
      'services.openssh.settings.PasswordAuthentication = false @4:41 prio 100',
      'services.openssh.enable = true @3:24 prio 100',
    ]);
  });

  test('the module-function form and the { config = …; } wrapper', () => {
    expect(definitions('{ config, lib, pkgs, ... }: { networking.firewall.enable = true; }')).toEqual([
      'networking.firewall.enable = true @1:31 prio 100',
    ]);
    expect(
      definitions(`{ lib, ... }: {
  imports = [ ./a.nix ];
  options.my.enable = lib.mkEnableOption "x";
  config = { nix.settings.require-sigs = true; };
}`),
    ).toEqual(['nix.settings.require-sigs = true @4:14 prio 100']);
  });

  test('mkForce, mkDefault and mkOverride become priorities; mkIf on a known condition keeps or drops', () => {
    expect(
      definitions(`{ lib, ... }: with lib; {
  a = mkForce 1;
  b = lib.mkDefault "x";
  c = mkOverride 900 true;
  d = mkIf false 1;
  e = mkIf (1 == 1) (mkForce 2);
  f = mkVMOverride 3;
}`),
    ).toEqual(['a = 1 @2:3 prio 50', 'b = "x" @3:3 prio 1000', 'c = true @4:3 prio 900', 'e = 2 @6:3 prio 50', 'f = 3 @7:3 prio 10']);
  });

  test('an undecidable mkIf keeps the definition with its condition', () => {
    expect(definitions('{ config, lib, ... }: { config = lib.mkIf config.my.enable { a.b = 1; }; }')).toEqual([
      'a.b = 1 @1:62 prio 100 if config.my.enable',
    ]);
  });

  test('let, inherit, rec, with lib, //, ++ and interpolation fold to known values', () => {
    expect(
      definitions(`let
  port = 2222;
  base = { a = 1; };
  name = "sshd";
in { lib, ... }: {
  x = base // { b = 2; };
  y = [ port ] ++ lib.optionals true [ 22 ];
  z = "\${name}-\${toString port}";
  r = rec { p = 1; q = p + 1; }.q;
  inherit port;
}`),
    ).toEqual([
      'x.a = 1 @3:12 prio 100',
      'x.b = 2 @6:17 prio 100',
      'y = [2222,22] @7:3 prio 100',
      'z = "sshd-2222" @8:3 prio 100',
      'r = 2 @9:3 prio 100',
      'port = 2222 @10:11 prio 100',
    ]);
  });

  test('quoted keys stay one key; nested names under boot.kernel.sysctl are one sysctl key too', () => {
    expect(definitions('{ boot.kernel.sysctl."net.ipv4.ip_forward" = 0; }')).toEqual([
      'boot.kernel.sysctl."net.ipv4.ip_forward" = 0 @1:3 prio 100',
    ]);
    expect(definitions('{ boot.kernel.sysctl.kernel.kptr_restrict = 2; boot.kernel.sysctl = { "net.ipv4".conf.all.rp_filter = 1; }; }')).toEqual([
      'boot.kernel.sysctl."kernel.kptr_restrict" = 2 @1:3 prio 100',
      'boot.kernel.sysctl."net.ipv4.conf.all.rp_filter" = 1 @1:71 prio 100',
    ]);
  });

  test('what cannot be folded is unknown, with the reason', () => {
    expect(definitions('{ pkgs, ... }: { a = pkgs.hello; b = builtins.readFile ./x; }')).toEqual([
      'a = unknown(pkgs.hello is not known) @1:18 prio 100',
      'b = unknown(builtins.readFile: file contents are not evaluated) @1:34 prio 100',
    ]);
  });

  test('imports are listed with their ranges', () => {
    const text = '{ imports = [ ./hardware.nix ../modules ]; }';
    const module = readModule(convertTree(parseNix(text), text));
    expect(module.imports.map((i) => [toPlain(i.value), i.span.start + 1])).toEqual([
      ['./hardware.nix', 15],
      ['../modules', 30],
    ]);
  });
});
