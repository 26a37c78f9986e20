// A seeded PRNG (mulberry32, as scripts/gen.mjs), so a run's decisions replay from its printed seed.

export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number;
  pick<T>(list: readonly T[]): T;
  chance(p: number): boolean;
  /** Weighted choice: `[weight, value]` pairs. */
  weighted<T>(choices: ReadonlyArray<readonly [number, T]>): T;
  /** An independent generator derived from this one's seed and `salt`. */
  fork(salt: number): Rng;
}

export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    between: (lo, hi) => lo + int(hi - lo + 1),
    pick: (list) => list[int(list.length)]!,
    chance: (p) => next() < p,
    weighted: (choices) => {
      const total = choices.reduce((s, [w]) => s + w, 0);
      let x = next() * total;
      for (const [w, v] of choices) {
        if (x < w) return v;
        x -= w;
      }
      return choices[choices.length - 1]![1];
    },
    fork: (salt) => rng((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0),
  };
}
