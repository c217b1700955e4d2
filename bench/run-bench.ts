// Runs named workloads one after another, each with N concurrent PostgreSQL clients for a fixed time, recording latencies;
// with several targets (relational, jsonb) each workload runs on each target in turn, so the targets are measured in the same minutes.
import pg from 'pg';
import { UserError } from '../common/errors.js';
import { Prng } from '../imdb-data/prng.js';
import { DEFAULT_DATA_SCHEMAS, prepareBench, type BenchContext } from './bench-context.js';
import type { BenchTarget, SqlTarget } from './bench-targets.js';
import type { BenchResult, WorkloadResult } from './bench-types.js';
import type { Histogram } from 'hdr-histogram-js';
import { encodeHistogram, newLatencyHistogram, summarize } from './latency-histogram.js';
import { pgStreamOption, ReusedReadSocket } from './reused-read-socket.js';
import { WireSession } from './wire-session.js';
import { WORKLOAD_NAMES, WORKLOADS, type Implementation, type Workload } from './workloads.js';

export interface RunBenchOptions {
  connection: pg.ClientConfig;
  /** Default: all of WORKLOAD_NAMES, in that order. */
  workloads?: string[];
  clients: number;
  /** Measured time per workload. */
  durationMs: number;
  /** Unmeasured time per workload before the measurement (caches, prepared statements). Default 0. */
  warmupMs?: number;
  /** Which data model (default postgres: the relational tables). */
  target?: SqlTarget;
  /** Column label in reports. Default: the target's name. */
  label?: string;
  /** Schema of the target's IMDb data. Default "imdb" (postgres) or "imdb_doc" (jsonb). */
  schema?: string;
  /** Seed of the parameter choices, so two runs ask the same questions. Default 1. */
  seed?: number;
  /** About 4 times a second while a workload runs. */
  onProgress?: (workload: string, ops: number, elapsedMs: number, errors: number, target: SqlTarget) => void;
  signal?: AbortSignal;
}

const PROGRESS_MS = 250;

function pickWorkloads(names: string[] | undefined): Workload[] {
  if (!names) return [...WORKLOADS];
  const unknown = names.filter((n) => !WORKLOAD_NAMES.includes(n));
  if (unknown.length > 0) throw new UserError(`unknown workload ${unknown.join(', ')}`, `choose from ${WORKLOAD_NAMES.join(', ')}`);
  return names.map((n) => WORKLOADS.find((w) => w.name === n)!);
}

/** A connection pg opened on a socket that reads into a buffer of its own (handed to the WireSession once set up). */
interface OpenClient {
  client: pg.Client;
  reads: ReusedReadSocket;
}

async function connect(config: pg.ClientConfig): Promise<OpenClient> {
  const reads = new ReusedReadSocket();
  const client = new pg.Client({ application_name: 'pglab bench', ...config, stream: pgStreamOption(reads) });
  client.on('error', () => undefined); // a dropped connection shows up as a failed query, which is counted
  try {
    await client.connect();
  } catch (err) {
    reads.socket.destroy();
    throw err;
  }
  return { client, reads };
}

/** A benchmark connection: pg connects and authenticates, then the workloads' statements go through its socket directly. */
interface BenchConnection {
  client: pg.Client;
  session: WireSession;
}

const benchConnection = (open: OpenClient): BenchConnection => ({ client: open.client, session: new WireSession(open.client, open.reads) });

/** A connection error (server gone, failover) leaves the client unusable; a query error does not. */
function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return !/^[0-9A-Z]{5}$/.test(code) || code.startsWith('08') || code === '57P01';
}

/** The result of a workload a target has no implementation for: says so, measures nothing. */
export function skippedResult(workload: Workload, target: BenchTarget): WorkloadResult {
  return {
    name: workload.name,
    kind: workload.kind,
    description: workload.description,
    ops: 0,
    rows: 0,
    errors: 0,
    opsPerSec: 0,
    latencyMs: { mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 },
    histogram: '',
    durationMs: 0,
    skipped: `not implemented for ${target}`,
  };
}

async function runWorkload(
  workload: Workload,
  impl: Implementation,
  conns: BenchConnection[],
  opts: RunBenchOptions,
  ctx: BenchContext,
): Promise<WorkloadResult> {
  const histogram = newLatencyHistogram();
  let ops = 0;
  let rows = 0;
  let errors = 0;
  let firstError: string | undefined;
  const warmup = opts.warmupMs ?? 0;
  // One monotonic clock (performance.now, ms with µs resolution) times the operations and the phases: one reading per operation.
  const start = performance.now();
  const measureFrom = start + warmup;
  const deadline = measureFrom + opts.durationMs;
  const elapsed = (): number => Math.max(0, performance.now() - measureFrom);

  const ticker = opts.onProgress ? setInterval(() => opts.onProgress!(workload.name, ops, elapsed(), errors, ctx.target), PROGRESS_MS) : undefined;
  const loop = async (slot: number): Promise<void> => {
    // The same seed per workload and client on every target: both models are asked the same questions.
    const rng = new Prng(opts.seed ?? 1, `${workload.name}/${slot}`);
    let t0 = performance.now();
    while (t0 < deadline && !opts.signal?.aborted) {
      try {
        const n = await impl.run(conns[slot]!.session, rng, ctx);
        const t1 = performance.now();
        // An operation counts when it started after the warm-up; its latency is its own start to its end.
        if (t0 >= measureFrom) {
          histogram.recordValue(Math.max(1, Math.round((t1 - t0) * 1000)));
          ops++;
          rows += n;
        }
        t0 = t1;
      } catch (err) {
        if (t0 >= measureFrom) errors++;
        firstError ??= (err as Error).message;
        if (isConnectionError(err)) {
          await conns[slot]!.client.end().catch(() => undefined);
          try {
            conns[slot] = benchConnection(await connect(opts.connection));
          } catch {
            await new Promise((r) => setTimeout(r, 100)); // server still away: retry after a pause, not in a hot loop
          }
        }
        t0 = performance.now();
      }
    }
  };
  try {
    await Promise.all(conns.map((_, slot) => loop(slot)));
  } finally {
    if (ticker) clearInterval(ticker);
  }
  const durationMs = Math.max(1, Math.round(elapsed()));
  opts.onProgress?.(workload.name, ops, durationMs, errors, ctx.target);
  return measuredResult(workload, impl.how, { ops, rows, errors, firstError, histogram, durationMs });
}

