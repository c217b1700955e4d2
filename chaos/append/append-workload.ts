// The list-append workload of a chaos run: clients through haproxy's primary port (and, optionally, readers
// through the replica port), every transaction recorded as history, and after the run a final read of every key.
import pg from 'pg';
import type { Failure, WriteLog } from '../checked-writer.js';
import type { HistoryOp, Mop } from '../checker/history-format.js';
import type { Isolation } from '../checker/isolation-promises.js';
import { runAppendClient } from './append-client.js';
import { CREATE_APPEND_TABLE, FINAL_READ } from './append-sql.js';
import { HistoryRecorder } from './history-recorder.js';
import { AppendTxnGenerator, type TxnShape } from './txn-generator.js';
import { waitUntil } from '../../common/wait-until.js';

export interface AppendWorkloadOptions {
  connection: pg.ClientConfig;
  primaryPort: number;
  /** Readers through the replica port; none without this. */
  replica?: { connection: pg.ClientConfig; port: number; readers: number };
  clients: number;
  isolation: Isolation;
  /** Transactions a second over all clients; 0 = as fast as they go. */
  txnRate: number;
  shape: TxnShape;
  /** performance.now() at the run's start, shared with the fault injector. */
  t0: number;
}

export async function prepareAppendTable(connection: pg.ClientConfig): Promise<void> {
  const c = new pg.Client(connection);
  await c.connect();
  try {
    for (const sql of CREATE_APPEND_TABLE) await c.query(sql);
  } finally {
    await c.end();
  }
}

export class AppendWorkload {
  readonly rec: HistoryRecorder;
  /** Acknowledged write transactions and lost connections, in the insert workload's terms (write gap, recovery). */
  readonly log: WriteLog = { acks: [], failures: [] };
  private readonly gen: AppendTxnGenerator;
  private running = true;
  private processes = 0;
  private readonly loops: Promise<void>[] = [];

  constructor(private readonly o: AppendWorkloadOptions) {
    this.rec = new HistoryRecorder(o.t0);
    this.gen = new AppendTxnGenerator(o.shape);
    const interval = o.txnRate > 0 ? (o.clients * 1000) / o.txnRate : 0;
    const common = {
      isolation: o.isolation,
      gen: this.gen,
      rec: this.rec,
      newProcess: () => this.processes++,
      pauseMs: (took: number) => interval - took,
      running: () => this.running,
      onAck: (a: WriteLog['acks'][number]) => this.log.acks.push(a),
      onFailure: (f: Failure) => this.log.failures.push(f),
    };
    for (let c = 0; c < o.clients; c++) this.loops.push(runAppendClient({ ...common, client: c, connection: o.connection, port: o.primaryPort, readOnly: false }));
    for (let r = 0; r < (o.replica?.readers ?? 0); r++) {
      const replica = o.replica as NonNullable<AppendWorkloadOptions['replica']>;
      this.loops.push(runAppendClient({ ...common, client: o.clients + r, connection: replica.connection, port: replica.port, readOnly: true, onAck: () => undefined, onFailure: () => undefined }));
    }
  }

  async stop(): Promise<WriteLog> {
    this.running = false;
    await Promise.all(this.loops);
    this.log.acks.sort((a, b) => a.ackAt - b.ackAt);
    return this.log;
  }

  /**
   * After the heal: one transaction reading every key any transaction may have touched, on the primary. pgbouncer
   * refuses logins for a while after its server failed one (a just-restarted primary): that says nothing about the
   * data, so this waits it out (30 s).
   */
  async finalRead(): Promise<void> {
    const keys = this.gen.keysUsed();
    await waitUntil(
      'the primary to answer the final read',
      async () => {
        const c = new pg.Client(this.o.connection);
        c.on('error', () => undefined);
        let invoked = false;
        try {
          await c.connect();
          this.rec.record('invoke', 'final', keys.map((k) => ['r', k, null] as Mop), { port: this.o.primaryPort });
          invoked = true;
          const r = await c.query<{ k: number; vals: number[] }>(FINAL_READ);
          const where = await c.query<{ node: string }>('SELECT host(inet_server_addr()) AS node');
          const lists = new Map(r.rows.map((row) => [row.k, row.vals]));
          this.rec.record('ok', 'final', keys.map((k) => ['r', k, lists.get(k) ?? null] as Mop), { final: true, node: where.rows[0]?.node ?? null, port: this.o.primaryPort });
          return true;
        } catch (err) {
          if (invoked) this.rec.record('fail', 'final', keys.map((k) => ['r', k, null] as Mop), { port: this.o.primaryPort });
          throw err;
        } finally {
          await c.end().catch(() => undefined);
        }
      },
      { timeoutMs: 30_000, intervalMs: 500, retryErrors: true },
    );
  }

  history(): readonly HistoryOp[] {
    return this.rec.ops;
  }
}
