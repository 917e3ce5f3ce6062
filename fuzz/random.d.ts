/** Types of random.js, for the tests that draw their random edits from the fuzz suite's generator. */
export declare class Random {
  constructor(seed: number);
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(list: readonly T[]): T;
  chance(p: number): boolean;
}

/** The generator of input `index` of a run seeded with `seed`. */
export declare function inputRandom(seed: number, index: number): Random;
