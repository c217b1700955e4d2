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
}

export const DEFAULT_SIM: SimOptions = { transactions: 10_000, processes: 16, seed: 1, failRate: 0.02, infoRate: 0.005, shape: DEFAULT_SHAPE };

/** Yields the history in index order, final reads (1000 keys a transaction) last. */
export function* simulateAppendHistory(o: SimOptions): Generator<HistoryOp> {
  const rng = new Prng(o.seed, 'append-history');
  const gen = new AppendTxnGenerator(o.shape, () => rng.float());
  const state = new Map<number, number[]>();
  const inFlight: (Mop[] | null)[] = new Array(o.processes).fill(null);
  const processId = Array.from({ length: o.processes }, (_, i) => i);
  let nextProcess = o.processes;
  let index = 0;
  let time = 0;
  let started = 0;
  let open = 0;
  const op = (type: HistoryOp['type'], process: number | string, value: Mop[], extra: Partial<HistoryOp> = {}): HistoryOp => ({ index: index++, time: (time += 1000 + rng.int(50_000)), type, process, f: 'txn', value, ...extra });
  const apply = (mops: Mop[]): Mop[] =>
    mops.map(([f, k, v]) => {
      const list = state.get(k as number) ?? [];
      if (f === 'append') {
        list.push(v as number);
        state.set(k as number, list);
        return ['append', k, v] as Mop;
      }
      return ['r', k, [...list]] as Mop;
    });
  while (started < o.transactions || open > 0) {
    const p = rng.int(o.processes);
    const mops = inFlight[p];
    if (!mops) {
      if (started >= o.transactions) continue;
      const value = gen.next();
      inFlight[p] = value;
      started++;
      open++;
      yield op('invoke', processId[p] as number, value, { node: '10.42.0.10', port: 5432 });
      continue;
    }
    inFlight[p] = null;
    open--;
    const roll = rng.float();
    if (roll < o.failRate) yield op('fail', processId[p] as number, mops);
    else if (roll < o.failRate + o.infoRate) {
      if (rng.chance(0.5)) apply(mops);
      yield op('info', processId[p] as number, mops);
      processId[p] = nextProcess++; // a crashed client comes back as a new process, as in Jepsen
    } else yield op('ok', processId[p] as number, apply(mops), { node: '10.42.0.10', port: 5432 });
  }
  const keys = gen.keysUsed();
  for (let i = 0; i < keys.length; i += 1000) {
    const value = keys.slice(i, i + 1000).map((k) => ['r', k, null] as Mop);
    yield op('invoke', `final-${i}`, value);
    yield op('ok', `final-${i}`, value.map(([, k]) => ['r', k, [...(state.get(k as number) ?? [])]] as Mop), { final: true, node: '10.42.0.10', port: 5432 });
  }
}
