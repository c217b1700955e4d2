import { describe, expect, it } from 'vitest';
import type { MemberState } from '../../../common/cluster-keys.js';
import { afterRewindFailure, decideNode, initialNodeMemory, promotionBlocker, type LocalPg, type NodeInput } from '../../../daemon/decide-node.js';
import { asyncConfig, deepFreeze, desired, member, primaryMember, syncConfig } from './fixtures.js';

const runningPrimary: LocalPg = { hasData: true, running: true, inRecovery: false, controlState: null, streaming: false, configuredUpstream: null, configuredSync: [], slots: ['pg1', 'pg2'], systemId: '73', timeline: 1, frozen: false };
const runningReplica: LocalPg = { ...runningPrimary, inRecovery: true, streaming: true, configuredUpstream: 'pg0@10.42.0.10:5432', slots: [] };
const stopped = (controlState: string): LocalPg => ({ ...runningPrimary, running: false, inRecovery: null, controlState, slots: [], systemId: null });
const empty: LocalPg = { ...stopped('x'), hasData: false, controlState: null };

function byName(...ms: MemberState[]): Record<string, MemberState> {
  return Object.fromEntries(ms.map((m) => [m.node, m]));
}
const cluster = () => byName(primaryMember('pg0'), member('pg1'), member('pg2'));

function input(over: Partial<NodeInput>): NodeInput {
  return deepFreeze({
    self: 'pg0',
    desired: desired(),
    config: asyncConfig,
    members: cluster(),
    initialized: '73',
    etcdOk: true,
    leaseValid: true,
    published: true,
    unreadableMembers: [],
    recloneLock: null,
    pg: runningPrimary,
    nowMs: 100_000,
    memory: initialNodeMemory,
    failoverTimeoutMs: 10_000,
    rewindAfterMs: 5_000,
    ...over,
  });
}

