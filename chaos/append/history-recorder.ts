// Writes a run's history as it happens: each invocation and completion gets the next index and the time in
// nanoseconds on the run's monotonic clock (the one the fault injector reads too).
import type { Atom, HistoryOp, Mop } from '../checker/history-format.js';

export class HistoryRecorder {
  readonly ops: HistoryOp[] = [];

  /** `t0`: performance.now() at the run's start. */
  constructor(private readonly t0: number) {}

  /** ms since the run's start. */
  nowMs(): number {
    return performance.now() - this.t0;
  }

  record(type: HistoryOp['type'], process: Atom, value: Mop[], extra: Partial<Pick<HistoryOp, 'node' | 'port' | 'lsn' | 'final'>> = {}): HistoryOp {
    const op: HistoryOp = { index: this.ops.length, time: Math.round(this.nowMs() * 1e6), type, process, f: 'txn', value, ...extra };
    this.ops.push(op);
    return op;
  }
}

/** The invocation's view of a transaction: reads not known yet. */
export const invocationOf = (mops: readonly Mop[]): Mop[] => mops.map((m) => (m[0] === 'r' ? (['r', m[1], null] as Mop) : ([...m] as Mop)));
