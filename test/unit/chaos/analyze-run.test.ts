import { describe, expect, it } from 'vitest';
import { analyzeRun, brokenPromises, countSplitBrain, failoverPhases, summarizeRuns, type RunReport } from '../../../chaos/analyze-run.js';
import { faultChecks } from '../../../tasks/chaos.js';
import { writesRecovered, type Ack } from '../../../chaos/checked-writer.js';

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

describe('writesRecovered', () => {
  const ack = (sentAt: number) => ({ id: sentAt, client: 0, sentAt, ackAt: sentAt + 1, node: '10.42.0.10' });
  it('is true when nothing failed after the fault, and once an ack was sent after the last failure', () => {
    expect(writesRecovered({ acks: [ack(10)], failures: [{ client: 0, at: 5, error: 'x' }] }, 8)).toBe(true);
    expect(writesRecovered({ acks: [ack(10)], failures: [{ client: 0, at: 12, error: 'x' }] }, 8)).toBe(false);
    expect(writesRecovered({ acks: [ack(10), ack(13)], failures: [{ client: 0, at: 12, error: 'x' }] }, 8)).toBe(true);
  });
});

describe('faultChecks', () => {
  const report = (over: Partial<RunReport> = {}): RunReport => ({ faultAtMs: 2000, writeGapMs: 1500, firstAckAfterFaultMs: 10, firstAckOnNewPrimaryMs: 2400, acked: 100, failedAttempts: 5, lostAcked: 0, splitBrainAcks: 0, primaryBefore: '10.42.0.10', primaryAfter: '10.42.0.11', ...over });
  const base = { target: 'pg0', primary: 'pg0', primaryAfterHeal: 'pg1', dataDirBefore: '11', dataDirAfter: '11', liftedAt: null, log: { acks: [], failures: [] } };

  it('judges a frozen primary by the new primary\'s first ack, and its data directory', () => {
    expect(faultChecks('freeze-postgres', { ...base, report: report() }).map((c) => c.kept)).toEqual([true, true]);
    const slow = faultChecks('freeze-postgres', { ...base, dataDirAfter: '12', report: report({ firstAckOnNewPrimaryMs: 6000 }) });
    expect(slow.map((c) => [c.promise, c.kept])).toEqual([
      ['pg0 keeps its data directory', false],
      ['writes acknowledged by a new primary within 5 s of the freeze-postgres', false],
    ]);
  });

  it('breaks "no failover" when a cut replica or a lost etcd quorum moved the primary', () => {
    const moved = faultChecks('etcd-quorum', { ...base, target: '', dataDirBefore: '', primaryAfterHeal: 'pg1', liftedAt: 5000, log: { acks: [{ id: 1, client: 0, sentAt: 7000, ackAt: 7100, node: 'x' }], failures: [] }, report: report() });
    expect(moved.map((c) => [c.promise, c.kept, c.evidence])).toEqual([
      ['no failover', false, 'primary pg0 → pg1'],
      ["writes acknowledged again within 5 s of etcd's quorum returning", true, 'first ack 2.10 s after etcd was started again'],
    ]);
  });
});

describe('failoverPhases', () => {
  const entry = (kind: 'bootstrap' | 'failover' | 'switchover' | 'sync', decidedAt: string, detectedToDecidedMs: number | null) =>
    ({ generation: 2, kind, from: 'pg0', to: 'pg1', reason: 'r', decidedBy: 'pg2', decidedAt, detectedToDecidedMs });
  const fault = Date.parse('2026-11-29T20:00:10.000Z');

  it('splits the first role change after the fault into detection and decision', () => {
    const history = [
      entry('failover', '2026-11-29T20:00:05.000Z', 10), // an earlier run's
      entry('sync', '2026-11-29T20:00:10.500Z', null),
      entry('failover', '2026-11-29T20:00:11.300Z', 40),
      entry('failover', '2026-11-29T20:00:20.000Z', 5),
    ];
    expect(failoverPhases(history, fault)).toEqual({ detectedMs: 1260, decidedMs: 1300 });
  });

  it('has no detection time for a switchover, and nothing when no role changed', () => {
    expect(failoverPhases([entry('switchover', '2026-11-29T20:00:10.200Z', null)], fault)).toEqual({ detectedMs: null, decidedMs: 200 });
    expect(failoverPhases([entry('bootstrap', '2026-11-29T20:00:11.000Z', null)], fault)).toBeNull();
  });
});

describe('brokenPromises with the writers\' own promises', () => {
  const run = (lostAcked: number, splitBrainAcks: number) => ({ ...analyzeRun({ acks: [], failures: [] }, 0, []), lostAcked, splitBrainAcks });

  it('fails lost writes for MongoDB w: majority, with the reason, and nothing for w: 1', () => {
    const majority = { noLoss: 'a majority acknowledged them (w: majority, j: true)', noSplitBrain: true };
    expect(brokenPromises([run(2, 1)], majority)).toEqual([
      '1 write(s) acknowledged by an old primary after a new one had taken over (split brain)',
      '2 acknowledged write(s) lost although a majority acknowledged them (w: majority, j: true)',
    ]);
    expect(brokenPromises([run(2, 1)], { noLoss: null, noSplitBrain: false })).toEqual([]);
  });
});
