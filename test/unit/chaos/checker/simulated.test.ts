// Whole histories from the simulated strictly serializable database must pass; the same history with one
// read altered must not.
import { describe, expect, it } from 'vitest';
import { checkTable, REPLICA_PORT } from '../../../../chaos/checker/check-history.js';
import { tableOf } from '../../../../chaos/checker/txn-table-builder.js';
import { DEFAULT_SIM, simulateAppendHistory } from '../../../support/append-history-sim.js';

const opts = { isolation: 'serializable', replication: 'sync', replicaPort: REPLICA_PORT } as const;

describe('simulated histories', () => {
  const ops = [...simulateAppendHistory({ ...DEFAULT_SIM, transactions: 5000, seed: 7 })];

  it('a strictly serializable run of 5000 transactions has no anomaly at all', () => {
    const r = checkTable(tableOf(ops), opts);
    expect(r.counts).toEqual({});
    expect(r.valid).toBe(true);
    expect(r.history.fail).toBeGreaterThan(0);
    expect(r.history.info).toBeGreaterThan(0);
  });

  it('a read with one value taken out of the middle is caught', () => {
    const altered = ops.map((o) => ({ ...o, value: o.value.map((m) => [...m] as typeof m) }));
    const victim = altered.find((o) => o.type === 'ok' && !o.final && o.value.some((m) => m[0] === 'r' && (m[2]?.length ?? 0) >= 3));
    const mop = victim!.value.find((m) => m[0] === 'r' && (m[2]?.length ?? 0) >= 3)!;
    const list = mop[2] as number[];
    (mop as ['r', number, number[]])[2] = [list[0] as number, ...list.slice(2)];
    const r = checkTable(tableOf(altered), opts);
    expect(r.valid).toBe(false);
    expect(r.counts['incompatible-order']).toBe(1);
  });

  it('snapshot isolation: passes as repeatable read, fails as serializable with write skew (G2-item) only', () => {
    const t = tableOf([...simulateAppendHistory({ ...DEFAULT_SIM, transactions: 3000, seed: 5, mode: 'snapshot' })]);
    const rr = checkTable(t, { ...opts, isolation: 'repeatable-read' });
    expect(rr.violations).toEqual([]);
    const ser = checkTable(t, opts);
    expect(ser.valid).toBe(false);
    expect(ser.counts['G2-item']).toBeGreaterThan(0);
    expect(Object.keys(ser.counts).filter((k) => !k.startsWith('G2-item'))).toEqual([]);
  });

  it('read committed: passes as read committed, fails as repeatable read with read skew (G-single)', () => {
    const t = tableOf([...simulateAppendHistory({ ...DEFAULT_SIM, transactions: 3000, seed: 6, mode: 'read-committed' })]);
    expect(checkTable(t, { ...opts, isolation: 'read-committed' }).violations).toEqual([]);
    const rr = checkTable(t, { ...opts, isolation: 'repeatable-read' });
    expect(rr.valid).toBe(false);
    expect(rr.counts['G-single']).toBeGreaterThan(0);
    // Every component that breaks the level has a named cycle to show, not only a proof that one exists.
    expect(rr.counts['cycle-exists']).toBeUndefined();
    expect(rr.satisfies).toEqual({ serializable: false, 'repeatable-read': false, 'read-committed': true });
  });
});
