// EtcdDcs's transactions as etcd evaluates them: the real adapter against the simulator's etcd gateway (etcd's compare
// rules: a missing key has create and mod revision 0, a value compare on it fails), on the simulated clock.
import { describe, expect, it } from 'vitest';
import { clusterKeys, type DesiredState, type MemberState } from '../../../../common/cluster-keys.js';
import { EtcdDcs } from '../../../../daemon/etcd/dcs-etcd.js';
import { Network } from '../../../sim/network.js';
import { Proc, Scheduler } from '../../../sim/scheduler.js';
import { simClock } from '../../../sim/sim-clock.js';
import { SimEtcd } from '../../../sim/sim-etcd.js';
import { SimEtcdGateway, simTransport } from '../../../sim/sim-etcd-gateway.js';
import { desired, member } from '../fixtures.js';

const CLUSTER = 't';
const keys = clusterKeys(CLUSTER);

function setup() {
  const s = new Scheduler();
  const etcd = new SimEtcd(s);
  const env = { s, net: new Network(), etcd, gateway: new SimEtcdGateway(etcd), transit: () => 1 };
  const client = (host: string) => {
    const proc = new Proc(host);
    return new EtcdDcs({ endpoints: ['http://etcd0:2379', 'http://etcd1:2379', 'http://etcd2:2379'], cluster: CLUSTER, callTimeoutMs: 1000, transport: simTransport(env, host, proc), clock: simClock(s, proc, () => 0) });
  };
  /** Runs the simulation until `p` settles (its answer is an event of the caller's process). */
  const done = async <T>(p: Promise<T>): Promise<T> => {
    let settled = false;
    p.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let i = 0; i < 100 && !settled; i++) await s.runUntil(s.now + 10, () => undefined);
    return p;
  };
  return { s, etcd, client, done };
}

const modRevision = (etcd: SimEtcd, key: string) => String(etcd.get(key)?.modRevision ?? 0);

