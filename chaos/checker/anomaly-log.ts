// Collects anomalies: every one is counted, the first few of each type are kept with their explanation.
import type { AnomalyType } from './anomaly-types.js';
import type { Isolation } from './isolation-promises.js';

export interface Anomaly {
  type: AnomalyType;
  /** The transactions involved (rows of the table), for marking them and naming their history indices. */
  txns: number[];
  /** What happened, in words, one line each. */
  explanation: string[];
  /** For cycle-exists: the levels whose forbidden cycles it proves. */
  breaks?: Isolation[];
}

export class AnomalyLog {
  readonly counts = new Map<AnomalyType, number>();
  readonly examples = new Map<AnomalyType, Anomaly[]>();

  constructor(private readonly keep = 20) {}

  /** Counts one; `make` runs only while fewer than `keep` of this type are kept (explanations cost). */
  add(type: AnomalyType, make: () => Omit<Anomaly, 'type'>): void {
    this.counts.set(type, (this.counts.get(type) ?? 0) + 1);
    const list = this.examples.get(type) ?? [];
    if (list.length >= this.keep) return;
    list.push({ type, ...make() });
    this.examples.set(type, list);
  }

  count(type: AnomalyType): number {
    return this.counts.get(type) ?? 0;
  }
}
