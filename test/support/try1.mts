import { DaemonCluster, sleep, waitFor } from '/work/main/test/support/daemon-cluster.ts';
const c = new DaemonCluster();
try {
  await c.bootstrap();
  console.log('BOOTSTRAPPED', JSON.stringify(c.status().members.map(m=>[m.node,m.role,m.streaming])));
  await c.sql('pg0', 'CREATE TABLE t (id int primary key)');
  await c.sql('pg0', 'INSERT INTO t SELECT generate_series(1,1000)');
  await sleep(1000);
  const t0 = Date.now();
  c.killPostgres('pg0');
  const np = await waitFor('new primary', async () => {
    for (const n of ['pg1','pg2']) { try { await c.sql(n, 'INSERT INTO t VALUES ($1)', [100000 + Date.now() % 100000]); return n; } catch {} }
    return null;
  }, 30000, 20);
  console.log('NEW PRIMARY', np, 'after', Date.now() - t0, 'ms');
  await c.waitStreaming(['pg0', np === 'pg1' ? 'pg2' : 'pg1'], 60000);
  console.log('REJOINED', JSON.stringify(c.status().members.map(m=>[m.node,m.role,m.streaming,m.timeline])));
} catch (e) { console.log('FAIL', (e as Error).message); }
finally {
  for (const n of c.nodes) console.log('----', n.name, '\n', c.daemonLog(n.name).split('\n').slice(-30).join('\n'));
  await c.cleanup();
}
