// The leader's side of the operator verbs: forced failover, maintenance mode, a requested restart.
import { describe, expect, it } from 'vitest';
import { decideLeader, initialLeaderMemory, type LeaderInput } from '../../../daemon/decide-leader.js';
import type { ClusterView } from '../../../daemon/dcs.js';
import { deepFreeze, desired, member, primaryMember, syncConfig, view } from './fixtures.js';

function input(v: ClusterView, over: Partial<LeaderInput> = {}): LeaderInput {
  return deepFreeze({ self: 'pg1', view: v, nowMs: 1000, nowIso: '2026-01-01T00:00:01.000Z', failoverTimeoutMs: 10_000, memory: initialLeaderMemory, ...over });
}
const healthy = () => [primaryMember('pg0'), member('pg1'), member('pg2')];
const paused = { since: '2026-01-01T00:00:00Z', by: 'operator' };
const failover = (to: string | null, force = false) => ({ kind: 'failover' as const, from: null, to, requestedAt: 'x', ...(force ? { force: true } : {}) });

describe('failover requests', () => {
  it('refuses a failover while the primary is healthy, naming switchover and --force', () => {
    const d = decideLeader(input(view(desired(), healthy(), { request: failover('pg2') })));
    expect(d.message).toBe('refusing failover: the primary is healthy');
    expect(d.actions).toEqual([{ kind: 'drop-request', reason: 'failover refused: primary pg0 is healthy (use switchover, or failover --force)' }]);
  });

  it('with force, replaces a healthy primary; the old one steps down the usual way (previousPrimary)', () => {
    const d = decideLeader(input(view(desired(), healthy(), { request: failover('pg2', true) })));
    expect(d.message).toBe('failover: making pg2 the primary instead of pg0');
    expect(d.actions[0]).toMatchObject({ kind: 'write-desired', consumeRequest: true, next: { primary: 'pg2', previousPrimary: 'pg0', generation: 2, reason: 'failover (forced) to pg2 requested by an operator' }, history: { kind: 'failover', from: 'pg0', to: 'pg2' } });
  });

  it('without a target, picks the best candidate', () => {
    const ms = [primaryMember('pg0', { pgUp: false, role: 'stopped' }), member('pg1', { receivedLsn: 900 }), member('pg2', { receivedLsn: 1200 })];
    const d = decideLeader(input(view(desired(), ms, { request: failover(null) })));
    expect(d.message).toBe('failover: making pg2 the primary instead of pg0');
  });

  it('without a target and without a candidate, says why', () => {
    const ms = [primaryMember('pg0', { pgUp: false, role: 'stopped' }), member('pg1', { noFailover: true }), member('pg2', { pgUp: false, role: 'stopped' })];
    const d = decideLeader(input(view(desired(), ms, { request: failover(null) })));
    expect(d.actions).toEqual([{ kind: 'drop-request', reason: 'failover refused: no candidate (pg1: tagged nofailover; pg2: postgres is not running)' }]);
  });
});

describe('maintenance mode (paused)', () => {
  it('does not fail over from a crashed primary, and says so', () => {
    const ms = [primaryMember('pg0', { pgUp: false, role: 'stopped', crashed: true }), member('pg1'), member('pg2')];
    const d = decideLeader(input(view(desired(), ms, { maintenance: paused })));
    expect(d).toMatchObject({ actions: [], message: 'no action: paused by operator since 2026-01-01T00:00:00Z (no automatic failover or sync-set change); pg0 reports its postgres crashed; not failing over' });
    expect(d.memory).toEqual(initialLeaderMemory);
  });

  it('does not fail over when the primary\'s member key is gone', () => {
    const d = decideLeader(input(view(desired(), [member('pg1'), member('pg2')], { maintenance: paused }), { nowMs: 60_000 }));
    expect(d.actions).toEqual([]);
    expect(d.message).toContain('member key of pg0 is gone (its lease expired); not failing over');
  });

  it('does not change the sync set', () => {
    const p = primaryMember('pg0', { replication: [{ name: 'pg1', state: 'streaming', syncState: 'async', flushLsn: 500, replayLsn: 500 }] });
    const d = decideLeader(input(view(desired(), [p, member('pg1'), member('pg2')], { config: syncConfig, maintenance: paused })));
    expect(d).toMatchObject({ actions: [], message: 'no action: paused by operator since 2026-01-01T00:00:00Z (no automatic failover or sync-set change); pg0 is the primary' });
  });

  it('still carries out an operator\'s switchover', () => {
    const d = decideLeader(input(view(desired(), healthy(), { maintenance: paused, request: { kind: 'switchover', from: null, to: 'pg2', requestedAt: 'x' } })));
    expect(d.message).toBe('switchover: making pg2 the primary instead of pg0');
  });
});

describe('a requested restart of the primary', () => {
  it('is planned, not a crash: the leader waits up to the failover timeout', () => {
    const ms = [primaryMember('pg0', { pgUp: false, role: 'stopped', crashed: true, restarting: true }), member('pg1'), member('pg2')];
    const first = decideLeader(input(view(desired(), ms)));
    expect(first).toMatchObject({ actions: [], message: 'waiting: pg0 is restarting on an operator\'s request for 0ms (failover after 10000ms)' });
    const later = decideLeader(input(view(desired(), ms, { revisions: { pg1: '11', pg2: '11' } }), { memory: first.memory, nowMs: 11_001 }));
    expect(later.message).toBe('failing over from pg0 to pg1: pg0 is restarting on an operator\'s request');
  });

  it('changes nothing while the restarting primary still reports itself running', () => {
    const ms = [primaryMember('pg0', { restarting: true }), member('pg1'), member('pg2')];
    expect(decideLeader(input(view(desired(), ms))).message).toBe('no action: I am pg1, the leader; pg0 is the primary');
  });
});
