import { COLLATION_ORDER, compareText } from '../src/source/compare-text';
import { seededRandom } from './support/random';

/**
 * compareText orders ASCII strings itself (src/source/compare-text.ts): it
 * must give the order ICU's English collator gives, which it stands for.
 */
const collator = new Intl.Collator('en');
const sign = (n: number) => Math.sign(n);

function disagreements(pairs: Iterable<[string, string]>): string[] {
  const out: string[] = [];
  for (const [a, b] of pairs) if (sign(compareText(a, b)) !== sign(collator.compare(a, b))) out.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  return out;
}

function* allPairs(strings: string[]): Iterable<[string, string]> {
  for (const a of strings) for (const b of strings) yield [a, b];
}

describe('compareText', () => {
  const printable = [...Array(128).keys()].map((c) => String.fromCharCode(c)).filter((ch) => /[\t\n\v\f\r\x20-\x7e]/.test(ch));

  it('knows every printable ASCII character, in the collator order', () => {
    expect([...COLLATION_ORDER].sort()).toEqual([...printable].sort());
    expect([...printable].sort(compareText)).toEqual([...printable].sort(collator.compare));
  });

  it('agrees with the collator on every pair of one- and two-character strings', () => {
    const alphabet = [...'aAbBzZ09-_. /\t~$'];
    const strings = ['', ...printable, ...alphabet.flatMap((x) => alphabet.map((y) => x + y))];
    expect(disagreements(allPairs(strings))).toEqual([]);
  });

  it('agrees with the collator on 50,000 random pairs of ASCII strings', () => {
    const next = seededRandom(42);
    const alphabet = [...'aAbBcCiIzZ0129-_.:/ @$~\t'];
    const word = () => Array.from({ length: Math.floor(next() * 9) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    const pairs: [string, string][] = [];
    for (let i = 0; i < 50_000; i++) {
      const a = word();
      // Half the pairs share a prefix, where the later characters and the case decide.
      pairs.push([a, next() < 0.5 ? word() : a.slice(0, Math.floor(next() * (a.length + 1))) + word()]);
    }
    expect(disagreements(pairs)).toEqual([]);
  });

  it('leaves other strings to the collator: accents, other scripts, control characters it ignores', () => {
    const strings = ['e', 'é', 'E', 'É', 'ab', 'a\u0001b', 'straße', 'strasse', 'Ärger', 'Zebra', 'ıi', 'İi', '日本', '', 'a\u0301'];
    expect(disagreements(allPairs(strings))).toEqual([]);
    expect(compareText('a\u0001b', 'ab')).toBe(0);
  });

  it('orders rule IDs and paths as a report lists them', () => {
    const names = ['nix-renamed-option', 'NIX-SSH-001', 'NIX-SSH-002', 'nix-parse-error', 'TAL-001', 'hosts/web/default.nix', 'hosts/Web/default.nix', 'hosts/web-2/default.nix', 'hosts/web_2/default.nix', 'flake.lock', 'flake.nix'];
    expect([...names].sort(compareText)).toEqual([...names].sort(collator.compare));
  });
});
