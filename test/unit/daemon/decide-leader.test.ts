import { describe, expect, it } from 'vitest';
import { decideLeader, initialLeaderMemory, lastPrimaryLsn, primaryFailure, syncChange, type LeaderInput } from '../../../daemon/decide-leader.js';
import type { ClusterView } from '../../../daemon/dcs.js';
import { deepFreeze, desired, member, primaryMember, syncConfig, view } from './fixtures.js';

function input(v: ClusterView, over: Partial<LeaderInput> = {}): LeaderInput {
  return deepFreeze({ self: 'pg1', view: v, nowMs: 1000, nowIso: '2026-01-01T00:00:01.000Z', failoverTimeoutMs: 10_000, memory: initialLeaderMemory, ...over });
}

const healthy = () => [primaryMember('pg0'), member('pg1'), member('pg2')];

describe('decideLeader', () => {
  it('does nothing while the cluster is not initialized', () => {
    expect(decideLeader(input(view(null, []))).message).toBe('no action: cluster not initialized (run pgdaemon init-cluster)');
  });

  it('keeps its hands off an unreadable desired state', () => {
    const d = decideLeader(input(view(null, healthy(), { desiredUnreadable: true, problems: ['desired: not JSON ("xx")'] })));
    expect(d.actions).toEqual([]);
    expect(d.message).toBe('no action: desired state is unreadable (desired: not JSON ("xx")); waiting for an operator to repair it');
  });

  it('does not fail over while the first primary bootstraps', () => {
    const d = decideLeader(input(view(desired(), [member('pg1', { pgUp: false, role: 'stopped' })], { initialized: null })));
    expect(d).toMatchObject({ actions: [], message: 'no action: waiting for pg0 to bootstrap the cluster' });
  });

  it('reports a healthy primary in one line', () => {
    const d = decideLeader(input(view(desired(), healthy())));
    expect(d).toMatchObject({ actions: [], message: 'no action: I am pg1, the leader; pg0 is the primary' });
  });

  it('when the primary\'s member key is gone, waits for fresh replica state, then fails over to the most advanced replica', () => {
    const ms = [member('pg1', { receivedLsn: 1000 }), member('pg2', { receivedLsn: 2000 })];
    const first = decideLeader(input(view(desired(), ms)));
    expect(first.actions).toEqual([]);
    expect(first.message).toBe('waiting: member key of pg0 is gone (its lease expired); waiting for fresh state from pg1,pg2');
    // Both replicas published again (new revisions): now compare them.
    const second = decideLeader(input(view(desired(), ms, { revisions: { pg1: '11', pg2: '12' } }), { memory: first.memory, nowMs: 1300 }));
    expect(second.message).toBe('failing over from pg0 to pg2: member key of pg0 is gone (its lease expired)');
    expect(second.actions).toHaveLength(1);
    const a = second.actions[0];
    if (a?.kind !== 'write-desired') throw new Error('expected write-desired');
    expect(a.expectRevision).toBe('5');
    expect(a.next).toMatchObject({ generation: 2, primary: 'pg2', previousPrimary: 'pg0', syncStandbys: [], syncPending: [] });
    expect(a.history).toMatchObject({ kind: 'failover', from: 'pg0', to: 'pg2', decidedBy: 'pg1', detectedToDecidedMs: 300 });
    // The CAS also checks the failed primary's key is still absent: a restarted daemon publishing it makes this stale.
    expect(a.memberUnchanged).toEqual({ node: 'pg0', modRevision: null });
  });

  it('guards a failover with the failed primary\'s member key as it read it (its mod revision)', () => {
    const crashed = primaryMember('pg0', { crashed: true, pgUp: false });
    // Both replicas published having seen the failure: no wait for fresh state.
    const d = decideLeader(input(view(desired(), [crashed, member('pg1', { sawPrimaryFail: 1 }), member('pg2', { sawPrimaryFail: 1 })], { revisions: { pg0: '17', pg1: '11', pg2: '12' } })));
    const a = d.actions[0];
    if (a?.kind !== 'write-desired') throw new Error(`expected write-desired, got ${d.message}`);
    expect(a.memberUnchanged).toEqual({ node: 'pg0', modRevision: '17' });
    // Operator requests and sync-set changes are not decided on the primary's failure: no such guard.
    const sw = decideLeader(input(view(desired(), healthy(), { request: { kind: 'switchover', from: null, to: 'pg2', requestedAt: 'x' } })));
    const b = sw.actions[0];
    if (b?.kind !== 'write-desired') throw new Error(`expected write-desired, got ${sw.message}`);
    expect(b.memberUnchanged).toBeUndefined();
  });

  it('counts a replica that published having seen the failure itself as fresh (it may have seen it before the leader)', () => {
    // Seen on the lab: pg1 saw pg0's key gone 24 ms before the leader and published then; the leader's baseline
    // included that write, and it waited 1.2 s for pg1's next one.
    const ms = [member('pg1', { receivedLsn: 3000, sawPrimaryFail: 1 }), member('pg2', { receivedLsn: 2000 })];
    const first = decideLeader(input(view(desired(), ms)));
    expect(first.message).toBe('waiting: member key of pg0 is gone (its lease expired); waiting for fresh state from pg2');
    const second = decideLeader(input(view(desired(), [ms[0]!, member('pg2', { receivedLsn: 2000, sawPrimaryFail: 1 })]), { memory: first.memory }));
    expect(second.message).toBe('failing over from pg0 to pg1: member key of pg0 is gone (its lease expired)');
    // A mark from an earlier generation's failure is no news about this one.
    const old = decideLeader(input(view(desired(), [member('pg1', { sawPrimaryFail: 0 }), member('pg2', { sawPrimaryFail: 0 })])));
    expect(old.message).toBe('waiting: member key of pg0 is gone (its lease expired); waiting for fresh state from pg1,pg2');
  });

  it('fails over with stale replica state once the failover timeout passed', () => {
    const ms = [member('pg1'), member('pg2')];
    const first = decideLeader(input(view(desired(), ms)));
    const later = decideLeader(input(view(desired(), ms), { memory: first.memory, nowMs: 11_001 }));
    expect(later.message).toBe('failing over from pg0 to pg1: member key of pg0 is gone (its lease expired)');
  });

  it('fails over at once when the primary reports its postgres crashed', () => {
    const ms = [primaryMember('pg0', { pgUp: false, role: 'stopped', crashed: true }), member('pg1'), member('pg2')];
    const first = decideLeader(input(view(desired(), ms)));
    expect(first.message).toBe('waiting: pg0 reports its postgres crashed; waiting for fresh state from pg1,pg2');
    const second = decideLeader(input(view(desired(), ms, { revisions: { pg1: '11', pg2: '11' } }), { memory: first.memory }));
    expect(second.message).toBe('failing over from pg0 to pg1: pg0 reports its postgres crashed');
  });

  it('gives a primary that is merely down (restarting) the failover timeout', () => {
    const ms = [primaryMember('pg0', { pgUp: false, role: 'stopped' }), member('pg1'), member('pg2')];
    const first = decideLeader(input(view(desired(), ms, { revisions: { pg1: '11' } })));
    expect(first.message).toBe('waiting: pg0 is down, not a running primary for 0ms (failover after 10000ms)');
    expect(first.actions).toEqual([]);
  });

  it('says why no replica can be promoted', () => {
    const ms = [member('pg1', { noFailover: true }), member('pg2', { pgUp: false, role: 'stopped' })];
    const first = decideLeader(input(view(desired(), ms)));
    const d = decideLeader(input(view(desired(), ms), { memory: first.memory, nowMs: 20_000 }));
    expect(d.actions).toEqual([]);
    expect(d.message).toBe('no failover candidate: member key of pg0 is gone (its lease expired); pg1: tagged nofailover; pg2: postgres is not running');
  });

  it('does not fail over to a replica that is not a synchronous standby in sync mode', () => {
    const ms = [member('pg1'), member('pg2')];
    const first = decideLeader(input(view(desired({ syncStandbys: ['pg2'] }), ms, { config: syncConfig })));
    const v = view(desired({ syncStandbys: ['pg2'] }), ms, { config: syncConfig, revisions: { pg1: '11', pg2: '11' } });
    expect(decideLeader(input(v, { memory: first.memory })).message).toBe('failing over from pg0 to pg2: member key of pg0 is gone (its lease expired)');
  });

  it('carries out a switchover request to a named healthy replica', () => {
    const v = view(desired(), healthy(), { request: { kind: 'switchover', from: null, to: 'pg2', requestedAt: 'x' } });
    const d = decideLeader(input(v));
    expect(d.message).toBe('switchover: making pg2 the primary instead of pg0');
    expect(d.actions[0]).toMatchObject({ kind: 'write-desired', consumeRequest: true, next: { primary: 'pg2', previousPrimary: 'pg0', generation: 2 }, history: { kind: 'switchover', to: 'pg2' } });
  });

  it('refuses a switchover to a replica that may not be promoted, and drops the request', () => {
    const ms = [primaryMember('pg0'), member('pg1'), member('pg2', { noFailover: true })];
    const d = decideLeader(input(view(desired(), ms, { request: { kind: 'switchover', from: null, to: 'pg2', requestedAt: 'x' } })));
    expect(d.message).toBe('refusing switchover to pg2: tagged nofailover');
    expect(d.actions).toEqual([{ kind: 'drop-request', reason: 'switchover to pg2 refused: pg2 tagged nofailover' }]);
  });

  it('refuses a switchover when the primary is unhealthy (that is a failover)', () => {
    const ms = [primaryMember('pg0', { pgUp: false, role: 'stopped' }), member('pg1')];
    const d = decideLeader(input(view(desired(), ms, { request: { kind: 'switchover', from: null, to: null, requestedAt: 'x' } })));
    expect(d.message).toBe('refusing switchover: the primary is not healthy');
  });

  it('carries out a forced failover to a running replica even in sync mode', () => {
    const ms = [member('pg1'), member('pg2')];
    const v = view(desired(), ms, { config: syncConfig, request: { kind: 'failover', from: null, to: 'pg1', requestedAt: 'x' } });
    const d = decideLeader(input(v));
    expect(d.message).toBe('failover: making pg1 the primary instead of pg0');
  });
});

