import { describe, expect, it } from 'vitest';
import { analyzeRun, brokenPromises, countSplitBrain, summarizeRuns } from '../../../chaos/analyze-run.js';
import type { Ack } from '../../../chaos/checked-writer.js';

const ack = (id: number, ackAt: number, node: string): Ack => ({ id, client: 0, sentAt: ackAt - 1, ackAt, node });

describe('analyzeRun', () => {
  const acks = [ack(1, 100, 'pg0'), ack(2, 200, 'pg0'), ack(3, 1900, 'pg1'), ack(4, 2000, 'pg1')];

  it('measures the write gap from the last ack before the fault to the first after', () => {
    const r = analyzeRun({ acks, failures: [] }, 250, []);
    expect(r.writeGapMs).toBe(1700);
    expect(r.firstAckAfterFaultMs).toBe(1650);
    expect(r.firstAckOnNewPrimaryMs).toBe(1650);
    expect(r.primaryBefore).toBe('pg0');
    expect(r.primaryAfter).toBe('pg1');
  });

  it('times the first ack on the new primary, not a late ack from the old one', () => {
    const late = [ack(1, 100, 'pg0'), ack(2, 260, 'pg0'), ack(3, 900, 'pg1')];
    const r = analyzeRun({ acks: late, failures: [] }, 250, []);
    expect(r.firstAckAfterFaultMs).toBe(10);
    expect(r.firstAckOnNewPrimaryMs).toBe(650);
  });

  it('counts acknowledged writes that are missing afterwards', () => {
    expect(analyzeRun({ acks, failures: [] }, 250, [2]).lostAcked).toBe(1);
  });

  it('reports no gap when nothing was acknowledged after the fault', () => {
    expect(analyzeRun({ acks: acks.slice(0, 2), failures: [] }, 250, []).writeGapMs).toBeNull();
  });
});

describe('countSplitBrain', () => {
  it('is zero when the primary changes once', () => {
    expect(countSplitBrain([ack(1, 1, 'pg0'), ack(2, 2, 'pg1'), ack(3, 3, 'pg1')])).toBe(0);
  });

  it('counts acks from an old primary after the new one acknowledged', () => {
    expect(countSplitBrain([ack(1, 1, 'pg0'), ack(2, 2, 'pg1'), ack(3, 3, 'pg0'), ack(4, 4, 'pg1')])).toBe(1);
  });
});

describe('summarizeRuns', () => {
  it('gives min, median and max of the write gaps', () => {
    const runs = [300, 100, 200, 400].map((g) => ({ ...analyzeRun({ acks: [], failures: [] }, 0, []), writeGapMs: g }));
    expect(summarizeRuns(runs)).toEqual({ min: 100, median: 250, max: 400 });
  });
});

describe('brokenPromises', () => {
  const run = (lostAcked: number, splitBrainAcks: number) => ({ ...analyzeRun({ acks: [], failures: [] }, 0, []), lostAcked, splitBrainAcks });

  it('always fails a split brain', () => {
    expect(brokenPromises([run(0, 0), run(0, 2)], false)).toEqual([expect.stringMatching(/^2 write\(s\) acknowledged by an old primary/)]);
  });

  it('fails lost acknowledged writes only when replication is synchronous', () => {
    expect(brokenPromises([run(3, 0), run(1, 0)], false)).toEqual([]);
    expect(brokenPromises([run(3, 0), run(1, 0)], true)).toEqual([expect.stringMatching(/^4 acknowledged write\(s\) lost although replication is synchronous/)]);
    expect(brokenPromises([run(0, 0)], true)).toEqual([]);
  });
});