describe('EtcdDcs transactions (against the simulated etcd)', () => {
  it('campaigns for a free leader key bound to its lease, and nobody else gets it while it is held', async () => {
    const { etcd, client, done } = setup();
    const a = client('pg0');
    const b = client('pg1');
    const lease = await done(a.grantLease(1));
    expect(await done(a.campaign('pg0', lease.id))).toBe(true);
    expect(etcd.get(keys.leader)).toMatchObject({ value: 'pg0', lease: lease.id });
    expect(await done(b.campaign('pg1', (await done(b.grantLease(1))).id))).toBe(false);
    // Asked again by the holder: still its own.
    expect(await done(a.campaign('pg0', lease.id))).toBe(true);
    await done(b.resign('pg1'));
    expect(etcd.get(keys.leader)?.value).toBe('pg0');
    await done(a.resign('pg0'));
    expect(etcd.get(keys.leader)).toBeUndefined();
  });

  it('writes the desired state only at the revision it read and while the leader key names the writer', async () => {
    const { etcd, client, done } = setup();
    const dcs = client('pg1');
    const lease = await done(dcs.grantLease(1));
    await done(dcs.initCluster(desired(), { synchronous: false, maxLagOnFailoverBytes: 0 }, { generation: 1, kind: 'bootstrap', from: null, to: 'pg0', reason: 'r', decidedBy: 'x', decidedAt: 'x', detectedToDecidedMs: null }, false));
    expect(await done(dcs.campaign('pg1', lease.id))).toBe(true);
    const rev = modRevision(etcd, keys.desired);
    const next: DesiredState = { ...desired(), generation: 2, primary: 'pg1' };
    expect(await done(dcs.casDesired(rev, next, 'pg2'))).toBe(false); // not the leader
    expect(await done(dcs.casDesired(String(Number(rev) - 1), next, 'pg1'))).toBe(false); // stale revision
    expect(await done(dcs.casDesired(rev, next, 'pg1'))).toBe(true);
    expect(JSON.parse(etcd.get(keys.desired)!.value)).toMatchObject({ generation: 2, primary: 'pg1' });
    expect(await done(dcs.casDesired(rev, { ...next, generation: 3 }, 'pg1'))).toBe(false); // the revision moved on
  });

  it('fails a failover whose failed primary published (or came back) since the leader read it', async () => {
    const { etcd, client, done } = setup();
    const leader = client('pg1');
    const old = client('pg0');
    const lease = await done(leader.grantLease(1));
    await done(leader.initCluster(desired(), { synchronous: false, maxLagOnFailoverBytes: 0 }, { generation: 1, kind: 'bootstrap', from: null, to: 'pg0', reason: 'r', decidedBy: 'x', decidedAt: 'x', detectedToDecidedMs: null }, false));
    expect(await done(leader.campaign('pg1', lease.id))).toBe(true);
    const next: DesiredState = { ...desired(), generation: 2, primary: 'pg1', previousPrimary: 'pg0' };
    const rev = modRevision(etcd, keys.desired);
    // The leader read pg0's key as absent; pg0's restarted daemon publishes before the CAS lands.
    const oldLease = await done(old.grantLease(1));
    await done(old.publishMember(member('pg0', { role: 'stopped', pgUp: false }) as MemberState, oldLease.id));
    expect(await done(leader.casDesired(rev, next, 'pg1', { memberUnchanged: { node: 'pg0', modRevision: null } }))).toBe(false);
    // Read at its current revision: the failover goes through.
    const seen = modRevision(etcd, keys.member('pg0'));
    await done(old.publishMember(member('pg0', { role: 'stopped', pgUp: false, message: 'again' }) as MemberState, oldLease.id));
    expect(await done(leader.casDesired(rev, next, 'pg1', { memberUnchanged: { node: 'pg0', modRevision: seen } }))).toBe(false);
    expect(await done(leader.casDesired(rev, next, 'pg1', { memberUnchanged: { node: 'pg0', modRevision: modRevision(etcd, keys.member('pg0')) } }))).toBe(true);
    expect(JSON.parse(etcd.get(keys.desired)!.value)).toMatchObject({ generation: 2, primary: 'pg1' });
  });

  it('publishes the member state and the primary\'s last position in one revision, and refuses a dead lease', async () => {
    const { etcd, client, done } = setup();
    const dcs = client('pg0');
    const lease = await done(dcs.grantLease(1));
    await done(dcs.publishMember(member('pg0'), lease.id, { node: 'pg0', generation: 1, lsn: 4096 }));
    expect(etcd.get(keys.member('pg0'))?.modRevision).toBe(etcd.get(keys.lastLsn)?.modRevision);
    expect(etcd.get(keys.member('pg0'))?.lease).toBe(lease.id);
    expect(etcd.get(keys.lastLsn)?.lease).toBe('0'); // it outlives the member key
    await done(dcs.revokeLease(lease.id));
    expect(etcd.get(keys.member('pg0'))).toBeUndefined();
    await expect(done(dcs.publishMember(member('pg0'), lease.id))).rejects.toThrow(/lease not found/);
  });

  it('lets one member at a time hold the re-clone lock, released only by its holder', async () => {
    const { etcd, client, done } = setup();
    const a = client('pg1');
    const b = client('pg2');
    const la = await done(a.grantLease(1));
    const lb = await done(b.grantLease(1));
    expect(await done(a.acquireRecloneLock('pg1', la.id))).toBe(true);
    expect(await done(b.acquireRecloneLock('pg2', lb.id))).toBe(false);
    expect(await done(a.acquireRecloneLock('pg1', la.id))).toBe(true);
    await done(b.releaseRecloneLock('pg2'));
    expect(etcd.get(keys.recloneLock)?.value).toBe('pg1');
    await done(a.releaseRecloneLock('pg1'));
    expect(await done(b.acquireRecloneLock('pg2', lb.id))).toBe(true);
  });

  it('takes one role-change request and one restart request per node at a time; config changes by revision', async () => {
    const { etcd, client, done } = setup();
    const dcs = client('client');
    expect(await done(dcs.putRequest({ kind: 'switchover', from: null, to: 'pg1', requestedAt: 'a' }))).toBe(true);
    expect(await done(dcs.putRequest({ kind: 'failover', from: null, to: null, requestedAt: 'b' }))).toBe(false);
    expect(await done(dcs.putNodeRequest('restart', 'pg1', { requestedAt: 'a', by: 'me' }))).toBe(true);
    expect(await done(dcs.putNodeRequest('restart', 'pg1', { requestedAt: 'b', by: 'me' }))).toBe(false);
    expect(await done(dcs.putNodeRequest('restart', 'pg2', { requestedAt: 'b', by: 'me' }))).toBe(true);
    await done(dcs.deleteNodeRequest('restart', 'pg1'));
    expect(etcd.get(keys.nodeRequest('restart', 'pg1'))).toBeUndefined();
    expect(await done(dcs.putConfig('0', { synchronous: false, maxLagOnFailoverBytes: 1 }))).toBe(true);
    const rev = modRevision(etcd, keys.config);
    expect(await done(dcs.putConfig('0', { synchronous: false, maxLagOnFailoverBytes: 2 }))).toBe(false);
    expect(await done(dcs.putConfig(rev, { synchronous: false, maxLagOnFailoverBytes: 3 }))).toBe(true);
  });

  it('renews a lease on the keepalive stream and says when etcd no longer has it', async () => {
    const { client, done } = setup();
    const dcs = client('pg0');
    const lease = await done(dcs.grantLease(1));
    expect(await done(dcs.keepAlive(lease.id, 800))).toBe(true);
    expect(dcs.keepAlivesOnStream()).toBe(1);
    await done(dcs.revokeLease(lease.id));
    expect(await done(dcs.keepAlive(lease.id, 800))).toBe(false);
  });

  it('initializes a cluster once (force starts a new one), records the system id once, and reads history apart', async () => {
    const { etcd, client, done } = setup();
    const dcs = client('client');
    const hist = (g: number) => ({ generation: g, kind: 'bootstrap' as const, from: null, to: 'pg0', reason: 'r', decidedBy: 'x', decidedAt: 'x', detectedToDecidedMs: null });
    const config = { synchronous: false, maxLagOnFailoverBytes: 0 };
    expect(await done(dcs.initCluster(desired(), config, hist(1), false))).toBe(true);
    expect(await done(dcs.initCluster(desired({ generation: 9 }), config, hist(9), false))).toBe(false);
    expect(await done(dcs.markInitialized('7300'))).toBe(true);
    expect(await done(dcs.markInitialized('7300'))).toBe(true); // the same id again
    expect(await done(dcs.markInitialized('7301'))).toBe(false);
    const raw = await done(dcs.readRaw());
    expect(raw.kvs.map((k) => k.key).sort()).toEqual([keys.config, keys.desired, keys.initialized].sort()); // no history/
    expect(Number(raw.revision)).toBe(etcd.revision);
    expect((await done(dcs.readHistory())).map((h) => h.generation)).toEqual([1]);
    expect((await done(dcs.read())).desired?.value.generation).toBe(1);
    expect(await done(dcs.initCluster(desired({ generation: 5 }), config, hist(5), true))).toBe(true);
    expect(etcd.get(keys.initialized)).toBeUndefined(); // a forced init starts a new cluster
    expect((await done(dcs.readHistory())).map((h) => h.generation)).toEqual([5]);
  });

  it('takes a lease that etcd no longer has as revoked, and asks for the TTL it needs', async () => {
    const { etcd, client, done } = setup();
    const dcs = client('pg0');
    const lease = await done(dcs.grantLease(3));
    expect(lease.ttlSeconds).toBe(3);
    expect(etcd.leaseExpiry(lease.id)).toBe(etcd.leaseExpiry(lease.id)!);
    await done(dcs.revokeLease(lease.id));
    await done(dcs.revokeLease(lease.id)); // not found: already gone, no error
    expect(etcd.leaseExpiry(lease.id)).toBeNull();
  });

  it('pauses and resumes with a key not bound to any lease', async () => {
    const { etcd, client, done } = setup();
    const dcs = client('client');
    await done(dcs.setMaintenance({ since: 'now', by: 'me' }));
    expect(etcd.get(keys.maintenance)).toMatchObject({ lease: '0' });
    await done(dcs.setMaintenance(null));
    expect(etcd.get(keys.maintenance)).toBeUndefined();
  });
});