describe('decideNode', () => {
  it('reports a settled primary in one line', () => {
    expect(decideNode(input({}))).toMatchObject({ actions: [], message: 'no action: I am pg0, the primary with the lease' });
  });

  it('fences a primary without a valid lease, even with no desired state at all', () => {
    const d = decideNode(input({ leaseValid: false, desired: null, etcdOk: false }));
    expect(d.message).toBe('fencing: I am pg0, a primary without a valid lease; stopping postgres');
    expect(d.actions).toEqual([{ kind: 'stop', mode: 'immediate' }]);
  });

  it('fences a primary that stopped answering queries when its lease lapses', () => {
    const hung: LocalPg = { ...runningPrimary, inRecovery: null };
    const d = decideNode(input({ pg: hung, leaseValid: false, memory: { ...initialNodeMemory, lastRole: 'primary' } }));
    expect(d.actions).toEqual([{ kind: 'stop', mode: 'immediate' }]);
  });

  it('demotes cleanly when another node is the desired primary, and remembers to rewind', () => {
    const d = decideNode(input({ desired: desired({ primary: 'pg1', generation: 2, previousPrimary: 'pg0' }) }));
    expect(d.message).toBe('demoting: pg1 is the desired primary (generation 2); stopping postgres cleanly');
    // Checkpointing first while writes still flow: the shutdown checkpoint (inside the write gap) has little left.
    expect(d.actions).toEqual([{ kind: 'stop', mode: 'fast', checkpointFirst: true }]);
    expect(d.memory.needsRewind).toBe(true);
  });

  it('keeps synchronous_standby_names and slots in step on the primary', () => {
    const d = decideNode(input({ config: syncConfig, desired: desired({ syncStandbys: ['pg2'], syncPending: ['pg1'] }), pg: { ...runningPrimary, slots: ['pg1'] } }));
    expect(d.message).toBe('reconfiguring: I am pg0, the primary with the lease');
    expect(d.actions).toEqual([{ kind: 'configure', upstream: null, sync: ['pg1', 'pg2'] }, { kind: 'ensure-slots', names: ['pg1', 'pg2'] }]);
  });

  it('bootstraps with initdb only as the desired primary of a never-initialized cluster', () => {
    expect(decideNode(input({ pg: empty, initialized: null })).actions).toEqual([{ kind: 'bootstrap' }]);
    expect(decideNode(input({ pg: empty, initialized: null, leaseValid: false })).message).toBe('waiting: not bootstrapping without a valid lease');
    const again = decideNode(input({ pg: empty, initialized: '73' }));
    expect(again.actions).toEqual([]);
    expect(again.message).toBe('cannot bootstrap: pg0 has an empty data directory but the cluster was already initialized; waiting for a failover');
  });

  it('clones a replica from the running primary, and waits while there is none', () => {
    expect(decideNode(input({ self: 'pg1', pg: empty })).actions).toEqual([{ kind: 'basebackup', from: 'pg0' }]);
    const d = decideNode(input({ self: 'pg1', pg: empty, members: byName(primaryMember('pg0', { pgUp: false, role: 'stopped' })) }));
    expect(d).toMatchObject({ actions: [], message: 'waiting: no running primary to clone from (desired primary pg0)' });
  });

  it('promotes the desired primary only after the old primary acknowledged stepping down', () => {
    const d2 = desired({ primary: 'pg1', generation: 2, previousPrimary: 'pg0' });
    const notSeen = decideNode(input({ self: 'pg1', desired: d2, pg: runningReplica, members: byName(primaryMember('pg0', { appliedGeneration: 1 }), member('pg1')) }));
    expect(notSeen).toMatchObject({ actions: [], message: 'waiting to promote: pg0 has not yet seen generation 2' });
    const stillPrimary = decideNode(input({ self: 'pg1', desired: d2, pg: runningReplica, members: byName(primaryMember('pg0', { appliedGeneration: 2 }), member('pg1')) }));
    expect(stillPrimary.message).toBe('waiting to promote: pg0 is still running as primary');
    const steppedDown = decideNode(input({ self: 'pg1', desired: d2, pg: runningReplica, members: byName(member('pg0', { appliedGeneration: 2, role: 'stopped', pgUp: false }), member('pg1')) }));
    expect(steppedDown).toMatchObject({ actions: [{ kind: 'promote' }], message: 'promoting: I am pg1, the desired primary (generation 2)' });
    // The old primary's key is gone: its lease expired, so it fenced itself.
    const gone = decideNode(input({ self: 'pg1', desired: d2, pg: runningReplica, members: byName(member('pg1')) }));
    expect(gone.actions).toEqual([{ kind: 'promote' }]);
    expect(decideNode(input({ self: 'pg1', desired: d2, pg: runningReplica, members: byName(member('pg1')), leaseValid: false })).actions).toEqual([]);
  });

  it('points primary_conninfo at a new primary without a restart', () => {
    const d2 = desired({ primary: 'pg2', generation: 2 });
    const d = decideNode(input({ self: 'pg1', desired: d2, pg: runningReplica }));
    expect(d.actions).toEqual([{ kind: 'configure', upstream: 'pg2@10.42.0.12:5432', sync: [] }]);
    expect(d.message).toBe('following pg2: pointing primary_conninfo at pg2@10.42.0.12:5432');
  });

  it('rewinds a replica on an old timeline that cannot stream from a running primary for too long', () => {
    const oldTimeline = { ...runningReplica, streaming: false, timeline: 1 };
    const ms = byName(primaryMember('pg0', { timeline: 2 }), member('pg1'));
    const first = decideNode(input({ self: 'pg1', pg: oldTimeline, members: ms }));
    expect(first.message).toBe('no action: I am pg1, a replica of pg0, not streaming for 0ms');
    const later = decideNode(input({ self: 'pg1', pg: oldTimeline, members: ms, memory: first.memory, nowMs: 105_001 }));
    expect(later.actions).toEqual([{ kind: 'rewind', from: 'pg0' }]);
    expect(later.memory.needsRewind).toBe(true);
  });

  it('keeps a replica on the primary\'s timeline running when it cannot stream: a cut is not a divergence', () => {
    const cut = { ...runningReplica, streaming: false, timeline: 1 };
    const first = decideNode(input({ self: 'pg1', pg: cut }));
    const later = decideNode(input({ self: 'pg1', pg: cut, memory: first.memory, nowMs: 135_000 }));
    expect(later.actions).toEqual([]);
    expect(later.message).toBe('no action: not streaming from pg0 for 35000ms on timeline 1 (the primary\'s is 1): a connection problem, not divergence; waiting');
  });

  it('does not count time without a running primary as time not streaming', () => {
    const notStreaming = { ...runningReplica, streaming: false, timeline: 1 };
    const down = byName(member('pg0', { role: 'stopped', pgUp: false, timeline: null }), member('pg1'));
    const during = decideNode(input({ self: 'pg1', pg: notStreaming, members: down }));
    expect(during.memory.notStreamingSince).toBeNull();
    const back = byName(primaryMember('pg0', { timeline: 2 }), member('pg1'));
    const after = decideNode(input({ self: 'pg1', pg: notStreaming, members: back, memory: during.memory, nowMs: 130_000 }));
    expect(after.actions).toEqual([]);
    expect(after.memory.notStreamingSince).toBe(130_000);
  });

  it('rejoins an old primary with pg_rewind; a failed rewind keeps the data and retries with backoff', () => {
    const d2 = desired({ primary: 'pg1', generation: 2, previousPrimary: 'pg0' });
    const ms = byName(member('pg0', { role: 'stopped', pgUp: false }), primaryMember('pg1'));
    expect(decideNode(input({ desired: d2, pg: stopped('in production'), members: ms })).actions).toEqual([{ kind: 'rewind', from: 'pg1' }]);
    expect(decideNode(input({ desired: d2, pg: stopped('shut down'), members: byName(member('pg1')) })).message).toBe('waiting: need to rewind but pg1 is not a running primary yet');
    const once = afterRewindFailure(initialNodeMemory, false, 100_000);
    const soon = decideNode(input({ desired: d2, pg: stopped('in production'), members: ms, memory: once, nowMs: 100_500 }));
    expect(soon.actions).toEqual([]);
    expect(soon.message).toBe('waiting: rewind failed 1 time(s) (not a divergence; data kept); next try in 500ms');
    expect(decideNode(input({ desired: d2, pg: stopped('in production'), members: ms, memory: once, nowMs: 101_000 })).actions).toEqual([{ kind: 'rewind', from: 'pg1' }]);
    let m = initialNodeMemory;
    for (let i = 0; i < 10; i++) m = afterRewindFailure(m, false, 0);
    expect(m.rewindRetryAt).toBe(8000);
    expect(m.rewindUnrepairable).toBe(false);
  });

  it('re-clones only after pg_rewind proved a divergence it cannot repair, one member at a time', () => {
    const d2 = desired({ primary: 'pg1', generation: 2, previousPrimary: 'pg0' });
    const ms = byName(member('pg0', { role: 'stopped', pgUp: false }), primaryMember('pg1'));
    const proven = afterRewindFailure(initialNodeMemory, true, 100_000);
    expect(decideNode(input({ desired: d2, pg: stopped('in production'), members: ms, memory: proven })).actions).toEqual([{ kind: 'wipe' }]);
    const busy = decideNode(input({ desired: d2, pg: stopped('in production'), members: ms, memory: proven, recloneLock: 'pg2' }));
    expect(busy).toMatchObject({ actions: [], message: 'waiting to re-clone: pg2 is re-cloning (one member at a time)' });
  });

  it('kills a frozen primary after a second, and reports it crashed', () => {
    const frozen: LocalPg = { ...runningPrimary, inRecovery: null, frozen: true };
    const memory = { ...initialNodeMemory, lastRole: 'primary' as const, expectRunning: true };
    const first = decideNode(input({ pg: frozen, memory }));
    expect(first.actions).toEqual([]);
    const later = decideNode(input({ pg: frozen, memory: first.memory, nowMs: 101_000 }));
    expect(later.actions).toEqual([{ kind: 'kill' }]);
    expect(later.message).toBe('killing: my postgres (a primary) has been frozen for 1000ms; it cannot serve and could thaw at any time');
  });

  it('never makes postgres writable before its member state is published under the current lease', () => {
    expect(decideNode(input({ pg: stopped('in production'), published: false })).message).toBe('waiting: not starting as primary before my member state is published under my current lease');
    expect(decideNode(input({ pg: stopped('in production') })).actions).toEqual([{ kind: 'start', as: 'primary', upstream: null }]);
    const d2 = desired({ primary: 'pg1', generation: 2, previousPrimary: 'pg0' });
    const notYet = decideNode(input({ self: 'pg1', desired: d2, pg: runningReplica, members: byName(member('pg1')), published: false }));
    expect(notYet).toMatchObject({ actions: [], message: 'waiting to promote: my member state is not yet published under my current lease' });
    expect(decideNode(input({ pg: empty, initialized: null, published: false })).actions).toEqual([]);
  });

  it('does not promote past a member whose key exists but does not parse', () => {
    const d2 = desired({ primary: 'pg1', generation: 2, previousPrimary: 'pg0' });
    const d = decideNode(input({ self: 'pg1', desired: d2, pg: runningReplica, members: byName(member('pg1')), unreadableMembers: ['pg0'] }));
    expect(d).toMatchObject({ actions: [], message: 'waiting to promote: the member key of pg0 does not parse, so it may still be a primary' });
  });

  it('starts a stopped replica without rewinding when it was a replica', () => {
    const d = decideNode(input({ self: 'pg1', pg: stopped('shut down in recovery') }));
    expect(d.actions).toEqual([{ kind: 'start', as: 'replica', upstream: 'pg0@10.42.0.10:5432' }]);
  });

  it('does not restart a crashed primary in place before the leader had time to fail over', () => {
    const crashed = decideNode(input({ pg: stopped('in production'), memory: { ...initialNodeMemory, expectRunning: true } }));
    expect(crashed.memory.crashedAt).toBe(100_000);
    expect(crashed.message).toBe('waiting: postgres crashed 0ms ago; leaving the leader time to fail over');
    const later = decideNode(input({ pg: stopped('in production'), memory: crashed.memory, nowMs: 110_001 }));
    expect(later.actions).toEqual([{ kind: 'start', as: 'primary', upstream: null }]);
  });

  it('never starts as primary without a valid lease', () => {
    expect(decideNode(input({ pg: stopped('shut down'), leaseValid: false })).message).toBe('waiting: not starting as primary without a valid lease');
  });

  it('leaves postgres alone when no desired state was ever read', () => {
    const d = decideNode(input({ self: 'pg1', desired: null, etcdOk: false, pg: runningReplica }));
    expect(d).toMatchObject({ actions: [], message: 'no action: etcd is unreachable and no desired state was ever read; leaving postgres running' });
  });

  it('ignores a node that is not a member', () => {
    expect(decideNode(input({ self: 'pg7', pg: empty })).message).toBe('no action: pg7 is not a member of the cluster (members: pg0,pg1,pg2)');
  });
});

