'use strict';
/**
 * A small seeded generator (mulberry32): the same seed gives the same inputs
 * on every machine, so a failing input is reproduced from its seed and index.
 */
class Random {
  constructor(seed) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** A float in [0, 1). */
  next() {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n) {
    return Math.floor(this.next() * n);
  }

  pick(list) {
    return list[this.int(list.length)];
  }

  chance(p) {
    return this.next() < p;
  }
}

/** The generator of input `index` of a run seeded with `seed`. */
function inputRandom(seed, index) {
  let h = (seed ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return new Random(h ^ (h >>> 15));
}

module.exports = { Random, inputRandom };
