// The two-primaries window: between the last commit the old primary acknowledged and the first the new one did,
// per change of the server acknowledging commits. Negative: the old one still acknowledged commits after the new
// one had begun to, i.e. two primaries took writes at once.
import { APPEND, OK, type TxnTable } from './txn-table.js';

export interface PrimaryChange {
  from: string;
  to: string;
  /** First ack of `to` minus last ack of `from`, in ms. */
  windowMs: number;
  /** The old primary's last acknowledged commit and the new one's first (transaction rows). */
  lastOld: number;
  firstNew: number;
}

export interface PrimariesWindow {
  changes: PrimaryChange[];
  /** The smallest window of the run; null when one server acknowledged every commit. */
  minWindowMs: number | null;
}

function appends(t: TxnTable, txn: number): boolean {
  const start = t.mopStart[txn] as number;
  for (let m = start; m < start + (t.mopCount[txn] as number); m++) if (t.mopKind[m] === APPEND) return true;
  return false;
}

/**
 * A server that acknowledges again after another took over counts as overlapping, even had it become the primary
 * again on purpose: a chaos run changes the primary once.
 */
export function primariesWindow(t: TxnTable, isReplicaRead: (txn: number) => boolean): PrimariesWindow {
  const acks: number[] = [];
  for (let x = 0; x < t.n; x++) if (t.type[x] === OK && !t.final[x] && !isReplicaRead(x) && (t.node[x] as number) >= 0 && appends(t, x)) acks.push(x);
  acks.sort((a, b) => (t.completeTime[a] as number) - (t.completeTime[b] as number));
  const lastAck = new Map<number, number>();
  for (const x of acks) lastAck.set(t.node[x] as number, x);
  const changes: PrimaryChange[] = [];
  const seen = new Set<number>();
  let current = -1;
  for (const x of acks) {
    const node = t.node[x] as number;
    if (node === current || seen.has(node)) continue;
    if (current !== -1) {
      const lastOld = lastAck.get(current) as number;
      changes.push({ from: t.nodeNames[current] as string, to: t.nodeNames[node] as string, windowMs: ((t.completeTime[x] as number) - (t.completeTime[lastOld] as number)) / 1e6, lastOld, firstNew: x });
    }
    seen.add(node);
    current = node;
  }
  return { changes, minWindowMs: changes.length ? Math.min(...changes.map((c) => c.windowMs)) : null };
}