describe('promotionBlocker', () => {
  const d2 = desired({ primary: 'pg1', generation: 2, previousPrimary: 'pg0' });

  it('ignores replicas that never were primary', () => {
    expect(promotionBlocker(d2, byName(member('pg2', { appliedGeneration: 1 })), 'pg1')).toBeNull();
  });

  it('waits for the previous primary to see the new generation, whatever it reports', () => {
    expect(promotionBlocker(d2, byName(member('pg0', { role: 'stopped', pgUp: false, appliedGeneration: 1 })), 'pg1')).toBe('pg0 has not yet seen generation 2');
    expect(promotionBlocker(d2, byName(primaryMember('pg0', { appliedGeneration: 1 })), 'pg1')).toBe('pg0 has not yet seen generation 2');
  });

  it('waits while the previous primary, having seen the generation, still runs as primary', () => {
    expect(promotionBlocker(d2, byName(primaryMember('pg0', { appliedGeneration: 2 })), 'pg1')).toBe('pg0 is still running as primary');
  });

  it('lets the promotion go once the previous primary acknowledged (stopped at the new generation) or its key is gone', () => {
    expect(promotionBlocker(d2, byName(member('pg0', { role: 'stopped', pgUp: false, appliedGeneration: 2 })), 'pg1')).toBeNull();
    expect(promotionBlocker(d2, byName(member('pg0', { role: 'replica', appliedGeneration: 3 })), 'pg1')).toBeNull();
    expect(promotionBlocker(d2, byName(member('pg2')), 'pg1')).toBeNull();
  });

  it('also waits for any other member whose last report says primary', () => {
    expect(promotionBlocker(d2, byName(primaryMember('pg2', { appliedGeneration: 1 })), 'pg1')).toBe('pg2 has not yet seen generation 2');
    expect(promotionBlocker(d2, byName(primaryMember('pg2', { appliedGeneration: 2 })), 'pg1')).toBe('pg2 is still running as primary');
  });

  it('never waits for itself, and waits for a member whose key does not parse (it may be a primary)', () => {
    expect(promotionBlocker(d2, byName(primaryMember('pg1', { appliedGeneration: 1 })), 'pg1')).toBeNull();
    expect(promotionBlocker(d2, {}, 'pg1', ['pg0'])).toBe('the member key of pg0 does not parse, so it may still be a primary');
    expect(promotionBlocker(d2, {}, 'pg1', ['pg1'])).toBeNull();
  });
});

