// Picks the ids the workloads look up (sampled from the loaded data) and creates the tables the write workloads use, per target.
import type pg from 'pg';
import { UserError } from '../common/errors.js';
import type { SqlTarget } from './bench-targets.js';

export interface BenchContext {
  target: SqlTarget;
  /** The IMDb data: `imdb` (relational) or `imdb_doc` (jsonb). */
  schema: string;
  tconsts: string[];
  /** Sampled from the principals, so busy people come up more often, as in real traffic. */
  nconsts: string[];
  genres: string[];
}

/** Where the write workloads write: never the IMDb tables, so verify stays valid after a benchmark. */
export const BENCH_SCHEMA = 'pglab_bench';
export const BENCH_DOC_SCHEMA = 'pglab_bench_doc';
export const DEFAULT_DATA_SCHEMAS: Record<SqlTarget, string> = { postgres: 'imdb', jsonb: 'imdb_doc' };

const SAMPLE = 5000;
const GENRES = ['Drama', 'Comedy', 'Documentary', 'Action', 'Crime', 'Romance', 'Thriller', 'Horror', 'Animation', 'Adventure'];

/** The write workloads' tables: the same payments and user ratings as columns, and as documents. */
export const BENCH_TABLES_SQL: Record<SqlTarget, string[]> = {
  postgres: [
    `CREATE SCHEMA IF NOT EXISTS ${BENCH_SCHEMA}`,
    `CREATE TABLE IF NOT EXISTS ${BENCH_SCHEMA}.user_ratings (id bigserial PRIMARY KEY, tconst text NOT NULL, user_id integer NOT NULL, rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 10), created_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE TABLE IF NOT EXISTS ${BENCH_SCHEMA}.payments (id bigserial PRIMARY KEY, account_id integer NOT NULL, amount numeric(12,2) NOT NULL, currency char(3) NOT NULL, status text NOT NULL, reference text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
  ],
  jsonb: [
    `CREATE SCHEMA IF NOT EXISTS ${BENCH_DOC_SCHEMA}`,
    `CREATE TABLE IF NOT EXISTS ${BENCH_DOC_SCHEMA}.user_ratings (id bigserial PRIMARY KEY, doc jsonb NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${BENCH_DOC_SCHEMA}.payments (id bigserial PRIMARY KEY, doc jsonb NOT NULL)`,
  ],
};

/**
 * Where the data of a target comes from. The sampling queries keep each title (or principal) with probability $1,
 * decided before any document is unpacked, so a sample reads about SAMPLE * 2 rows, not the whole table.
 */
const SOURCES: Record<SqlTarget, { tables: string[]; titles: (schema: string) => string; nconsts: (schema: string) => string; sampledTable: string; load: string }> = {
  postgres: {
    tables: ['title_basics', 'title_ratings', 'title_principals', 'name_basics'],
    titles: (s) => `SELECT tconst AS v FROM ${s}.title_basics WHERE random() < $1`,
    nconsts: (s) => `SELECT nconst AS v FROM ${s}.title_principals WHERE random() < $1`,
    sampledTable: 'title_principals',
    load: 'pglab imdb load --target postgres',
  },
  jsonb: {
    tables: ['titles', 'people'],
    titles: (s) => `SELECT id AS v FROM ${s}.titles WHERE random() < $1`,
    nconsts: (s) => `SELECT p->>'nconst' AS v FROM (SELECT doc FROM ${s}.titles WHERE random() < $1) t CROSS JOIN LATERAL jsonb_array_elements(t.doc->'principals') p`,
    sampledTable: 'titles',
    load: 'pglab imdb load --target jsonb',
  },
};

async function estimatedRows(client: pg.Client, schema: string, table: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT greatest(c.reltuples, 1)::float8 AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND c.relname = $2`,
    [schema, table],
  );
  return rows[0]?.n ?? 1;
}

/** Random values without sorting the table: `sql` keeps each row with probability $1, chosen to yield about SAMPLE values. */
async function sample(client: pg.Client, sql: string, rowsEstimate: number): Promise<string[]> {
  const p = Math.min(1, (SAMPLE * 2) / Math.max(1, rowsEstimate));
  const { rows } = await client.query<{ v: string }>(`${sql} LIMIT ${SAMPLE}`, [p]);
  if (rows.length > 0) return rows.map((r) => r.v);
  const { rows: any } = await client.query<{ v: string }>(`${sql} LIMIT ${SAMPLE}`, [1]);
  return any.map((r) => r.v);
}

export async function prepareBench(client: pg.Client, schema = 'imdb', target: SqlTarget = 'postgres'): Promise<BenchContext> {
  const src = SOURCES[target];
  const { rows: present } = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = ANY($2)`,
    [schema, src.tables],
  );
  if (Number(present[0]?.n) !== src.tables.length) {
    throw new UserError(`no IMDb ${target === 'jsonb' ? 'documents' : 'data'} in schema "${schema}" of this database`, `load it first: \`pglab imdb sample\` then \`${src.load}\``);
  }
  const titleTable = target === 'postgres' ? 'title_basics' : 'titles';
  const tconsts = await sample(client, src.titles(schema), await estimatedRows(client, schema, titleTable));
  const nconsts = await sample(client, src.nconsts(schema), await estimatedRows(client, schema, src.sampledTable));
  if (tconsts.length === 0 || nconsts.length === 0) {
    throw new UserError(`the IMDb ${target === 'jsonb' ? 'documents' : 'tables'} in "${schema}" are empty`, `load data first: \`${src.load}\``);
  }
  for (const sql of BENCH_TABLES_SQL[target]) await client.query(sql);
  return { target, schema, tconsts, nconsts, genres: [...GENRES] };
}
