// The list-append workload against a real PostgreSQL 15 (no lab): what each isolation level lets through, as the
// checker sees it in the recorded history. Read committed must show read skew; serializable must show nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppendWorkload, prepareAppendTable } from '../../../chaos/append/append-workload.js';
import { DEFAULT_SHAPE } from '../../../chaos/append/txn-generator.js';
import { checkTable, REPLICA_PORT, type CheckReport } from '../../../chaos/checker/check-history.js';
import type { HistoryOp } from '../../../chaos/checker/history-format.js';
import type { Isolation } from '../../../chaos/checker/isolation-promises.js';
import { tableOf } from '../../../chaos/checker/txn-table-builder.js';
import { startLocalPostgres, type LocalPostgres } from '../../support/local-postgres.js';

let pg: LocalPostgres;

beforeAll(async () => {
  pg = await startLocalPostgres();
});

afterAll(async () => {
  await pg?.stop();
});

/** Runs the workload for `ms` with hot keys and 4-operation transactions, then checks its history. */
async function run(isolation: Isolation, ms: number): Promise<CheckReport & { ops: readonly HistoryOp[] }> {
  const connection = pg.connection();
  await prepareAppendTable(connection);
  const w = new AppendWorkload({ connection, primaryPort: pg.port, clients: 8, isolation, txnRate: 0, shape: { ...DEFAULT_SHAPE, keys: 8, maxMopsPerTxn: 4 }, t0: performance.now() });
  await new Promise((r) => setTimeout(r, ms));
  await w.stop();
  await w.finalRead();
  const ops = w.history();
  return { ...checkTable(tableOf(ops), { isolation, replication: 'sync', replicaPort: REPLICA_PORT }), ops };
}

describe('list-append workload on PostgreSQL 15', () => {
  it('read committed: read skew (G-single) shows up under concurrency, and is allowed there', async () => {
    // Row locks on hot keys and an fsync per commit: a few hundred commits in 5 s (seen: 326–2476).
    const r = await run('read-committed', 5000);
    expect(r.history.ok).toBeGreaterThan(100);
    expect(r.counts['G-single']).toBeGreaterThan(0);
    expect(r.violations).toEqual([]);
    expect(r.satisfies.serializable).toBe(false);
  });

  it('repeatable read: no read skew; serialization failures abort the conflicting appends', async () => {
    const r = await run('repeatable-read', 3000);
    expect(r.history.fail).toBeGreaterThan(0);
    expect(r.violations).toEqual([]);
    expect(r.counts['G-single'] ?? 0).toBe(0);
  });

  it('serializable: no anomaly but the G2-item PostgreSQL is known to allow, and every acknowledged append is in the final read', async () => {
    const r = await run('serializable', 4000);
    expect(r.history.ok).toBeGreaterThan(100);
    // PostgreSQL's SSI has a reported G2-item with exactly this workload: INSERT … ON CONFLICT appends, and a read
    // finding no row for a key another transaction inserts (pgsql-bugs, "Possible G2-item at SERIALIZABLE", seen on
    // 18.4). Here one G2-item showed once in 7 CI runs (none in 18 runs alone). Any other anomaly fails, and so does
    // a G2-item whose transactions read no missing row: that would not be the known bug.
    const { 'G2-item': g2 = 0, ...others } = r.counts;
    expect(others, JSON.stringify(r.examples, null, 1).slice(0, 6000)).toEqual({});
    const byIndex = new Map(r.ops.map((o) => [o.index, o]));
    for (const e of r.examples.filter((x) => x.type === 'G2-item')) {
      const readsNothing = e.ops.some((i) => byIndex.get(i)?.value?.some((m) => m[0] === 'r' && m[2] === null));
      expect(readsNothing, JSON.stringify(e)).toBe(true);
    }
    if (g2 > 0) console.log(`serializable: ${g2} G2-item of the known PostgreSQL shape: ${JSON.stringify(r.examples.filter((x) => x.type === 'G2-item')).slice(0, 2000)}`);
    expect(r.violations.every((v) => v.type === 'G2-item')).toBe(true);
    expect(r.lostAppends).toEqual([]);
  });
});
