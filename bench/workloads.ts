// The named PostgreSQL workloads over the IMDb data: what each runs, and with which random parameters.
import type pg from 'pg';
import type { Prng } from '../imdb-data/prng.js';
import { BENCH_SCHEMA, type BenchContext } from './bench-context.js';
import type { WorkloadKind } from './bench-types.js';

export interface Workload {
  name: string;
  kind: WorkloadKind;
  description: string;
  /** One operation; returns the number of rows it read or wrote. */
  run(client: pg.Client, rng: Prng, ctx: BenchContext): Promise<number>;
}

/** Named statements are prepared once per connection by pg, then only bound and executed, like a real application's. */
async function exec(client: pg.Client, name: string, text: string, values: unknown[]): Promise<pg.QueryResult> {
  return client.query({ name, text, values });
}

export const WORKLOADS: readonly Workload[] = [
  {
    name: 'title-by-id',
    kind: 'read',
    description: 'one title with its rating, by primary key',
    run: async (c, rng, ctx) =>
      (
        await exec(
          c,
          'bench-title-by-id',
          `SELECT b.*, r.average_rating, r.num_votes FROM ${ctx.schema}.title_basics b LEFT JOIN ${ctx.schema}.title_ratings r USING (tconst) WHERE b.tconst = $1`,
          [rng.pick(ctx.tconsts)],
        )
      ).rowCount ?? 0,
  },
  {
    name: 'title-cast',
    kind: 'read',
    description: 'the principals of a title with their names (join on two primary keys)',
    run: async (c, rng, ctx) =>
      (
        await exec(
          c,
          'bench-title-cast',
          `SELECT p.ordering, n.primary_name, p.category, p.characters FROM ${ctx.schema}.title_principals p JOIN ${ctx.schema}.name_basics n USING (nconst) WHERE p.tconst = $1 ORDER BY p.ordering`,
          [rng.pick(ctx.tconsts)],
        )
      ).rowCount ?? 0,
  },
  {
    name: 'top-rated-genre-years',
    kind: 'read',
    description: 'top 20 rated titles of a genre in a 10-year window (GIN + range + join + sort)',
    run: async (c, rng, ctx) => {
      const from = rng.between(1950, 2015);
      return (
        (
          await exec(
            c,
            'bench-top-rated',
            `SELECT b.tconst, b.primary_title, b.start_year, r.average_rating, r.num_votes FROM ${ctx.schema}.title_basics b JOIN ${ctx.schema}.title_ratings r USING (tconst) WHERE b.genres @> ARRAY[$1]::text[] AND b.start_year BETWEEN $2 AND $3 AND r.num_votes >= 10 ORDER BY r.average_rating DESC, r.num_votes DESC LIMIT 20`,
            [rng.pick(ctx.genres), from, from + 9],
          )
        ).rowCount ?? 0
      );
    },
  },
  {
    name: 'person-filmography',
    kind: 'read',
    description: "a person's latest 100 titles (secondary index + join)",
    run: async (c, rng, ctx) =>
      (
        await exec(
          c,
          'bench-filmography',
          `SELECT b.tconst, b.primary_title, b.start_year, p.category, p.characters FROM ${ctx.schema}.title_principals p JOIN ${ctx.schema}.title_basics b USING (tconst) WHERE p.nconst = $1 ORDER BY b.start_year DESC NULLS LAST LIMIT 100`,
          [rng.pick(ctx.nconsts)],
        )
      ).rowCount ?? 0,
  },
  {
    name: 'insert-rating',
    kind: 'write',
    description: 'insert one user rating (autocommit)',
    run: async (c, rng, ctx) =>
      (
        await exec(c, 'bench-insert-rating', `INSERT INTO ${BENCH_SCHEMA}.user_ratings (tconst, user_id, rating) VALUES ($1, $2, $3)`, [
          rng.pick(ctx.tconsts),
          rng.int(1_000_000),
          rng.between(1, 10),
        ])
      ).rowCount ?? 0,
  },
  {
    name: 'insert-read-back',
    kind: 'write',
    description: 'insert a rating, then read it back by id (the original lab\'s benchmark shape)',
    run: async (c, rng, ctx) => {
      const inserted = await exec(c, 'bench-insert-returning', `INSERT INTO ${BENCH_SCHEMA}.user_ratings (tconst, user_id, rating) VALUES ($1, $2, $3) RETURNING id`, [
        rng.pick(ctx.tconsts),
        rng.int(1_000_000),
        rng.between(1, 10),
      ]);
      const id = (inserted.rows[0] as { id: string } | undefined)?.id;
      const read = await exec(c, 'bench-read-back', `SELECT * FROM ${BENCH_SCHEMA}.user_ratings WHERE id = $1`, [id]);
      if (read.rowCount !== 1) throw new Error(`rating ${id ?? '?'} was acknowledged but not found on read-back`);
      return 1;
    },
  },
];

export const WORKLOAD_NAMES: readonly string[] = WORKLOADS.map((w) => w.name);
