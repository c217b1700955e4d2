// The chaos run's side of the history checker: the insert log as a history, the append workload's pieces, the
// verdict in the run's table, the matrix and the flags.
import { describe, expect, it } from 'vitest';
import { analyzeRun, brokenPromises } from '../../../chaos/analyze-run.js';
import { transactionBody } from '../../../chaos/append/append-sql.js';
import { AppendTxnGenerator, DEFAULT_SHAPE } from '../../../chaos/append/txn-generator.js';
import type { WriteLog } from '../../../chaos/checked-writer.js';
import { checkTable, REPLICA_PORT } from '../../../chaos/checker/check-history.js';
import { tableOf } from '../../../chaos/checker/txn-table-builder.js';
import { insertHistory } from '../../../chaos/insert-history.js';
import { anomalyTotals, formatMatrix, timelineSvg } from '../../../chaos/matrix-report.js';
import { checkLines, runCheckOf } from '../../../chaos/run-check.js';
import { UserError } from '../../../common/errors.js';
import { workloadOptions, WORKLOAD_DEFAULTS } from '../../../tasks/workload-flags.js';

const opts = { isolation: 'serializable', replicaPort: REPLICA_PORT } as const;

describe('the insert workload as a history', () => {
  const ack = (id: number, client: number, sentAt: number, node: string) => ({ id, client, sentAt, ackAt: sentAt + 1, node });
  const log: WriteLog = {
    acks: [ack(1, 0, 0, '10.42.0.10'), ack(2, 1, 0.5, '10.42.0.10'), ack(3, 0, 5, '10.42.0.11'), ack(4, 1, 6, '10.42.0.11')],
    failures: [{ client: 1, at: 3, error: 'connection lost', id: 99, sentAt: 2 }, { client: 1, at: 4, error: 'connect timeout' }],
  };

  it('finds a lost acknowledged insert by its id, and the change of primary', () => {
    const ops = insertHistory(log, { ids: new Set([1, 3, 4, 99]), node: '10.42.0.11' }, 5432);
    const r = checkTable(tableOf(ops), { ...opts, replication: 'sync' });
    expect(r.lostAppends).toEqual([{ key: 2, value: 2, index: expect.any(Number) }]);
    expect(r.counts).toEqual({ 'lost-append': 1 });
    expect(r.primaries.changes).toEqual([expect.objectContaining({ from: '10.42.0.10', to: '10.42.0.11', windowMs: 4.5 })]);
    expect(r.valid).toBe(false);
    expect(checkTable(tableOf(ops), { ...opts, replication: 'async' }).valid).toBe(true);
  });

  it('counts a failed insert that committed anyway as possibly committed (no garbage), and gives the client a new process', () => {
    const ops = insertHistory(log, { ids: new Set([1, 2, 3, 4, 99]), node: null }, 5432);
    expect(checkTable(tableOf(ops), { ...opts, replication: 'sync' }).counts).toEqual({});
    const procs = ops.filter((o) => o.value.some((m) => m[1] === 99 || m[1] === 4) && o.type !== 'ok' && o.process !== 'final').map((o) => o.process);
    expect(procs).toEqual([1000, 1000, 1001]);
  });

  it('shows an old primary acknowledging after the new one as a negative window', () => {
    const late: WriteLog = { acks: [ack(1, 0, 0, 'a'), ack(2, 1, 1, 'b'), ack(3, 0, 2, 'a')], failures: [] };
    const r = checkTable(tableOf(insertHistory(late, { ids: new Set([1, 2, 3]), node: 'b' }, 5432)), { ...opts, replication: 'sync' });
    expect(r.primaries.minWindowMs).toBe(-1);
    expect(r.violations.map((v) => v.type)).toEqual(['two-primaries']);
  });
});

describe('append workload pieces', () => {
  it('gives unique values, retires a key after its appends, and keeps every key it used', () => {
    let i = 0;
    const gen = new AppendTxnGenerator({ ...DEFAULT_SHAPE, keys: 2, maxAppendsPerKey: 3, readShare: 0 }, () => ((i = (i + 7) % 10) / 10));
    const values = Array.from({ length: 20 }, () => gen.next()).flat().map((m) => m[2]);
    expect(new Set(values).size).toBe(values.length);
    expect(gen.keysUsed().length).toBeGreaterThan(2);
  });

  it('writes one multi-statement body: BEGIN at the level, an upsert per append, a select per read, where-am-I', () => {
    const sql = transactionBody([['append', 3, 7], ['r', 4, null]], 'repeatable-read', false).split(';\n');
    expect(sql[0]).toBe('BEGIN ISOLATION LEVEL REPEATABLE READ');
    expect(sql[1]).toBe('INSERT INTO pglab_chaos_lists AS t (k, vals) VALUES (3, ARRAY[7]) ON CONFLICT (k) DO UPDATE SET vals = t.vals || EXCLUDED.vals');
    expect(sql[2]).toBe('SELECT vals FROM pglab_chaos_lists WHERE k = 4');
    expect(sql[3]).toMatch(/^SELECT host\(inet_server_addr\(\)\) AS node/);
    expect(transactionBody([['r', 4, null]], 'serializable', true)).toMatch(/^BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;/);
  });
});

