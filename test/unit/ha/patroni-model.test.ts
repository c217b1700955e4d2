import { describe, expect, it } from 'vitest';
import { UserError } from '../../../common/errors.js';
import { clusterProblems, clusterStateSchema, primaryProblems } from '../../../ha/cluster-state.js';
import {
  patroniClusterState,
  patroniConfigPatch,
  patroniHistoryEntries,
  patroniRoleChange,
  renderPatroniConfig,
  type PatroniCluster,
  type PatroniMember,
  type PatroniObservation,
  type PatroniStatus,
} from '../../../ha/patroni-model.js';
import { editedAssignments } from '../../../tasks/operator-verbs.js';

const MEMBERS: PatroniMember[] = ['pg0', 'pg1', 'pg2'].map((node, i) => ({ node, host: `10.42.0.1${i}`, apiUrl: `http://10.42.0.1${i}:8008` }));

// Shapes as Patroni 3.0.2 answers them (api.py, utils.cluster_as_json).
const CLUSTER: PatroniCluster = {
  members: [
    { name: 'pg0', role: 'leader', state: 'running', api_url: 'http://10.42.0.10:8008/patroni', host: '10.42.0.10', port: 5432, timeline: 3 },
    { name: 'pg1', role: 'replica', state: 'running', api_url: 'http://10.42.0.11:8008/patroni', host: '10.42.0.11', port: 5432, timeline: 3, lag: 0 },
    { name: 'pg2', role: 'replica', state: 'running', api_url: 'http://10.42.0.12:8008/patroni', host: '10.42.0.12', port: 5432, timeline: 3, lag: 1024 },
  ],
};
const PRIMARY: PatroniStatus = {
  state: 'running',
  role: 'master',
  timeline: 3,
  xlog: { location: 67_109_000 },
  replication: [
    { usename: 'replicator', application_name: 'pg1', client_addr: '10.42.0.11', state: 'streaming', sync_state: 'async', sync_priority: 0 },
    { usename: 'replicator', application_name: 'pg2', client_addr: '10.42.0.12', state: 'streaming', sync_state: 'async', sync_priority: 0 },
  ],
  database_system_identifier: '7312345678901234567',
  patroni: { version: '3.0.2', scope: 'pglab' },
};
const replica = (lsn: number): PatroniStatus => ({ state: 'running', role: 'replica', timeline: 3, xlog: { received_location: lsn, replayed_location: lsn, paused: false }, patroni: { version: '3.0.2', scope: 'pglab' } });
const CONFIG = { ttl: 30, loop_wait: 10, retry_timeout: 10, maximum_lag_on_failover: 1048576, synchronous_mode: false, postgresql: { use_pg_rewind: true, use_slots: true, parameters: { wal_keep_size: '256MB', max_wal_senders: 10 } } };

const observe = (o: Partial<PatroniObservation> = {}): PatroniObservation => ({
  members: MEMBERS,
  cluster: CLUSTER,
  statuses: { pg0: PRIMARY, pg1: replica(67_108_000), pg2: replica(67_107_976) },
  config: CONFIG,
  ...o,
});

