// The seeded PRNG: same seed same numbers, different seeds different, distributions shaped as intended.
import { describe, expect, it } from 'vitest';
import { Prng, pickWeighted, weightedTable } from '../../../imdb-data/prng.js';

describe('Prng', () => {
  it('is deterministic per seed and label', () => {
    const a = new Prng(7, 'x');
    const b = new Prng(7, 'x');
    const seqA = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(seqA);
    const c = new Prng(8, 'x');
    const d = new Prng(7, 'y');
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(seqA);
    expect(Array.from({ length: 5 }, () => d.nextUint32())).not.toEqual(seqA);
  });

  it('is pinned: the sample files must not change silently between versions', () => {
    const r = new Prng(42, 'pin');
    expect(Array.from({ length: 3 }, () => r.nextUint32())).toMatchInlineSnapshot(`
      [
        1158672389,
        3752619515,
        2790973005,
      ]
    `);
  });

  it('gives uniform floats in [0,1) and ints in range', () => {
    const r = new Prng(1);
    let sum = 0;
    let min = 1;
    let max = 0;
    const ks = new Set<number>();
    for (let i = 0; i < 20000; i++) {
      const f = r.float();
      min = Math.min(min, f);
      max = Math.max(max, f);
      sum += f;
      ks.add(r.between(3, 5));
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / 20000).toBeCloseTo(0.5, 1);
    expect([...ks].sort()).toEqual([3, 4, 5]);
  });

  it('picks weighted values in proportion', () => {
    const r = new Prng(2);
    const table = weightedTable([['a', 1], ['b', 3]] as const);
    let b = 0;
    for (let i = 0; i < 20000; i++) if (pickWeighted(r, table) === 'b') b++;
    expect(b / 20000).toBeGreaterThan(0.72);
    expect(b / 20000).toBeLessThan(0.78);
  });

  it('pareto is long-tailed: median near the minimum, maximum far above', () => {
    const r = new Prng(3);
    const v = Array.from({ length: 20000 }, () => r.pareto(5, 0.55, 3_000_000)).sort((x, y) => x - y);
    expect(v[0]).toBeGreaterThanOrEqual(5);
    expect(v[10000]!).toBeLessThan(30);
    expect(v[19999]!).toBeGreaterThan(100 * v[10000]!);
  });
});
