import * as fs from 'fs';
import * as path from 'path';
import { firstSyntaxError, parseNix, parseNixFlat } from '../src/nix/parser';
import { convertFlat, convertTree, NixNode } from '../src/nix/syntax';

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

  test('the flat parse gives the same syntax tree as the runtime tree, and none where the text has a syntax error', () => {
    // Every node with its type, offsets and operator, depth first.
    const outline = (root: NixNode): string[] => {
      const lines: string[] = [];
      const visit = (node: NixNode, depth: number) => {
        lines.push(`${' '.repeat(depth)}${node.type} ${node.startIndex}-${node.endIndex}${node.operator ? ` ${node.operator}` : ''}`);
        for (const child of node.namedChildren) visit(child, depth + 1);
      };
      visit(root, 0);
      return lines;
    };
    const texts = [
      '{ a = "é😀${toString (1 + 2)}"; /* c */ b = !x.y or false; n = -(1 - 2); c = [ ./p.nix <nixpkgs> https://x.org ]; d = \'\'\n  ind ${e}\n\'\'; }',
      '{ config, lib, ... }@args: let f = x: x // { inherit (args) y; }; in with lib; assert true; if a ? b then f 1 else null',
      '# only a comment\n42',
      // Valid Nix the runtime's tree marks as an error, left out of the syntax as firstSyntaxError accepts it.
      '{ lib, pkgs, }: { }',
      '{ lib, ..., }: lib',
      ...fs.readdirSync(FLEET, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.nix')).map((f) => fs.readFileSync(path.join(FLEET, f), 'utf8')),
    ];
    for (const text of texts) {
      const flat = parseNixFlat(text);
      expect(flat).toBeDefined();
      expect(outline(convertFlat(flat!, text))).toEqual(outline(convertTree(parseNix(text), text, false)));
    }
    expect(parseNixFlat('{ a = ; }')).toBeUndefined();
    expect(parseNixFlat('{ lib, , pkgs }: { }')).toBeUndefined();
  });
});

const FLEET = path.resolve(__dirname, '../fixtures/demo-fleet');

