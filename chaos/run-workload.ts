// The workload of a chaos run, whichever it is: unique inserts (cheap, the old checker's) or list-append
// transactions. Either way it is written down as a history, saved, and judged by the history checker.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type pg from 'pg';
import { AppendWorkload, prepareAppendTable, type AppendWorkloadOptions } from './append/append-workload.js';
import { DEFAULT_SHAPE } from './append/txn-generator.js';
import { prepareTable, presentIds, startWriters, type WriteLog } from './checked-writer.js';
import type { HistoryOp } from './checker/history-format.js';
import { insertHistory } from './insert-history.js';
import type { WorkloadKind } from './run-check.js';

/** The append workload's options, with a key count instead of a whole transaction shape, and which workload. */
export interface WorkloadOptions extends Omit<AppendWorkloadOptions, 'shape'> {
  kind: WorkloadKind;
  /** append: live keys. */
  keys: number;
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
    const { kind: _kind, keys, ...append } = o;
    const w = new AppendWorkload({ ...append, shape: { ...DEFAULT_SHAPE, keys } });
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
