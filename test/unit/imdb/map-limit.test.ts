// mapLimit: bounded concurrency, results in input order, and the first failure in time is the one reported.
import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../../imdb-data/map-limit.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('mapLimit', () => {
  it('keeps at most `limit` jobs in flight and returns results in input order', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([30, 10, 20, 5, 15], 2, async (ms, i) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(ms);
      running--;
      return i;
    });
    expect(out).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });

  it('reports the first failure, not a later one caused by it, and starts no new jobs', async () => {
    const started: number[] = [];
    const err = await mapLimit([0, 1, 2, 3], 2, async (i) => {
      started.push(i);
      if (i === 0) {
        await sleep(30);
        throw new Error('consequence');
      }
      await sleep(5);
      throw new Error('cause');
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('cause');
    expect(started).toEqual([0, 1]);
  });
});