describe('decideNode edges (each pins mutants `make mutation` left alive; docs/pgdaemon.md, "Mutation testing")', () => {
  const hung: LocalPg = { ...runningPrimary, inRecovery: null };
  const asPrimary = { ...initialNodeMemory, lastRole: 'primary' as const };
  const d2 = desired({ primary: 'pg1', generation: 2, previousPrimary: 'pg0' });
  const req = { requestedAt: '2026-01-01T00:00:00Z', by: 'pglab' };

  it('refuses a reinit of the desired primary even while its postgres is down and its stale key still says primary', () => {
    const d = decideNode(input({ pg: stopped('in production'), requests: { reinit: req } }));
    expect(d.actions).toEqual([{ kind: 'refuse-request', request: 'reinit', requestedAt: req.requestedAt, reason: 'pg0 is the primary; switch over first' }]);
  });

  it('goes on with a reinit when the re-clone lock is already its own', () => {
    const d = decideNode(input({ self: 'pg1', pg: runningReplica, recloneLock: 'pg1', requests: { reinit: req } }));
    expect(d.actions).toEqual([{ kind: 'reinit', from: 'pg0', requestedAt: req.requestedAt }]);
  });

  it('refuses a restart of a postgres that does not answer', () => {
    for (const self of ['pg0', 'pg1']) {
      const d = decideNode(input({ self, pg: hung, memory: self === 'pg0' ? asPrimary : initialNodeMemory, requests: { restart: req } }));
      expect(d.actions).toEqual([{ kind: 'refuse-request', request: 'restart', requestedAt: req.requestedAt, reason: `postgres on ${self} is not answering` }]);
    }
  });

  it('remembers only what it observed: frozen-since only while frozen, no not-streaming or last role while stopped, no crash while running', () => {
    const running = decideNode(input({ pg: runningPrimary, memory: { ...initialNodeMemory, crashedAt: 5, frozenSince: 7 } }));
    expect(running.memory).toMatchObject({ frozenSince: null, crashedAt: null, lastRole: 'primary' });
    const down = decideNode(input({ self: 'pg1', pg: stopped('shut down in recovery'), memory: { ...initialNodeMemory, notStreamingSince: 5, notStreamingFrom: 'pg0', lastRole: 'replica' } }));
    expect(down.memory).toMatchObject({ notStreamingSince: null, lastRole: null });
    const noAnswer = decideNode(input({ self: 'pg1', pg: hung, memory: { ...initialNodeMemory, lastRole: 'replica' } }));
    expect(noAnswer.memory.lastRole).toBe('replica');
    expect(decideNode(input({ self: 'pg1', pg: runningReplica })).memory.lastRole).toBe('replica');
  });

  it('neither fences nor kills a replica that stops answering, frozen or not, lease or not', () => {
    const noAnswer = decideNode(input({ self: 'pg1', pg: hung, leaseValid: false, memory: { ...initialNodeMemory, lastRole: 'replica' } }));
    expect(noAnswer).toMatchObject({ actions: [], message: 'waiting: postgres is running but not answering queries' });
    const frozen = decideNode(input({ self: 'pg1', pg: { ...hung, frozen: true }, nowMs: 100_000, memory: { ...initialNodeMemory, lastRole: 'replica', frozenSince: 1 } }));
    expect(frozen.actions).toEqual([]);
  });

  it('does not kill a primary that is slow to answer but not frozen', () => {
    const d = decideNode(input({ pg: hung, memory: asPrimary, nowMs: 100_000 }));
    expect(d).toMatchObject({ actions: [], message: 'waiting: postgres is running but not answering queries' });
    expect(d.memory.frozenSince).toBeNull();
  });

  it('stops at once a primary that does not answer once another node is the desired primary, and remembers to rewind', () => {
    const d = decideNode(input({ desired: d2, pg: hung, memory: asPrimary }));
    expect(d.message).toBe('demoting: pg1 is the desired primary and my postgres does not answer; stopping it');
    expect(d.actions).toEqual([{ kind: 'stop', mode: 'immediate' }]);
    expect(d.memory).toMatchObject({ needsRewind: true, lastRole: 'primary' });
  });

  it('decides without a cluster config (missing or unreadable) as in async mode with no parameters of its own', () => {
    expect(decideNode(input({ config: null, desired: desired({ syncStandbys: ['pg1'] }) })).message).toBe('no action: I am pg0, the primary with the lease');
    expect(decideNode(input({ self: 'pg1', config: null, pg: runningReplica })).message).toBe('no action: I am pg1, a streaming replica of pg0');
  });

  it('marks the cluster initialized from the primary once it has a system id', () => {
    const d = decideNode(input({ initialized: null }));
    expect(d.actions).toEqual([{ kind: 'mark-initialized' }]);
    expect(decideNode(input({ initialized: null, pg: { ...runningPrimary, systemId: null } })).actions).toEqual([]);
  });

  it('leaves a replica alone while the desired primary has no member state', () => {
    const d = decideNode(input({ self: 'pg1', pg: runningReplica, members: byName(member('pg1')) }));
    expect(d).toMatchObject({ actions: [], message: 'no action: I am pg1, a replica; primary pg0 has no member state' });
  });

  it('clears the not-streaming clock and the rewind backoff of a replica that streams', () => {
    const d = decideNode(input({ self: 'pg1', pg: runningReplica, memory: { ...initialNodeMemory, notStreamingSince: 1, notStreamingFrom: 'pg0', rewindFailures: 2, rewindRetryAt: 200_000 } }));
    expect(d.message).toBe('no action: I am pg1, a streaming replica of pg0');
    expect(d.memory).toMatchObject({ notStreamingSince: null, rewindFailures: 0, rewindRetryAt: null });
  });

  describe('a replica that does not stream from a running primary on a newer timeline', () => {
    const ms = byName(primaryMember('pg0', { timeline: 2 }), member('pg1'));
    const cut = { ...runningReplica, streaming: false, timeline: 1 };
    const since = (nowMs: number, over: Partial<typeof initialNodeMemory> = {}) =>
      decideNode(input({ self: 'pg1', pg: cut, members: ms, nowMs, memory: { ...initialNodeMemory, notStreamingSince: 90_000, notStreamingFrom: 'pg0', ...over } }));

    it('starts counting again when the count was against an earlier primary', () => {
      const d = since(100_000, { notStreamingFrom: 'pg2' });
      expect(d.actions).toEqual([]);
      expect(d.memory).toMatchObject({ notStreamingSince: 100_000, notStreamingFrom: 'pg0' });
    });

    it('rewinds once it has waited exactly rewindAfterMs', () => {
      expect(since(94_999).actions).toEqual([]);
      expect(since(95_000).actions).toEqual([{ kind: 'rewind', from: 'pg0' }]);
    });

    it('does not rewind when its own timeline is unknown', () => {
      const d = decideNode(input({ self: 'pg1', pg: { ...cut, timeline: null }, members: ms, memory: { ...initialNodeMemory, notStreamingSince: 90_000, notStreamingFrom: 'pg0' } }));
      expect(d.actions).toEqual([]);
      expect(d.message).toBe('no action: not streaming from pg0 for 10000ms on timeline ? (the primary\'s is 2): a connection problem, not divergence; waiting');
    });

    it('waits out the rewind backoff, to the millisecond, and rewinds without one', () => {
      const wait = since(100_000, { rewindFailures: 2, rewindRetryAt: 100_700 });
      expect(wait).toMatchObject({ actions: [], message: 'waiting: rewind failed 2 time(s); next try in 700ms' });
      expect(since(100_700, { rewindFailures: 2, rewindRetryAt: 100_700 }).actions).toEqual([{ kind: 'rewind', from: 'pg0' }]);
      expect(since(100_000, { rewindFailures: 2, rewindRetryAt: 99_000 }).actions).toEqual([{ kind: 'rewind', from: 'pg0' }]);
      expect(since(100_000).actions).toEqual([{ kind: 'rewind', from: 'pg0' }]);
    });
  });

  it('forgets every rewind state when it clones afresh', () => {
    const d = decideNode(input({ self: 'pg1', pg: empty, memory: { ...initialNodeMemory, needsRewind: true, rewindUnrepairable: true, rewindFailures: 3, rewindRetryAt: 1 } }));
    expect(d.actions).toEqual([{ kind: 'basebackup', from: 'pg0' }]);
    expect(d.memory).toMatchObject({ needsRewind: false, rewindUnrepairable: false, rewindFailures: 0, rewindRetryAt: null });
  });

  it('starts as primary at once after a daemon start (monotonic clock near 0) when nothing crashed, and waits exactly failoverTimeoutMs after a crash', () => {
    expect(decideNode(input({ pg: stopped('shut down'), nowMs: 500 })).actions).toEqual([{ kind: 'start', as: 'primary', upstream: null }]);
    const crashed = { ...initialNodeMemory, crashedAt: 90_000 };
    expect(decideNode(input({ pg: stopped('in production'), memory: crashed, nowMs: 99_999 })).actions).toEqual([]);
    expect(decideNode(input({ pg: stopped('in production'), memory: crashed, nowMs: 100_000 })).actions).toEqual([{ kind: 'start', as: 'primary', upstream: null }]);
  });

  it('starts the desired primary as a replica when its data was a replica\'s, so only the promotion path makes it writable', () => {
    const d = decideNode(input({ pg: stopped('shut down in recovery') }));
    expect(d).toMatchObject({ actions: [{ kind: 'start', as: 'replica', upstream: null }], message: 'starting: I am pg0, the desired primary, starting as a replica first' });
  });

  it('re-clones when the re-clone lock is its own, and never while no primary runs to clone from', () => {
    const ms = byName(member('pg0', { role: 'stopped', pgUp: false }), primaryMember('pg1'));
    const proven = afterRewindFailure(initialNodeMemory, true, 100_000);
    expect(decideNode(input({ desired: d2, pg: stopped('in production'), members: ms, memory: proven, recloneLock: 'pg0' })).actions).toEqual([{ kind: 'wipe' }]);
    const noSource = decideNode(input({ desired: d2, pg: stopped('in production'), members: byName(member('pg1', { pgUp: false, role: 'stopped' })), memory: proven }));
    expect(noSource).toMatchObject({ actions: [], message: 'waiting to re-clone: pg1 is not a running primary yet' });
  });
});
