// Each cycle anomaly the checker must find in a hand-built history (with the cycle it must print), and the same
// shape made valid, which must pass.
import { describe, expect, it } from 'vitest';
import { explained, History } from './history-dsl.js';

/** Two transactions that run at the same time (no real-time order between them). */
function concurrent(a: [number, Parameters<History['ok']>[1]], b: [number, Parameters<History['ok']>[1]]): History {
  return new History().invoke(a[0], a[1]).invoke(b[0], b[1]).ok(a[0], a[1]).ok(b[0], b[1]);
}

describe('G0: a write cycle', () => {
  const history = (yOrder: number[]) =>
    concurrent([1, [['append', 'x', 1], ['append', 'y', 1]]], [2, [['append', 'x', 2], ['append', 'y', 2]]]).final({ x: [1, 2], y: yOrder });

  it('is found when two keys order the same two appends both ways, with the cycle in words', () => {
    const r = history([2, 1]).check();
    expect(r.counts).toEqual({ G0: 1 });
    expect(r.valid).toBe(false);
    const text = explained(r, 'G0');
    expect(text).toMatch(/\(ww\): T2 appended 2 right after T1 appended 1 to key "x"|\(ww\): T2 appended 1 right after T1 appended 2 to key "y"/);
    expect(text.match(/\(ww\)/g)).toHaveLength(2);
    expect(r.violations[0]?.text).toMatch(/G0.*forbidden under serializable/);
  });

  it('is forbidden even under read committed', () => {
    expect(history([2, 1]).check({ isolation: 'read-committed' }).valid).toBe(false);
  });

  it('is absent when both keys agree', () => {
    const r = history([1, 2]).check();
    expect(r.counts).toEqual({});
    expect(r.valid).toBe(true);
  });
});

describe('G1c: circular information flow', () => {
  const history = (yRead: number[]) =>
    concurrent([1, [['append', 'x', 1], ['r', 'y', yRead]]], [2, [['append', 'y', 2], ['r', 'x', [1]]]]).final({ x: [1], y: [2] });

  it('is found when each transaction saw the other', () => {
    const r = history([2]).check({ isolation: 'read-committed' });
    expect(r.counts).toEqual({ G1c: 1 });
    expect(r.valid).toBe(false);
    const text = explained(r, 'G1c');
    expect(text).toContain("(wr): T2 observed T1's append of");
    expect(text).toContain("(wr): T1 observed T2's append of");
  });

  it('is absent when one of them read before the other wrote', () => {
    const r = history([]).check();
    expect(r.counts).toEqual({});
    expect(r.valid).toBe(true);
  });
});