describe("Patroni's answers in the CLI's model", () => {
  it('makes the leader lock holder the primary and every streaming replica healthy', () => {
    const s = patroniClusterState(observe());
    expect(clusterStateSchema.parse(s)).toEqual(s); // crosses the child process unchanged
    expect(s.leader).toBe('pg0');
    expect(s.desired).toMatchObject({ primary: 'pg0', members: ['pg0', 'pg1', 'pg2'], generation: 3, syncStandbys: [] });
    expect(s.members.map((m) => [m.node, m.role, m.pgUp, m.streaming, m.upstream])).toEqual([
      ['pg0', 'primary', true, false, null],
      ['pg1', 'replica', true, true, 'pg0'],
      ['pg2', 'replica', true, true, 'pg0'],
    ]);
    expect(s.members[0]).toMatchObject({ walLsn: 67_109_000, systemId: '7312345678901234567', replication: [{ name: 'pg1', state: 'streaming', syncState: 'async' }, { name: 'pg2', state: 'streaming', syncState: 'async' }] });
    expect(s.members[2]).toMatchObject({ replayedLsn: 67_107_976, lagBytes: 1024 });
    expect(clusterProblems(s)).toEqual([]);
    expect(s.config).toEqual({ synchronous: false, maxLagOnFailoverBytes: 1048576, postgresParameters: { wal_keep_size: '256MB', max_wal_senders: '10' } });
    expect(s.maintenance).toBeNull();
  });

  it('shows a dead primary whose lock has not expired yet as down, so nothing waits on it as healthy', () => {
    const s = patroniClusterState(observe({ statuses: { pg0: { error: 'no answer in time' }, pg1: replica(1), pg2: replica(1) } }));
    expect(s.desired?.primary).toBe('pg0');
    expect(s.members[0]).toMatchObject({ role: 'stopped', pgUp: false });
    expect(s.members[0]?.message).toMatch(/does not answer \(no answer in time\); the DCS still lists it as leader, running/);
    expect(primaryProblems(s)).toEqual(['pg0: should be primary, is stopped (postgres down)']);
    // Replicas no longer listed by the primary are not streaming.
    expect(clusterProblems(s)).toContain('pg1: should be a streaming replica, is replica (not streaming)');
    expect(s.problems).toEqual(["pg0: Patroni's REST API does not answer (no answer in time)"]);
  });

  it('has no desired primary while no node holds the leader lock (a leader race)', () => {
    const s = patroniClusterState(observe({ cluster: { members: CLUSTER.members.map((m) => ({ ...m, role: 'replica' })) } }));
    expect(s.leader).toBeNull();
    expect(s.desired).toBeNull();
    expect(s.problems).toContain('no node holds the leader lock');
  });

  it('keeps a node the DCS forgot (its member key expired) as a member of the lab', () => {
    const s = patroniClusterState(observe({ cluster: { members: CLUSTER.members.filter((m) => m.name !== 'pg2') }, statuses: { pg0: PRIMARY, pg1: replica(1), pg2: { error: 'ECONNREFUSED' } } }));
    expect(s.desired?.members).toEqual(['pg0', 'pg1', 'pg2']);
    expect(clusterProblems(s)).toEqual(['pg2: should be a streaming replica, is stopped (not streaming)']);
  });

  it('reads sync standbys from the DCS roles, and a pause with the note pglab left beside it', () => {
    const cluster: PatroniCluster = { members: CLUSTER.members.map((m) => (m.name === 'pg1' ? { ...m, role: 'sync_standby' } : m)), pause: true };
    const s = patroniClusterState(observe({ cluster, config: { ...CONFIG, synchronous_mode: true, pause: true, pglab_pause: { since: '2026-12-06T10:00:00.000Z', by: 'root@pglab', reason: 'upgrade' } } }));
    expect(s.desired?.syncStandbys).toEqual(['pg1']);
    expect(s.config?.synchronous).toBe(true);
    expect(s.maintenance).toEqual({ since: '2026-12-06T10:00:00.000Z', by: 'root@pglab', reason: 'upgrade' });
    expect(patroniClusterState(observe({ cluster: { ...CLUSTER, pause: true } })).maintenance).toEqual({ since: '(Patroni keeps no time)', by: 'patroni' });
  });

  it("turns Patroni's timeline history into promotions, each from the previous new leader", () => {
    const h = patroniHistoryEntries([
      [2, 50_331_808, 'no recovery target specified', '2026-12-06T22:40:01.123456+00:00', 'pg2'],
      [1, 25_165_984, 'no recovery target specified', '2026-12-06T22:30:00.5+00:00', 'pg1'],
    ]);
    expect(h.map((e) => [e.generation, e.kind, e.from, e.to, e.decidedAt])).toEqual([
      [2, 'promotion', null, 'pg1', '2026-12-06T22:30:00.500Z'],
      [3, 'promotion', 'pg1', 'pg2', '2026-12-06T22:40:01.123Z'],
    ]);
    expect(h[1]?.reason).toBe('timeline 3 from 0/30000A0 (no recovery target specified); Patroni does not record whether it was a switchover or a failover');
  });
});

