// Anomalies one read (or the final state) shows without a cycle, each with a valid history of the same shape.
import { describe, expect, it } from 'vitest';
import { explained, History } from './history-dsl.js';

describe('G1a: aborted read', () => {
  const history = (failed: boolean) => {
    const h = new History().invoke(1, [['append', 'x', 1]]);
    (failed ? h.fail(1, [['append', 'x', 1]]) : h.ok(1, [['append', 'x', 1]])).txn(2, [['r', 'x', [1]]]);
    return h;
  };
  it('is found when a read saw the append of a failed transaction', () => {
    const r = history(true).check({ isolation: 'read-committed' });
    expect(r.counts).toEqual({ G1a: 1 });
    expect(explained(r, 'G1a')).toContain('the reader saw 1 in key "x", appended by the writer, which failed');
    expect(r.valid).toBe(false);
  });
  it('is absent when the writer committed', () => expect(history(false).check().counts).toEqual({}));
});

describe('G1b: intermediate read', () => {
  const history = (read: number[]) =>
    new History()
      .invoke(1, [['append', 'x', 1], ['append', 'x', 2]])
      .invoke(2, [['r', 'x', null]])
      .ok(1, [['append', 'x', 1], ['append', 'x', 2]])
      .ok(2, [['r', 'x', read]])
      .final({ x: [1, 2] });
  it("is found when a read ends with a transaction's append that it followed with another", () => {
    const r = history([1]).check();
    // The reader saw 1 (wr) but not the 2 right after it (rw): the intermediate read also closes a G-single cycle.
    expect(r.counts).toEqual({ G1b: 1, 'G-single': 1 });
    expect(explained(r, 'G1b')).toContain('ends with 1, which the writer followed with another append to the same key');
  });
  it('is absent for the final state', () => expect(history([1, 2]).check().counts).toEqual({}));
});

describe('internal: a transaction does not see its own append', () => {
  it('is found', () => {
    const r = new History().txn(1, [['append', 'x', 5], ['r', 'x', []]]).final({ x: [5] }).check();
    expect(r.counts.internal).toBe(1);
    expect(explained(r, 'internal')).toContain('does not end with its own appends [5]');
  });
  it('is absent when the read ends with it', () => expect(new History().txn(1, [['append', 'x', 5], ['r', 'x', [5]]]).final({ x: [5] }).check().counts).toEqual({}));
});

describe('incompatible order, duplicates, garbage', () => {
  const appends = () => new History().txn(1, [['append', 'x', 1]]).txn(2, [['append', 'x', 2]]);
  it('finds two reads that are not prefixes of one another', () => {
    const r = appends().txn(3, [['r', 'x', [2, 1]]]).txn(4, [['r', 'x', [1]]]).check();
    expect(r.counts['incompatible-order']).toBe(1);
    expect(explained(r, 'incompatible-order')).toContain('[1], and the longest read, [2 1], part after 0 common value(s)');
  });
  it('finds a value read twice', () => {
    const r = appends().txn(3, [['r', 'x', [1, 2, 1]]]).check();
    expect(r.counts['duplicate-elements']).toBe(1);
    expect(explained(r, 'duplicate-elements')).toContain('key "x" holds 1 more than once');
  });
  it('finds a value nobody appended', () => {
    const r = appends().txn(3, [['r', 'x', [1, 9]]]).check();
    expect(r.counts['garbage-read']).toBe(1);
    expect(explained(r, 'garbage-read')).toContain('9 in key "x" was never appended');
  });
  it('accepts reads that are prefixes of each other', () => {
    const h = new History().txn(1, [['append', 'x', 1]]).invoke(2, [['append', 'x', 2]]).txn(3, [['r', 'x', [1]]]).ok(2, [['append', 'x', 2]]).txn(4, [['r', 'x', [1, 2]]]);
    expect(h.final({ x: [1, 2] }).check().counts).toEqual({});
  });
});

describe('lost appends and reads of lost writes', () => {
  // A primary acknowledged 1 and served a read of it, then lost it (async failover); the new primary took 2.
  const forked = () => new History().txn(1, [['append', 'x', 1]], { node: 'pg0' }).txn(2, [['r', 'x', [1]]], { node: 'pg0' }).txn(3, [['append', 'x', 2]], { node: 'pg1' }).final({ x: [2] });

  it('names every acknowledged append missing from the final read, with its value', () => {
    const r = forked().check({ replication: 'async' });
    expect(r.lostAppends).toEqual([{ key: 'x', value: 1, index: 1 }]);
    expect(r.counts['lost-append']).toBe(1);
    expect(r.counts['read-of-lost-write']).toBe(1);
    expect(explained(r, 'read-of-lost-write')).toContain('it saw [1] at the end of key "x"; the final read of that key, [2], does not have it');
  });

  it('judges them broken only when replication is synchronous', () => {
    expect(forked().check({ replication: 'async' }).valid).toBe(true);
    const sync = forked().check({ replication: 'sync' });
    expect(sync.valid).toBe(false);
    expect(sync.violations.map((v) => v.text)).toEqual([expect.stringMatching(/^1 × lost-append: .*\(replication is synchronous\)$/)]);
  });

  it('creates no cycle out of the thrown-away timeline', () => {
    expect(Object.keys(forked().check().counts).sort()).toEqual(['lost-append', 'read-of-lost-write']);
  });

  it('without a final read, cannot call an append lost', () => {
    const r = new History().txn(1, [['append', 'x', 1]]).check();
    expect(r.lostAppends).toEqual([]);
    expect(r.history.finalReads).toBe(0);
  });
});
