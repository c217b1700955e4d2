// What the page is told about the cluster: events from history and members, lag in seconds, one machine row each.
import { describe, expect, it } from 'vitest';
import type { HistoryEntry, MemberState } from '../../../common/cluster-keys.js';
import type { ClusterState } from '../../../ha/cluster-state.js';
import type { StatusReport } from '../../../tasks/status.js';
import { machineEvents, memberAction, memberEvents, mergeEvents } from '../../../ui/ha-events.js';
import { buildSnapshot, recordPrimaryWal } from '../../../ui/lab-snapshot.js';
import { WalTimeline } from '../../../ui/replication-lag.js';

function member(node: string, over: Partial<MemberState> = {}): MemberState {
  return {
    node, connectHost: node, pgPort: 5432, apiUrl: '', role: 'replica', pgUp: true, crashed: false, timeline: 2, systemId: '1',
    walLsn: null, receivedLsn: 1000, replayedLsn: 1000, lagBytes: 0, streaming: true, upstream: 'pg0', replication: [], syncApplied: null,
    appliedGeneration: 3, noFailover: false, message: `no action: I am ${node}, a streaming replica of pg0`, updatedAt: '2026-12-01T10:00:00.000Z', ...over,
  };
}

const failover: HistoryEntry = { generation: 3, kind: 'failover', from: 'pg0', to: 'pg1', reason: 'pg0 gone', decidedBy: 'pg1', decidedAt: '2026-12-01T10:00:01.000Z', detectedToDecidedMs: 300 };

describe('HA events', () => {
  it('names the action a member message starts', () => {
    expect(memberAction('fencing: I am pg0, a primary without a valid lease; stopping postgres')).toBe('fence');
    expect(memberAction('rejoining: rewinding from pg1')).toBe('rewind');
    expect(memberAction('re-cloning: pg_rewind proved a divergence it cannot repair; removing the data directory')).toBe('reinit');
    expect(memberAction('reinit requested by an operator: removing my data directory and cloning from pg1')).toBe('reinit');
    expect(memberAction('cloning: taking a base backup from pg1')).toBe('clone');
    expect(memberAction('promoting: I am pg1, the desired primary (generation 3)')).toBe('promote');
    expect(memberAction('no action: I am pg2, a streaming replica of pg1')).toBeNull();
    expect(memberAction('waiting: rewind failed 1 time(s); next try in 900ms')).toBeNull();
  });

  it('lists a member action once, when it starts, and again after it stopped', () => {
    const rewinding = [member('pg0', { message: 'rejoining: rewinding from pg1' })];
    const first = memberEvents(new Map(), rewinding);
    expect(first.events.map((e) => [e.kind, e.node])).toEqual([['rewind', 'pg0']]);
    expect(memberEvents(first.actions, rewinding).events).toEqual([]);
    const streaming = memberEvents(first.actions, [member('pg0')]);
    expect(streaming.events).toEqual([]);
    expect(memberEvents(streaming.actions, rewinding).events).toHaveLength(1);
  });

  it('notes machines that went down or came up, not the first sight of them', () => {
    const before = new Map([['pg0', 'running'], ['pg1', 'running']]);
    const now = [{ machine: 'pg0', state: 'stopped' }, { machine: 'pg1', state: 'running' }, { machine: 'pg2', state: 'running' }];
    expect(machineEvents(before, now, 'T').map((e) => e.text)).toEqual(['pg0: running → stopped']);
  });

  it('merges history and seen events in time order', () => {
    const seen = [{ at: '2026-12-01T10:00:00.500Z', kind: 'machine' as const, node: 'pg0', text: 'pg0: running → stopped', source: 'machine' as const }];
    expect(mergeEvents([failover], seen).map((e) => e.kind)).toEqual(['machine', 'failover']);
    expect(mergeEvents([failover], seen)[1]?.text).toBe('failover pg0 → pg1 (generation 3): pg0 gone');
  });
});