describe('G-single: read skew', () => {
  const history = (xRead: number[]) =>
    concurrent([1, [['append', 'x', 1], ['append', 'y', 1]]], [2, [['r', 'x', xRead], ['r', 'y', [1]]]]).final({ x: [1], y: [1] });

  it('is found when a reader saw one of two appends of a transaction, and named with its one rw edge', () => {
    const r = history([]).check();
    expect(r.counts).toEqual({ 'G-single': 1 });
    const text = explained(r, 'G-single');
    expect(text).toMatch(/\(rw\): T\d read the initial \(empty\) state of key "x", which T\d changed by appending 1/);
    expect(text).toMatch(/\(wr\): T\d observed T\d's append of 1 to key "y"/);
  });

  it('breaks serializable and repeatable read, and is allowed under read committed', () => {
    expect(history([]).check({ isolation: 'serializable' }).valid).toBe(false);
    expect(history([]).check({ isolation: 'repeatable-read' }).valid).toBe(false);
    const rc = history([]).check({ isolation: 'read-committed' });
    expect(rc.valid).toBe(true);
    expect(rc.counts['G-single']).toBe(1);
    expect(rc.satisfies).toEqual({ serializable: false, 'repeatable-read': false, 'read-committed': true });
  });

  it('is absent when the reader saw both', () => {
    expect(history([1]).check().counts).toEqual({});
  });
});

describe('G2-item: write skew', () => {
  const history = (yRead: number[]) =>
    concurrent([1, [['r', 'x', []], ['append', 'y', 1]]], [2, [['r', 'y', yRead], ['append', 'x', 2]]]).final({ x: [2], y: [1] });

  it('is found when two transactions each missed the other\'s append, with two adjacent rw edges', () => {
    const r = history([]).check();
    expect(r.counts).toEqual({ 'G2-item': 1 });
    expect(explained(r, 'G2-item').match(/\(rw\)/g)).toHaveLength(2);
    expect(r.valid).toBe(false);
  });

  it('is allowed under repeatable read (snapshot isolation), and reported', () => {
    const r = history([]).check({ isolation: 'repeatable-read' });
    expect(r.valid).toBe(true);
    expect(r.satisfies).toEqual({ serializable: false, 'repeatable-read': true, 'read-committed': true });
  });

  it('is absent when one saw the other', () => {
    expect(history([1]).check().counts).toEqual({});
  });
});

describe('G-nonadjacent: anti-dependencies that never come in a row', () => {
  // T1 -rw-> T2 -wr-> T3 -rw-> T4 -wr-> T1
  const history = (dRead: number[]) =>
    new History()
      .invoke(1, [['r', 'a', null], ['r', 'd', null]])
      .invoke(2, [['append', 'a', 1], ['append', 'b', 1]])
      .invoke(3, [['r', 'b', null], ['r', 'c', null]])
      .invoke(4, [['append', 'c', 1], ['append', 'd', 1]])
      .ok(1, [['r', 'a', []], ['r', 'd', dRead]])
      .ok(2, [['append', 'a', 1], ['append', 'b', 1]])
      .ok(3, [['r', 'b', [1]], ['r', 'c', []]])
      .ok(4, [['append', 'c', 1], ['append', 'd', 1]])
      .final({ a: [1], b: [1], c: [1], d: [1] });

  it('is found, and breaks snapshot isolation (repeatable read) but not read committed', () => {
    const r = history([1]).check({ isolation: 'repeatable-read' });
    expect(r.counts).toEqual({ 'G-nonadjacent': 1 });
    expect(r.valid).toBe(false);
    const text = explained(r, 'G-nonadjacent');
    expect(text.match(/\(rw\)/g)).toHaveLength(2);
    expect(text.match(/\(wr\)/g)).toHaveLength(2);
    expect(history([1]).check({ isolation: 'read-committed' }).valid).toBe(true);
  });

  it('is absent when the cycle is broken', () => {
    expect(history([]).check().counts).toEqual({});
  });
});

describe('process and real-time variants', () => {
  it('G-single-process: a client did not see its own acknowledged append in its next transaction', () => {
    const r = new History().txn(1, [['append', 'x', 1]]).txn(1, [['r', 'x', []]]).final({ x: [1] }).check();
    expect(r.counts).toEqual({ 'G-single-process': 1 });
    expect(explained(r, 'G-single-process')).toMatch(/\(process\): process 1 ran T\d/);
    expect(r.valid).toBe(false);
  });

  it('no process anomaly when the client saw its own append', () => {
    expect(new History().txn(1, [['append', 'x', 1]]).txn(1, [['r', 'x', [1]]]).final({ x: [1] }).check().counts).toEqual({});
  });

  it('G0-process: one client\'s two appends land in the opposite order', () => {
    const r = new History().txn(1, [['append', 'x', 1]]).txn(1, [['append', 'x', 2]]).final({ x: [2, 1] }).check();
    expect(r.counts).toEqual({ 'G0-process': 1 });
  });

  it('G-single-realtime: a stale read by another client is reported, and not judged (no strict serializability promised)', () => {
    const r = new History().txn(1, [['append', 'x', 1]]).wait(5).txn(2, [['r', 'x', []]]).final({ x: [1] }).check();
    expect(r.counts).toEqual({ 'G-single-realtime': 1 });
    expect(explained(r, 'G-single-realtime')).toMatch(/\(realtime\): T\d completed \(index \d+\) 6\.000 ms before T\d was invoked/);
    expect(r.valid).toBe(true);
  });

  it('names a process cycle whose order edge runs beside an anti-dependency by the order edge (G0-process, not G-single)', () => {
    // One client: T1 read x before T2 appended to it (rw T1→T2, beside process T1→T2); y's final order puts T1 after T2.
    const r = new History().txn(1, [['r', 'x', []], ['append', 'y', 1]]).txn(1, [['append', 'x', 2], ['append', 'y', 3]]).final({ x: [2], y: [3, 1] }).check({ isolation: 'read-committed' });
    expect(r.counts).toEqual({ 'G-single': 1, 'G0-process': 1 });
    expect(r.violations.map((v) => v.text)).toEqual([expect.stringMatching(/^1 × G0-process/)]);
  });

  it('with --realtime (one server: strict serializability), the stale read is a broken promise', () => {
    const r = new History().txn(1, [['append', 'x', 1]]).wait(5).txn(2, [['r', 'x', []]]).final({ x: [1] }).check({ realtime: true });
    expect(r.violations.map((v) => v.type)).toEqual(['G-single-realtime']);
    expect(new History().txn(1, [['append', 'x', 1]]).wait(5).txn(2, [['r', 'x', []]]).final({ x: [1] }).check({ realtime: true, isolation: 'read-committed' }).valid).toBe(true);
  });

  it('no real-time anomaly when the later reader saw the append', () => {
    expect(new History().txn(1, [['append', 'x', 1]]).txn(2, [['r', 'x', [1]]]).final({ x: [1] }).check().counts).toEqual({});
  });
});

describe('indeterminate (info) transactions', () => {
  it('count as possibly committed: a cycle through one is found', () => {
    const r = new History()
      .invoke(1, [['append', 'x', 1], ['r', 'y', null]])
      .invoke(2, [['append', 'y', 2], ['r', 'x', null]])
      .info(1, [['append', 'x', 1], ['r', 'y', null]])
      .ok(2, [['append', 'y', 2], ['r', 'x', []]])
      .txn(3, [['r', 'x', [1]]])
      .final({ x: [1], y: [2] })
      .check();
    // T2 read x before T1's append (rw T2→T1); nothing forces T1 after T2 otherwise: no cycle.
    expect(r.counts).toEqual({});
    expect(r.history.info).toBe(1);
  });

  it('whose appends were seen are no aborted reads, and unseen ones are not lost', () => {
    const seen = new History().invoke(1, [['append', 'x', 1]]).info(1, [['append', 'x', 1]]).txn(2, [['r', 'x', [1]]]).final({ x: [1] }).check();
    expect(seen.counts).toEqual({});
    const unseen = new History().invoke(1, [['append', 'x', 1]]).info(1, [['append', 'x', 1]]).final({ x: [] }).check();
    expect(unseen.counts).toEqual({});
  });
});
