import { firstSyntaxError, parseNix } from '../src/nix/parser';

function errorAt(text: string): string | undefined {
  const error = firstSyntaxError(parseNix(text));
  return error ? `${error.startPosition.row + 1}:${error.startPosition.column + 1}` : undefined;
}

describe('Nix parsing with tree-sitter-nix', () => {
  test('valid modules have no syntax error', () => {
    expect(errorAt('{ config, lib, pkgs, ... }: { services.openssh.enable = true; }')).toBeUndefined();
    expect(errorAt('with lib; { a = mkIf true { b = 1; }; }')).toBeUndefined();
  });

  test('a trailing comma after the last formal is valid Nix, not a syntax error', () => {
    // Both recoveries of the old grammar: a MISSING identifier formal, and a lone ERROR after `...`.
    expect(errorAt('{ lib, pkgs, }: { }')).toBeUndefined();
    expect(errorAt('{ lib, ..., }: { }')).toBeUndefined();
    expect(errorAt('{\n  config,\n  lib,\n  ...,\n}:\n{ x = 1; }')).toBeUndefined();
  });

  test('real syntax errors are found at their first position', () => {
    expect(errorAt('{ a = ; }')).toBe('1:6'); // the missing value, right after `=`
    expect(errorAt('{\n  a = 1;\n  b = [ 1 2\n}\n')).toBeDefined();
    expect(errorAt('{ lib, , pkgs }: { }')).toBeDefined();
    // A comma error elsewhere in a formals list is not the tolerated trailing comma.
    expect(errorAt('{ a = 1; b = { c = 2,; }; }')).toBeDefined();
  });

  test('positions count UTF-16 code units, like JS strings, SARIF and LSP', () => {
    const tree = parseNix('{ a = "é😀"; b = 1; }');
    const b = tree.rootNode.descendantsOfType('binding')[1];
    expect(b.startPosition).toEqual({ row: 0, column: 13 });
    expect(b.startIndex).toBe(13);
  });
});
