// Picks the ids the workloads look up (sampled from the loaded data) and creates the table the write workloads use.
import type pg from 'pg';
import { UserError } from '../common/errors.js';

export interface BenchContext {
  schema: string;
  tconsts: string[];
  /** Sampled from title.principals, so busy people come up more often, as in real traffic. */
  nconsts: string[];
  genres: string[];
}

export const BENCH_SCHEMA = 'pglab_bench';
const SAMPLE = 5000;

/** Random rows without sorting the table: keep each row with a probability that yields about SAMPLE rows. */
async function sampleColumn(client: pg.Client, schema: string, table: string, column: string): Promise<string[]> {
  const { rows: est } = await client.query<{ n: number }>(
    `SELECT greatest(c.reltuples, 1)::float8 AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND c.relname = $2`,
    [schema, table],
  );
  const p = Math.min(1, (SAMPLE * 2) / (est[0]?.n ?? 1));
  const { rows } = await client.query<{ v: string }>(`SELECT ${column} AS v FROM ${schema}.${table} WHERE random() < $1 LIMIT ${SAMPLE}`, [p]);
  if (rows.length > 0) return rows.map((r) => r.v);
  const { rows: any } = await client.query<{ v: string }>(`SELECT ${column} AS v FROM ${schema}.${table} LIMIT ${SAMPLE}`);
  return any.map((r) => r.v);
}

export async function prepareBench(client: pg.Client, schema = 'imdb'): Promise<BenchContext> {
  const { rows: present } = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ('title_basics','title_ratings','title_principals','name_basics')`,
    [schema],
  );
  if (Number(present[0]?.n) !== 4) {
    throw new UserError(`no IMDb data in schema "${schema}" of this database`, 'load it first: `pglab imdb sample` then `pglab imdb load --target postgres`');
  }
  const tconsts = await sampleColumn(client, schema, 'title_basics', 'tconst');
  const nconsts = await sampleColumn(client, schema, 'title_principals', 'nconst');
  if (tconsts.length === 0 || nconsts.length === 0) {
    throw new UserError(`the IMDb tables in "${schema}" are empty`, 'load data first: `pglab imdb load --target postgres`');
  }
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${BENCH_SCHEMA}`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${BENCH_SCHEMA}.user_ratings (id bigserial PRIMARY KEY, tconst text NOT NULL, user_id integer NOT NULL, rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 10), created_at timestamptz NOT NULL DEFAULT now())`,
  );
  const genres = ['Drama', 'Comedy', 'Documentary', 'Action', 'Crime', 'Romance', 'Thriller', 'Horror', 'Animation', 'Adventure'];
  return { schema, tconsts, nconsts, genres };
}