describe('EtcdDcs edges (each pins mutants `make mutation` left alive; docs/pgdaemon.md, "Mutation testing")', () => {
  /** How long (simulated ms) `p` took to settle, and how. */
  async function timed<T>(s: Scheduler, p: Promise<T>): Promise<{ ms: number; value?: T; error?: Error }> {
    const start = s.now;
    let out: { ms: number; value?: T; error?: Error } | null = null;
    p.then(
      (value) => (out = { ms: s.now - start, value }),
      (error: Error) => (out = { ms: s.now - start, error }),
    );
    for (let i = 0; i < 400 && !out; i++) await s.runUntil(s.now + 5, () => undefined);
    if (!out) throw new Error('did not settle within 2 s');
    return out;
  }

  it('takes endpoints without a scheme or with trailing slashes', async () => {
    const s = new Scheduler();
    const etcd = new SimEtcd(s);
    const env = { s, net: new Network(), etcd, gateway: new SimEtcdGateway(etcd), transit: () => 1 };
    const proc = new Proc('pg0');
    const dcs = new EtcdDcs({ endpoints: ['etcd0:2379//', 'http://etcd1:2379/', 'etcd2:2379'], cluster: CLUSTER, callTimeoutMs: 1000, transport: simTransport(env, 'pg0', proc), clock: simClock(s, proc, () => 0) });
    const lease = (await timed(s, dcs.grantLease(1))).value!;
    expect((await timed(s, dcs.campaign('pg0', lease.id))).value).toBe(true);
    expect((await timed(s, dcs.keepAlive(lease.id, 800))).value).toBe(true);
    expect(dcs.keepAlivesOnStream()).toBe(1);
  });

  it('renews through the other members after the hedge when the stream\'s member hangs', async () => {
    const { s, etcd, client, done } = setup();
    const dcs = client('pg0');
    const lease = await done(dcs.grantLease(2));
    etcd.loseMember(0, 'hung', 0);
    const r = await timed(s, dcs.keepAlive(lease.id, 800));
    expect(r.value).toBe(true);
    expect(r.ms).toBeGreaterThanOrEqual(100); // the stream had its 100 ms first
    expect(r.ms).toBeLessThan(400); // and no more
    expect(dcs.keepAlivesOnStream()).toBe(0);
  });

  it('goes through the gateway at once when the stream fails, and fails only when both failed', async () => {
    const { s, etcd, client, done } = setup();
    const dcs = client('pg0');
    const lease = await done(dcs.grantLease(2));
    etcd.loseMember(0, 'down', 0);
    const r = await timed(s, dcs.keepAlive(lease.id, 800));
    expect(r.value).toBe(true);
    expect(r.ms).toBeLessThan(100); // no hedge wait: the stream had failed already
    for (const i of [1, 2]) etcd.loseMember(i, 'down', 0);
    const none = await timed(s, dcs.keepAlive(lease.id, 800));
    expect(none.error).toBeInstanceOf(Error);
  });

  it('says "gone" for a revoked lease through the gateway too', async () => {
    const { s, etcd, client, done } = setup();
    const dcs = client('pg0');
    const lease = await done(dcs.grantLease(2));
    await done(dcs.revokeLease(lease.id));
    etcd.loseMember(0, 'down', 0);
    const r = await timed(s, dcs.keepAlive(lease.id, 800));
    expect(r.value).toBe(false);
    expect(dcs.keepAlivesOnStream()).toBe(0);
  });

  it('writes a failover\'s history and refusal with the desired state, and consumes the request only when asked', async () => {
    const { etcd, client, done } = setup();
    const dcs = client('pg1');
    const lease = await done(dcs.grantLease(1));
    const hist = (g: number) => ({ generation: g, kind: 'failover' as const, from: 'pg0', to: 'pg1', reason: 'r', decidedBy: 'pg1', decidedAt: 'x', detectedToDecidedMs: 5 });
    await done(dcs.initCluster(desired(), { synchronous: false, maxLagOnFailoverBytes: 0 }, { ...hist(1), kind: 'bootstrap' }, false));
    expect(await done(dcs.campaign('pg1', lease.id))).toBe(true);
    expect(await done(dcs.putRequest({ kind: 'switchover', from: null, to: 'pg2', requestedAt: 'a' }))).toBe(true);
    const refusal = { request: { kind: 'switchover' as const, from: null, to: 'pg2', requestedAt: 'a' }, reason: 'no', at: 'x' };
    expect(await done(dcs.casDesired(modRevision(etcd, keys.desired), { ...desired(), generation: 2, primary: 'pg1' }, 'pg1', { history: hist(2), refusal }))).toBe(true);
    expect(JSON.parse(etcd.get(keys.history(2))!.value)).toMatchObject({ generation: 2, kind: 'failover' });
    expect(JSON.parse(etcd.get(keys.refusal)!.value)).toMatchObject({ reason: 'no' });
    expect(etcd.get(keys.request)).toBeDefined(); // not consumed
    expect(await done(dcs.casDesired(modRevision(etcd, keys.desired), { ...desired(), generation: 3, primary: 'pg2' }, 'pg1', { consumeRequest: true }))).toBe(true);
    expect(etcd.get(keys.request)).toBeUndefined();
  });

  it('reads an empty cluster as no keys (the gateway omits an empty range\'s kvs)', async () => {
    const { client, done } = setup();
    const dcs = client('client');
    expect((await done(dcs.readRaw())).kvs).toEqual([]);
    expect(await done(dcs.readHistory())).toEqual([]);
  });

  it('closes without ever having watched, and renews nothing once closed', async () => {
    const { s, client, done } = setup();
    const dcs = client('pg0');
    const lease = await done(dcs.grantLease(2));
    await dcs.close();
    expect((await timed(s, dcs.keepAlive(lease.id, 300))).value).not.toBe(true);
  });

  it('replaces a watch that went silent once its reads show a change it did not deliver, whichever key changed', async () => {
    const { s, etcd, client, done } = setup();
    const dcs = client('pg0');
    etcd.put(keys.member('pg9'), '{}');
    let resets = 0;
    await dcs.watch(() => undefined, () => resets++);
    await s.runUntil(s.now + 200, () => undefined);
    expect(resets).toBe(1); // created
    for (let i = 0; i < 3; i++) etcd.loseMember(i, 'hung', 0);
    for (let i = 1; i < 3; i++) etcd.restoreMember(i); // the watch's member stays hung: its stream is silent
    etcd.put(keys.config, '{}'); // sorts before every other key: the newest revision is not the last key read
    for (let t = 0; t < 2000 && resets === 1; t += 250) {
      await done(dcs.readRaw());
      await s.runUntil(s.now + 250, () => undefined);
    }
    expect(resets).toBeGreaterThan(1);
    await dcs.close();
  });
});