describe('decideLeader under a wider fault model', () => {
  it('does not fail over from a primary whose member key exists but does not parse', () => {
    const v = view(desired(), [member('pg1'), member('pg2')], { unreadableMembers: ['pg0'], problems: ['members/pg0: bad shape: role Invalid enum value'] });
    const d = decideLeader(input(v));
    expect(d.actions).toEqual([]);
    expect(d.message).toBe('no action: the member key of pg0 does not parse (members/pg0: bad shape: role Invalid enum value); its lease is alive, so no failover');
  });

  it('enforces the lag limit against the last LSN the dead primary published', () => {
    const far = 200 * 1024 * 1024;
    // The replicas' own lag is null: they computed it against a primary whose state is gone.
    const ms = [member('pg1', { receivedLsn: 1000, replayedLsn: 1000, lagBytes: null }), member('pg2', { receivedLsn: 2000, replayedLsn: 2000, lagBytes: null })];
    const v = view(desired(), ms, { lastLsn: { node: 'pg0', generation: 1, lsn: far }, revisions: { pg1: '11', pg2: '12' } });
    const first = decideLeader(input(view(desired(), ms, { lastLsn: { node: 'pg0', generation: 1, lsn: far } })));
    const d = decideLeader(input(v, { memory: first.memory, nowMs: 1300 }));
    expect(d.actions).toEqual([]);
    expect(d.message).toMatch(/^no failover candidate: member key of pg0 is gone \(its lease expired\); pg1: lag \d+ bytes exceeds 67108864; pg2: lag \d+ bytes exceeds 67108864$/);
    // A last LSN from an older generation (another primary's) does not count.
    const older = view(desired({ generation: 2 }), ms.map((m) => ({ ...m, appliedGeneration: 2 })), { lastLsn: { node: 'pg0', generation: 1, lsn: far }, revisions: { pg1: '11', pg2: '12' } });
    const f2 = decideLeader(input(view(desired({ generation: 2 }), ms, { lastLsn: { node: 'pg0', generation: 1, lsn: far } })));
    expect(decideLeader(input(older, { memory: f2.memory, nowMs: 1300 })).message).toBe('failing over from pg0 to pg2: member key of pg0 is gone (its lease expired)');
  });
});

