// The relational and the jsonb model side by side on a real PostgreSQL 15: both loaded from one generated sample, every
// workload on both targets, the two implementations of a read giving the same answer, payments written and read back.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../common/errors.js';
import { decodeHistogram, formatBenchTable, runBenchTargets, WORKLOAD_NAMES, WORKLOADS } from '../../../bench/index.js';
import { prepareBench, type BenchContext } from '../../../bench/bench-context.js';
import { benchHtml } from '../../../bench/html-report.js';
import type { Executor } from '../../../bench/wire-session.js';
import { generateSample } from '../../../imdb-data/generate-sample.js';
import { loadJsonb } from '../../../imdb-data/load-jsonb.js';
import { loadPostgres } from '../../../imdb-data/load-postgres.js';
import { Prng } from '../../../imdb-data/prng.js';
import { startLocalPostgres, type LocalPostgres } from '../../support/local-postgres.js';

let server: LocalPostgres | undefined;
let work: string;

const db = (): LocalPostgres => {
  if (!server) throw new Error('PostgreSQL did not start');
  return server;
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pglab-bench-targets-'));
  server = await startLocalPostgres();
  await db().createDatabase('imdb');
  await db().createDatabase('relational_only');
  await generateSample({ outDir: work, scale: 0.0003, seed: 5 });
  await loadPostgres({ connection: db().connection('imdb'), sourceDir: work, indexes: true });
  await loadJsonb({ connection: db().connection('imdb'), sourceDir: work });
  await loadPostgres({ connection: db().connection('relational_only'), sourceDir: work, indexes: true });
});

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Runs one implementation of a workload with a fixed parameter and returns the rows of its last query, as named, typed columns. */
async function answer(client: pg.Client, workload: string, target: 'postgres' | 'jsonb', ctx: BenchContext): Promise<Record<string, unknown>[]> {
  let last: pg.QueryResult | undefined;
  // The workload's statements through pg's own query path, for rows with column names; the workload still gets its answer.
  const spy: Executor = {
    exec: async (name, text, values) => {
      last = await client.query({ name, text, values: [...values] });
      return { rowCount: last.rowCount ?? 0, rows: (last.rows as Record<string, unknown>[]).map((row) => Object.values(row).map((v) => (v === null ? null : String(v)))) };
    },
  };
  await WORKLOADS.find((w) => w.name === workload)!.targets[target]!.run(spy, new Prng(1), ctx);
  return (last?.rows ?? []) as Record<string, unknown>[];
}

