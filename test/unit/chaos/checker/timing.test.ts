// Replica staleness and the two-primaries window, from hand-built histories.
import { describe, expect, it } from 'vitest';
import { History } from './history-dsl.js';

describe('replica staleness', () => {
  it('is the time from the first acknowledged append the replica read missed to the read\'s start', () => {
    const h = new History()
      .txn(1, [['append', 'x', 1]], { node: 'pg0', port: 5432, lsn: '0/100' })
      .wait(48)
      .txn(2, [['r', 'x', []]], { node: 'pg1', port: 5433, lsn: '0/40' })
      .txn(3, [['r', 'x', [1]]], { node: 'pg1', port: 5433, lsn: '0/100' })
      .final({ x: [1] });
    const r = h.check();
    expect(r.staleness).toMatchObject({ reads: 2, stale: 1, maxMs: 49, maxLsnBytes: 0xc0, worstIndex: 3 });
    // Replica reads are out of the cycle search: a stale replica read is no G-single-realtime.
    expect(r.counts).toEqual({});
  });

  it('is zero for a replica read that saw everything acknowledged before it began', () => {
    const r = new History().txn(1, [['append', 'x', 1]]).txn(2, [['r', 'x', [1]]], { port: 5433 }).final({ x: [1] }).check();
    expect(r.staleness).toMatchObject({ reads: 1, stale: 0, maxMs: 0, p99Ms: 0 });
  });
});

describe('two-primaries window', () => {
  const write = (h: History, p: number, v: number, node: string) => h.txn(p, [['append', 'x', v]], { node });

  it('is the time from the old primary\'s last acknowledged commit to the new one\'s first', () => {
    const h = new History();
    write(h, 1, 1, 'pg0');
    write(h.wait(1200), 2, 2, 'pg1');
    const r = h.final({ x: [1, 2] }).check();
    expect(r.primaries.changes).toEqual([{ from: 'pg0', to: 'pg1', windowMs: 1202, lastOldIndex: 1, firstNewIndex: 3 }]);
    expect(r.valid).toBe(true);
  });

  it('is negative, and a broken promise shown with both operations, when the old primary acknowledged after the new one', () => {
    const h = new History();
    write(h, 1, 1, 'pg0');
    write(h, 2, 2, 'pg1');
    write(h, 1, 3, 'pg0');
    const r = h.final({ x: [1, 2, 3] }).check();
    expect(r.primaries.minWindowMs).toBe(-2);
    expect(r.valid).toBe(false);
    expect(r.violations[0]?.text).toMatch(/^two primaries: pg0 acknowledged a commit 2\.0 ms after pg1 had acknowledged one: old \(index 5, process 1, pg0, ok\): append "x" ← 3; new \(index 3, process 2, pg1, ok\)/);
  });

  it('leaves reads and replica reads out', () => {
    const h = new History();
    write(h, 1, 1, 'pg0');
    h.txn(2, [['r', 'x', [1]]], { node: 'pg1', port: 5433 }).txn(3, [['r', 'x', [1]]], { node: 'pg0' });
    expect(h.final({ x: [1] }).check().primaries.changes).toEqual([]);
  });
});
