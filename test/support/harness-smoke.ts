// Brings two pgdaemons (real PostgreSQL 15) and one etcd up on 127.0.0.1 from wherever this checkout lives, then
// removes them: run from a bind mount under a 0700 directory, it shows the daemon harness does not need the
// postgres user to enter the checkout (test/system/lab/checkout-anywhere.test.ts). Prints "smoke ok" at the end.
import { DaemonCluster } from './daemon-cluster.js';

const c = new DaemonCluster({ nodes: 2 });
try {
  await c.bootstrap();
  const st = c.status();
  if (st.desired?.primary !== 'pg0') throw new Error(`expected pg0 as the primary, status says ${JSON.stringify(st.desired)}`);
  console.log(`smoke ok: ${st.members.map((m) => `${m.node}:${m.role}${m.streaming ? ':streaming' : ''}`).join(' ')}`);
} catch (err) {
  console.error(`smoke failed: ${(err as Error).message}`);
  for (const n of c.nodes) console.error(`--- ${n.name} daemon log (last lines)\n${c.daemonLog(n.name).split('\n').slice(-15).join('\n')}`);
  process.exitCode = 1;
} finally {
  await c.cleanup();
}
