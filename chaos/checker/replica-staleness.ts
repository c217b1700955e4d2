// How stale each read through the replica port was: the time since the oldest acknowledged append it did not see
// had been acknowledged (0 when it saw everything acknowledged before it began), and how many WAL bytes the replica
// was behind the newest commit acknowledged by then, where both LSNs are in the history.
import type { KeyOrders } from './key-orders.js';
import { OK, READ, type TxnTable } from './txn-table.js';

export interface Staleness {
  /** Replica transactions checked. */
  reads: number;
  /** Those that missed an append acknowledged before they began. */
  stale: number;
  maxMs: number | null;
  p99Ms: number | null;
  maxLsnBytes: number | null;
  /** The stalest read (its transaction row). */
  worstTxn: number | null;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** Per key, suffix minima of the acknowledgement times of the order's appends: "earliest ack at or after position i". */
function ackSuffixMinima(t: TxnTable, o: KeyOrders, key: number): Float64Array {
  const ko = o.keys[key];
  const n = ko ? ko.writer.length : 0;
  const out = new Float64Array(n + 1).fill(Infinity);
  for (let i = n - 1; i >= 0; i--) {
    const w = ko!.writer[i] as number;
    const txn = w >= 0 ? (t.mopTxn[w] as number) : -1;
    const ack = txn >= 0 && t.type[txn] === OK ? (t.completeTime[txn] as number) : Infinity;
    out[i] = Math.min(ack, out[i + 1] as number);
  }
  return out;
}

export function replicaStaleness(t: TxnTable, o: KeyOrders, isReplicaRead: (txn: number) => boolean): Staleness {
  const minima = new Map<number, Float64Array>();
  // Newest LSN acknowledged by the primary, by acknowledgement time.
  const primaryAcks: number[] = [];
  for (let x = 0; x < t.n; x++) if (t.type[x] === OK && !isReplicaRead(x) && !Number.isNaN(t.lsn[x] as number) && !t.final[x]) primaryAcks.push(x);
  primaryAcks.sort((a, b) => (t.completeTime[a] as number) - (t.completeTime[b] as number));
  const ackTimes = Float64Array.from(primaryAcks, (x) => t.completeTime[x] as number);
  const maxLsnSoFar = new Float64Array(primaryAcks.length);
  primaryAcks.forEach((x, i) => (maxLsnSoFar[i] = Math.max(i > 0 ? (maxLsnSoFar[i - 1] as number) : 0, t.lsn[x] as number)));

  const stalenessMs: number[] = [];
  let reads = 0;
  let stale = 0;
  let maxLsnBytes: number | null = null;
  let worstTxn: number | null = null;
  let worst = -1;
  for (let x = 0; x < t.n; x++) {
    if (t.type[x] !== OK || !isReplicaRead(x)) continue;
    reads++;
    const began = t.invokeTime[x] as number;
    let behindNs = 0;
    const start = t.mopStart[x] as number;
    for (let m = start; m < start + (t.mopCount[x] as number); m++) {
      const s = o.readState[m] as number;
      if (t.mopKind[m] !== READ || s < 0) continue;
      const k = t.mopKey[m] as number;
      let mins = minima.get(k);
      if (!mins) minima.set(k, (mins = ackSuffixMinima(t, o, k)));
      const firstMissedAck = mins[s] as number;
      if (firstMissedAck < began) behindNs = Math.max(behindNs, began - firstMissedAck);
    }
    if (behindNs > 0) stale++;
    stalenessMs.push(behindNs / 1e6);
    if (behindNs > worst) {
      worst = behindNs;
      worstTxn = x;
    }
    const lsn = t.lsn[x] as number;
    if (!Number.isNaN(lsn)) {
      // The last primary ack before this read began.
      let lo = 0;
      let hi = ackTimes.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((ackTimes[mid] as number) < began) lo = mid + 1;
        else hi = mid;
      }
      if (lo > 0) maxLsnBytes = Math.max(maxLsnBytes ?? 0, (maxLsnSoFar[lo - 1] as number) - lsn);
    }
  }
  const sorted = Float64Array.from(stalenessMs).sort();
  return { reads, stale, maxMs: sorted.length ? (sorted[sorted.length - 1] as number) : null, p99Ms: percentile(sorted, 99), maxLsnBytes: maxLsnBytes === null ? null : Math.max(0, maxLsnBytes), worstTxn: worst > 0 ? worstTxn : null };
}
