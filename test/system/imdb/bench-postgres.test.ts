// runBench against a real PostgreSQL 15 loaded with a tiny generated sample: every workload does real work, errors are counted.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../common/errors.js';
import { decodeHistogram, formatBenchTable, runBench, WORKLOAD_NAMES } from '../../../bench/index.js';
import { generateSample } from '../../../imdb-data/generate-sample.js';
import { loadPostgres } from '../../../imdb-data/load-postgres.js';
import { startLocalPostgres, type LocalPostgres } from '../../support/local-postgres.js';

let pg: LocalPostgres | undefined;
let work: string;

const db = (): LocalPostgres => {
  if (!pg) throw new Error('PostgreSQL did not start');
  return pg;
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pglab-bench-'));
  pg = await startLocalPostgres();
  await db().createDatabase('imdb');
  await db().createDatabase('empty');
  await generateSample({ outDir: work, scale: 0.0002, seed: 11 });
  await loadPostgres({ connection: db().connection('imdb'), sourceDir: work, indexes: true });
});

afterAll(async () => {
  await pg?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('runBench', () => {
  it('runs every workload with N clients; reads return rows, writes land, histograms match the counts', async () => {
    const progress = new Set<string>();
    const result = await runBench({
      connection: db().connection('imdb'),
      clients: 3,
      durationMs: 400,
      onProgress: (w) => progress.add(w),
    });
    expect(result.workloads.map((w) => w.name)).toEqual(WORKLOAD_NAMES);
    expect([...progress]).toEqual(WORKLOAD_NAMES);
    for (const w of result.workloads) {
      expect({ name: w.name, errors: w.errors, firstError: w.firstError }).toEqual({ name: w.name, errors: 0, firstError: undefined });
      // Without a warm-up each client's first operation is measured: at least one per client, however slow the host
      // (a count in a fixed window would be a speed test; CI once saw 3 operations in 0.3 s during a stall).
      expect(w.ops).toBeGreaterThanOrEqual(3);
      expect(w.rows).toBeGreaterThan(0);
      expect(decodeHistogram(w.histogram).totalCount).toBe(w.ops);
      expect(w.latencyMs.p50).toBeGreaterThan(0);
      expect(w.latencyMs.p50).toBeLessThanOrEqual(w.latencyMs.p99);
      expect(w.latencyMs.p99).toBeLessThanOrEqual(w.latencyMs.max);
      expect(w.opsPerSec).toBeCloseTo((w.ops / w.durationMs) * 1000, 0);
      expect(w.durationMs).toBeGreaterThanOrEqual(400);
    }
    // title-by-id looks up ids sampled from the table: exactly one row each time.
    const byId = result.workloads.find((w) => w.name === 'title-by-id')!;
    expect(byId.rows).toBe(byId.ops);
    // Every acknowledged insert is in the table.
    const inserts = result.workloads.filter((w) => w.name === 'insert-rating' || w.name === 'insert-read-back').reduce((n, w) => n + w.ops, 0);
    const [count] = await db().query<{ n: string }>('SELECT count(*) AS n FROM pglab_bench.user_ratings', [], 'imdb');
    expect(Number(count?.n)).toBeGreaterThanOrEqual(inserts);
    const payments = result.workloads.find((w) => w.name === 'payments')!.ops;
    const [paid] = await db().query<{ n: string }>('SELECT count(*) AS n FROM pglab_bench.payments', [], 'imdb');
    expect(Number(paid?.n)).toBeGreaterThanOrEqual(payments);
    expect(formatBenchTable(result)).toContain('person-filmography');
  });

  it('counts errors and reconnects when the server kills its connections mid-run', async () => {
    let opsAtKill = -1;
    let kill: Promise<unknown> | undefined;
    const result = await runBench({
      connection: db().connection('imdb'),
      workloads: ['title-by-id'],
      clients: 2,
      durationMs: 1500,
      onProgress: (_w, ops, elapsed) => {
        if (elapsed >= 400 && opsAtKill < 0) {
          opsAtKill = ops;
          kill = db().query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pglab bench'`, [], 'imdb');
        }
      },
    });
    await kill;
    const [w] = result.workloads;
    expect(opsAtKill).toBeGreaterThan(0);
    expect(w?.errors).toBeGreaterThanOrEqual(1);
    expect(w?.firstError).toMatch(/terminat|connection/i);
    expect(w?.ops).toBeGreaterThan(opsAtKill); // work went on after the kill, on fresh connections
    const [after] = await db().query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'pglab bench'`, [], 'imdb');
    expect(Number(after?.n)).toBe(0); // and those were closed at the end
  });

  it('does not measure the warm-up: the first operation of every client starts in it, is stored, and is not counted', async () => {
    const count = async (): Promise<number> => Number((await db().query<{ n: string }>('SELECT count(*) AS n FROM pglab_bench.user_ratings', [], 'imdb'))[0]?.n);
    const before = await count();
    const result = await runBench({ connection: db().connection('imdb'), workloads: ['insert-rating'], clients: 2, durationMs: 200, warmupMs: 200 });
    const [w] = result.workloads;
    expect(w?.errors).toBe(0);
    expect(decodeHistogram(w!.histogram).totalCount).toBe(w?.ops);
    // Both clients' first inserts started before the measured window: stored, not counted.
    expect((await count()) - before).toBeGreaterThanOrEqual(w!.ops + 2);
  });

  it('refuses a database without IMDb data, and unknown workloads, with user errors', async () => {
    const err = await runBench({ connection: db().connection('empty'), clients: 1, durationMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe('no IMDb data in schema "imdb" of this database');
    await expect(runBench({ connection: db().connection('imdb'), workloads: ['nope'], clients: 1, durationMs: 100 })).rejects.toThrow('unknown workload nope');
  });
});
