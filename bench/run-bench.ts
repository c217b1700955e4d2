// Runs named workloads one after another, each with N concurrent PostgreSQL clients for a fixed time, recording latencies.
import pg from 'pg';
import { UserError } from '../common/errors.js';
import { Prng } from '../imdb-data/prng.js';
import { prepareBench, type BenchContext } from './bench-context.js';
import type { BenchResult, WorkloadResult } from './bench-types.js';
import { encodeHistogram, newLatencyHistogram, summarize } from './latency-histogram.js';
import { WORKLOAD_NAMES, WORKLOADS, type Workload } from './workloads.js';

export interface RunBenchOptions {
  connection: pg.ClientConfig;
  /** Default: all of WORKLOAD_NAMES, in that order. */
  workloads?: string[];
  clients: number;
  /** Measured time per workload. */
  durationMs: number;
  /** Unmeasured time per workload before the measurement (caches, prepared statements). Default 0. */
  warmupMs?: number;
  /** Column label in reports. Default "postgres". */
  label?: string;
  /** IMDb schema. Default "imdb". */
  schema?: string;
  /** Seed of the parameter choices, so two runs ask the same questions. Default 1. */
  seed?: number;
  /** About 4 times a second while a workload runs. */
  onProgress?: (workload: string, ops: number, elapsedMs: number, errors: number) => void;
  signal?: AbortSignal;
}

const PROGRESS_MS = 250;

function pickWorkloads(names: string[] | undefined): Workload[] {
  if (!names) return [...WORKLOADS];
  const unknown = names.filter((n) => !WORKLOAD_NAMES.includes(n));
  if (unknown.length > 0) throw new UserError(`unknown workload ${unknown.join(', ')}`, `choose from ${WORKLOAD_NAMES.join(', ')}`);
  return names.map((n) => WORKLOADS.find((w) => w.name === n)!);
}

async function connect(config: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client({ application_name: 'pglab bench', ...config });
  client.on('error', () => undefined); // a dropped connection shows up as a failed query, which is counted
  await client.connect();
  return client;
}

/** A connection error (server gone, failover) leaves the client unusable; a query error does not. */
function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return !/^[0-9A-Z]{5}$/.test(code) || code.startsWith('08') || code === '57P01';
}

async function runWorkload(
  workload: Workload,
  clients: pg.Client[],
  opts: RunBenchOptions,
  ctx: BenchContext,
): Promise<WorkloadResult> {
  const histogram = newLatencyHistogram();
  let ops = 0;
  let rows = 0;
  let errors = 0;
  let firstError: string | undefined;
  const warmup = opts.warmupMs ?? 0;
  const start = Date.now();
  const measureFrom = start + warmup;
  const deadline = measureFrom + opts.durationMs;

  const ticker = opts.onProgress
    ? setInterval(() => opts.onProgress!(workload.name, ops, Math.max(0, Date.now() - measureFrom), errors), PROGRESS_MS)
    : undefined;
  const loop = async (slot: number): Promise<void> => {
    const rng = new Prng(opts.seed ?? 1, `${workload.name}/${slot}`);
    while (Date.now() < deadline && !opts.signal?.aborted) {
      const t0 = process.hrtime.bigint();
      try {
        const n = await workload.run(clients[slot]!, rng, ctx);
        const us = Number((process.hrtime.bigint() - t0) / 1000n);
        if (Date.now() >= measureFrom) {
          histogram.recordValue(Math.max(1, us));
          ops++;
          rows += n;
        }
      } catch (err) {
        if (Date.now() >= measureFrom) errors++;
        firstError ??= (err as Error).message;
        if (isConnectionError(err)) {
          await clients[slot]!.end().catch(() => undefined);
          try {
            clients[slot] = await connect(opts.connection);
          } catch {
            await new Promise((r) => setTimeout(r, 100)); // server still away: retry after a pause, not in a hot loop
          }
        }
      }
    }
  };
  try {
    await Promise.all(clients.map((_, slot) => loop(slot)));
  } finally {
    if (ticker) clearInterval(ticker);
  }
  const durationMs = Math.max(1, Date.now() - measureFrom);
  opts.onProgress?.(workload.name, ops, durationMs, errors);
  return {
    name: workload.name,
    kind: workload.kind,
    description: workload.description,
    ops,
    rows,
    errors,
    ...(firstError !== undefined ? { firstError } : {}),
    opsPerSec: Math.round((ops / durationMs) * 1000 * 10) / 10,
    latencyMs: summarize(histogram),
    histogram: encodeHistogram(histogram),
    durationMs,
  };
}

export async function runBench(opts: RunBenchOptions): Promise<BenchResult> {
  if (!Number.isInteger(opts.clients) || opts.clients < 1) throw new UserError(`clients must be a whole number ≥ 1, not ${opts.clients}`, 'pass e.g. --clients 8');
  if (!(opts.durationMs > 0)) throw new UserError(`duration must be positive, not ${opts.durationMs} ms`, 'pass e.g. --duration 10s');
  const workloads = pickWorkloads(opts.workloads);
  const startedAt = new Date().toISOString();
  const clients: pg.Client[] = [];
  try {
    try {
      for (let i = 0; i < opts.clients; i++) clients.push(await connect(opts.connection));
    } catch (err) {
      throw new UserError(
        `cannot connect to PostgreSQL at ${opts.connection.host ?? 'localhost'}:${opts.connection.port ?? 5432}: ${(err as Error).message}`,
        'is the cluster up? check `pglab status`',
      );
    }
    const ctx = await prepareBench(clients[0]!, opts.schema);
    const results: WorkloadResult[] = [];
    for (const w of workloads) {
      opts.signal?.throwIfAborted();
      results.push(await runWorkload(w, clients, opts, ctx));
    }
    return { label: opts.label ?? 'postgres', startedAt, clients: opts.clients, durationMs: opts.durationMs, workloads: results };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}