/** A measured workload as the reports take it, from what the loops counted (every target's runner ends here). */
export function measuredResult(
  workload: Workload,
  how: string,
  m: { ops: number; rows: number; errors: number; firstError: string | undefined; histogram: Histogram; durationMs: number },
): WorkloadResult {
  return {
    name: workload.name,
    kind: workload.kind,
    description: workload.description,
    how,
    ops: m.ops,
    rows: m.rows,
    errors: m.errors,
    ...(m.firstError !== undefined ? { firstError: m.firstError } : {}),
    opsPerSec: Math.round((m.ops / m.durationMs) * 1000 * 10) / 10,
    latencyMs: summarize(m.histogram),
    histogram: encodeHistogram(m.histogram),
    durationMs: m.durationMs,
  };
}

export async function runBench(opts: RunBenchOptions): Promise<BenchResult> {
  const target = opts.target ?? 'postgres';
  const [result] = await runBenchTargets({ ...opts, targets: [target], ...(opts.schema ? { schemas: { [target]: opts.schema } } : {}) });
  return { ...result!, label: opts.label ?? target };
}

export interface RunBenchTargetsOptions extends Omit<RunBenchOptions, 'target' | 'label' | 'schema'> {
  targets: SqlTarget[];
  /** Data schema per target (defaults: imdb, imdb_doc). */
  schemas?: Partial<Record<SqlTarget, string>>;
}

/**
 * One result per target, labelled with its name. Workload by workload, every target in turn on the same connections,
 * the order of the targets flipping from one workload to the next (A B, B A, …) so neither always runs first.
 */
export async function runBenchTargets(opts: RunBenchTargetsOptions): Promise<BenchResult[]> {
  if (!Number.isInteger(opts.clients) || opts.clients < 1) throw new UserError(`clients must be a whole number ≥ 1, not ${opts.clients}`, 'pass e.g. --clients 8');
  if (!(opts.durationMs > 0)) throw new UserError(`duration must be positive, not ${opts.durationMs} ms`, 'pass e.g. --duration 10s');
  if (opts.targets.length === 0) throw new UserError('no benchmark target given', 'pass e.g. --target postgres,jsonb');
  const workloads = pickWorkloads(opts.workloads);
  const startedAt = new Date().toISOString();
  const clients: OpenClient[] = [];
  let inUse: BenchConnection[] = [];
  try {
    try {
      for (let i = 0; i < opts.clients; i++) clients.push(await connect(opts.connection));
    } catch (err) {
      throw new UserError(
        `cannot connect to PostgreSQL at ${opts.connection.host ?? 'localhost'}:${opts.connection.port ?? 5432}: ${(err as Error).message}`,
        'is the cluster up? check `pglab status`',
      );
    }
    // Every target's data is checked before anything runs: a missing load fails at once, not after minutes.
    const contexts = new Map<SqlTarget, BenchContext>();
    for (const target of opts.targets) contexts.set(target, await prepareBench(clients[0]!.client, opts.schemas?.[target] ?? DEFAULT_DATA_SCHEMAS[target], target));
    // From here on the connections carry only the workloads' statements; a reconnected one replaces its slot here too.
    const conns = clients.map(benchConnection);
    clients.length = 0;
    inUse = conns;
    const results = new Map<SqlTarget, WorkloadResult[]>(opts.targets.map((t) => [t, []]));
    for (const [i, w] of workloads.entries()) {
      for (const target of i % 2 === 0 ? opts.targets : [...opts.targets].reverse()) {
        opts.signal?.throwIfAborted();
        const impl = w.targets[target];
        results.get(target)!.push(impl ? await runWorkload(w, impl, conns, opts, contexts.get(target)!) : skippedResult(w, target));
      }
    }
    return opts.targets.map((target) => ({
      label: target,
      target,
      startedAt,
      clients: opts.clients,
      durationMs: opts.durationMs,
      workloads: results.get(target)!,
    }));
  } finally {
    await Promise.all([...clients, ...inUse].map((c) => c.client).map((c) => c.end().catch(() => undefined)));
  }
}
