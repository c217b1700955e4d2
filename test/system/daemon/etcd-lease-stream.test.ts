// Lease keepalives on one gRPC stream, against a real 3-member etcd: they are answered on the stream (not silently
// through the gateway), a lease etcd no longer has is reported gone, and a member that stops answering or dies costs
// no renewal (the gateway answers within the hedge) while the stream moves to a member that answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdDcs } from '../../../daemon/dcs-etcd.js';
import { DaemonCluster, sleep, waitFor } from '../../support/daemon-cluster.js';

describe('EtcdDcs keepalives on a gRPC stream', () => {
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
