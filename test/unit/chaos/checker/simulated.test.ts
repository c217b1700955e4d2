// Whole histories from the simulated strictly serializable database must pass; the same history with one
// read altered must not.
import { describe, expect, it } from 'vitest';
import { checkTable, REPLICA_PORT } from '../../../../chaos/checker/check-history.js';
import { tableOf } from '../../../../chaos/checker/txn-table.js';
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
});
