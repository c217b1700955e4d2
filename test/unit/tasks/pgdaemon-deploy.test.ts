import { describe, expect, it } from 'vitest';
import type { MemberState } from '../../../common/cluster-keys.js';
import { parseShowStat } from '../../../lab/haproxy-state.js';
import { pgbouncerIni, pgbouncerUserlist } from '../../../lab/roles/postgres.js';
import { DEFAULT_TOPOLOGY as T } from '../../../lab/topology.js';
import { clusterProblems, primaryProblems, type ClusterState } from '../../../ha/cluster-state.js';
import { daemonConfig, daemonUnit, nodeFiles } from '../../../tasks/pgdaemon/node-files.js';

const secrets = { superuserPassword: 'su-pass-1234', replicationPassword: 'repl-pass-1234', appPassword: 'app"pass', apiToken: 'token-0123456789abcdef' };
const pg1 = T.machines.find((m) => m.name === 'pg1')!;

function member(node: string, role: 'primary' | 'replica', streaming: boolean): MemberState {
  return {
    node, connectHost: '10.42.0.1', pgPort: 5432, apiUrl: '', role, pgUp: true, crashed: false, timeline: 1, systemId: '1',
    walLsn: null, receivedLsn: null, replayedLsn: null, lagBytes: 0, streaming, upstream: null, replication: [],
    syncApplied: null, appliedGeneration: 1, noFailover: false, message: '', updatedAt: '',
  };
}

function state(members: MemberState[], leader: string | null = 'pg0'): ClusterState {
  return {
    leader,
    desired: { generation: 1, primary: 'pg0', members: ['pg0', 'pg1', 'pg2'], syncStandbys: [], syncPending: [], previousPrimary: null, reason: '', changedAt: '' },
    config: { synchronous: false, maxLagOnFailoverBytes: 64 * 1024 * 1024 },
    maintenance: null,
    members,
    problems: [],
    history: [],
  };
}

describe('pgdaemon node files', () => {
  it('configure the daemon with its node, address, the etcd members and the lab subnet', () => {
    expect(daemonConfig(pg1, T)).toMatchObject({
      node: 'pg1',
      cluster: 'pglab',
      connectHost: '10.42.0.11',
      etcd: ['http://10.42.0.20:2379', 'http://10.42.0.21:2379', 'http://10.42.0.22:2379'],
      allowCidr: ['10.42.0.0/24'],
      listen: '0.0.0.0:8008',
    });
  });

  it('keep secrets readable by postgres only', () => {
    const bundle = { hash: 'abc', files: [{ path: 'daemon/pgdaemon.cjs', content: Buffer.from('x') }] };
    const files = nodeFiles(pg1, T, secrets, bundle);
    const s = files.find((f) => f.path === 'etc/pglab/secrets.json')!;
    expect(s.mode).toBe(0o600);
    expect(s.owner).toBe('postgres');
    expect(JSON.parse(String(s.content))).toEqual({ superuserPassword: 'su-pass-1234', replicationPassword: 'repl-pass-1234', apiToken: 'token-0123456789abcdef', appPassword: 'app"pass' });
    expect(files.map((f) => f.path)).toContain('opt/pgdaemon/daemon/pgdaemon.cjs');
  });

  it('run the daemon as postgres and restart it when it dies', () => {
    const unit = daemonUnit();
    expect(unit).toContain('User=postgres');
    expect(unit).toContain('Restart=always');
    // Only the daemon is signalled on stop; it stops PostgreSQL, the rest is killed after it (docs/decisions.md).
    expect(unit).toContain('KillMode=mixed');
    expect(unit).toContain('ExecStart=/usr/bin/node --max-semi-space-size=1 --jitless --no-expose-wasm --expose-gc /opt/pgdaemon/daemon/pgdaemon.cjs daemon --config /etc/pglab/pgdaemon.json');
    expect(unit).toContain('Environment=GLIBC_TUNABLES=glibc.malloc.mmap_threshold=65536');
  });
});

describe('pgbouncer', () => {
  it('forwards to the node address with scram and escapes quotes in the userlist', () => {
    expect(pgbouncerIni(pg1)).toContain('* = host=10.42.0.11 port=5432');
    expect(pgbouncerIni(pg1)).toContain('auth_type = scram-sha-256');
    expect(pgbouncerUserlist({ secrets })).toBe('"pglab" "app""pass"\n"postgres" "su-pass-1234"\n');
  });
});

describe('clusterProblems', () => {
  it('finds none with the primary up and two streaming replicas', () => {
    expect(clusterProblems(state([member('pg0', 'primary', false), member('pg1', 'replica', true), member('pg2', 'replica', true)]))).toEqual([]);
  });

  it('names a replica that is not streaming and a member that never reported', () => {
    expect(clusterProblems(state([member('pg0', 'primary', false), member('pg1', 'replica', false)]))).toEqual([
      'pg1: should be a streaming replica, is replica (not streaming)',
      'pg2: no member state (daemon not running?)',
    ]);
  });

  it('says when the cluster has no leader or no desired state', () => {
    expect(clusterProblems(state([member('pg0', 'primary', false), member('pg1', 'replica', true), member('pg2', 'replica', true)], null))).toEqual(['no daemon holds the leader key']);
    expect(clusterProblems({ ...state([]), desired: null })).toEqual(['the cluster is not initialized (no desired state)']);
  });
});

describe('primaryProblems (a role change is done when the new primary serves)', () => {
  it('ignores replicas still rejoining, but not a primary that is not up yet', () => {
    expect(primaryProblems(state([member('pg0', 'primary', false), member('pg1', 'replica', false)]))).toEqual([]);
    expect(primaryProblems(state([member('pg0', 'replica', false), member('pg1', 'replica', true)]))).toEqual(['pg0: should be primary, is replica']);
    expect(primaryProblems({ ...state([]), desired: null })).toEqual(['the cluster is not initialized (no desired state)']);
  });
});

describe('haproxy show stat', () => {
  it('reads server states per proxy, skipping frontends and backends', () => {
    const csv = [
      '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight',
      'primary,FRONTEND,,,0,0,2000,0,0,0,0,0,0,,,,,OPEN,',
      'primary,pg0,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP,1',
      'primary,pg1,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN,1',
      'primary,BACKEND,0,0,0,0,200,0,0,0,0,0,,0,0,0,0,UP,1',
    ].join('\n');
    expect(parseShowStat(csv)).toEqual({ primary: { pg0: 'UP', pg1: 'DOWN' } });
  });
});
