// Loads the seven IMDb files into PostgreSQL: parallel streaming COPY into fresh tables, indexes after, ANALYZE, then an atomic swap.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { UserError } from '../common/errors.js';
import { BadLineLog, DEFAULT_MAX_BAD_LINES, type BadLine } from './bad-lines.js';
import { ImdbToCopyTransform } from './copy-transform.js';
import { mapLimit } from './map-limit.js';
import { createTableSql, DEFAULT_SCHEMA, indexSql, qualified, quoteIdent } from './schema-sql.js';
import { findSourceFiles, gzipUserError, isGzipError, type SourceFile } from './source-files.js';

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
}

export interface LoadedTable {
  table: string;
  file: string;
  rows: number;
  /** Decompressed source bytes. */
  bytes: number;
  /** Time of the COPY. */
  ms: number;
  /** Time of the primary key and indexes (0 without indexes). */
  indexMs: number;
}

export interface LoadPostgresResult {
  tables: LoadedTable[];
  ms: number;
  badLines: BadLine[];
}

const PROGRESS_MS = 250;
/** Any fixed number works; it keeps two loads of the same database from interleaving. */
const LOAD_LOCK_KEY = 0x706c6162; // "plab"

async function connect(config: pg.ClientConfig, clients: Set<pg.Client>): Promise<pg.Client> {
  const client = new pg.Client({ application_name: 'pglab imdb load', ...config });
  clients.add(client);
  client.on('error', () => undefined); // surfaced by the query that fails; an idle error must not crash the process
  try {
    await client.connect();
  } catch (err) {
    const target = `${config.host ?? 'localhost'}:${config.port ?? 5432}`;
    throw new UserError(`cannot connect to PostgreSQL at ${target}: ${(err as Error).message}`, 'is the cluster up? check `pglab status`');
  }
  return client;
}

async function copyTable(
  source: SourceFile,
  schema: string,
  config: pg.ClientConfig,
  clients: Set<pg.Client>,
  badLines: BadLineLog,
  active: Map<string, ImdbToCopyTransform>,
  signal: AbortSignal | undefined,
): Promise<Omit<LoadedTable, 'indexMs'>> {
  const client = await connect(config, clients);
  const started = Date.now();
  const transform = new ImdbToCopyTransform(source.spec, source.path, badLines);
  active.set(source.spec.table, transform);
  try {
    // Create and fill in one transaction so COPY can FREEZE: rows are written already frozen, no vacuum pass later.
    await client.query('BEGIN');
    await client.query(createTableSql(schema, source.spec));
    const columns = source.spec.columns.map((c) => quoteIdent(c.name)).join(', ');
    const copy = client.query(copyFrom(`COPY ${qualified(schema, source.spec.table)} (${columns}) FROM STDIN WITH (FREEZE)`));
    // Big output chunks: per-chunk overhead (callbacks, buffers, CopyData messages) is paid 16× less than at 16 kB.
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    try {
      await pipeline(createReadStream(source.path, { highWaterMark: 256 * 1024 }), gunzip, transform, copy, { signal });
    } catch (err) {
      if (isGzipError(err)) throw gzipUserError(source.path, err);
      if (err instanceof UserError || signal?.aborted) throw err;
      throw new Error(`COPY of ${source.path} into ${schema}.${source.spec.table} failed near line ${transform.lineNo}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    await client.query('COMMIT');
  } finally {
    active.delete(source.spec.table);
    clients.delete(client);
    await client.end().catch(() => undefined);
  }
  return { table: source.spec.table, file: source.spec.file, rows: transform.rows, bytes: transform.bytes, ms: Date.now() - started };
}

async function indexTable(source: SourceFile, schema: string, config: pg.ClientConfig, clients: Set<pg.Client>): Promise<number> {
  const client = await connect(config, clients);
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
    await client.query(`ANALYZE ${qualified(schema, source.spec.table)}`);
  } finally {
    clients.delete(client);
    await client.end().catch(() => undefined);
  }
  return Date.now() - started;
}

export async function loadPostgres(opts: LoadPostgresOptions): Promise<LoadPostgresResult> {
  const started = Date.now();
  const schema = opts.schema ?? DEFAULT_SCHEMA;
  const staging = `${schema}_load`;
  const concurrency = opts.concurrency ?? 4;
  // Biggest first, so the longest COPY starts at once and the small ones fill in around it.
  const sources = (await findSourceFiles(opts.sourceDir)).sort((a, b) => b.size - a.size);
  const badLines = new BadLineLog(opts.maxBadLines ?? DEFAULT_MAX_BAD_LINES);
  const clients = new Set<pg.Client>();
  const active = new Map<string, ImdbToCopyTransform>();
  const onAbort = (): void => {
    for (const c of clients) void c.end().catch(() => undefined); // a closed connection rolls back whatever it was doing
  };
  opts.signal?.addEventListener('abort', onAbort);
  const ticker = opts.onProgress
    ? setInterval(() => {
        for (const [table, t] of active) opts.onProgress!(table, t.rows, t.bytes);
      }, PROGRESS_MS)
    : undefined;

  const admin = await connect(opts.connection, clients);
  try {
    const { rows } = await admin.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [LOAD_LOCK_KEY]);
    if (!rows[0]?.locked) throw new UserError('another IMDb load is running against this database', 'wait for it to finish, then run the load again');
    // Leftovers of an interrupted load are ours to discard; the live schema is untouched until the swap.
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(staging)} CASCADE`);
    await admin.query(`CREATE SCHEMA ${quoteIdent(staging)}`);

    const copied = await mapLimit(sources, concurrency, async (source) => {
      const result = await copyTable(source, staging, opts.connection, clients, badLines, active, opts.signal);
      opts.onProgress?.(result.table, result.rows, result.bytes);
      return result;
    });
    const indexMs = opts.indexes
      ? await mapLimit(sources, concurrency, (source) => indexTable(source, staging, opts.connection, clients))
      : await mapLimit(sources, concurrency, async (source) => {
          const client = await connect(opts.connection, clients);
          try {
            await client.query(`ANALYZE ${qualified(staging, source.spec.table)}`);
          } finally {
            clients.delete(client);
            await client.end().catch(() => undefined);
          }
          return 0;
        });
    opts.signal?.throwIfAborted();

    // The swap is one transaction: readers see either the old tables or the new ones, never a mix.
    await admin.query('BEGIN');
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await admin.query(`ALTER SCHEMA ${quoteIdent(staging)} RENAME TO ${quoteIdent(schema)}`);
    await admin.query('COMMIT');

    const tables = copied.map((c, i) => ({ ...c, indexMs: indexMs[i] ?? 0 }));
    return { tables, ms: Date.now() - started, badLines: badLines.lines };
  } catch (err) {
    await admin.query('ROLLBACK').catch(() => undefined);
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(staging)} CASCADE`).catch(() => undefined);
    if (opts.signal?.aborted) throw new UserError('IMDb load cancelled; the previously loaded data is unchanged');
    throw err;
  } finally {
    if (ticker) clearInterval(ticker);
    opts.signal?.removeEventListener('abort', onAbort);
    for (const c of clients) await c.end().catch(() => undefined);
  }
}
