// pgdaemon against real etcd and PostgreSQL 15: bootstrap, health codes, failover, fencing, rejoin, switchover, bad etcd data.
import { readFileSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterKeys } from '../../../common/cluster-keys.js';
import { DaemonCluster, SECRETS, sleep, waitFor } from '../../support/daemon-cluster.js';
import { CheckedWriter } from '../../support/daemon-writer.js';

const c = new DaemonCluster();
let etcd: Etcd3;

async function primaryNow(): Promise<string> {
  return waitFor('a primary', async () => {
    for (const n of c.nodes) if ((await c.http(n.name, '/primary').catch(() => ({ status: 0 }))).status === 200) return n.name;
    return null;
  }, 30_000);
}

async function walReceiverPid(node: string): Promise<number> {
  const [row] = await c.sql<{ pid: number }>(node, 'SELECT pid FROM pg_stat_wal_receiver');
  if (!row) throw new Error(`${node} has no wal receiver`);
  return row.pid;
}

describe('pgdaemon cluster (async replication)', () => {
  beforeAll(async () => {
    await c.bootstrap();
    etcd = new Etcd3({ hosts: c.etcdUrl.replace('http://', '') });
  });
  afterAll(async () => {
    etcd?.close();
    await c.cleanup(process.env['KEEP_DAEMON_TEST_DIR'] === '1');
    if (process.env['KEEP_DAEMON_TEST_DIR'] === '1') console.log('kept', c.root);
  });

  it('bootstraps one primary and two streaming replicas with scram roles', async () => {
    const st = c.status();
    expect(st.desired?.primary).toBe('pg0');
    expect(st.members.map((m) => `${m.node}:${m.role}:${m.streaming}`).sort()).toEqual(['pg0:primary:false', 'pg1:replica:true', 'pg2:replica:true']);
    expect(st.members.find((m) => m.node === 'pg1')?.upstream).toBe('pg0');
    const [enc] = await c.sql<{ rolpassword: string }>('pg0', "SELECT rolpassword FROM pg_authid WHERE rolname = 'replicator'");
    expect(enc?.rolpassword.startsWith('SCRAM-SHA-256$')).toBe(true);
    const hba = await c.sql<{ auth_method: string }>('pg0', "SELECT DISTINCT auth_method FROM pg_hba_file_rules WHERE type = 'host'");
    expect(hba.map((r) => r.auth_method)).toEqual(['scram-sha-256']);
    const bad = c.client('pg0');
    (bad as unknown as { password: string }).password = 'wrong';
    await expect(bad.connect()).rejects.toThrow(/password authentication failed/);
    await bad.end().catch(() => undefined);
    // Replication slots for every other member exist on the primary.
    const slots = await c.sql<{ slot_name: string; active: boolean }>('pg0', 'SELECT slot_name, active FROM pg_replication_slots ORDER BY 1');
    expect(slots.map((s) => s.slot_name)).toEqual(['pg1', 'pg2']);
  });

  it('answers the health endpoints with the right codes on each node', async () => {
    const codes = async (node: string) => {
      const out: Record<string, number> = {};
      for (const p of ['/primary', '/replica', '/replica?lag=16MB', '/read-only', '/health', '/liveness', '/readiness']) out[p] = (await c.http(node, p)).status;
      out['OPTIONS /primary'] = (await c.http(node, '/primary', 'OPTIONS')).status;
      out['HEAD /replica'] = (await c.http(node, '/replica', 'HEAD')).status;
      return out;
    };
    await waitFor('lag to be known on replicas', async () => (await c.http('pg1', '/replica?lag=16MB')).status === 200, 20_000);
    expect(await codes('pg0')).toEqual({ '/primary': 200, '/replica': 503, '/replica?lag=16MB': 503, '/read-only': 200, '/health': 200, '/liveness': 200, '/readiness': 200, 'OPTIONS /primary': 200, 'HEAD /replica': 503 });
    for (const r of ['pg1', 'pg2'])
      expect(await codes(r)).toEqual({ '/primary': 503, '/replica': 200, '/replica?lag=16MB': 200, '/read-only': 200, '/health': 200, '/liveness': 200, '/readiness': 200, 'OPTIONS /primary': 503, 'HEAD /replica': 200 });
    expect((await c.http('pg1', '/replica?lag=0')).status).toBe(200); // idle cluster: lag is zero
    expect((await c.http('pg1', '/replica?lag=banana')).status).toBe(400);
    const cluster = (await c.http('pg2', '/cluster')).json as { members: { node: string }[]; desired: { primary: string } };
    expect(cluster.members.map((m) => m.node).sort()).toEqual(['pg0', 'pg1', 'pg2']);
    expect(cluster.desired.primary).toBe('pg0');
    const status = (await c.http('pg0', '/status')).json as { message: string };
    expect(status.message).toBe('no action: I am pg0, the primary with the lease');
    expect(((await c.http('pg0', '/history')).json as { kind: string }[])[0]?.kind).toBe('bootstrap');
    expect((await c.http('pg0', '/switchover', 'POST', {})).status).toBe(401);
    expect((await c.http('pg0', '/switchover', 'POST', {}, 'not-the-token-at-all')).status).toBe(401);
    expect((await c.http('pg0', '/primary', 'DELETE')).status).toBe(405);
  });

  it('runs with its memory upkeep: GC exposed, the malloc tunable its own (postgres runs without it), /status shows the process', async () => {
    const status = (await c.http('pg0', '/status')).json as { process: { rssMB: number; heapUsedMB: number; cpuSeconds: number } };
    expect(status.process.rssMB).toBeGreaterThan(0);
    expect(status.process.heapUsedMB).toBeGreaterThan(0);
    const daemonPid = c.node('pg0').proc?.pid;
    expect(readFileSync(`/proc/${daemonPid}/environ`, 'utf8')).toContain('GLIBC_TUNABLES=');
    expect(readFileSync(`/proc/${daemonPid}/cmdline`, 'utf8').split('\0')).toContain('--expose-gc');
    const postmaster = c.postmasterPid('pg0');
    expect(postmaster).not.toBeNull();
    expect(readFileSync(`/proc/${postmaster}/environ`, 'utf8')).not.toContain('GLIBC_TUNABLES');
  });

  it('fails over to the replica with the highest LSN when the primary\'s postgres is killed, and the old primary rejoins by pg_rewind', async () => {
    await c.sql('pg0', 'CREATE TABLE t (id int PRIMARY KEY)');
    await c.sql('pg0', 'INSERT INTO t SELECT generate_series(1, 100)');
    await waitFor('pg1 and pg2 to have the table', async () => (await c.sql<{ n: string }>('pg1', 'SELECT count(*) AS n FROM t'))[0]?.n === '100' && (await c.sql<{ n: string }>('pg2', 'SELECT count(*) AS n FROM t'))[0]?.n === '100', 10_000);
    // Freeze pg1's WAL receiver: pg2 ends up ahead, and the name tie-break (pg1 first) cannot pick the winner by luck.
    const frozen = await walReceiverPid('pg1');
    process.kill(frozen, 'SIGSTOP');
    try {
      await c.sql('pg0', 'INSERT INTO t SELECT generate_series(101, 5000)');
      await waitFor('pg2 to receive the new rows', async () => (await c.sql<{ n: string }>('pg2', 'SELECT count(*) AS n FROM t'))[0]?.n === '5000', 10_000);
      await sleep(600); // both replicas publish their positions
      c.killPostgres('pg0');
      await c.waitPrimary('pg2', 30_000);
    } finally {
      process.kill(frozen, 'SIGCONT');
    }
    expect((await c.sql<{ n: string }>('pg2', 'SELECT count(*) AS n FROM t'))[0]?.n).toBe('5000');
    expect(c.daemonLog('pg0') + c.daemonLog('pg1') + c.daemonLog('pg2')).toMatch(/failing over from pg0 to pg2: pg0 reports its postgres crashed/);
    await c.waitStreaming(['pg0', 'pg1'], 90_000);
    expect(c.daemonLog('pg0')).toMatch(/pg_rewind from pg2: .*(Done!|no rewind required)/);
    const st = c.status();
    expect(st.members.find((m) => m.node === 'pg0')?.upstream).toBe('pg2');
    expect(st.members.find((m) => m.node === 'pg2')?.timeline).toBe(2);
    expect((await c.http('pg0', '/primary')).status).toBe(503);
    const history = (await c.http('pg1', '/history')).json as { kind: string; from: string; to: string }[];
    expect(history.at(-1)).toMatchObject({ kind: 'failover', from: 'pg0', to: 'pg2' });
  });

  it('fences a primary whose daemon is frozen, elects a new primary, and the old one rejoins after it thaws', async () => {
    const old = await primaryNow();
    const writer = new CheckedWriter(c, 2);
    await writer.createTable(old);
    writer.start();
    await waitFor('some writes', async () => writer.acked.length > 20, 10_000);
    const frozenAt = Date.now();
    c.signalDaemon(old, 'SIGSTOP');
    try {
      const next = await waitFor('a new primary', async () => {
        const p = await primaryNow().catch(() => null);
        return p && p !== old ? p : null;
      }, 30_000);
      await waitFor('writes on the new primary', async () => writer.acked.some((a) => a.node === next), 20_000);
      // The frozen daemon's watchdog stopped its postgres: no connection is accepted there now.
      expect(c.postmasterPid(old)).toBeNull();
      const lastOld = Math.max(...writer.acked.filter((a) => a.node === old).map((a) => a.at));
      const firstNew = Math.min(...writer.acked.filter((a) => a.node === next).map((a) => a.at));
      expect(lastOld).toBeLessThan(firstNew); // never two primaries taking writes
      expect(lastOld - frozenAt).toBeLessThan(1500); // fenced within the TTL
    } finally {
      c.signalDaemon(old, 'SIGCONT');
    }
    await writer.stop();
    await c.waitStreaming([old], 90_000);
    const now = await primaryNow();
    // Asynchronous replication: the watchdog's SIGQUIT ends the walsenders at once, so a commit the old primary had
    // flushed and acknowledged in that instant may never have reached a replica (seen once in CI: 1 of ~1500 lost).
    // Nothing else may be missing: at most each writer's last acknowledgement from the old primary, after the freeze.
    const lastOnOld = writer.acked.filter((a) => a.node === old).slice(-2);
    for (const id of await writer.lost(now)) {
      expect(lastOnOld.map((a) => a.id), `lost write ${id} was not one of the old primary's last acknowledgements`).toContain(id);
      expect(lastOnOld.find((a) => a.id === id)!.at).toBeGreaterThanOrEqual(frozenAt);
    }
  });

  it('stopping the primary\'s daemon (SIGTERM) stops postgres cleanly and hands over at once, losing no rows', async () => {
    const old = await primaryNow();
    await c.waitStreaming(c.nodes.map((n) => n.name).filter((n) => n !== old), 60_000);
    const writer = new CheckedWriter(c, 2, 'term_writes');
    await writer.createTable(old);
    writer.start();
    await waitFor('some writes', async () => writer.acked.length > 20, 10_000);
    const stoppedAt = Date.now();
    await c.stopDaemonGracefully(old);
    expect(c.postmasterPid(old)).toBeNull();
    const next = await waitFor('writes on a new primary', async () => writer.acked.find((a) => a.node !== old && a.at > stoppedAt)?.node, 20_000);
    await writer.stop();
    expect(await writer.lost(next)).toEqual([]);
    expect(c.daemonLog(old)).toContain('SIGTERM: shutting down');
    c.startDaemon(old);
    await c.waitStreaming([old], 90_000);
  });

  it('kill -9 of the primary\'s daemon alone: its watchdog stops postgres, and a new primary is elected', async () => {
    const old = await primaryNow();
    await c.waitStreaming(c.nodes.map((n) => n.name).filter((n) => n !== old), 60_000);
    const pid = c.postmasterPid(old);
    expect(pid).not.toBeNull();
    c.signalDaemon(old, 'SIGKILL');
    const killedAt = Date.now();
    await waitFor('the orphaned postgres to be stopped', async () => c.postmasterPid(old) === null, 5_000, 20);
    expect(Date.now() - killedAt).toBeLessThan(1000);
    const next = await primaryNow();
    expect(next).not.toBe(old);
    c.startDaemon(old);
    await c.waitStreaming([old], 90_000);
  });

  it('switches over on request with no lost rows', async () => {
    const old = await primaryNow();
    const target = c.nodes.map((n) => n.name).find((n) => n !== old) as string;
    await c.waitStreaming(c.nodes.map((n) => n.name).filter((n) => n !== old), 60_000);
    const writer = new CheckedWriter(c, 4, 'switch_writes');
    await writer.createTable(old);
    writer.start();
    await waitFor('some writes', async () => writer.acked.length > 50, 10_000);
    const r = c.cli(['switchover', '--to', target, '--cluster', c.cluster, '--etcd', c.etcdUrl]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`${target} is the primary now`);
    expect(r.code).toBe(0);
    await waitFor('writes on the new primary', async () => writer.acked.some((a) => a.node === target), 20_000);
    await writer.stop();
    expect(await writer.lost(target)).toEqual([]);
    expect(writer.acked.filter((a) => a.node === old).length).toBeGreaterThan(0);
    await c.waitStreaming(c.nodes.map((n) => n.name).filter((n) => n !== target), 60_000);
    const history = (await c.http(target, '/history')).json as { kind: string; to: string }[];
    expect(history.at(-1)).toMatchObject({ kind: 'switchover', to: target });
  });

  it('refuses a role change that cannot work and records why', async () => {
    const primary = await primaryNow();
    const other = c.nodes.map((n) => n.name).find((n) => n !== primary) as string;
    const r = await c.http(other, '/switchover', 'POST', { from: other }, SECRETS.apiToken);
    expect(r.status).toBe(202);
    const refusal = await waitFor('the refusal', async () => (c.status() as unknown as { lastRefusal: { reason: string } | null }).lastRefusal, 10_000);
    expect(refusal.reason).toBe(`switchover from ${other} refused: the primary is ${primary}`);
    expect(await primaryNow()).toBe(primary);
    const cli = c.cli(['failover', '--to', primary, '--cluster', c.cluster, '--etcd', c.etcdUrl]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(new RegExp(`^pgdaemon: ${primary} is already the primary`));
  });

  it('keeps the last good state and changes nothing when the desired-state key holds garbage', async () => {
    const primary = await primaryNow();
    const key = clusterKeys(c.cluster).desired;
    const good = await etcd.get(key).string();
    expect(good).not.toBeNull();
    await etcd.put(key).value('{"generation": "lots", oops');
    try {
      await sleep(2000);
      expect(await primaryNow()).toBe(primary);
      await c.sql(primary, 'CREATE TABLE IF NOT EXISTS during_garbage (x int)');
      const logs = c.nodes.map((n) => c.daemonLog(n.name)).join('\n');
      expect(logs).toContain('ignoring unparseable keys (keeping the last good state): desired: not JSON');
      expect(logs).toContain('no action: desired state is unreadable');
      // Even a dead primary does not make the leader act on a state it cannot read.
      c.killPostgres(primary);
      await sleep(2500);
      const st = c.status();
      expect(st.members.filter((m) => m.role === 'primary' && m.pgUp)).toEqual([]);
      expect(st.members.filter((m) => m.node !== primary).every((m) => m.role === 'replica')).toBe(true);
    } finally {
      await etcd.put(key).value(good as string);
    }
    // Repaired: the cluster fails over (or restarts the old primary) and serves writes again.
    const p = await primaryNow();
    await c.sql(p, 'INSERT INTO during_garbage VALUES (1)');
  });

  it('promotes nobody while etcd is down; the primary fences itself and resumes when etcd is back', async () => {
    const primary = await primaryNow();
    await c.waitStreaming(c.nodes.map((n) => n.name).filter((n) => n !== primary), 90_000);
    c.stopEtcd();
    const stoppedAt = Date.now();
    await waitFor('the primary to stop taking writes', async () => {
      try {
        await c.sql(primary, 'CREATE TABLE IF NOT EXISTS fence_probe (x int); INSERT INTO fence_probe VALUES (1)');
        return false;
      } catch {
        return true;
      }
    }, 5_000, 50);
    expect(Date.now() - stoppedAt).toBeLessThan(2500);
    await sleep(3000);
    for (const n of c.nodes) {
      expect((await c.http(n.name, '/primary')).status).toBe(503);
      if (n.name !== primary) {
        const [row] = await c.sql<{ rec: boolean }>(n.name, 'SELECT pg_is_in_recovery() AS rec');
        expect(row?.rec).toBe(true);
      }
    }
    c.startEtcd();
    await c.waitEtcd();
    await c.waitPrimary(primary, 30_000);
    await c.sql(primary, 'INSERT INTO fence_probe VALUES (2)');
  });
});
