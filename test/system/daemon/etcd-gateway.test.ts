// EtcdDcs through etcd's JSON gateway against a real 3-member etcd with one member frozen (SIGSTOP: its sockets stay
// open and silent, like a hung machine): reads and keepalives are answered by the others within the hedge, writes
// move on after one failure, and a watch stream on the frozen member is replaced once a read shows what it missed.
// Lease keepalives on their gRPC stream: answered on the stream (not silently through the gateway), a lease etcd no
// longer has is reported gone, and a stream member that stops answering or dies costs no renewal while the stream
// moves to a member that answers.
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterKeys } from '../../../common/cluster-keys.js';
import { EtcdDcs } from '../../../daemon/etcd/dcs-etcd.js';
import { EtcdGateway } from '../../../daemon/etcd/gateway.js';
import type { WatchEvent } from '../../../daemon/dcs.js';
import { DaemonCluster, sleep, waitFor } from '../../support/daemon-cluster.js';

describe('EtcdDcs against a real 3-member etcd', () => {
  const c = new DaemonCluster({ etcdMembers: 3 });
  beforeAll(async () => {
    c.startEtcd();
    await c.waitEtcd();
    await c.etcdLeader();
  });
  afterAll(async () => {
    for (let i = 0; i < 3; i++) c.resumeEtcd(i);
    await c.cleanup();
  });

  it('prefers the raft leader (a follower forwards every lease renewal to it)', async () => {
    const leader = await c.etcdLeader();
    // The leader last in the list: without the preference, calls would start at a follower.
    const order = [0, 1, 2].filter((i) => i !== leader).concat(leader);
    const g = new EtcdGateway(order.map((i) => c.etcdMembers[i]!.client));
    try {
      expect(g.order()[0]).toBe(0);
      await g.preferLeader();
      expect(g.order()[0]).toBe(2);
    } finally {
      g.close();
    }
  });

  it('reads and renews through the others at once, writes after one failure, and replaces a silent watch', async () => {
    const cluster = 'gateway-test';
    const keys = clusterKeys(cluster);
    // A hung follower, not the leader: freezing the leader is an election (renewals wait for it whoever is asked;
    // test/system/daemon/etcd-cluster.test.ts kills the leader). The frozen member first: every call of `dcs`
    // starts there (it does not watch, so it does not look for the leader). `watching` is a daemon's: its watch
    // stream opens on the first member before it learns who leads.
    const frozen = (await c.etcdLeader()) === 0 ? 1 : 0;
    const order = [frozen, ...[0, 1, 2].filter((i) => i !== frozen)];
    const endpoints = order.map((i) => c.etcdMembers[i]!.client);
    const dcs = new EtcdDcs({ endpoints, cluster, callTimeoutMs: 1000 });
    const watching = new EtcdDcs({ endpoints, cluster, callTimeoutMs: 1000 });
    const writer = new Etcd3({ hosts: endpoints.slice(1).map((e) => e.replace(/^http:\/\//, '')) });
    const events: WatchEvent[] = [];
    let resets = 0;
    try {
      const lease = await dcs.grantLease(5);
      await watching.watch((e) => events.push(e), () => resets++);
      await writer.put(`${keys.prefix}before`).value('1');
      await waitFor('the watch delivering', async () => events.some((e) => e.key === `${keys.prefix}before`), 5000, 20);

      c.pauseEtcd(frozen);
      const resetsBefore = resets;
      // Hedged: the frozen member says nothing, the others answer after 100 ms.
      let t = Date.now();
      expect(await dcs.keepAlive(lease.id, 2000)).toBe(true);
      expect(Date.now() - t).toBeLessThan(1500);
      t = Date.now();
      await dcs.readRaw();
      expect(Date.now() - t).toBeLessThan(1500);

      // Writes are sent once; the member that answered the hedged calls is asked first now.
      expect(await dcs.putRequest({ kind: 'switchover', from: 'pg0', to: 'pg1', requestedAt: new Date().toISOString() })).toBe(true);

      // The watch stream is still open on the frozen member and delivers nothing; reads (the daemon's every 2 s) notice.
      await writer.put(`${keys.prefix}missed`).value('2');
      await waitFor(
        'the silent stream replaced (a reset)',
        async () => {
          await watching.readRaw().catch(() => undefined);
          return resets > resetsBefore;
        },
        10_000,
        300,
      );
      // The new stream starts at the present (the reset tells the daemon to read in full): later changes flow.
      await waitFor(
        'a change delivered by the new stream',
        async () => {
          await writer.put(`${keys.prefix}later`).value(String(Date.now()));
          await sleep(100);
          return events.some((e) => e.key === `${keys.prefix}later`);
        },
        5000,
        100,
      );
    } finally {
      c.resumeEtcd(frozen);
      writer.close();
      await dcs.close();
      await watching.close();
    }
  }, 60_000);

  it('answers every keepalive on the stream while etcd is healthy, and says when the lease is gone', async () => {
    const dcs = new EtcdDcs({ endpoints: c.etcdMembers.map((m) => m.client), cluster: 'stream-test', callTimeoutMs: 1000 });
    try {
      const lease = await dcs.grantLease(5);
      for (let i = 0; i < 20; i++) {
        expect(await dcs.keepAlive(lease.id, 800)).toBe(true);
        await sleep(20);
      }
      // All of them on the stream: with the stream broken they would all still be answered, by the gateway.
      expect(dcs.keepAlivesOnStream()).toBe(20);
      await dcs.revokeLease(lease.id);
      expect(await dcs.keepAlive(lease.id, 800)).toBe(false);
      expect(dcs.keepAlivesOnStream()).toBe(21);
    } finally {
      await dcs.close();
    }
  });

  it('renews through the others while the stream member is frozen, then opens the stream on a member that answers', async () => {
    // A frozen follower (a frozen leader is an election: renewals wait for it whoever is asked). It comes first, so
    // the stream opens on it (this client does not look for the raft leader).
    const frozen = (await c.etcdLeader()) === 0 ? 1 : 0;
    const order = [frozen, ...[0, 1, 2].filter((i) => i !== frozen)];
    const dcs = new EtcdDcs({ endpoints: order.map((i) => c.etcdMembers[i]!.client), cluster: 'stream-test', callTimeoutMs: 1000 });
    try {
      const lease = await dcs.grantLease(5);
      expect(await dcs.keepAlive(lease.id, 800)).toBe(true);
      expect(dcs.keepAlivesOnStream()).toBe(1);

      c.pauseEtcd(frozen);
      const before = dcs.keepAlivesOnStream();
      // Every renewal is answered in time, while the stream first waits on the frozen member and then moves.
      let slowest = 0;
      await waitFor(
        'keepalives answered on a stream again, with the member still frozen',
        async () => {
          const t = Date.now();
          expect(await dcs.keepAlive(lease.id, 800)).toBe(true);
          slowest = Math.max(slowest, Date.now() - t);
          return dcs.keepAlivesOnStream() > before;
        },
        10_000,
        200,
      );
      expect(slowest).toBeLessThan(700);
    } finally {
      c.resumeEtcd(frozen);
      await dcs.close();
    }
  }, 60_000);

  it('renews at once when the stream member dies, and opens the stream on a member that is up', async () => {
    const member = await c.etcdLeader();
    const dcs = new EtcdDcs({ endpoints: [member, ...[0, 1, 2].filter((i) => i !== member)].map((i) => c.etcdMembers[i]!.client), cluster: 'stream-test', callTimeoutMs: 1000 });
    try {
      const lease = await dcs.grantLease(10);
      expect(await dcs.keepAlive(lease.id, 800)).toBe(true);
      const before = dcs.keepAlivesOnStream();
      c.stopEtcd(member);
      // The dead leader means an election; renewals are answered once the others have a leader.
      await waitFor('a renewal answered with the stream member down', async () => dcs.keepAlive(lease.id, 800).catch(() => false), 10_000, 200);
      await waitFor('keepalives on a stream again, the member still down', async () => (await dcs.keepAlive(lease.id, 800)) && dcs.keepAlivesOnStream() > before, 10_000, 200);
    } finally {
      c.startEtcd(member);
      await c.waitEtcd();
      await dcs.close();
    }
  }, 60_000);
});
