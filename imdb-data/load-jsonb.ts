// Loads the document model (the same documents as MongoDB's) into PostgreSQL jsonb tables: COPY into a staging schema, indexes, ANALYZE, atomic swap.
import { setMaxListeners } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { UserError } from '../common/errors.js';
import { BadLineLog, DEFAULT_MAX_BAD_LINES, type BadLine } from './bad-lines.js';
import { readDocuments } from './document-source.js';
import { DOCUMENT_TABLES, documentCopyRow, documentIndexSql, documentTableSql, JSONB_SCHEMA, type DocumentTable } from './jsonb-model.js';
import type { PersonDocument, TitleDocument } from './mongo-model.js';
import { connectPg } from './pg-connect.js';
import { qualified, quoteIdent } from './schema-sql.js';
import { findSourceFiles } from './source-files.js';

export interface LoadJsonbOptions {
  connection: pg.ClientConfig;
  sourceDir: string;
  /** Target schema (default `imdb_doc`). The load builds `<schema>_load` and swaps it in. */
  schema?: string;
  /** Primary keys and the workloads' expression indexes (default true). */
  indexes?: boolean;
  /** At most ~4 calls a second per table, and once when it is done. `bytes` are COPY bytes (the JSON text). */
  onProgress?: (table: DocumentTable, documents: number, bytes: number) => void;
  signal?: AbortSignal;
  maxBadLines?: number;
}

export interface LoadedDocumentTable {
  table: DocumentTable;
  documents: number;
  bytes: number;
  /** COPY time. */
  ms: number;
  /** Primary key and indexes. */
  indexMs: number;
  analyzeMs: number;
}

export interface LoadJsonbResult {
  tables: LoadedDocumentTable[];
  ms: number;
  badLines: BadLine[];
  /** Rows of title files whose tconst is not in title.basics: skipped, counted per file (as the MongoDB load does). */
  orphans: Record<string, number>;
}

/** Not the relational loader's key: a jsonb load and a relational load may run side by side, two jsonb loads not. */
const LOAD_LOCK_KEY = 0x706c6a62; // "pljb"
const PROGRESS_MS = 250;
/** COPY data is sent in chunks of about this size: fewer CopyData messages and callbacks than one per document. */
const CHUNK_CHARS = 256 * 1024;

interface Counter {
  documents: number;
  bytes: number;
}

