// The named workloads over the IMDb data, each with one implementation per target: relational SQL and jsonb SQL.
import type { Prng } from '../imdb-data/prng.js';
import { BENCH_DOC_SCHEMA, BENCH_SCHEMA, type BenchContext } from './bench-context.js';
import type { SqlTarget } from './bench-targets.js';
import type { WorkloadKind } from './bench-types.js';
import type { Executor, RawResult } from './wire-session.js';

/** One operation; returns the number of rows or documents it read or wrote. */
export type Operation = (db: Executor, rng: Prng, ctx: BenchContext) => Promise<number>;

export interface Implementation {
  run: Operation;
  /** How this target does it, in a few words (the HTML report lists them). */
  how: string;
  /**
   * Set when one operation is exactly one statement whose only parameter $1 is a title id drawn uniformly from the sampled
   * titles: then pgbench can run the same query (bench/pgbench-script.ts) and the two can be compared.
   */
  byTitleId?: (schema: string) => string;
}

export interface Workload {
  name: string;
  kind: WorkloadKind;
  description: string;
  /** A target missing here cannot run the workload; the reports say so in its cell. */
  targets: Partial<Record<SqlTarget, Implementation>>;
}

/** Named statements are prepared once per connection, then only bound and executed, like a real application's. */
const exec = (db: Executor, name: string, text: string, values: unknown[]): Promise<RawResult> => db.exec(name, text, values);

const count = (r: RawResult): number => r.rowCount;

/** The one-statement lookup of a title by id, as a workload implementation (title-by-id, title-cast). */
function titleLookup(how: string, statement: string, sql: (schema: string) => string): Implementation {
  return { how, byTitleId: sql, run: async (c, rng, ctx) => count(await exec(c, statement, sql(ctx.schema), [rng.pick(ctx.tconsts)])) };
}

const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF'];

/** A payment as the original lab's benchmark wrote it: an account, an amount, a currency, a unique reference. */
function newPayment(rng: Prng): { account: number; amount: string; currency: string; reference: string } {
  const cents = rng.between(100, 500_000);
  return {
    account: rng.between(1, 100_000),
    amount: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
    currency: rng.pick(CURRENCIES),
    reference: `pay-${rng.int(2 ** 30).toString(36)}-${rng.int(2 ** 30).toString(36)}`,
  };
}

/** The first column of the first row: the id of an `INSERT … RETURNING id`. */
const returnedId = (r: RawResult): string | null | undefined => r.rows[0]?.[0];

/** Read-back that must find what was just acknowledged: anything else is an error, not a slow operation. */
function checkReadBack(what: string, id: unknown, found: RawResult, reference: string | undefined, actual: (row: (string | null)[]) => unknown): number {
  const row = found.rows[0];
  if (found.rowCount !== 1 || !row) throw new Error(`${what} ${String(id)} was acknowledged but not found on read-back`);
  if (reference !== undefined && actual(row) !== reference) throw new Error(`${what} ${String(id)} read back with reference ${String(actual(row))}, written ${reference}`);
  return 1;
}

