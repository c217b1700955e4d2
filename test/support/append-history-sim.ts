// A simulated database that is strictly serializable by construction (each transaction takes effect atomically at
// its completion), run by concurrent clients with the list-append workload: valid histories of any size, for the
// checker's tests and its speed measurement.
import { AppendTxnGenerator, DEFAULT_SHAPE, type TxnShape } from '../../chaos/append/txn-generator.js';
import type { HistoryOp, Mop } from '../../chaos/checker/history-format.js';
import { Prng } from '../../imdb-data/prng.js';

export interface SimOptions {
  transactions: number;
  processes: number;
  seed: number;
  failRate: number;
  /** Indeterminate: the effect happens (or not, at random) but the client never learns. */
  infoRate: number;
  shape: TxnShape;
  /**
   * strict: a transaction takes effect at once when it completes (strictly serializable). snapshot: it reads the
   * state as of its start, its appends land when it completes (snapshot isolation: write skew, no read skew).
   * read-committed: each read sees the state at the start or at the end, at random (read skew).
   */
  mode: 'strict' | 'snapshot' | 'read-committed';
}

export const DEFAULT_SIM: SimOptions = { transactions: 10_000, processes: 16, seed: 1, failRate: 0.02, infoRate: 0.005, shape: DEFAULT_SHAPE, mode: 'strict' };

/** Yields the history in index order, final reads (1000 keys a transaction) last. */
export function* simulateAppendHistory(o: SimOptions): Generator<HistoryOp> {
  const rng = new Prng(o.seed, 'append-history');
  const gen = new AppendTxnGenerator(o.shape, () => rng.float());
  const state = new Map<number, number[]>();
  const inFlight: (Mop[] | null)[] = new Array(o.processes).fill(null);
  /** Reads taken early (snapshot and read-committed modes), per process: micro-operation index → list. */
  const early: (Map<number, number[]> | null)[] = new Array(o.processes).fill(null);
  /** Snapshot mode: the length of each list the transaction appends to, at its start (first committer wins). */
  const startLengths: (Map<number, number> | null)[] = new Array(o.processes).fill(null);
  const processId = Array.from({ length: o.processes }, (_, i) => i);
  let nextProcess = o.processes;
  let index = 0;
  let time = 0;
  let started = 0;
  let open = 0;
  const op = (type: HistoryOp['type'], process: number | string, value: Mop[], extra: Partial<HistoryOp> = {}): HistoryOp => ({ index: index++, time: (time += 1000 + rng.int(50_000)), type, process, f: 'txn', value, ...extra });
  /** A read's result now: the committed list, plus this transaction's own appends before it. */
  const readNow = (mops: Mop[], i: number): number[] => {
    const k = mops[i]?.[1] as number;
    const own = mops.slice(0, i).filter(([f, key]) => f === 'append' && key === k).map(([, , v]) => v as number);
    return [...(state.get(k) ?? []), ...own];
  };
  const apply = (mops: Mop[], reads: Map<number, number[]> | null): Mop[] => {
    const out = mops.map(([f, k], i) => (f === 'r' ? (['r', k, reads?.get(i) ?? readNow(mops, i)] as Mop) : mops[i] as Mop));
    for (const [f, k, v] of mops) if (f === 'append') state.set(k as number, [...(state.get(k as number) ?? []), v as number]);
    return out;
  };
  while (started < o.transactions || open > 0) {
    const p = rng.int(o.processes);
    const mops = inFlight[p];
    if (!mops) {
      if (started >= o.transactions) continue;
      const value = gen.next();
      inFlight[p] = value;
      if (o.mode !== 'strict') {
        const reads = new Map<number, number[]>();
        value.forEach((m, i) => {
          // Under read committed a read after the transaction's own append to the key sees the latest list (its
          // row lock holds everyone else off): it is taken at the end, with the appends.
          const ownAppendBefore = value.slice(0, i).some(([f, k]) => f === 'append' && k === m[1]);
          if (m[0] === 'r' && (o.mode === 'snapshot' || (!ownAppendBefore && rng.chance(0.5)))) reads.set(i, readNow(value, i));
        });
        early[p] = reads;
        startLengths[p] = new Map(value.filter(([f]) => f === 'append').map(([, k]) => [k as number, state.get(k as number)?.length ?? 0]));
      }
      started++;
      open++;
      yield op('invoke', processId[p] as number, value, { node: '10.42.0.10', port: 5432 });
      continue;
    }
    inFlight[p] = null;
    open--;
    const roll = rng.float();
    // Snapshot isolation: a concurrent append to a key this one appends to, committed first, aborts this one.
    const conflict = o.mode === 'snapshot' && [...(startLengths[p] ?? [])].some(([k, len]) => (state.get(k)?.length ?? 0) !== len);
    if (roll < o.failRate || conflict) yield op('fail', processId[p] as number, mops);
    else if (roll < o.failRate + o.infoRate) {
      if (rng.chance(0.5)) apply(mops, early[p] ?? null);
      yield op('info', processId[p] as number, mops);
      processId[p] = nextProcess++; // a crashed client comes back as a new process, as in Jepsen
    } else yield op('ok', processId[p] as number, apply(mops, early[p] ?? null), { node: '10.42.0.10', port: 5432 });
  }
  const keys = gen.keysUsed();
  for (let i = 0; i < keys.length; i += 1000) {
    const value = keys.slice(i, i + 1000).map((k) => ['r', k, null] as Mop);
    yield op('invoke', `final-${i}`, value);
    yield op('ok', `final-${i}`, value.map(([, k]) => ['r', k, [...(state.get(k as number) ?? [])]] as Mop), { final: true, node: '10.42.0.10', port: 5432 });
  }
}
