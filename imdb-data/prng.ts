// Seeded pseudo-random numbers (sfc32) so a sample is the same for the same seed on every machine and Node version.

/** 32-bit FNV-1a of a string, mixed with a seed: gives each generator stream its own start state. */
export function seedFrom(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, label = '') {
    const s = seedFrom(seed >>> 0, label);
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = s;
    for (let i = 0; i < 15; i++) this.nextUint32(); // sfc32 needs a few rounds before its output is well mixed
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Standard normal (Box–Muller). */
  normal(mean: number, sd: number): number {
    const u = 1 - this.float();
    const v = this.float();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Pareto-tailed integer ≥ min: most values near min, a few very large (vote counts, popularity). */
  pareto(min: number, alpha: number, max: number): number {
    const u = 1 - this.float();
    return Math.min(max, Math.floor(min / Math.pow(u, 1 / alpha)));
  }

  /** Index in [0, n) skewed toward 0: index 0 is the most popular (power > 1 sharpens the skew). */
  skewed(n: number, power: number): number {
    return Math.min(n - 1, Math.floor(n * Math.pow(this.float(), power)));
  }
}

/** Picks from a table of [value, weight] pairs. Precompute once with weightedTable for speed. */
export interface WeightedTable<T> {
  values: T[];
  cumulative: number[];
}

export function weightedTable<T>(pairs: readonly (readonly [T, number])[]): WeightedTable<T> {
  let total = 0;
  const cumulative: number[] = [];
  for (const [, w] of pairs) cumulative.push((total += w));
  return { values: pairs.map(([v]) => v), cumulative: cumulative.map((c) => c / total) };
}

export function pickWeighted<T>(rng: Prng, table: WeightedTable<T>): T {
  const u = rng.float();
  const c = table.cumulative;
  let lo = 0;
  let hi = c.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (u < c[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return table.values[lo]!;
}
