// The insert workload's log as a list-append history, so the same checker judges it: each insert of id i is a
// transaction appending i to its own key i (acknowledged: ok; failed: indeterminate, it may have committed), and
// the table read after the heal is the final read of every key. Lost acknowledged inserts are then lost appends,
// and an old primary acknowledging after the new one a negative two-primaries window.
import type { WriteLog } from './checked-writer.js';
import type { HistoryOp, Mop } from './checker/history-format.js';

interface Event {
  at: number;
  /** Completions sort before invocations at the same instant: a client's next insert begins after its last ended. */
  order: number;
  client: number;
  op: Omit<HistoryOp, 'index' | 'process'>;
  /** The client's process changes after an indeterminate completion. */
  crashes: boolean;
}

export function insertHistory(log: Readonly<WriteLog>, present: { ids: ReadonlySet<number>; node: string | null }, primaryPort: number): HistoryOp[] {
  const events: Event[] = [];
  const ns = (ms: number) => Math.round(ms * 1e6);
  const append = (id: number): Mop[] => [['append', id, id]];
  for (const a of log.acks) {
    events.push({ at: a.sentAt, order: 1, client: a.client, crashes: false, op: { time: ns(a.sentAt), type: 'invoke', f: 'txn', value: append(a.id), port: primaryPort } });
    events.push({ at: a.ackAt, order: 0, client: a.client, crashes: false, op: { time: ns(a.ackAt), type: 'ok', f: 'txn', value: append(a.id), node: a.node, port: primaryPort } });
  }
  for (const f of log.failures) {
    if (f.id === undefined || f.sentAt === undefined) continue; // nothing was sent
    events.push({ at: f.sentAt, order: 1, client: f.client, crashes: false, op: { time: ns(f.sentAt), type: 'invoke', f: 'txn', value: append(f.id), port: primaryPort } });
    events.push({ at: f.at, order: 0, client: f.client, crashes: true, op: { time: ns(f.at), type: 'info', f: 'txn', value: append(f.id), port: primaryPort } });
  }
  events.sort((a, b) => a.at - b.at || a.order - b.order);
  const incarnation = new Map<number, number>();
  const ops: HistoryOp[] = events.map((e, index) => {
    const n = incarnation.get(e.client) ?? 0;
    if (e.crashes) incarnation.set(e.client, n + 1);
    return { index, process: e.client * 1000 + n, ...e.op };
  });
  const ids = ops.filter((o) => o.type === 'invoke').map((o) => o.value[0]?.[1] as number);
  const last = ops.at(-1)?.time ?? 0;
  const reads: Mop[] = ids.map((id) => ['r', id, present.ids.has(id) ? [id] : null]);
  ops.push({ index: ops.length, time: last + 1, type: 'invoke', process: 'final', f: 'txn', value: ids.map((id) => ['r', id, null] as Mop), port: primaryPort });
  ops.push({ index: ops.length, time: last + 2, type: 'ok', process: 'final', f: 'txn', value: reads, final: true, node: present.node, port: primaryPort });
  return ops;
}
