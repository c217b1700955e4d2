import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { paths } from '../../../lab/state-dir.js';
import { DEFAULT_TOPOLOGY } from '../../../lab/topology.js';
import { labDsn, psqlInvocation, runInvocation } from '../../../tasks/client-access.js';

const PASSWORD = 's3cret/with+chars';
let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'pglab-client-'));
  process.env.PGLAB_HOME = home;
  process.env.PGLAB_NAME = 'pglabunit';
  mkdirSync(paths.secrets(), { recursive: true });
  writeFileSync(join(paths.secrets(), 'cluster.json'), JSON.stringify({ superuserPassword: 'su', replicationPassword: 'rep', appPassword: PASSWORD, apiToken: 'tok' }));
});
afterEach(() => {
  delete process.env.PGLAB_HOME;
  delete process.env.PGLAB_NAME;
  rmSync(home, { recursive: true, force: true });
});

describe('clients of the lab', () => {
  it('gives psql the password in PGPASSWORD, never on its command line (visible in ps)', () => {
    const inv = psqlInvocation(DEFAULT_TOPOLOGY, false, ['-c', 'select 1']);
    expect([inv.file, ...inv.args].join(' ')).not.toContain('s3cret');
    expect(inv.env).toEqual({ PGPASSWORD: PASSWORD });
    expect(inv.file).toBe('nsenter');
    expect(inv.args).toEqual(['--net=/run/netns/pglabunit', '--', 'psql', 'postgresql://pglab@10.42.0.30:5432/pglab', '-c', 'select 1']);
  });

  it('points psql --replica at the replicas port', () => {
    expect(psqlInvocation(DEFAULT_TOPOLOGY, true, []).args).toContain('postgresql://pglab@10.42.0.30:5433/pglab');
  });

  it('exports the libpq variables in `pglab run`, so `pglab run -- pgbench -i -s 1` needs no DSN', () => {
    const inv = runInvocation(DEFAULT_TOPOLOGY, ['pgbench', '-i', '-s', '1']);
    expect(inv.args).toEqual(['--net=/run/netns/pglabunit', '--', 'pgbench', '-i', '-s', '1']);
    expect(inv.env).toEqual({
      PGHOST: '10.42.0.30',
      PGPORT: '5432',
      PGUSER: 'pglab',
      PGPASSWORD: PASSWORD,
      PGDATABASE: 'pglab',
      PGLAB_DSN: labDsn(DEFAULT_TOPOLOGY, false),
      PGLAB_DSN_REPLICA: labDsn(DEFAULT_TOPOLOGY, true),
    });
    expect(inv.env.PGLAB_DSN).toBe(`postgresql://pglab:${encodeURIComponent(PASSWORD)}@10.42.0.30:5432/pglab`);
  });

  it('says what to write when `pglab run` gets no program', () => {
    expect(() => runInvocation(DEFAULT_TOPOLOGY, [])).toThrow(/nothing to run/);
  });
});