describe('relational and jsonb side by side', () => {
  it('the jsonb implementation of each read answers what the relational one answers', async () => {
    const client = new pg.Client(db().connection('imdb'));
    await client.connect();
    try {
      const rel = await prepareBench(client, 'imdb', 'postgres');
      const doc = await prepareBench(client, 'imdb_doc', 'jsonb');
      // Ask both the same questions: the ids of a few titles with principals, and the people in them.
      // People with a few titles, several in a year somewhere: fewer than the LIMIT 100, so no tie is cut off.
      const { rows: titles } = await client.query<{ tconst: string; nconst: string }>(
        `WITH t AS (SELECT tconst FROM imdb.title_principals GROUP BY tconst ORDER BY tconst LIMIT 5),
              p AS (SELECT nconst, row_number() OVER (ORDER BY count(*) DESC, nconst) AS i FROM imdb.title_principals GROUP BY nconst HAVING count(*) BETWEEN 3 AND 60)
         SELECT t.tconst, p.nconst FROM (SELECT tconst, row_number() OVER (ORDER BY tconst) AS i FROM t) t JOIN p USING (i)`,
      );
      expect(titles.length).toBe(5);
      const sortBy = (key: string) => (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => String(a[key]).localeCompare(String(b[key])));
      for (const { tconst, nconst } of titles) {
        const same = (c: BenchContext): BenchContext => ({ ...c, tconsts: [tconst], nconsts: [nconst], genres: ['Drama'] });
        const cast = [await answer(client, 'title-cast', 'postgres', same(rel)), await answer(client, 'title-cast', 'jsonb', same(doc))];
        expect(cast[0]!.length).toBeGreaterThan(0);
        expect(cast[1]).toEqual(cast[0]);
        const films = [await answer(client, 'person-filmography', 'postgres', same(rel)), await answer(client, 'person-filmography', 'jsonb', same(doc))];
        expect(films[0]!.length).toBeGreaterThan(0);
        expect(films[0]!.length).toBeLessThan(100); // no tie at the LIMIT: the sets must match
        expect(sortBy('tconst')(films[1]!.map(({ id, ...rest }) => ({ tconst: id, ...rest })))).toEqual(sortBy('tconst')(films[0]!));
        const one = [await answer(client, 'title-by-id', 'postgres', same(rel)), await answer(client, 'title-by-id', 'jsonb', same(doc))];
        expect([one[0]!.length, one[1]!.length]).toEqual([1, 1]);
        expect((one[1]![0]!.doc as { primaryTitle: string }).primaryTitle).toBe(one[0]![0]!.primary_title);
      }
      // The genre/year query: the same titles (the windows are drawn from the same seed on both).
      const top = [await answer(client, 'top-rated-genre-years', 'postgres', rel), await answer(client, 'top-rated-genre-years', 'jsonb', doc)];
      expect(top[1]!.map((r) => r.id)).toEqual(top[0]!.map((r) => r.tconst));
      expect(top[1]!.map((r) => Number(r.average_rating))).toEqual(top[0]!.map((r) => Number(r.average_rating)));
    } finally {
      await client.end();
    }
  });

  it('runs every workload on both targets in one run; both sides do real work, and the table and report put them next to each other', async () => {
    const order: string[] = [];
    const results = await runBenchTargets({
      connection: db().connection('imdb'),
      targets: ['postgres', 'jsonb'],
      clients: 2,
      durationMs: 300,
      onProgress: (w, _ops, _ms, _errors, target) => {
        if (order.at(-1) !== `${target}/${w}`) order.push(`${target}/${w}`);
      },
    });
    expect(results.map((r) => [r.label, r.target])).toEqual([
      ['postgres', 'postgres'],
      ['jsonb', 'jsonb'],
    ]);
    // Targets take turns, the first of each pair alternating.
    expect(order.slice(0, 4)).toEqual(['postgres/title-by-id', 'jsonb/title-by-id', 'jsonb/title-cast', 'postgres/title-cast']);
    for (const r of results) {
      expect(r.workloads.map((w) => w.name)).toEqual(WORKLOAD_NAMES);
      for (const w of r.workloads) {
        expect({ target: r.target, name: w.name, errors: w.errors, firstError: w.firstError, skipped: w.skipped }).toEqual({ target: r.target, name: w.name, errors: 0, firstError: undefined, skipped: undefined });
        // No warm-up: each client's first operation is measured, so at least one per client however slow the host is
        // (a count in 0.3 s would be a speed test; CI once saw 3 during a stall).
        expect(w.ops).toBeGreaterThanOrEqual(2);
        expect(w.rows).toBeGreaterThan(0);
        expect(decodeHistogram(w.histogram).totalCount).toBe(w.ops);
        expect(w.how).toBeTruthy();
      }
    }
    const table = formatBenchTable(results);
    expect(table.split('\n')[0]).toMatch(/postgres \(2 clients, 0\.3 s\) +│ jsonb \(2 clients, 0\.3 s\)/);
    expect(table).toContain('payments');
    const html = benchHtml(results, [{ target: 'mongo', reason: 'not here' }]);
    expect(html).toContain('jsonb documents');
    expect(html).toContain('mongo</b>: not run — not here');
  });

  it('payments: insert then read back by id, on both targets with the same clients for two seconds; every acknowledged payment is stored', async () => {
    const before = await db().query<{ rel: string; doc: string }>(
      'SELECT (SELECT count(*) FROM pglab_bench.payments) AS rel, (SELECT count(*) FROM pglab_bench_doc.payments) AS doc',
      [],
      'imdb',
    );
    const results = await runBenchTargets({ connection: db().connection('imdb'), targets: ['postgres', 'jsonb'], workloads: ['payments'], clients: 4, durationMs: 2000 });
    const after = await db().query<{ rel: string; doc: string }>(
      'SELECT (SELECT count(*) FROM pglab_bench.payments) AS rel, (SELECT count(*) FROM pglab_bench_doc.payments) AS doc',
      [],
      'imdb',
    );
    const [rel, doc] = results.map((r) => r.workloads[0]!);
    for (const w of [rel!, doc!]) {
      expect(w.errors).toBe(0);
      expect(w.ops).toBeGreaterThanOrEqual(4); // one per client at least; how many is for the benchmark to say
      expect(w.rows).toBe(w.ops);
      expect(w.durationMs).toBeGreaterThanOrEqual(2000);
      expect(w.latencyMs.p50).toBeGreaterThan(0);
      expect(w.latencyMs.p50).toBeLessThanOrEqual(w.latencyMs.p99);
    }
    expect(results.every((r) => r.clients === 4)).toBe(true);
    expect(Number(after[0]!.rel) - Number(before[0]!.rel)).toBe(rel!.ops);
    expect(Number(after[0]!.doc) - Number(before[0]!.doc)).toBe(doc!.ops);
    const [stored] = await db().query<{ doc: Record<string, unknown> }>('SELECT doc FROM pglab_bench_doc.payments ORDER BY id DESC LIMIT 1', [], 'imdb');
    expect(Object.keys(stored!.doc).sort()).toEqual(['account', 'amount', 'createdAt', 'currency', 'reference', 'status']);
    console.log(formatBenchTable(results));
  });

  it('refuses a target whose data is not loaded before running anything, and says how to load it', async () => {
    const err = await runBenchTargets({ connection: db().connection('relational_only'), targets: ['postgres', 'jsonb'], clients: 1, durationMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe('no IMDb documents in schema "imdb_doc" of this database');
    expect((err as UserError).hint).toContain('pglab imdb load --target jsonb');
    const [tables] = await db().query<{ n: string }>(`SELECT count(*) AS n FROM information_schema.tables WHERE table_schema LIKE 'pglab_bench%'`, [], 'relational_only');
    expect(Number(tables?.n)).toBe(2); // the relational target was prepared (its two write tables), then the jsonb check stopped the run
  });
});