describe('syncChange', () => {
  const streamingTo = (...names: string[]) => names.map((name) => ({ name, state: 'streaming', syncState: 'async', flushLsn: 500, replayLsn: 500 }));
  const members = (p: ReturnType<typeof primaryMember>) => deepFreeze({ pg0: { value: p }, pg1: { value: member('pg1') }, pg2: { value: member('pg2') } });

  it('first lists a streaming replica as pending', () => {
    const p = primaryMember('pg0', { replication: streamingTo('pg1') });
    expect(syncChange(desired(), true, members(p))).toEqual({ syncStandbys: [], syncPending: ['pg1'] });
  });

  it('makes a pending standby promotable once it flushed past the point the setting took effect', () => {
    const d = desired({ syncPending: ['pg1'] });
    const notYet = primaryMember('pg0', { replication: streamingTo('pg1'), syncApplied: { names: ['pg1'], atLsn: 600, generation: 1 } });
    expect(syncChange(d, true, members(notYet))).toBeNull();
    const caught = primaryMember('pg0', { replication: streamingTo('pg1'), syncApplied: { names: ['pg1'], atLsn: 400, generation: 1 } });
    expect(syncChange(d, true, members(caught))).toEqual({ syncStandbys: ['pg1'], syncPending: [] });
  });

  it('does not count a watermark taken under an older generation (the standby may have left the set since)', () => {
    const d = desired({ syncPending: ['pg1'], generation: 3 });
    const stale = primaryMember('pg0', { appliedGeneration: 3, replication: streamingTo('pg1'), syncApplied: { names: ['pg1'], atLsn: 400, generation: 1 } });
    expect(syncChange(d, true, members(stale))).toBeNull();
    const old = primaryMember('pg0', { appliedGeneration: 3, replication: streamingTo('pg1'), syncApplied: { names: ['pg1'], atLsn: 400 } });
    expect(syncChange(d, true, members(old))).toBeNull();
    const fresh = primaryMember('pg0', { appliedGeneration: 3, replication: streamingTo('pg1'), syncApplied: { names: ['pg1'], atLsn: 400, generation: 3 } });
    expect(syncChange(d, true, members(fresh))).toEqual({ syncStandbys: ['pg1'], syncPending: [] });
  });

  it('drops a standby the primary no longer streams to', () => {
    const d = desired({ syncStandbys: ['pg1', 'pg2'] });
    const p = primaryMember('pg0', { replication: streamingTo('pg1'), syncApplied: { names: ['pg1', 'pg2'], atLsn: 1 } });
    expect(syncChange(d, true, members(p))).toEqual({ syncStandbys: ['pg1'], syncPending: [] });
  });

  it('changes nothing when the primary is not running (its standbys keep their promotability)', () => {
    const d = desired({ syncStandbys: ['pg1', 'pg2'] });
    expect(syncChange(d, true, members(primaryMember('pg0', { pgUp: false, role: 'stopped' })))).toBeNull();
  });

  it('clears the sync set in async mode', () => {
    expect(syncChange(desired({ syncStandbys: ['pg1'] }), false, members(primaryMember()))).toEqual({ syncStandbys: [], syncPending: [] });
  });
});