/** The COPY text of a document stream, in chunks; counts as it goes. */
export async function* copyChunks(docs: AsyncIterable<TitleDocument | PersonDocument>, counter: Counter, chunkChars = CHUNK_CHARS): AsyncGenerator<string> {
  let parts: string[] = [];
  let size = 0;
  for await (const doc of docs) {
    const row = documentCopyRow(doc);
    parts.push(row);
    size += row.length;
    counter.documents++;
    if (size >= chunkChars) {
      const chunk = parts.join('');
      counter.bytes += Buffer.byteLength(chunk);
      yield chunk;
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) {
    const last = parts.join('');
    counter.bytes += Buffer.byteLength(last);
    yield last;
  }
}

async function copyDocuments(
  config: pg.ClientConfig,
  schema: string,
  table: DocumentTable,
  docs: AsyncIterable<TitleDocument | PersonDocument>,
  opts: LoadJsonbOptions,
  signal: AbortSignal,
): Promise<LoadedDocumentTable> {
  const client = await connectPg(config, 'pglab imdb load jsonb');
  const onAbort = (): void => void client.end().catch(() => undefined); // closing the connection rolls the COPY back
  signal.addEventListener('abort', onAbort);
  const counter: Counter = { documents: 0, bytes: 0 };
  const ticker = setInterval(() => opts.onProgress?.(table, counter.documents, counter.bytes), PROGRESS_MS);
  const started = Date.now();
  try {
    // Created and filled in one transaction, so COPY can FREEZE (no vacuum pass over the new rows later).
    await client.query('BEGIN');
    await client.query(documentTableSql(schema, table));
    const copy = client.query(copyFrom(`COPY ${qualified(schema, table)} (id, doc) FROM STDIN WITH (FREEZE)`));
    try {
      await pipeline(Readable.from(copyChunks(docs, counter)), copy, { signal });
    } catch (err) {
      if (err instanceof UserError || signal.aborted) throw err;
      throw new Error(`COPY of the ${table} documents into ${schema}.${table} failed after ${counter.documents} documents: ${(err as Error).message}`, { cause: err });
    }
    await client.query('COMMIT');
  } finally {
    clearInterval(ticker);
    signal.removeEventListener('abort', onAbort);
    await client.end().catch(() => undefined);
  }
  opts.onProgress?.(table, counter.documents, counter.bytes);
  return { table, documents: counter.documents, bytes: counter.bytes, ms: Date.now() - started, indexMs: 0, analyzeMs: 0 };
}

/** Keys and indexes, then ANALYZE: statistics on the indexed expressions exist only once their indexes do. */
async function indexAndAnalyze(config: pg.ClientConfig, schema: string, loaded: LoadedDocumentTable, indexes: boolean, signal: AbortSignal): Promise<void> {
  const client = await connectPg(config, 'pglab imdb load jsonb');
  const onAbort = (): void => void client.end().catch(() => undefined);
  signal.addEventListener('abort', onAbort);
  try {
    await client.query(`SET maintenance_work_mem = '256MB'`);
    const t0 = Date.now();
    if (indexes) {
      for (const sql of documentIndexSql(schema, loaded.table)) {
        try {
          await client.query(sql);
        } catch (err) {
          const e = err as pg.DatabaseError;
          if (e.code === '23505') throw new UserError(`two ${loaded.table} documents have the same id: ${e.detail ?? e.message}`, 'the source files are not valid IMDb data; fetch or generate them again');
          throw new Error(`indexing ${schema}.${loaded.table} failed (${sql}): ${e.message}`, { cause: err });
        }
      }
    }
    const t1 = Date.now();
    await client.query(`ANALYZE ${qualified(schema, loaded.table)}`);
    loaded.indexMs = t1 - t0;
    loaded.analyzeMs = Date.now() - t1;
  } finally {
    signal.removeEventListener('abort', onAbort);
    await client.end().catch(() => undefined);
  }
}

export async function loadJsonb(opts: LoadJsonbOptions): Promise<LoadJsonbResult> {
  const started = Date.now();
  const schema = opts.schema ?? JSONB_SCHEMA;
  const staging = `${schema}_load`;
  await findSourceFiles(opts.sourceDir); // a missing file is reported before connecting
  const badLines = new BadLineLog(opts.maxBadLines ?? DEFAULT_MAX_BAD_LINES);
  // One controller for everything started here: the caller's abort, or our own on the first failure.
  const stop = new AbortController();
  setMaxListeners(32, stop.signal); // seven file streams, two COPY and two index connections, two pipelines listen to it
  let endAdmin = (): void => undefined;
  const onCallerAbort = (): void => {
    stop.abort(opts.signal?.reason);
    endAdmin();
  };
  opts.signal?.addEventListener('abort', onCallerAbort);
  const admin = await connectPg(opts.connection, 'pglab imdb load jsonb');
  endAdmin = (): void => void admin.end().catch(() => undefined);
  try {
    const { rows } = await admin.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [LOAD_LOCK_KEY]);
    if (!rows[0]?.locked) throw new UserError('another jsonb IMDb load is running against this database', 'wait for it to finish, then run the load again');
    // Leftovers of an interrupted load are ours to discard; the live schema is untouched until the swap.
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(staging)} CASCADE`);
    await admin.query(`CREATE SCHEMA ${quoteIdent(staging)}`);

    const { titles, people, orphans } = await readDocuments(opts.sourceDir, badLines, stop.signal);
    const streams: Record<DocumentTable, AsyncIterable<TitleDocument | PersonDocument>> = { titles, people };
    // Both tables at once, each on its own connection; the first failure stops the other.
    const loaded = await Promise.all(
      DOCUMENT_TABLES.map(async (table) => {
        try {
          const t = await copyDocuments(opts.connection, staging, table, streams[table], opts, stop.signal);
          await indexAndAnalyze(opts.connection, staging, t, opts.indexes !== false, stop.signal);
          return t;
        } catch (err) {
          stop.abort(err);
          throw err;
        }
      }),
    );
    stop.signal.throwIfAborted();

    // One transaction: readers see the old documents or the new ones, never a mix.
    await admin.query('BEGIN');
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await admin.query(`ALTER SCHEMA ${quoteIdent(staging)} RENAME TO ${quoteIdent(schema)}`);
    await admin.query('COMMIT');
    return { tables: loaded, ms: Date.now() - started, badLines: badLines.lines, orphans };
  } catch (err) {
    if (!opts.signal?.aborted) {
      await admin.query('ROLLBACK').catch(() => undefined);
      await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(staging)} CASCADE`).catch(() => undefined);
    }
    if (opts.signal?.aborted) throw new UserError('jsonb load cancelled; the previously loaded documents are unchanged');
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onCallerAbort);
    await admin.end().catch(() => undefined);
  }
}
