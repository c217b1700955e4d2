// pgdaemon in synchronous mode: every commit acknowledged before the primary's node dies is on the new primary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonCluster, waitFor } from '../../support/daemon-cluster.js';
import { CheckedWriter } from '../../support/daemon-writer.js';

const c = new DaemonCluster();

describe('pgdaemon cluster (synchronous replication)', () => {
  beforeAll(async () => {
    await c.bootstrap(true);
  });
  afterAll(async () => {
    await c.cleanup(process.env['KEEP_DAEMON_TEST_DIR'] === '1');
    if (process.env['KEEP_DAEMON_TEST_DIR'] === '1') console.log('kept', c.root);
  });

  it('keeps synchronous_standby_names in step with the healthy replicas', async () => {
    await waitFor('both replicas to be synchronous standbys', async () => c.status().desired?.syncStandbys.length === 2, 30_000);
    const [row] = await c.sql<{ s: string }>('pg0', "SELECT current_setting('synchronous_standby_names') AS s");
    expect(row?.s).toBe('FIRST 2 ("pg1", "pg2")');
    const states = await c.sql<{ application_name: string; sync_state: string }>('pg0', 'SELECT application_name, sync_state FROM pg_stat_replication ORDER BY 1');
    expect(states.map((s) => `${s.application_name}:${s.sync_state}`)).toEqual(['pg1:sync', 'pg2:sync']);
  });

  it('drops a dead standby from the sync set so writes continue, and takes it back when it returns', async () => {
    c.killNode('pg2');
    await waitFor('pg2 to leave the sync set', async () => c.status().desired?.syncStandbys.join(',') === 'pg1', 20_000);
    await c.sql('pg0', 'CREATE TABLE sync_probe (x int); INSERT INTO sync_probe VALUES (1)');
    c.startDaemon('pg2');
    await waitFor('pg2 to rejoin the sync set', async () => c.status().desired?.syncStandbys.join(',') === 'pg1,pg2', 60_000);
  });

  it('loses no acknowledged commit when the primary\'s daemon and postgres are killed', async () => {
    const writer = new CheckedWriter(c, 8);
    await writer.createTable('pg0');
    writer.start();
    await waitFor('steady writes', async () => writer.acked.length > 300, 20_000);
    c.killNode('pg0');
    const next = await waitFor('a new primary taking writes', async () => writer.acked.find((a) => a.node !== 'pg0')?.node, 30_000);
    await waitFor('more writes on the new primary', async () => writer.acked.filter((a) => a.node === next).length > 50, 20_000);
    await writer.stop();
    const fromOld = writer.acked.filter((a) => a.node === 'pg0').length;
    expect(fromOld).toBeGreaterThan(300);
    expect(await writer.lost(next)).toEqual([]);
    const history = c.status() as unknown as { history: { kind: string; from: string; to: string }[] };
    expect(history.history.at(-1)).toMatchObject({ kind: 'failover', from: 'pg0', to: next });
  });
});