describe('WalTimeline', () => {
  it('answers how long ago the primary first had WAL the replica lacks', () => {
    const w = new WalTimeline();
    expect(w.lag(100, 0)).toBeNull();
    w.record(1000, 100);
    w.record(2000, 200);
    w.record(3000, 300);
    expect(w.lag(300, 3500)).toEqual({ ms: 0, atLeast: false });
    expect(w.lag(150, 3500)).toEqual({ ms: 1500, atLeast: false });
    expect(w.lag(50, 3500)).toEqual({ ms: 2500, atLeast: true });
  });

  it('starts over when the position goes back (another history)', () => {
    const w = new WalTimeline();
    w.record(1000, 500);
    w.record(2000, 100);
    expect(w.lag(100, 2500)).toEqual({ ms: 0, atLeast: false });
  });
});

describe('buildSnapshot', () => {
  it('adds what pglab status does not show: lag in seconds, sync state, streaming', () => {
    const primary = member('pg1', { role: 'primary', walLsn: 2000, receivedLsn: null, replayedLsn: null, streaming: false, upstream: null, updatedAt: '2026-12-01T10:00:02.000Z', replication: [{ name: 'pg2', state: 'streaming', syncState: 'sync', flushLsn: 2000, replayLsn: 1000 }] });
    const cluster: ClusterState = { leader: 'pg1', desired: { generation: 3, primary: 'pg1', members: ['pg1', 'pg2'], syncStandbys: ['pg2'], syncPending: [], previousPrimary: 'pg0', reason: '', changedAt: '' }, config: { synchronous: true, maxLagOnFailoverBytes: 0 }, maintenance: null, members: [primary, member('pg2', { upstream: 'pg1', updatedAt: '2026-12-01T10:00:03.000Z' })], problems: [], history: [failover] };
    const wal = new WalTimeline();
    wal.record(Date.parse('2026-12-01T10:00:00.000Z'), 1000);
    recordPrimaryWal(wal, cluster);
    const report: StatusReport = {
      paused: false,
      maintenance: null,
      machines: [
        { machine: 'pg1', ip: '10.42.0.11', role: 'postgres', state: 'running', services: {}, postgres: { want: 'primary', role: 'primary', timeline: 2, lsn: '0/7D0', lagBytes: null, leader: true, message: 'no action' } },
        { machine: 'pg2', ip: '10.42.0.12', role: 'postgres', state: 'running', services: {}, postgres: { want: 'replica', role: 'replica', timeline: 2, lsn: '0/3E8', lagBytes: 1000, leader: false, message: 'no action' } },
      ],
    };
    const s = buildSnapshot({ at: new Date('2026-12-01T10:00:04.000Z'), lab: 'pglab', manager: 'pgdaemon', report, cluster, services: new Map([['pg2', { postgresql: 'active' }]]), haproxy: [], etcd: [], events: [], wal, errors: [] });
    expect(s.cluster).toEqual({ leader: 'pg1', primary: 'pg1', generation: 3, synchronous: true, problems: [] });
    expect(s.machines[1]?.postgres).toMatchObject({ haRole: 'replica', lagBytes: 1000, lagMs: 1000, sync: 'sync', streaming: true, upstream: 'pg1' });
    expect(s.machines[0]?.postgres).toMatchObject({ haRole: 'primary', lagMs: 0, sync: null, leader: true });
    expect(s.machines[1]?.services).toEqual({ postgresql: 'active' });
  });

  it('shows a mongo member with the replica set state pglab status read', () => {
    const report: StatusReport = { paused: false, maintenance: null, machines: [{ machine: 'mongo0', ip: '10.42.0.40', role: 'mongo', state: 'running', services: { mongod: 'active' }, mongo: { state: 'PRIMARY' } }] };
    const s = buildSnapshot({ at: new Date(), lab: 'pglab', manager: 'pgdaemon', report, cluster: null, services: new Map(), haproxy: [], etcd: [], events: [], wal: new WalTimeline(), errors: [] });
    expect(s.machines).toEqual([{ name: 'mongo0', ip: '10.42.0.40', role: 'mongo', state: 'running', services: { mongod: 'active' }, mongo: { state: 'PRIMARY' } }]);
    expect(s.cluster).toBeNull();
  });
});
