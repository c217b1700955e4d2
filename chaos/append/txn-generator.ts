// What the list-append workload's transactions do: 1–4 micro-operations on a small set of live keys, hot keys
// chosen more often; every appended value is unique in the run; a key that has taken `maxAppendsPerKey` appends
// is retired for a fresh one, so lists (and reads of them) stay short however long the run.
import type { Mop } from '../checker/history-format.js';

export interface TxnShape {
  /** Live keys at any time (8–32 makes transactions collide). */
  keys: number;
  maxAppendsPerKey: number;
  maxMopsPerTxn: number;
  /** Share of micro-operations that are reads. */
  readShare: number;
  /** > 1 skews the choice toward the first live keys (1 = uniform). */
  skew: number;
}

export const DEFAULT_SHAPE: TxnShape = { keys: 16, maxAppendsPerKey: 32, maxMopsPerTxn: 4, readShare: 0.5, skew: 2 };

export class AppendTxnGenerator {
  private readonly slots: number[];
  private readonly appended = new Map<number, number>();
  private nextKey: number;
  private nextValue = 1;
  private readonly used: number[] = [];

  constructor(private readonly shape: TxnShape, private readonly random: () => number = Math.random) {
    this.slots = Array.from({ length: shape.keys }, (_, i) => i + 1);
    this.used.push(...this.slots);
    this.nextKey = shape.keys + 1;
  }

  private slot(): number {
    return Math.min(this.shape.keys - 1, Math.floor(this.shape.keys * Math.pow(this.random(), this.shape.skew)));
  }

  private mopCount(): number {
    return 1 + Math.floor(this.random() * this.shape.maxMopsPerTxn);
  }

  /** A read-write transaction (reads have null values: the invocation's). */
  next(): Mop[] {
    const mops: Mop[] = [];
    for (let i = this.mopCount(); i > 0; i--) {
      const s = this.slot();
      const k = this.slots[s] as number;
      if (this.random() < this.shape.readShare) {
        mops.push(['r', k, null]);
        continue;
      }
      mops.push(['append', k, this.nextValue++]);
      const n = (this.appended.get(k) ?? 0) + 1;
      this.appended.set(k, n);
      if (n >= this.shape.maxAppendsPerKey) {
        this.appended.delete(k);
        this.slots[s] = this.nextKey;
        this.used.push(this.nextKey++);
      }
    }
    return mops;
  }

  /** A read-only transaction of 1–4 reads (for the replica port). */
  nextReads(): Mop[] {
    return Array.from({ length: this.mopCount() }, () => ['r', this.slots[this.slot()] as number, null] as Mop);
  }

  /** Every key any transaction may have touched, for the final read. */
  keysUsed(): readonly number[] {
    return this.used;
  }
}