export const WORKLOADS: readonly Workload[] = [
  {
    name: 'title-by-id',
    kind: 'read',
    description: 'one title with its rating, by primary key',
    targets: {
      postgres: titleLookup(
        'title_basics ⟕ title_ratings on the primary key',
        'bench-title-by-id',
        (s) => `SELECT b.*, r.average_rating, r.num_votes FROM ${s}.title_basics b LEFT JOIN ${s}.title_ratings r USING (tconst) WHERE b.tconst = $1`,
      ),
      jsonb: titleLookup(
        'one document by primary key, its embedded akas and principals left out (a projection)',
        'bench-jsonb-title-by-id',
        (s) => `SELECT id, doc - '{akas,principals}'::text[] AS doc FROM ${s}.titles WHERE id = $1`,
      ),
    },
  },
  {
    name: 'title-cast',
    kind: 'read',
    description: 'the principals of a title with their names',
    targets: {
      postgres: titleLookup(
        'title_principals ⋈ name_basics, both by primary key',
        'bench-title-cast',
        (s) =>
          `SELECT p.ordering, n.primary_name, p.category, p.characters FROM ${s}.title_principals p JOIN ${s}.name_basics n USING (nconst) WHERE p.tconst = $1 ORDER BY p.ordering`,
      ),
      jsonb: titleLookup(
        "the title document's embedded principals, each joined to its people document by primary key",
        'bench-jsonb-title-cast',
        (s) =>
          `SELECT (p->>'ordering')::integer AS ordering, n.doc->>'primaryName' AS primary_name, p->>'category' AS category, p->'characters' AS characters FROM ${s}.titles t CROSS JOIN LATERAL jsonb_array_elements(t.doc->'principals') p JOIN ${s}.people n ON n.id = p->>'nconst' WHERE t.id = $1 ORDER BY 1`,
      ),
    },
  },
  {
    name: 'top-rated-genre-years',
    kind: 'read',
    description: 'top 20 rated titles of a genre in a 10-year window (genre index + year range + sort)',
    targets: {
      postgres: {
        how: 'GIN on genres, B-tree on start_year, join to title_ratings, sort',
        run: async (c, rng, ctx) => {
          const from = rng.between(1950, 2015);
          return count(
            await exec(
              c,
              'bench-top-rated',
              `SELECT b.tconst, b.primary_title, b.start_year, r.average_rating, r.num_votes FROM ${ctx.schema}.title_basics b JOIN ${ctx.schema}.title_ratings r USING (tconst) WHERE b.genres @> ARRAY[$1]::text[] AND b.start_year BETWEEN $2 AND $3 AND r.num_votes >= 10 ORDER BY r.average_rating DESC, r.num_votes DESC LIMIT 20`,
              [rng.pick(ctx.genres), from, from + 9],
            ),
          );
        },
      },
      jsonb: {
        how: "GIN on doc->'genres', B-tree on (doc->>'startYear')::integer, rating read from the document, sort",
        run: async (c, rng, ctx) => {
          const from = rng.between(1950, 2015);
          return count(
            await exec(
              c,
              'bench-jsonb-top-rated',
              `SELECT id, doc->>'primaryTitle' AS primary_title, (doc->>'startYear')::integer AS start_year, (doc->'rating'->>'average')::numeric AS average_rating, (doc->'rating'->>'votes')::integer AS num_votes FROM ${ctx.schema}.titles WHERE doc->'genres' ? $1 AND (doc->>'startYear')::integer BETWEEN $2 AND $3 AND (doc->'rating'->>'votes')::integer >= 10 ORDER BY 4 DESC, 5 DESC LIMIT 20`,
              [rng.pick(ctx.genres), from, from + 9],
            ),
          );
        },
      },
    },
  },
  {
    name: 'person-filmography',
    kind: 'read',
    description: "a person's latest 100 titles",
    targets: {
      postgres: {
        how: 'B-tree on title_principals.nconst, join to title_basics, sort',
        run: async (c, rng, ctx) =>
          count(
            await exec(
              c,
              'bench-filmography',
              `SELECT b.tconst, b.primary_title, b.start_year, p.category, p.characters FROM ${ctx.schema}.title_principals p JOIN ${ctx.schema}.title_basics b USING (tconst) WHERE p.nconst = $1 ORDER BY b.start_year DESC NULLS LAST LIMIT 100`,
              [rng.pick(ctx.nconsts)],
            ),
          ),
      },
      jsonb: {
        how: "GIN on the principals' nconsts (jsonb_path_query_array), the matching embedded principal unpacked, sort",
        run: async (c, rng, ctx) =>
          count(
            await exec(
              c,
              'bench-jsonb-filmography',
              `SELECT t.id, t.doc->>'primaryTitle' AS primary_title, (t.doc->>'startYear')::integer AS start_year, p->>'category' AS category, p->'characters' AS characters FROM ${ctx.schema}.titles t CROSS JOIN LATERAL jsonb_array_elements(t.doc->'principals') p WHERE jsonb_path_query_array(t.doc, '$.principals[*].nconst') ? $1 AND p->>'nconst' = $1 ORDER BY 3 DESC NULLS LAST LIMIT 100`,
              [rng.pick(ctx.nconsts)],
            ),
          ),
      },
    },
  },
  {
    name: 'insert-rating',
    kind: 'write',
    description: 'insert one user rating (autocommit)',
    targets: {
      postgres: {
        how: `one row into ${BENCH_SCHEMA}.user_ratings`,
        run: async (c, rng, ctx) =>
          count(await exec(c, 'bench-insert-rating', `INSERT INTO ${BENCH_SCHEMA}.user_ratings (tconst, user_id, rating) VALUES ($1, $2, $3)`, [rng.pick(ctx.tconsts), rng.int(1_000_000), rng.between(1, 10)])),
      },
      jsonb: {
        how: `one document into ${BENCH_DOC_SCHEMA}.user_ratings`,
        run: async (c, rng, ctx) =>
          count(
            await exec(c, 'bench-jsonb-insert-rating', `INSERT INTO ${BENCH_DOC_SCHEMA}.user_ratings (doc) VALUES ($1::jsonb)`, [
              JSON.stringify({ tconst: rng.pick(ctx.tconsts), userId: rng.int(1_000_000), rating: rng.between(1, 10), createdAt: new Date().toISOString() }),
            ]),
          ),
      },
    },
  },
  {
    name: 'insert-read-back',
    kind: 'write',
    description: 'insert a rating, then read it back by id',
    targets: {
      postgres: {
        how: 'INSERT … RETURNING id, then SELECT by primary key',
        run: async (c, rng, ctx) => {
          const inserted = await exec(c, 'bench-insert-returning', `INSERT INTO ${BENCH_SCHEMA}.user_ratings (tconst, user_id, rating) VALUES ($1, $2, $3) RETURNING id`, [
            rng.pick(ctx.tconsts),
            rng.int(1_000_000),
            rng.between(1, 10),
          ]);
          const id = returnedId(inserted);
          return checkReadBack('rating', id, await exec(c, 'bench-read-back', `SELECT * FROM ${BENCH_SCHEMA}.user_ratings WHERE id = $1`, [id]), undefined, () => undefined);
        },
      },
      jsonb: {
        how: 'INSERT of a document … RETURNING id, then SELECT the document by primary key',
        run: async (c, rng, ctx) => {
          const doc = { tconst: rng.pick(ctx.tconsts), userId: rng.int(1_000_000), rating: rng.between(1, 10), createdAt: new Date().toISOString() };
          const inserted = await exec(c, 'bench-jsonb-insert-returning', `INSERT INTO ${BENCH_DOC_SCHEMA}.user_ratings (doc) VALUES ($1::jsonb) RETURNING id`, [JSON.stringify(doc)]);
          const id = returnedId(inserted);
          return checkReadBack('rating', id, await exec(c, 'bench-jsonb-read-back', `SELECT id, doc FROM ${BENCH_DOC_SCHEMA}.user_ratings WHERE id = $1`, [id]), undefined, () => undefined);
        },
      },
    },
  },
  {
    name: 'payments',
    kind: 'write',
    description: "insert a payment, then read it back by id and check it (the original lab's benchmark)",
    targets: {
      postgres: {
        how: `INSERT into ${BENCH_SCHEMA}.payments (typed columns) RETURNING id, then SELECT by primary key`,
        run: async (c, rng) => {
          const p = newPayment(rng);
          const inserted = await exec(
            c,
            'bench-payment-insert',
            `INSERT INTO ${BENCH_SCHEMA}.payments (account_id, amount, currency, status, reference) VALUES ($1, $2, $3, 'captured', $4) RETURNING id`,
            [p.account, p.amount, p.currency, p.reference],
          );
          const id = returnedId(inserted);
          const found = await exec(c, 'bench-payment-read', `SELECT id, account_id, amount, currency, status, reference, created_at FROM ${BENCH_SCHEMA}.payments WHERE id = $1`, [id]);
          return checkReadBack('payment', id, found, p.reference, (row) => row[5]); // reference
        },
      },
      jsonb: {
        how: `INSERT of a payment document into ${BENCH_DOC_SCHEMA}.payments RETURNING id, then SELECT the document by primary key`,
        run: async (c, rng) => {
          const p = newPayment(rng);
          const doc = { account: p.account, amount: Number(p.amount), currency: p.currency, status: 'captured', reference: p.reference, createdAt: new Date().toISOString() };
          const inserted = await exec(c, 'bench-jsonb-payment-insert', `INSERT INTO ${BENCH_DOC_SCHEMA}.payments (doc) VALUES ($1::jsonb) RETURNING id`, [JSON.stringify(doc)]);
          const id = returnedId(inserted);
          const found = await exec(c, 'bench-jsonb-payment-read', `SELECT id, doc FROM ${BENCH_DOC_SCHEMA}.payments WHERE id = $1`, [id]);
          return checkReadBack('payment', id, found, p.reference, (row) => (JSON.parse(row[1] ?? 'null') as { reference?: unknown } | null)?.reference); // doc
        },
      },
    },
  },
];

export const WORKLOAD_NAMES: readonly string[] = WORKLOADS.map((w) => w.name);
