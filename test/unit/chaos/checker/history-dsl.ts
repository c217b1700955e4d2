// Hand-built histories for the checker's tests: invocations and completions in the order written, 1 ms apart.
import { checkTable, REPLICA_PORT, type CheckOptions, type CheckReport } from '../../../../chaos/checker/check-history.js';
import type { HistoryOp, Mop } from '../../../../chaos/checker/history-format.js';
import { tableOf } from '../../../../chaos/checker/txn-table-builder.js';

type Extra = Partial<Pick<HistoryOp, 'node' | 'port' | 'lsn' | 'final'>>;

export class History {
  readonly ops: HistoryOp[] = [];
  private clock = 0;

  private push(type: HistoryOp['type'], process: number | string, value: Mop[], extra: Extra = {}): this {
    this.clock += 1_000_000;
    this.ops.push({ index: this.ops.length, time: this.clock, type, process, f: 'txn', value, ...extra });
    return this;
  }

  /** Moves the clock on (ms). */
  wait(ms: number): this {
    this.clock += ms * 1_000_000;
    return this;
  }

  invoke(p: number | string, value: Mop[], extra?: Extra): this {
    return this.push('invoke', p, value.map((m) => (m[0] === 'r' ? (['r', m[1], null] as Mop) : m)), extra);
  }
  ok(p: number | string, value: Mop[], extra?: Extra): this {
    return this.push('ok', p, value, extra);
  }
  fail(p: number | string, value: Mop[]): this {
    return this.push('fail', p, value);
  }
  info(p: number | string, value: Mop[]): this {
    return this.push('info', p, value.map((m) => (m[0] === 'r' ? (['r', m[1], null] as Mop) : m)));
  }
  /** Invocation and completion back to back. */
  txn(p: number | string, value: Mop[], extra?: Extra): this {
    return this.invoke(p, value, extra).ok(p, value, extra);
  }
  /** The final read of every key after the run. */
  final(lists: Record<string, number[]>): this {
    const value = Object.entries(lists).map(([k, v]) => ['r', k, v] as Mop);
    return this.txn('final', value, { final: true });
  }

  check(opts: Partial<CheckOptions> = {}): CheckReport {
    return checkTable(tableOf(this.ops), { isolation: 'serializable', replication: 'sync', replicaPort: REPLICA_PORT, ...opts });
  }
}

/** The explanation lines of the first example of a type, joined. */
export function explained(r: CheckReport, type: string): string {
  return r.examples.find((e) => e.type === type)?.explanation.join('\n') ?? `(no ${type} in ${JSON.stringify(r.counts)})`;
}
