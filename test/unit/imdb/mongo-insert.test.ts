// The batching of loadMongo's inserts, against a stand-in collection that records calls (no MongoDB server exists here).
import { describe, expect, it } from 'vitest';
import { insertAll } from '../../../imdb-data/load-mongo.js';

async function* docs(n: number, pauseEvery = 0): AsyncGenerator<{ _id: number }> {
  for (let i = 0; i < n; i++) {
    if (pauseEvery && i % pauseEvery === 0) await new Promise((r) => setTimeout(r, 5)); // a source slower than the inserts
    yield { _id: i };
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('insertAll', () => {
  it('sends unordered batches of batchSize, at most inFlight at once, and counts every document', async () => {
    const batches: number[] = [];
    let running = 0;
    let peak = 0;
    const collection = {
      insertMany: async (items: unknown[], options?: { ordered?: boolean }) => {
        expect(options?.ordered).toBe(false);
        batches.push(items.length);
        running++;
        peak = Math.max(peak, running);
        await sleep(5);
        running--;
        return {} as never;
      },
    };
    const progress: number[] = [];
    const n = await insertAll(collection as never, docs(2500), { batchSize: 1000, inFlight: 2, onProgress: (_c, d) => progress.push(d) }, 'titles');
    expect(n).toBe(2500);
    expect(batches).toEqual([1000, 1000, 500]);
    expect(peak).toBe(2);
    expect(progress.at(-1)).toBe(2500);
  });

  it('fails with the batch error, without leaving an unhandled rejection behind', async () => {
    let calls = 0;
    const collection = {
      insertMany: async () => {
        const call = ++calls;
        await sleep(call === 1 ? 1 : 20);
        if (call === 1) throw new Error('duplicate key'); // fails while later batches are still in flight
        return {} as never;
      },
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      // The first batch fails while the loop waits for the source, with no other await pending on it.
      await expect(insertAll(collection as never, docs(500, 50), { batchSize: 100, inFlight: 4 }, 'people')).rejects.toThrow('duplicate key');
      await sleep(50);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
