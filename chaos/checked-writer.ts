// Writers that insert unique ids through haproxy and remember exactly which
// inserts were acknowledged, by which server, and when: the evidence a chaos
// run is judged on.
import pg from 'pg';
import { waitUntil } from '../common/wait-until.js';

export const CHAOS_TABLE = 'pglab_chaos_writes';

export interface Ack {
  id: number;
  client: number;
  /** ms since the run's start (monotonic). */
  sentAt: number;
  ackAt: number;
  /** The server that committed it (inet_server_addr()). */
  node: string;
}

export interface Failure {
  client: number;
  at: number;
  error: string;
  /** The insert in flight when it failed (absent when the connection failed before one was sent): it may have committed. */
  id?: number;
  sentAt?: number;
}

export interface WriteLog {
  acks: Ack[];
  failures: Failure[];
}

export interface WriterOptions {
  connection: pg.ClientConfig;
  clients: number;
  /** Monotonic origin shared with the fault injector. */
  t0: number;
  /** Pause between inserts of one client; 0 = as fast as it can. */
  pauseMs?: number;
}

const now = (t0: number) => performance.now() - t0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function prepareTable(connection: pg.ClientConfig): Promise<void> {
  const c = new pg.Client(connection);
  await c.connect();
  try {
    await c.query(`DROP TABLE IF EXISTS ${CHAOS_TABLE}`);
    await c.query(`CREATE TABLE ${CHAOS_TABLE} (id bigint PRIMARY KEY, client int NOT NULL, node inet DEFAULT inet_server_addr(), at timestamptz DEFAULT clock_timestamp())`);
  } finally {
    await c.end();
  }
}

/** Starts the writers; `stop()` ends them and returns everything they saw; `log` is the live log. */
export function startWriters(opts: WriterOptions): { stop: () => Promise<WriteLog>; log: Readonly<WriteLog> } {
  return runWriterLoops(opts.clients, (client, log, running) => writerLoop(client, opts, log, running));
}

/** Runs `clients` writer loops into one log until `stop()`, which returns the log with its acks in time order. */
export function runWriterLoops(clients: number, loop: (client: number, log: WriteLog, running: () => boolean) => Promise<void>): { stop: () => Promise<WriteLog>; log: Readonly<WriteLog> } {
  const log: WriteLog = { acks: [], failures: [] };
  let running = true;
  const loops = Array.from({ length: clients }, (_, client) => loop(client, log, () => running));
  return {
    log,
    async stop() {
      running = false;
      await Promise.all(loops);
      log.acks.sort((a, b) => a.ackAt - b.ackAt);
      return log;
    },
  };
}

async function writerLoop(client: number, opts: WriterOptions, log: WriteLog, running: () => boolean): Promise<void> {
  let seq = 0;
  let conn: pg.Client | undefined;
  while (running()) {
    let attempt: { id: number; sentAt: number } | undefined;
    try {
      if (!conn) {
        conn = new pg.Client({ ...opts.connection, connectionTimeoutMillis: 1000, query_timeout: 2000 });
        conn.on('error', () => undefined); // a dropped connection surfaces on the next query
        await conn.connect();
      }
      const id = client * 1_000_000_000 + ++seq;
      const sentAt = now(opts.t0);
      attempt = { id, sentAt };
      const r = await conn.query<{ node: string }>(`INSERT INTO ${CHAOS_TABLE} (id, client) VALUES ($1, $2) RETURNING host(inet_server_addr()) AS node`, [id, client]);
      log.acks.push({ id, client, sentAt, ackAt: now(opts.t0), node: r.rows[0]?.node ?? '?' });
      if (opts.pauseMs) await sleep(opts.pauseMs);
    } catch (err) {
      log.failures.push({ client, at: now(opts.t0), error: (err as Error).message, ...attempt });
      await conn?.end().catch(() => undefined);
      conn = undefined;
      await sleep(50);
    }
  }
  await conn?.end().catch(() => undefined);
}

/** Which acknowledged ids are missing from the table now (read from the current primary). */
export async function missingAcked(connection: pg.ClientConfig, acks: readonly Ack[]): Promise<number[]> {
  const present = await presentIds(connection);
  return acks.filter((a) => !present.ids.has(a.id)).map((a) => a.id);
}

/** Every id in the table now, read from the current primary, and the server that answered. */
export async function presentIds(connection: pg.ClientConfig): Promise<{ ids: Set<number>; node: string | null }> {
  // pgbouncer refuses logins for server_login_retry (15 s) after its server failed one (a just-restarted
  // primary): that says nothing about the data, so the check waits it out instead of failing the run.
  return waitUntil(
    'the primary to answer the final read',
    async () => {
      const c = new pg.Client(connection);
      c.on('error', () => undefined);
      try {
        await c.connect();
        const r = await c.query<{ id: string }>(`SELECT id FROM ${CHAOS_TABLE}`);
        const where = await c.query<{ node: string | null }>('SELECT host(inet_server_addr()) AS node');
        return { ids: new Set(r.rows.map((row) => Number(row.id))), node: where.rows[0]?.node ?? null };
      } finally {
        await c.end().catch(() => undefined);
      }
    },
    { timeoutMs: 30_000, intervalMs: 500, retryErrors: true },
  );
}

/**
 * True once the writers got through whatever the fault did to them: no failure after `sinceMs`, or an ack
 * after the last failure. A cluster view can still call a dead primary healthy for a moment (its member key
 * outlives it by up to a lease); the writers' own experience cannot.
 */
export function writesRecovered(log: Readonly<WriteLog>, sinceMs: number): boolean {
  let lastFailure = -Infinity;
  for (const f of log.failures) if (f.at >= sinceMs && f.at > lastFailure) lastFailure = f.at;
  if (lastFailure === -Infinity) return true;
  return log.acks.some((a) => a.sentAt > lastFailure);
}