describe('decideLeader edges (each pins mutants `make mutation` left alive; docs/pgdaemon.md, "Mutation testing")', () => {
  const ms = () => [primaryMember('pg0'), member('pg1', { receivedLsn: 1000 }), member('pg2', { receivedLsn: 2000 })];
  const request = (over: Partial<{ kind: 'switchover' | 'failover'; from: string | null; to: string | null; force: boolean }>) => ({ kind: 'switchover' as const, from: null, to: null, requestedAt: 'x', ...over });
  const drop = (reason: string) => [{ kind: 'drop-request', reason }];

  it('names why a primary cannot serve: an operator\'s restart, a crash, down or another role; nothing before it saw the generation', () => {
    const d = desired({ generation: 2 });
    const at2 = { appliedGeneration: 2 };
    expect(primaryFailure(d, primaryMember('pg0', { ...at2, restarting: true, pgUp: false }))).toEqual({ reason: 'pg0 is restarting on an operator\'s request', immediate: false });
    expect(primaryFailure(d, primaryMember('pg0', { ...at2, restarting: true, role: 'replica' }))).toEqual({ reason: 'pg0 is restarting on an operator\'s request', immediate: false });
    expect(primaryFailure(d, primaryMember('pg0', { ...at2, restarting: true }))).toBeNull();
    expect(primaryFailure(d, primaryMember('pg0', { ...at2, role: 'replica' }))).toEqual({ reason: 'pg0 is replica, not a running primary', immediate: false });
    expect(primaryFailure(d, primaryMember('pg0', { ...at2, pgUp: false, role: 'stopped' }))).toEqual({ reason: 'pg0 is down, not a running primary', immediate: false });
    // Not yet at this generation (a new primary still being made): not a failure.
    expect(primaryFailure(d, primaryMember('pg0', { appliedGeneration: 1, pgUp: false, role: 'stopped' }))).toBeNull();
  });

  it('decides nothing without a cluster config', () => {
    expect(decideLeader(input(view(desired(), ms(), { config: null }))).message).toBe('no action: cluster config is missing or unreadable; not deciding anything');
  });

  it('refuses a request meant for another primary, and takes one meant for this one', () => {
    const other = decideLeader(input(view(desired(), ms(), { request: request({ from: 'pg2', to: 'pg1' }) })));
    expect(other.actions).toEqual(drop('switchover from pg2 refused: the primary is pg0'));
    expect(other.message).toBe('refusing switchover: pg2 is not the primary');
    const mine = decideLeader(input(view(desired(), ms(), { request: request({ from: 'pg0', to: 'pg1' }) })));
    expect(mine.actions[0]).toMatchObject({ kind: 'write-desired', next: { primary: 'pg1' }, consumeRequest: true });
  });

  it('refuses a switchover from a primary that is down or not a primary, with the request dropped', () => {
    const reason = 'switchover refused: primary pg0 is not healthy (use failover)';
    for (const p of [primaryMember('pg0', { pgUp: false }), primaryMember('pg0', { role: 'replica' })]) {
      const d = decideLeader(input(view(desired(), [p, member('pg1')], { request: request({ to: 'pg1' }) })));
      expect(d.actions).toEqual(drop(reason));
    }
    expect(decideLeader(input(view(desired(), [member('pg1')], { request: request({ to: 'pg1' }) }))).actions).toEqual(drop(reason));
  });

  it('switches over to the best candidate when no target is named, and refuses when there is none', () => {
    const best = decideLeader(input(view(desired(), ms(), { request: request({}) })));
    expect(best.actions[0]).toMatchObject({ kind: 'write-desired', next: { primary: 'pg2', generation: 2 }, consumeRequest: true });
    const none = decideLeader(input(view(desired(), [primaryMember('pg0'), member('pg1', { noFailover: true })], { request: request({}) })));
    expect(none.actions).toEqual(drop('switchover refused: no candidate (pg1: tagged nofailover)'));
    expect(none.message).toBe('refusing switchover: no candidate');
  });

  it('refuses a switchover to a node without member state', () => {
    const d = decideLeader(input(view(desired(), ms(), { request: request({ to: 'pg9' }) })));
    expect(d.actions).toEqual(drop('switchover to pg9 refused: pg9 has no member state (daemon down?)'));
  });

  it('takes an unforced failover when the primary runs but not as primary', () => {
    const d = decideLeader(input(view(desired(), [primaryMember('pg0', { role: 'replica' }), member('pg1')], { request: request({ kind: 'failover', to: 'pg1' }) })));
    expect(d.actions[0]).toMatchObject({ kind: 'write-desired', next: { primary: 'pg1' } });
  });

  it('fails over on request only to a running replica of this cluster', () => {
    const down = primaryMember('pg0', { pgUp: false, crashed: true });
    const reason = (to: string) => drop(`failover to ${to} refused: it must be a running replica of this cluster`);
    const targets: [string, ReturnType<typeof member>[]][] = [
      ['pg9', []],
      ['pg1', [member('pg1', { pgUp: false, role: 'stopped' })]],
      ['pg1', [member('pg1', { role: 'primary' })]],
      ['pg3', [member('pg3')]],
    ];
    for (const [to, others] of targets) {
      const d = decideLeader(input(view(desired(), [down, ...others], { request: request({ kind: 'failover', to }) })));
      expect(d.actions).toEqual(reason(to));
      expect(d.message).toBe('refusing failover: target is not a running replica');
    }
  });

  it('writes a sync-set change as a new generation, without consuming any request', () => {
    const streaming = (...names: string[]) => names.map((name) => ({ name, state: 'streaming', syncState: 'async', flushLsn: 500, replayLsn: 500 }));
    const join = decideLeader(input(view(desired(), [primaryMember('pg0', { replication: streaming('pg1', 'pg2') }), member('pg1'), member('pg2')], { config: syncConfig })));
    expect(join.message).toBe('updating sync set: synchronous standbys (none), joining pg1,pg2');
    expect(join.actions).toEqual([{ kind: 'write-desired', expectRevision: '5', next: { ...desired(), syncStandbys: [], syncPending: ['pg1', 'pg2'], generation: 2, reason: 'synchronous standbys (none), joining pg1,pg2', changedAt: '2026-01-01T00:00:01.000Z' }, consumeRequest: false }]);
    const d = desired({ syncStandbys: ['pg1'], syncPending: ['pg2'] });
    const p = primaryMember('pg0', { replication: streaming('pg1', 'pg2'), syncApplied: { names: ['pg1', 'pg2'], atLsn: 400, generation: 1 } });
    const done = decideLeader(input(view(d, [p, member('pg1'), member('pg2')], { config: syncConfig })));
    expect(done.message).toBe('updating sync set: synchronous standbys pg1,pg2');
  });

  describe('a failover after the timeout', () => {
    const down = () => [primaryMember('pg0', { pgUp: false, role: 'stopped' }), member('pg1'), member('pg2', { receivedLsn: 2000 })];

    it('starts the wait again for a new generation, whatever an older failure remembered', () => {
      const old = { failing: { since: 0, reason: 'x', generation: 1, baseline: {} } };
      const d2 = desired({ generation: 2 });
      const d = decideLeader(input(view(d2, down().map((m) => ({ ...m, appliedGeneration: 2 }))), { memory: old, nowMs: 100_000 }));
      expect(d.actions).toEqual([]);
      expect(d.memory.failing).toMatchObject({ since: 100_000, generation: 2 });
    });

    it('fails over exactly at failoverTimeoutMs, with stale replica state too, recording the new generation and consuming no request', () => {
      const first = decideLeader(input(view(desired(), down()), { nowMs: 1000 }));
      expect(first.actions).toEqual([]);
      expect(decideLeader(input(view(desired(), down()), { memory: first.memory, nowMs: 10_999 })).actions).toEqual([]);
      const d = decideLeader(input(view(desired(), down()), { memory: first.memory, nowMs: 11_000 }));
      expect(d.message).toBe('failing over from pg0 to pg2: pg0 is down, not a running primary');
      expect(d.actions[0]).toMatchObject({ kind: 'write-desired', consumeRequest: false, history: { generation: 2, kind: 'failover', detectedToDecidedMs: 10_000 } });
      // An immediate failure with stale replica state also goes exactly at the timeout.
      const gone = () => [member('pg1'), member('pg2', { receivedLsn: 2000 })];
      const g1 = decideLeader(input(view(desired(), gone()), { nowMs: 1000 }));
      expect(decideLeader(input(view(desired(), gone()), { memory: g1.memory, nowMs: 10_999 })).actions).toEqual([]);
      expect(decideLeader(input(view(desired(), gone()), { memory: g1.memory, nowMs: 11_000 })).actions).toHaveLength(1);
    });
  });
});

