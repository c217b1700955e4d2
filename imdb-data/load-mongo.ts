// Loads the IMDb files into MongoDB as `titles` and `people` documents: unordered batched inserts, indexes after, then rename into place.
// The driver is loaded when a mongo command runs: importing it cost every pglab command ~90 ms at start.
import type { Collection, Db, Document } from 'mongodb';
import { UserError } from '../common/errors.js';
import { BadLineLog, DEFAULT_MAX_BAD_LINES, type BadLine } from './bad-lines.js';
import { readDocuments } from './document-source.js';
import { MONGO_INDEXES } from './mongo-model.js';
import { findSourceFiles } from './source-files.js';

export interface LoadMongoOptions {
  /** e.g. mongodb://10.42.0.40:27017/?replicaSet=rs0 */
  uri: string;
  sourceDir: string;
  /** Database name (default `imdb`). */
  database?: string;
  /** Documents per insertMany (default 1000). */
  batchSize?: number;
  /** insertMany calls in flight per collection (default 4). */
  inFlight?: number;
  /** At most ~4 calls a second per collection, plus one at the end. */
  onProgress?: (collection: string, documents: number) => void;
  signal?: AbortSignal;
  maxBadLines?: number;
  /** How long to look for a server before giving up (default 10 s). */
  serverSelectionTimeoutMS?: number;
}

export interface LoadMongoResult {
  collections: { collection: string; documents: number; ms: number; indexMs: number }[];
  ms: number;
  badLines: BadLine[];
  /** Rows in title files whose tconst is not in title.basics: skipped, counted per file. */
  orphans: Record<string, number>;
}

const PROGRESS_MS = 250;

/** Inserts documents in unordered batches with a few batches in flight; ordered=false lets the server parallelise and not stop at one bad document. */
export async function insertAll<T extends Document>(
  collection: Pick<Collection<T>, 'insertMany'>,
  docs: AsyncIterable<T>,
  opts: Pick<LoadMongoOptions, 'batchSize' | 'inFlight' | 'onProgress' | 'signal'>,
  name: string,
): Promise<number> {
  const batchSize = opts.batchSize ?? 1000;
  const inFlight = new Set<Promise<void>>();
  let count = 0;
  let lastReport = 0;
  let batch: T[] = [];
  // A failed batch is remembered here, not left as a rejected promise nobody awaits yet (that would crash Node).
  let failure: { error: unknown } | undefined;
  const send = async (items: T[]): Promise<void> => {
    const p: Promise<void> = collection
      .insertMany(items as never, { ordered: false })
      .then(
        () => {
          count += items.length;
          const now = Date.now();
          if (opts.onProgress && now - lastReport >= PROGRESS_MS) {
            lastReport = now;
            opts.onProgress(name, count);
          }
        },
        (err: unknown) => {
          failure ??= { error: err };
        },
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= (opts.inFlight ?? 4)) await Promise.race(inFlight);
    if (failure) throw failure.error;
  };
  try {
    for await (const doc of docs) {
      opts.signal?.throwIfAborted();
      batch.push(doc);
      if (batch.length >= batchSize) {
        await send(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await send(batch);
    await Promise.all(inFlight);
    if (failure) throw failure.error;
  } catch (err) {
    await Promise.all(inFlight);
    const { MongoBulkWriteError } = await import('mongodb');
    if (err instanceof MongoBulkWriteError) {
      const first = Array.isArray(err.writeErrors) ? err.writeErrors[0] : err.writeErrors;
      throw new Error(`inserting into ${name} failed for ${Array.isArray(err.writeErrors) ? err.writeErrors.length : 1} documents (first: ${first?.errmsg ?? err.message})`, { cause: err });
    }
    throw err;
  }
  opts.onProgress?.(name, count);
  return count;
}

/** The documents both document loaders insert (see document-source.ts). */
export const readMongoDocuments = readDocuments;

async function finish(db: Db, staging: string, target: 'titles' | 'people'): Promise<number> {
  const started = Date.now();
  await db.collection(staging).createIndexes(MONGO_INDEXES[target]);
  // renameCollection with dropTarget replaces the old collection in one step: readers never see a half-loaded one.
  await db.renameCollection(staging, target, { dropTarget: true });
  return Date.now() - started;
}

export async function loadMongo(opts: LoadMongoOptions): Promise<LoadMongoResult> {
  const started = Date.now();
  await findSourceFiles(opts.sourceDir); // a missing file is reported before connecting
  const badLines = new BadLineLog(opts.maxBadLines ?? DEFAULT_MAX_BAD_LINES);
  const { MongoClient } = await import('mongodb');
  // Majority, named: 4.0's implicit default is w: 1 and 8.0's majority; the load is read back (verify) after a failover too.
  const client = new MongoClient(opts.uri, { serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 10_000, appName: 'pglab imdb load', writeConcern: { w: 'majority' } });
  try {
    await client.connect();
  } catch (err) {
    throw new UserError(
      `cannot reach MongoDB at ${opts.uri}: ${(err as Error).message}`,
      'are the mongo machines up? check `pglab status`; until then load PostgreSQL only (`pglab imdb load --target postgres`)',
    );
  }
  const onAbort = (): void => void client.close(true).catch(() => undefined);
  opts.signal?.addEventListener('abort', onAbort);
  try {
    const db = client.db(opts.database ?? 'imdb');
    for (const name of ['titles_load', 'people_load']) await db.collection(name).drop().catch(() => undefined); // leftovers of an interrupted load

    const { titles, people, orphans } = await readMongoDocuments(opts.sourceDir, badLines, opts.signal);
    const time = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
      const t = Date.now();
      const value = await fn();
      return [value, Date.now() - t];
    };
    const [[titleCount, titleMs], [peopleCount, peopleMs]] = await Promise.all([
      time(() => insertAll(db.collection('titles_load'), titles, opts, 'titles')),
      time(() => insertAll(db.collection('people_load'), people, opts, 'people')),
    ]);
    const titleIndexMs = await finish(db, 'titles_load', 'titles');
    const peopleIndexMs = await finish(db, 'people_load', 'people');
    return {
      collections: [
        { collection: 'titles', documents: titleCount, ms: titleMs, indexMs: titleIndexMs },
        { collection: 'people', documents: peopleCount, ms: peopleMs, indexMs: peopleIndexMs },
      ],
      ms: Date.now() - started,
      badLines: badLines.lines,
      orphans,
    };
  } catch (err) {
    if (opts.signal?.aborted) throw new UserError('MongoDB load cancelled; the previously loaded collections are unchanged');
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await client.close().catch(() => undefined);
  }
}
