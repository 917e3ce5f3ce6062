/**
 * GitHub code scanning's `primaryLocationLineHash`, as its upload action
 * computes it when a SARIF file has none: for every line, a polynomial
 * rolling hash (base 37, modulo 2^64) of the 100 characters from the start
 * of the line, ignoring spaces and tabs, with line endings read as `\n`, an
 * end-of-file marker (65535) and zero padding after the last line; the value
 * is written in hex with `:n` for its n-th occurrence in the file. Computing
 * it ourselves lets alerts keep their identity when lines move.
 */
const WINDOW = 100;
const BASE = 37n;
const END_OF_FILE = 65535;

function baseToWindow(): bigint {
  let value = 1n;
  for (let i = 0; i < WINDOW; i++) value = BigInt.asUintN(64, value * BASE);
  return value;
}
const DROP_FACTOR = baseToWindow();

/** Line number (1-based) → `hash:occurrence` for every line of a text. */
export function lineHashes(text: string): Map<number, string> {
  const window: number[] = new Array(WINDOW).fill(0);
  const startsLine: number[] = new Array(WINDOW).fill(-1);
  const seen = new Map<string, number>();
  const out = new Map<number, string>();
  let hash = 0n;
  let slot = 0;
  let line = 0;
  let atLineStart = true;
  let afterCarriageReturn = false;

  const emit = () => {
    const value = hash.toString(16);
    const count = (seen.get(value) ?? 0) + 1;
    seen.set(value, count);
    out.set(startsLine[slot], `${value}:${count}`);
    startsLine[slot] = -1;
  };
  const roll = (code: number) => {
    const leaving = window[slot];
    window[slot] = code;
    hash = BigInt.asUintN(64, BASE * hash + BigInt(code) - DROP_FACTOR * BigInt(leaving));
    slot = (slot + 1) % WINDOW;
  };
  const read = (input: number) => {
    let code = input;
    if (code === 32 || code === 9 || (afterCarriageReturn && code === 10)) {
      afterCarriageReturn = false;
      return;
    }
    afterCarriageReturn = code === 13;
    if (code === 13) code = 10;
    if (startsLine[slot] !== -1) emit();
    if (atLineStart) {
      atLineStart = false;
      line++;
      startsLine[slot] = line;
    }
    if (code === 10) atLineStart = true;
    roll(code);
  };

  for (let i = 0; i < text.length; i++) read(text.charCodeAt(i));
  read(END_OF_FILE);
  for (let i = 0; i < WINDOW; i++) {
    if (startsLine[slot] !== -1) emit();
    roll(0);
  }
  return out;
}