describe('lastPrimaryLsn', () => {
  const at = (live: number | null, lastLsn: { node: string; generation: number; lsn: number } | null) =>
    lastPrimaryLsn(view(desired(), [primaryMember('pg0', { walLsn: live })], { lastLsn }));

  it('is the larger of the live and the kept position of the desired primary at this generation, either alone, or null', () => {
    expect(lastPrimaryLsn(view(null, []))).toBeNull();
    expect(at(null, null)).toBeNull();
    expect(at(100, null)).toBe(100);
    expect(at(null, { node: 'pg0', generation: 1, lsn: 200 })).toBe(200);
    expect(at(100, { node: 'pg0', generation: 1, lsn: 200 })).toBe(200);
    expect(at(300, { node: 'pg0', generation: 1, lsn: 200 })).toBe(300);
    expect(at(100, { node: 'pg2', generation: 1, lsn: 200 })).toBe(100); // another node's
    expect(at(null, { node: 'pg2', generation: 1, lsn: 200 })).toBeNull();
  });
});

describe('syncChange edges (each pins mutants `make mutation` left alive)', () => {
  const rep = (name: string, over: Partial<{ state: string; flushLsn: number | null }> = {}) => ({ name, state: 'streaming', syncState: 'async', flushLsn: 500, replayLsn: 500, ...over });
  const ms = (p: ReturnType<typeof primaryMember>, ...others: ReturnType<typeof member>[]) =>
    deepFreeze(Object.fromEntries([p, ...(others.length ? others : [member('pg1'), member('pg2')])].map((m) => [m.node, { value: m }])));

  it('empties the sets in async mode, and leaves empty sets alone', () => {
    const p = primaryMember('pg0', { replication: [rep('pg1')] });
    expect(syncChange(desired({ syncStandbys: ['pg1'], syncPending: ['pg2'] }), false, ms(p))).toEqual({ syncStandbys: [], syncPending: [] });
    expect(syncChange(desired(), false, ms(p))).toBeNull();
  });

  it('changes nothing while the primary has no member state, is down, or is not a primary', () => {
    const d = desired({ syncStandbys: ['pg1'] });
    expect(syncChange(d, true, deepFreeze({ pg1: { value: member('pg1') } }))).toBeNull();
    expect(syncChange(d, true, ms(primaryMember('pg0', { pgUp: false })))).toBeNull();
    expect(syncChange(d, true, ms(primaryMember('pg0', { role: 'replica', replication: [rep('pg2')] })))).toBeNull();
  });

  it('drops a standby without member state, and lets no nofailover or not-yet-streaming replica join', () => {
    const p = primaryMember('pg0', { replication: [rep('pg1'), rep('pg2', { state: 'catchup' }), rep('pg3')] });
    expect(syncChange(desired({ syncStandbys: ['pg4'], members: ['pg0', 'pg1', 'pg2', 'pg3'] }), true, ms(p, member('pg1', { noFailover: true }), member('pg2'), member('pg3')))).toEqual({ syncStandbys: [], syncPending: ['pg3'] });
  });

  it('drops a pending standby that stopped streaming', () => {
    const p = primaryMember('pg0', { replication: [rep('pg1')] });
    expect(syncChange(desired({ syncPending: ['pg1', 'pg2'] }), true, ms(p))).toEqual({ syncStandbys: [], syncPending: ['pg1'] });
  });

  it('judges each pending standby by its own flush position, caught up at exactly the watermark, and only once the primary applied this generation', () => {
    const d = desired({ syncPending: ['pg1', 'pg2'] });
    const applied = { names: ['pg1', 'pg2'], atLsn: 500, generation: 1 };
    const p = primaryMember('pg0', { replication: [rep('pg2', { flushLsn: 500 }), rep('pg1', { flushLsn: 499 })], syncApplied: applied });
    expect(syncChange(d, true, ms(p))).toEqual({ syncStandbys: ['pg2'], syncPending: ['pg1'] });
    const behind = primaryMember('pg0', { appliedGeneration: 0, replication: [rep('pg2', { flushLsn: 500 }), rep('pg1', { flushLsn: 499 })], syncApplied: applied });
    expect(syncChange(d, true, ms(behind))).toBeNull();
  });

  it('writes both sets sorted, so every leader writes the same state', () => {
    const p = primaryMember('pg0', { replication: [rep('pg1'), rep('pg2')], syncApplied: { names: ['pg1'], atLsn: 400, generation: 1 } });
    expect(syncChange(desired({ syncStandbys: ['pg2'], syncPending: ['pg1'] }), true, ms(p))).toEqual({ syncStandbys: ['pg1', 'pg2'], syncPending: [] });
    const q = primaryMember('pg0', { replication: [rep('pg1'), rep('pg2')] });
    expect(syncChange(desired({ syncPending: ['pg2'] }), true, ms(q))).toEqual({ syncStandbys: [], syncPending: ['pg1', 'pg2'] });
  });
});
