// The IMDb workloads against the lab's MongoDB replica set: N concurrent loops on one driver pool (N connections), each
// workload for a fixed time after a warm-up, latencies in the same HDR histograms and result shape as the SQL targets.
import { UserError } from '../common/errors.js';
import { Prng } from '../imdb-data/prng.js';
import type { BenchResult, WorkloadResult } from './bench-types.js';
import { newLatencyHistogram } from './latency-histogram.js';
import { MONGO_BENCH_DATABASE, prepareMongoBench, type MongoBenchContext } from './mongo-bench-context.js';
import { MONGO_WORKLOADS, type MongoImplementation } from './mongo-workloads.js';
import { measuredResult, skippedResult } from './run-bench.js';
import { WORKLOAD_NAMES, WORKLOADS, type Workload } from './workloads.js';

/** As durable as PostgreSQL's commit on the same lab: its WAL flushed locally (async), or on the standbys too (sync). */
export type MongoBenchWriteConcern = { w: 1; j: true } | { w: 'majority'; j: true };

export function writeConcernLike(replication: 'async' | 'sync'): MongoBenchWriteConcern {
  return replication === 'sync' ? { w: 'majority', j: true } : { w: 1, j: true };
}

export interface RunMongoBenchOptions {
  uri: string;
  /** How outputs name the server (e.g. from the lab's record of it); the version it reports is added to the label. */
  server?: string;
  /**
   * The write concern of every write but payments' (which is always majority). Set explicitly: MongoDB's implicit
   * default is w: 1 up to 4.4 and w: majority from 5.0, so leaving it out would measure 4.0 and 8.0 differently.
   */
  writeConcern: MongoBenchWriteConcern;
  workloads?: string[];
  clients: number;
  durationMs: number;
  warmupMs?: number;
  seed?: number;
  onProgress?: (workload: string, ops: number, elapsedMs: number, errors: number, target: 'mongo') => void;
  signal?: AbortSignal;
}

async function measure(w: Workload, impl: MongoImplementation, ctx: MongoBenchContext, o: RunMongoBenchOptions): Promise<WorkloadResult> {
  const histogram = newLatencyHistogram();
  let ops = 0;
  let rows = 0;
  let errors = 0;
  let firstError: string | undefined;
  const measureFrom = performance.now() + (o.warmupMs ?? 0);
  const deadline = measureFrom + o.durationMs;
  const elapsed = (): number => Math.max(0, performance.now() - measureFrom);
  const ticker = o.onProgress ? setInterval(() => o.onProgress!(w.name, ops, elapsed(), errors, 'mongo'), 250) : undefined;
  const loop = async (slot: number): Promise<void> => {
    // Same seed per workload and client as the SQL targets: every model is asked the same questions.
    const rng = new Prng(o.seed ?? 1, `${w.name}/${slot}`);
    for (let t0 = performance.now(); t0 < deadline && !o.signal?.aborted; t0 = performance.now()) {
      try {
        const n = await impl.run(rng, ctx);
        if (t0 >= measureFrom) {
          histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
          ops++;
          rows += n;
        }
      } catch (err) {
        if (t0 >= measureFrom) errors++;
        firstError ??= (err as Error).message;
        await new Promise((r) => setTimeout(r, 10)); // the driver reconnects by itself; do not spin while it does
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: o.clients }, (_, slot) => loop(slot)));
  } finally {
    if (ticker) clearInterval(ticker);
  }
  const durationMs = Math.max(1, Math.round(elapsed()));
  o.onProgress?.(w.name, ops, durationMs, errors, 'mongo');
  return measuredResult(w, impl.how, { ops, rows, errors, firstError, histogram, durationMs });
}

export async function runMongoBench(o: RunMongoBenchOptions): Promise<BenchResult> {
  const names = o.workloads ?? [...WORKLOAD_NAMES];
  const workloads = names.map((n) => WORKLOADS.find((w) => w.name === n)).filter((w): w is Workload => w !== undefined);
  const { MongoClient } = await import('mongodb'); // loaded when used: see imdb-data/load-mongo.ts
  const client = new MongoClient(o.uri, { maxPoolSize: o.clients, minPoolSize: o.clients, serverSelectionTimeoutMS: 10_000, appName: 'pglab bench', writeConcern: o.writeConcern });
  try {
    await client.connect();
  } catch (err) {
    await client.close().catch(() => undefined);
    throw new UserError(`cannot reach MongoDB: ${(err as Error).message}`, 'are the mongo machines up? check `pglab status`');
  }
  try {
    const ctx = await prepareMongoBench(client.db('imdb'), client.db(MONGO_BENCH_DATABASE));
    // The version the server itself reports: the column says which mongod answered (buildInfo needs no privilege).
    const version = ((await client.db('admin').command({ buildInfo: 1 }).catch(() => ({}))) as { version?: string }).version;
    const startedAt = new Date().toISOString();
    const results: WorkloadResult[] = [];
    for (const w of workloads) {
      o.signal?.throwIfAborted();
      const impl = MONGO_WORKLOADS[w.name];
      results.push(impl ? await measure(w, impl, ctx, o) : skippedResult(w, 'mongo'));
    }
    return { label: version ? `mongo ${version}` : 'mongo', target: 'mongo', ...(o.server ? { server: o.server } : {}), startedAt, clients: o.clients, durationMs: o.durationMs, workloads: results };
  } finally {
    await client.close().catch(() => undefined);
  }
}
