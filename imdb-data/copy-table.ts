// Streams one IMDb file into a new table: create + COPY FREEZE + ANALYZE in one transaction, on its own connection.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { UserError } from '../common/errors.js';
import type { BadLineLog } from './bad-lines.js';
import { ImdbToCopyTransform } from './copy-transform.js';
import { fileSpec } from './imdb-files.js';
import { connectPg } from './pg-connect.js';
import { createTableSql, qualified, quoteIdent } from './schema-sql.js';
import { gzipUserError, isGzipError } from './source-files.js';

/** Everything a copy needs, as plain data so it can be posted to a worker thread. */
export interface CopyJob {
  file: string;
  path: string;
  schema: string;
  connection: pg.ClientConfig;
}

export interface CopiedTable {
  table: string;
  file: string;
  rows: number;
  bytes: number;
  /** Time of the COPY. */
  ms: number;
  /** Time of the ANALYZE that followed it. */
  analyzeMs: number;
}

const PROGRESS_MS = 250;

export async function copyTable(
  job: CopyJob,
  badLines: BadLineLog,
  onProgress: (rows: number, bytes: number) => void,
  signal?: AbortSignal,
): Promise<CopiedTable> {
  const spec = fileSpec(job.file);
  const client = await connectPg(job.connection, 'pglab imdb load');
  const onAbort = (): void => void client.end().catch(() => undefined); // closing the connection rolls the COPY back
  signal?.addEventListener('abort', onAbort);
  const started = Date.now();
  let copyMs = 0;
  let analyzeMs = 0;
  const transform = new ImdbToCopyTransform(spec, job.path, badLines);
  const ticker = setInterval(() => onProgress(transform.rows, transform.bytes), PROGRESS_MS);
  try {
    // Create and fill in one transaction so COPY can FREEZE: rows are written already frozen, no vacuum pass later.
    await client.query('BEGIN');
    await client.query(createTableSql(job.schema, spec));
    const columns = spec.columns.map((c) => quoteIdent(c.name)).join(', ');
    const copy = client.query(copyFrom(`COPY ${qualified(job.schema, spec.table)} (${columns}) FROM STDIN WITH (FREEZE)`));
    // Big output chunks: per-chunk overhead (callbacks, buffers, CopyData messages) is paid 16× less than at 16 kB.
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    try {
      await pipeline(createReadStream(job.path, { highWaterMark: 256 * 1024 }), gunzip, transform, copy, signal ? { signal } : {});
    } catch (err) {
      if (isGzipError(err)) throw gzipUserError(job.path, err);
      if (err instanceof UserError || signal?.aborted) throw err;
      throw new Error(`COPY of ${job.path} into ${job.schema}.${spec.table} failed near line ${transform.lineNo}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    copyMs = Date.now() - started;
    // Right after its own COPY, so it overlaps the COPYs of the other tables instead of waiting for the slowest one;
    // the planner then has statistics the moment the tables are swapped in.
    const analyzeStarted = Date.now();
    await client.query(`ANALYZE ${qualified(job.schema, spec.table)}`);
    analyzeMs = Date.now() - analyzeStarted;
    await client.query('COMMIT');
  } finally {
    clearInterval(ticker);
    signal?.removeEventListener('abort', onAbort);
    await client.end().catch(() => undefined);
  }
  onProgress(transform.rows, transform.bytes);
  return { table: spec.table, file: spec.file, rows: transform.rows, bytes: transform.bytes, ms: copyMs, analyzeMs };
}
