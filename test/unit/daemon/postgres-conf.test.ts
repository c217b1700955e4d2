import { describe, expect, it } from 'vitest';
import { parseConfState, renderHba, renderPostgresqlConf, syncStandbyNames, type PgSettings } from '../../../daemon/postgres-conf.js';

const settings: PgSettings = { node: 'pg1', listenHost: '10.42.0.11', port: 5432, socketDir: '/var/run/postgresql', allowCidrs: ['10.42.0.0/24'], upstream: { id: 'pg0@10.42.0.10:5432', host: '10.42.0.10', port: 5432, password: "it's\\secret" }, sync: [] };

describe('postgres config rendering', () => {
  it('writes a replica\'s primary_conninfo with escaped password and its slot', () => {
    const conf = renderPostgresqlConf(settings);
    // Two layers of quoting: libpq's (backslash escapes) inside postgresql.conf's (doubled quotes and backslashes).
    expect(conf.split('\n')).toContain(String.raw`primary_conninfo = 'host=''10.42.0.10'' port=5432 user=replicator password=''it\\''s\\\\secret'' application_name=''pg1'' connect_timeout=2 tcp_user_timeout=3000'`);
    expect(conf).toContain("primary_slot_name = 'pg1'");
    expect(parseConfState(conf)).toEqual({ upstream: 'pg0@10.42.0.10:5432', sync: [] });
  });

  it('writes synchronous_standby_names for the sync set, and none for async', () => {
    expect(syncStandbyNames(['pg1', 'pg2'])).toBe('FIRST 2 ("pg1", "pg2")');
    expect(syncStandbyNames([])).toBe('');
    const conf = renderPostgresqlConf({ ...settings, upstream: null, sync: ['pg2'] });
    expect(conf).toContain(`synchronous_standby_names = 'FIRST 1 ("pg2")'`);
    expect(conf).not.toContain('primary_conninfo');
    expect(parseConfState(conf)).toEqual({ upstream: null, sync: ['pg2'] });
  });

  it('allows only scram-sha-256 over the network', () => {
    const hba = renderHba(['10.42.0.0/24']);
    expect(hba).toMatch(/^host\s+all\s+all\s+10\.42\.0\.0\/24\s+scram-sha-256$/m);
    expect(hba).toMatch(/^host\s+replication\s+replicator\s+10\.42\.0\.0\/24\s+scram-sha-256$/m);
    expect(hba).not.toMatch(/trust|md5/);
  });

  it('treats a file without our marker as unconfigured', () => {
    expect(parseConfState("port = 5432\n")).toEqual({ upstream: null, sync: [] });
  });
});
