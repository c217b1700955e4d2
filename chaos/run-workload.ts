// The workload of a chaos run, whichever it is: unique inserts (cheap, the old checker's) or list-append
// transactions. Either way it is written down as a history, saved, and judged by the history checker.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type pg from 'pg';
import { AppendWorkload, prepareAppendTable } from './append/append-workload.js';
import { DEFAULT_SHAPE } from './append/txn-generator.js';
import { prepareTable, presentIds, startWriters, type WriteLog } from './checked-writer.js';
import type { HistoryOp } from './checker/history-format.js';
import type { Isolation } from './checker/isolation-promises.js';
import { insertHistory } from './insert-history.js';
import type { WorkloadKind } from './run-check.js';

export interface WorkloadOptions {
  kind: WorkloadKind;
  connection: pg.ClientConfig;
  primaryPort: number;
  replica?: { connection: pg.ClientConfig; port: number; readers: number };
  clients: number;
  isolation: Isolation;
  /** append: transactions a second over all clients (0 = as fast as they go), live keys. */
  txnRate: number;
  keys: number;
  t0: number;
}

export interface RunWorkload {
  /** Acknowledged writes and failures so far (write gap, recovery). */
  readonly log: Readonly<WriteLog>;
  stop(): Promise<WriteLog>;
  /** After the heal: reads the final state and returns the whole history. */
  history(): Promise<HistoryOp[]>;
}

export async function prepareWorkload(kind: WorkloadKind, connection: pg.ClientConfig): Promise<void> {
  await (kind === 'append' ? prepareAppendTable(connection) : prepareTable(connection));
}

export function startWorkload(o: WorkloadOptions): RunWorkload {
  if (o.kind === 'append') {
    const w = new AppendWorkload({ connection: o.connection, primaryPort: o.primaryPort, ...(o.replica ? { replica: o.replica } : {}), clients: o.clients, isolation: o.isolation, txnRate: o.txnRate, shape: { ...DEFAULT_SHAPE, keys: o.keys }, t0: o.t0 });
    return {
      log: w.log,
      stop: () => w.stop(),
      async history() {
        await w.finalRead();
        return [...w.history()];
      },
    };
  }
  const writers = startWriters({ connection: o.connection, clients: o.clients, t0: o.t0 });
  return {
    log: writers.log,
    stop: () => writers.stop(),
    async history() {
      return insertHistory(writers.log, await presentIds(o.connection), o.primaryPort);
    },
  };
}

/** Saves a history as JSON lines. */
export function writeHistoryFile(path: string, ops: readonly HistoryOp[]): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, ops.map((op) => JSON.stringify(op)).join('\n') + '\n');
}
