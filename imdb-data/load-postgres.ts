// Loads the seven IMDb files into PostgreSQL: parallel streaming COPY into fresh tables (each ANALYZEd once filled), indexes after, then an atomic swap.
import type pg from 'pg';
import { UserError } from '../common/errors.js';
import { BadLineLog, DEFAULT_MAX_BAD_LINES, type BadLine } from './bad-lines.js';
import { copyTable, type CopiedTable, type CopyJob } from './copy-table.js';
import { CopyWorkerPool, workersAvailable } from './copy-worker-pool.js';
import { mapLimit } from './map-limit.js';
import { connectPg } from './pg-connect.js';
import { DEFAULT_SCHEMA, indexSql, quoteIdent } from './schema-sql.js';
import { findSourceFiles, type SourceFile } from './source-files.js';

export interface LoadPostgresOptions {
  connection: pg.ClientConfig;
  sourceDir: string;
  /** Create primary keys and the benchmark indexes after the data (false: bare tables, like the original lab). */
  indexes: boolean;
  /** Tables loaded at the same time (each on its own connection). Default 4. */
  concurrency?: number;
  /** Called at most ~4 times a second per table, and once when a table is done. `bytes` are decompressed bytes. */
  onProgress?: (table: string, rows: number, bytes: number) => void;
  signal?: AbortSignal;
  /** Target schema (default `imdb`). The load builds `<schema>_load` and swaps it in. */
  schema?: string;
  /** Malformed lines tolerated (skipped and reported) before the load fails. Default 1000. */
  maxBadLines?: number;
  /**
   * Parse each table in its own worker thread (default true), spreading the parsing over the cores like `psql \copy`
   * processes. In one thread, that thread competes with every COPY backend for the CPU and starves them (docs/imdb.md).
   * Falls back to this thread when workers cannot be used (see workersAvailable).
   */
  workers?: boolean;
}

export interface LoadedTable extends CopiedTable {
  /** Time of the primary key and indexes of this table (0 without indexes). */
  indexMs: number;
}

export interface LoadPostgresResult {
  tables: LoadedTable[];
  ms: number;
  /** Wall time of the phases: all COPYs (each followed by its ANALYZE); keys and indexes; the swap. */
  phases: { copyMs: number; indexMs: number; swapMs: number };
  badLines: BadLine[];
}

/** Tables loaded at the same time unless told otherwise. */
export const DEFAULT_LOAD_CONCURRENCY = 4;

/** Any fixed number works; it keeps two loads of the same database from interleaving. */
const LOAD_LOCK_KEY = 0x706c6162; // "plab"

async function indexTable(source: SourceFile, schema: string, config: pg.ClientConfig, signal?: AbortSignal): Promise<number> {
  const client = await connectPg(config, 'pglab imdb load');
  const onAbort = (): void => void client.end().catch(() => undefined);
  signal?.addEventListener('abort', onAbort);
  const started = Date.now();
  try {
    // Index builds sort; more memory means fewer passes over temp files.
    await client.query(`SET maintenance_work_mem = '256MB'`);
    for (const sql of indexSql(schema, source.spec)) {
      try {
        await client.query(sql);
      } catch (err) {
        const e = err as pg.DatabaseError;
        if (e.code === '23505') {
          throw new UserError(
            `${source.path} has duplicate keys (${source.spec.primaryKey.join(', ')}): ${e.detail ?? e.message}`,
            'the file is not valid IMDb data; fetch or generate it again',
          );
        }
        throw new Error(`indexing ${schema}.${source.spec.table} failed (${sql}): ${e.message}`, { cause: err });
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await client.end().catch(() => undefined);
  }
  return Date.now() - started;
}

export async function loadPostgres(opts: LoadPostgresOptions): Promise<LoadPostgresResult> {
  const started = Date.now();
  const schema = opts.schema ?? DEFAULT_SCHEMA;
  const staging = `${schema}_load`;
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_LOAD_CONCURRENCY);
  const maxBadLines = opts.maxBadLines ?? DEFAULT_MAX_BAD_LINES;
  // Biggest first, so the longest COPY starts at once and the small ones fill in around it.
  const sources = (await findSourceFiles(opts.sourceDir)).sort((a, b) => b.size - a.size);
  const badLines = new BadLineLog(maxBadLines);
  // One controller for everything started here: the caller's abort, or our own on the first failure.
  const stop = new AbortController();
  let endAdmin = (): void => undefined;
  const onCallerAbort = (): void => {
    stop.abort(opts.signal?.reason);
    endAdmin(); // a cancelled load may be stuck in any query; closing rolls it back (the next load drops the staging schema)
  };
  opts.signal?.addEventListener('abort', onCallerAbort);
  // Without usable workers (bundled caller, connection settings that cannot be posted) this thread does the parsing.
  const pool = opts.workers !== false && workersAvailable(opts.connection) ? new CopyWorkerPool(concurrency) : null;
  const progress = (table: string) => (rows: number, bytes: number) => opts.onProgress?.(table, rows, bytes);

  const admin = await connectPg(opts.connection, 'pglab imdb load');
  endAdmin = (): void => void admin.end().catch(() => undefined);
  try {
    const { rows } = await admin.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [LOAD_LOCK_KEY]);
    if (!rows[0]?.locked) throw new UserError('another IMDb load is running against this database', 'wait for it to finish, then run the load again');
    // Leftovers of an interrupted load are ours to discard; the live schema is untouched until the swap.
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(staging)} CASCADE`);
    await admin.query(`CREATE SCHEMA ${quoteIdent(staging)}`);

    const copyStarted = Date.now();
    const copied = await mapLimit(sources, concurrency, async (source) => {
      const job: CopyJob = { file: source.spec.file, path: source.path, schema: staging, connection: opts.connection };
      const onProgress = progress(source.spec.table);
      try {
        if (!pool) return await copyTable(job, badLines, onProgress, stop.signal);
        return await pool.run(job, maxBadLines, { onProgress, onBad: (bad) => badLines.add(bad) });
      } catch (err) {
        stop.abort(err); // the other tables stop too
        throw err;
      }
    });
    const copyMs = Date.now() - copyStarted;
    await pool?.destroy();

    // Indexes after all the data: measured faster on 2 cores than starting them while big COPYs still run.
    const indexStarted = Date.now();
    const indexMs = opts.indexes ? await mapLimit(sources, concurrency, (source) => indexTable(source, staging, opts.connection, stop.signal)) : [];
    const indexPhaseMs = Date.now() - indexStarted;
    stop.signal.throwIfAborted();
    const loaded: LoadedTable[] = copied.map((c, i) => ({ ...c, indexMs: indexMs[i] ?? 0 }));

    const swapStarted = Date.now();
    // The swap is one transaction: readers see either the old tables or the new ones, never a mix.
    await admin.query('BEGIN');
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await admin.query(`ALTER SCHEMA ${quoteIdent(staging)} RENAME TO ${quoteIdent(schema)}`);
    await admin.query('COMMIT');
    const swapMs = Date.now() - swapStarted;

    return { tables: loaded, ms: Date.now() - started, phases: { copyMs, indexMs: indexPhaseMs, swapMs }, badLines: badLines.lines };
  } catch (err) {
    await pool?.destroy();
    if (!opts.signal?.aborted) {
      await admin.query('ROLLBACK').catch(() => undefined);
      await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(staging)} CASCADE`).catch(() => undefined);
    }
    if (opts.signal?.aborted) throw new UserError('IMDb load cancelled; the previously loaded data is unchanged');
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onCallerAbort);
    await admin.end().catch(() => undefined);
  }
}
