import { describe, expect, it } from 'vitest';
import { applyConfigAssignments, renderConfig } from '../../../daemon/config-edit.js';
import { parseConfState, renderPostgresqlConf } from '../../../daemon/postgres-conf.js';
import { asyncConfig, deepFreeze } from './fixtures.js';

const current = deepFreeze({ ...asyncConfig });

describe('config set', () => {
  it('applies the run-time keys and says what changed', () => {
    const r = applyConfigAssignments(current, ['failoverTimeout=15s', 'maxLagOnFailover=16MB', 'postgresql.work_mem=8MB']);
    expect(r.next).toEqual({ synchronous: false, maxLagOnFailoverBytes: 16 * 1024 ** 2, failoverTimeoutMs: 15_000, postgresParameters: { work_mem: '8MB' } });
    expect(r.changes).toEqual(['failoverTimeout: 15000ms', 'maxLagOnFailover: 16777216 bytes', 'postgresql.work_mem: 8MB']);
  });

  it('removes a parameter given an empty value, and the daemon default with failoverTimeout=default', () => {
    const r = applyConfigAssignments(deepFreeze({ ...asyncConfig, failoverTimeoutMs: 5000, postgresParameters: { work_mem: '8MB' } }), ['postgresql.work_mem=', 'failoverTimeout=default']);
    expect(r.next).toEqual(asyncConfig);
  });

  it('names every bad key with the values it allows', () => {
    expect(() => applyConfigAssignments(current, ['failoverTimeout=0s', 'maxLagOnFailover=lots', 'postgresql.port=5433', 'postgresql.Bad-Name=1', 'colour=blue', 'x']))
      .toThrow('invalid config: failoverTimeout: "0s" is not a duration from 1s to 5m (10s, 1500ms), or "default" for each daemon\'s --failover-timeout; maxLagOnFailover: "lots" is not a size (0, 16MB, 1GB): async mode never promotes a replica lagging more; postgresql.port: port is set by pgdaemon itself (replication and fencing depend on it); postgresql.Bad-Name: "Bad-Name" is not a PostgreSQL parameter name (lower-case letters, digits, _); unknown key "colour"; "x" is not KEY=VALUE');
  });

  it('refuses to change synchronous on a running cluster, with the way out', () => {
    expect(() => applyConfigAssignments(current, ['synchronous=true'])).toThrow('synchronous: the replication mode is chosen when the cluster is created and cannot change on a running cluster (set replication in the topology, then pglab destroy and pglab machines)');
    expect(applyConfigAssignments(current, ['synchronous=false']).next).toEqual(asyncConfig);
  });

  it('shows the config in the words config set takes', () => {
    expect(renderConfig({ ...asyncConfig, postgresParameters: { work_mem: '8MB' } })).toBe(
      "synchronous = false\nmaxLagOnFailover = 67108864\nfailoverTimeout = (each daemon's --failover-timeout)\npostgresql.work_mem = 8MB",
    );
  });
});

describe('cluster parameters in postgresql.conf', () => {
  const settings = { node: 'pg0', listenHost: '10.42.0.10', port: 5432, socketDir: '/run', allowCidrs: [], upstream: null, sync: [] };

  it('writes them last, quoted, and records them in the state marker', () => {
    const conf = renderPostgresqlConf({ ...settings, parameters: { work_mem: '8MB', shared_buffers: "it's" } });
    expect(conf.trimEnd().split('\n').slice(-2)).toEqual(["shared_buffers = 'it''s'", "work_mem = '8MB'"]);
    expect(parseConfState(conf)).toEqual({ upstream: null, sync: [], parameters: { shared_buffers: "it's", work_mem: '8MB' } });
  });

  it('never writes a parameter the daemon owns', () => {
    const conf = renderPostgresqlConf({ ...settings, parameters: { port: '1' } });
    expect(conf).not.toContain("port = '1'");
    expect(parseConfState(conf)).toEqual({ upstream: null, sync: [] });
  });
});
