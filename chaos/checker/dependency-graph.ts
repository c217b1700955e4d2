// The transactions' dependency graph: ww, wr and rw edges from each key's version order (Adya's direct
// dependencies), process edges from each client's own order, and real-time edges (a completed before b began),
// the latter as a transitive reduction: each invocation is linked only from the completions not already
// implied by another.
import { buildCsr, PROCESS, REALTIME, RW, WR, WW, type Csr, type EdgeSink } from './csr-graph.js';
import type { KeyOrders } from './key-orders.js';
import { INFO, OK, READ, type TxnTable } from './txn-table.js';

/**
 * Which transactions take part: committed ones and indeterminate ones (which may have committed). Failed
 * transactions took no effect; reads through a replica are judged for staleness, not for cycles (a replica
 * serves an older snapshot by design).
 */
export function graphMembers(t: TxnTable, isReplicaRead: (txn: number) => boolean): Uint8Array {
  const member = new Uint8Array(t.n);
  for (let txn = 0; txn < t.n; txn++) member[txn] = (t.type[txn] === OK || t.type[txn] === INFO) && !isReplicaRead(txn) ? 1 : 0;
  return member;
}

function dataEdges(t: TxnTable, o: KeyOrders, member: Uint8Array, emit: EdgeSink): void {
  const txnOf = t.mopTxn;
  for (const ko of o.keys) {
    if (!ko) continue;
    const w = ko.writer;
    for (let i = 1; i < w.length; i++) {
      const a = w[i - 1] as number;
      const b = w[i] as number;
      if (a >= 0 && b >= 0 && member[txnOf[a] as number] && member[txnOf[b] as number]) emit(txnOf[a] as number, txnOf[b] as number, WW);
    }
    // Without a final read, an append nobody read came after everything read (Elle's rule); with one, it was lost
    // or never committed, and has no place in the order.
    if (!ko.final && w.length > 0) {
      const last = w[w.length - 1] as number;
      if (last >= 0 && member[txnOf[last] as number]) for (const u of ko.unplaced) if (member[txnOf[u] as number]) emit(txnOf[last] as number, txnOf[u] as number, WW);
    }
  }
  for (let m = 0; m < t.mops; m++) {
    if (t.mopKind[m] !== READ) continue;
    const r = txnOf[m] as number;
    if (!member[r]) continue;
    const lw = o.readLastWriter[m] as number;
    if (lw >= 0 && member[txnOf[lw] as number]) emit(txnOf[lw] as number, r, WR);
    const s = o.readState[m] as number;
    if (s < 0) continue;
    const ko = o.keys[t.mopKey[m] as number];
    if (!ko) continue;
    if (s < ko.writer.length) {
      const next = ko.writer[s] as number;
      if (next >= 0 && member[txnOf[next] as number]) emit(r, txnOf[next] as number, RW);
    } else if (!ko.final) {
      for (const u of ko.unplaced) if (member[txnOf[u] as number]) emit(r, txnOf[u] as number, RW);
    }
  }
}

function orderEdges(t: TxnTable, member: Uint8Array, emit: EdgeSink): void {
  const lastOk = new Int32Array(t.processNames.length).fill(-1);
  // Completions not yet implied by a later one, oldest first; `invokedAt[x]` = the queue's tail when x began.
  const frontier = new Int32Array(t.n);
  const invokedAt = new Int32Array(t.n);
  let head = 0;
  let tail = 0;
  for (const ev of t.events) {
    const txn = ev >> 1;
    if (!member[txn]) continue;
    const p = t.process[txn] as number;
    if ((ev & 1) === 0) {
      for (let i = head; i < tail; i++) emit(frontier[i] as number, txn, REALTIME);
      invokedAt[txn] = tail;
      if ((lastOk[p] as number) >= 0) emit(lastOk[p] as number, txn, PROCESS);
    } else if (t.type[txn] === OK) {
      // Whatever was in the queue when this one began now precedes it, and precedes anything after it through it.
      if ((invokedAt[txn] as number) > head) head = invokedAt[txn] as number;
      frontier[tail++] = txn;
      lastOk[p] = txn;
    }
    // An indeterminate transaction may commit at any later time: nothing is known to follow it.
  }
}

export function dependencyGraph(t: TxnTable, o: KeyOrders, member: Uint8Array): Csr {
  return buildCsr(t.n, (emit) => {
    dataEdges(t, o, member, emit);
    orderEdges(t, member, emit);
  });
}
