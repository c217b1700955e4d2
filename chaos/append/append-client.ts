// One client of the list-append workload: runs transactions one after another on its connection and records each
// as an invocation and a completion. ok: COMMIT answered COMMIT. fail: the server refused (or COMMIT was never
// sent). info: the connection was lost, or the server gave up, while COMMIT was in flight: it may have committed.
import pg from 'pg';
import type { Ack, Failure } from '../checked-writer.js';
import type { Mop } from '../checker/history-format.js';
import type { Isolation } from '../checker/isolation-promises.js';
import { transactionBody } from './append-sql.js';
import { invocationOf, type HistoryRecorder } from './history-recorder.js';
import type { AppendTxnGenerator } from './txn-generator.js';

export interface ClientContext {
  client: number;
  connection: pg.ClientConfig;
  /** Recorded with each transaction: which haproxy port it went through. */
  port: number;
  readOnly: boolean;
  isolation: Isolation;
  gen: AppendTxnGenerator;
  rec: HistoryRecorder;
  /** A fresh process id: after an indeterminate transaction the client carries on as a new process. */
  newProcess: () => number;
  /** Pause between transactions for the configured rate (ms), given how long this one took. */
  pauseMs: (tookMs: number) => number;
  running: () => boolean;
  onAck: (a: Ack) => void;
  onFailure: (f: Failure) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A refusal by the server that leaves the session usable (not FATAL, not a lost connection). */
const sessionError = (err: unknown) => err instanceof pg.DatabaseError && err.severity !== 'FATAL' && err.severity !== 'PANIC';
/** Class 40: the transaction was rolled back (serialization failure, deadlock): nothing committed. */
const rolledBack = (err: unknown) => err instanceof pg.DatabaseError && (err.code ?? '').startsWith('40');

export async function runAppendClient(ctx: ClientContext): Promise<void> {
  let process = ctx.newProcess();
  let conn: pg.Client | undefined;
  const drop = async () => {
    const c = conn;
    conn = undefined;
    await c?.end().catch(() => undefined);
  };
  while (ctx.running()) {
    if (!conn) {
      try {
        conn = new pg.Client({ ...ctx.connection, connectionTimeoutMillis: 1000, query_timeout: 2000 });
        conn.on('error', () => undefined); // a dropped connection surfaces on the next query
        await conn.connect();
      } catch (err) {
        ctx.onFailure({ client: ctx.client, at: ctx.rec.nowMs(), error: (err as Error).message });
        await drop();
        await sleep(50);
        continue;
      }
    }
    const mops = ctx.readOnly ? ctx.gen.nextReads() : ctx.gen.next();
    const writes = mops.some((m) => m[0] === 'append');
    const start = ctx.rec.nowMs();
    ctx.rec.record('invoke', process, invocationOf(mops), { port: ctx.port });
    let body: pg.QueryResult[];
    try {
      body = (await conn.query(transactionBody(mops, ctx.isolation, ctx.readOnly))) as unknown as pg.QueryResult[];
    } catch (err) {
      // COMMIT was never sent: nothing of it can have committed.
      ctx.rec.record('fail', process, invocationOf(mops), { port: ctx.port });
      if (!rolledBack(err)) ctx.onFailure({ client: ctx.client, at: ctx.rec.nowMs(), error: (err as Error).message });
      if (sessionError(err)) await conn.query('ROLLBACK').catch(drop);
      else await drop();
      continue;
    }
    const where = body.at(-1)?.rows[0] as { node: string | null; lsn: string | null } | undefined;
    const value: Mop[] = mops.map((m, i) => (m[0] === 'r' ? (['r', m[1], (body[i + 1]?.rows[0] as { vals: number[] } | undefined)?.vals ?? null] as Mop) : m));
    const extra = { node: where?.node ?? null, port: ctx.port, lsn: where?.lsn ?? null };
    try {
      const c = await conn.query('COMMIT');
      if (c.command === 'COMMIT') {
        const done = ctx.rec.record('ok', process, value, extra);
        if (writes) ctx.onAck({ id: done.index, client: ctx.client, sentAt: start, ackAt: ctx.rec.nowMs(), node: extra.node ?? '?' });
      } else ctx.rec.record('fail', process, invocationOf(mops), extra);
    } catch (err) {
      if (rolledBack(err)) ctx.rec.record('fail', process, invocationOf(mops), extra);
      else {
        ctx.rec.record('info', process, invocationOf(mops), extra);
        process = ctx.newProcess();
        ctx.onFailure({ client: ctx.client, at: ctx.rec.nowMs(), error: (err as Error).message });
      }
      if (!sessionError(err)) await drop();
    }
    const pause = ctx.pauseMs(ctx.rec.nowMs() - start);
    if (pause > 0) await sleep(pause);
  }
  await drop();
}