describe('verbs as Patroni requests', () => {
  const s = patroniClusterState(observe());
  const refusal = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      return (err as UserError).message;
    }
    throw new Error('expected a refusal');
  };

  it('asks the leader to hand over for a switchover, to a candidate or to the best replica', () => {
    expect(patroniRoleChange(s, 'switchover', 'pg1', false)).toEqual({ path: '/switchover', body: { leader: 'pg0', candidate: 'pg1' } });
    expect(patroniRoleChange(s, 'switchover', null, false)).toEqual({ path: '/switchover', body: { leader: 'pg0' } });
  });

  it('refuses what Patroni cannot do or what makes no sense, with exit 2', () => {
    expect(refusal(() => patroniRoleChange(s, 'failover', null, true))).toMatch(/Patroni fails over only to a named candidate/);
    expect(refusal(() => patroniRoleChange(s, 'failover', 'pg1', false))).toMatch(/pg0 is a healthy primary: a failover is for a cluster without one/);
    expect(refusal(() => patroniRoleChange(s, 'switchover', 'pg0', false))).toBe('pg0 is already the primary');
    expect(refusal(() => patroniRoleChange(s, 'switchover', 'pg7', false))).toBe('pg7 is not a member (members: pg0,pg1,pg2)');
    const leaderless = patroniClusterState(observe({ cluster: { members: CLUSTER.members.map((m) => ({ ...m, role: 'replica' })) } }));
    expect(refusal(() => patroniRoleChange(leaderless, 'switchover', null, false))).toMatch(/no node holds the leader lock/);
  });

  it('fails over to a named candidate when the primary is down, or with --force', () => {
    expect(patroniRoleChange(s, 'failover', 'pg2', true)).toEqual({ path: '/failover', body: { candidate: 'pg2' } });
    const dead = patroniClusterState(observe({ statuses: { pg0: { error: 'ECONNREFUSED' }, pg1: replica(1), pg2: replica(1) } }));
    expect(patroniRoleChange(dead, 'failover', 'pg1', false)).toEqual({ path: '/failover', body: { candidate: 'pg1' } });
  });
});

describe("config show/set on Patroni's dynamic configuration", () => {
  it('shows the timing first, then the PostgreSQL parameters, in the words config set takes', () => {
    expect(renderPatroniConfig(CONFIG).split('\n')).toEqual([
      'ttl = 30',
      'loop_wait = 10',
      'retry_timeout = 10',
      'maximum_lag_on_failover = 1048576',
      'synchronous_mode = false',
      'postgresql.max_wal_senders = 10',
      'postgresql.wal_keep_size = 256MB',
      '# set by the lab (patroni.yml), not here: use_pg_rewind = true, use_slots = true',
    ]);
  });

  it('patches what was asked, sizes in bytes, an empty parameter as a removal', () => {
    expect(patroniConfigPatch(CONFIG, ['ttl=20', 'loop_wait=1', 'retry_timeout=3', 'maximum_lag_on_failover=16MB', 'postgresql.work_mem=8MB', 'postgresql.wal_keep_size='])).toEqual({
      patch: { ttl: 20, loop_wait: 1, retry_timeout: 3, maximum_lag_on_failover: 16 * 1024 ** 2, postgresql: { parameters: { work_mem: '8MB', wal_keep_size: null } } },
      changes: ['ttl: 20 s', 'loop_wait: 1 s', 'retry_timeout: 3 s', 'maximum_lag_on_failover: 16777216 bytes', 'postgresql.work_mem: 8MB', "postgresql.wal_keep_size: removed (back to PostgreSQL's default)"],
    });
  });

  it('names every bad assignment: below a documented minimum, a broken timing rule, the replication mode, owned parameters, unknown keys', () => {
    let message = '';
    try {
      patroniConfigPatch(CONFIG, ['ttl=10', 'synchronous_mode=true', 'postgresql.primary_conninfo=x', 'postgresql.use_slots=false', 'bogus=1', 'noequals']);
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/ttl: "10" is not seconds, at least 20/);
    expect(message).toMatch(/synchronous_mode: the replication mode is chosen when the cluster is created/);
    expect(message).toMatch(/primary_conninfo is set by the HA manager itself/);
    expect(message).toMatch(/postgresql\.use_slots: set by the lab in patroni\.yml/);
    expect(message).toMatch(/unknown key "bogus"/);
    expect(message).toMatch(/"noequals" is not KEY=VALUE/);
    expect(() => patroniConfigPatch(CONFIG, ['ttl=25'])).toThrow(/loop_wait \+ 2 × retry_timeout \(10 \+ 2 × 10\) must not exceed ttl \(25\)/);
  });

  it('lets config edit find the changed lines of config show', () => {
    const before = renderPatroniConfig(CONFIG);
    const after = before.replace('ttl = 30', 'ttl = 40').replace('postgresql.wal_keep_size = 256MB\n', '');
    expect(editedAssignments(before, after)).toEqual(['ttl=40', 'postgresql.wal_keep_size=']);
  });
});