describe('the verdict in the run\'s report', () => {
  const report = checkTable(tableOf(insertHistory({ acks: [{ id: 1, client: 0, sentAt: 0, ackAt: 1, node: 'a' }, { id: 2, client: 0, sentAt: 2, ackAt: 3, node: 'a' }], failures: [] }, { ids: new Set([2]), node: 'a' }, 5432)), { ...opts, replication: 'sync' });
  const check = runCheckOf(report, 'insert', 'r/kill-1.history.jsonl', 'pglab check r/kill-1.history.jsonl');

  it('lists the lost ids and the history file under the run', () => {
    expect(checkLines(check, 1)).toEqual([
      'run 1: history r/kill-1.history.jsonl (insert, serializable; re-check: pglab check r/kill-1.history.jsonl)',
      'run 1: lost acknowledged inserts (ids): 1',
      expect.stringMatching(/^run 1: BROKEN: 1 × lost-append/),
    ]);
  });

  it('leaves lost writes to the classic rule in brokenPromises, and adds forbidden anomalies', () => {
    const run = { ...analyzeRun({ acks: [], failures: [] }, 0, [1]), check };
    expect(brokenPromises([run], true)).toEqual([expect.stringMatching(/^1 acknowledged write\(s\) lost although replication is synchronous/)]);
    const skew = { ...check, violations: [{ type: 'G-single' as const, text: '1 × G-single: …' }] };
    expect(brokenPromises([{ ...run, lostAcked: 0, check: skew }], true)).toEqual(['run 1: 1 × G-single: …']);
  });

  it('adds stale reads, the window and anomalies to the matrix, and marks anomalous operations on the timeline', () => {
    const run = { ...analyzeRun({ acks: [], failures: [] }, 0, [1]), target: 'pg0', checks: [], timeline: { binMs: 50, startMs: 0, nodes: { a: [1, 2] }, faultAtMs: 10, liftedAtMs: null, marks: check.marks }, check: { ...check, stale: { reads: 3, stale: 1, maxMs: 42, p99Ms: 42, maxLsnBytes: null }, primariesWindowMs: 812 } };
    const table = formatMatrix([{ fault: 'kill', runs: [run] }], true);
    expect(table.split('\n')[0]).toMatch(/STALE max \/ p99 +2-PRIMARIES WINDOW min +PROMISES KEPT +ANOMALIES$/);
    expect(table.split('\n')[1]).toMatch(/0\.042s \/ 0\.042s +0\.812s +2\/3 BROKEN +lost-append 1\*$/);
    expect(anomalyTotals([run])).toBe('lost-append 1*');
    expect(timelineSvg(run.timeline)).toContain('<title>lost-append at 0.001 s</title>');
  });
});

describe('workload flags', () => {
  it('accepts the defaults and an append workload', () => {
    expect(workloadOptions({ ...WORKLOAD_DEFAULTS })).toEqual({ workload: 'insert', isolation: 'serializable', keys: 16, txnRate: 0, replicaReaders: 0 });
    expect(workloadOptions({ ...WORKLOAD_DEFAULTS, workload: 'append', isolation: 'read-committed', keys: '8', replicaReaders: '2' })).toMatchObject({ workload: 'append', isolation: 'read-committed', keys: 8, replicaReaders: 2 });
  });
  it.each([
    [{ workload: 'set' }, /unknown workload "set"/],
    [{ workload: 'append', isolation: 'snapshot' }, /unknown isolation level "snapshot"/],
    [{ isolation: 'read-committed' }, /--isolation applies to --workload append/],
    [{ workload: 'append', keys: '0' }, /--keys must be a whole number from 1/],
  ])('refuses %j', (over, message) => {
    expect(() => workloadOptions({ ...WORKLOAD_DEFAULTS, ...over })).toThrow(UserError);
    expect(() => workloadOptions({ ...WORKLOAD_DEFAULTS, ...over })).toThrow(message);
  });
});
