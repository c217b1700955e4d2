import { describe, expect, it } from 'vitest';
import type { Dcs } from '../../../daemon/dcs.js';
import { LeaseKeeper } from '../../../daemon/lease-keeper.js';
import { Proc, Scheduler } from '../../sim/scheduler.js';
import { simClock } from '../../sim/sim-clock.js';

/** A Dcs whose keepalives answer after `latencyMs()` of simulated time; everything else is unused here. */
function slowEtcd(s: Scheduler, latencyMs: () => number): Dcs {
  return {
    grantLease: () => new Promise((resolve) => s.after(5, null, () => resolve({ id: '1', ttlSeconds: 1 }))),
    keepAlive: (_id: string, timeoutMs: number) => {
      const ms = latencyMs();
      return new Promise<boolean>((resolve, reject) => s.after(Math.min(ms, timeoutMs), null, () => (ms <= timeoutMs ? resolve(true) : reject(new Error('timeout')))));
    },
  } as unknown as Dcs;
}

async function lapses(latency: () => number, forMs: number): Promise<{ lapses: number; logs: string[] }> {
  const s = new Scheduler();
  const logs: string[] = [];
  let wasValid = false;
  let count = 0;
  const keeper = new LeaseKeeper(slowEtcd(s, latency), { ttlMs: 1000, marginMs: 200, clock: simClock(s, new Proc('daemon'), () => 0), log: (l) => logs.push(l), onChange: () => undefined, onRenewed: () => undefined });
  keeper.start();
  await s.runUntil(500, () => undefined);
  for (let t = 500; t < forMs; t += 10) {
    await s.runUntil(t, () => undefined);
    const v = keeper.valid();
    if (wasValid && !v) count++;
    wasValid = v;
  }
  await keeper.stop(false);
  return { lapses: count, logs };
}

describe('LeaseKeeper', () => {
  it('keeps the lease through a minute of 300–600 ms keepalive answers (sequential renewals with a 250 ms deadline lapsed)', async () => {
    let i = 0;
    const r = await lapses(() => 300 + ((i++ * 97) % 300), 60_000);
    expect(r.lapses).toBe(0);
    expect(r.logs.some((l) => /^lease renewal slow: keepalive answered after \d+ms/.test(l))).toBe(true);
  });

  it('still lets the lease lapse when etcd stops answering within the TTL', async () => {
    const r = await lapses(() => 5000, 10_000);
    expect(r.lapses).toBe(1);
  });
});

describe('LeaseKeeper deadline', () => {
  it('is the send time of the last answered keepalive + TTL − margin, whatever the answer took', async () => {
    const s = new Scheduler();
    const keeper = new LeaseKeeper(slowEtcd(s, () => 150), { ttlMs: 1000, marginMs: 200, clock: simClock(s, new Proc('daemon'), () => 0), log: () => undefined, onChange: () => undefined, onRenewed: () => undefined });
    keeper.start();
    // Granted at 5 ms (sent at 0); keepalives every 200 ms, each answered 150 ms after it was sent.
    await s.runUntil(100, () => undefined);
    expect(keeper.status().deadline).toBe(0 + 1000 - 200);
    await s.runUntil(349, () => undefined);
    expect(keeper.status().deadline).toBe(0 + 1000 - 200); // the one sent at 200 has not answered yet
    await s.runUntil(351, () => undefined);
    // etcd restarted the TTL when the keepalive sent at 200 arrived, after 200: 200 + TTL is a lower bound of the expiry.
    expect(keeper.status().deadline).toBe(200 + 1000 - 200);
    expect(keeper.remainingMs()).toBe(200 + 1000 - 200 - 351);
    await keeper.stop(false);
  });

  it('does not move the deadline back when an older keepalive answers after a newer one', async () => {
    const s = new Scheduler();
    let n = 0;
    // The first renewal (sent at 200) answers after 500 ms, the second (sent at 400) after 50 ms.
    const keeper = new LeaseKeeper(slowEtcd(s, () => (n++ === 0 ? 500 : 50)), { ttlMs: 1000, marginMs: 200, clock: simClock(s, new Proc('daemon'), () => 0), log: () => undefined, onChange: () => undefined, onRenewed: () => undefined });
    keeper.start();
    await s.runUntil(100, () => undefined);
    await s.runUntil(460, () => undefined);
    expect(keeper.status().deadline).toBe(400 + 800);
    await s.runUntil(710, () => undefined);
    // Sent at 600 (answered at 650) confirms 600; the one sent at 200, answered at 700, does not take it back.
    expect(keeper.status().deadline).toBe(600 + 800);
    await keeper.stop(false);
  });
});

describe('LeaseKeeper lifecycle', () => {
  /** A Dcs whose calls answer after 10 ms with what `answers` says; keepalive requests are counted. */
  function fakeEtcd(s: Scheduler, answers: { grantTtl?: number; alive?: () => boolean; hang?: boolean }) {
    const calls = { grants: 0, keepAlives: 0, revoked: [] as string[] };
    let next = 1;
    const dcs = {
      grantLease: (ttl: number) => {
        calls.grants++;
        return new Promise((resolve) => s.after(10, null, () => resolve({ id: String(next++), ttlSeconds: answers.grantTtl ?? ttl })));
      },
      keepAlive: () => {
        calls.keepAlives++;
        if (answers.hang) return new Promise(() => undefined);
        return new Promise((resolve) => s.after(10, null, () => resolve(answers.alive ? answers.alive() : true)));
      },
      revokeLease: async (id: string) => void calls.revoked.push(id),
    } as unknown as Dcs;
    return { dcs, calls };
  }

  async function run(s: Scheduler, until: number) {
    for (let t = s.now + 10; t <= until; t += 10) await s.runUntil(t, () => undefined);
  }

  it('has no valid lease and no time left before the first grant; trusts the smaller of asked and granted TTL', async () => {
    const s = new Scheduler();
    const { dcs } = fakeEtcd(s, { grantTtl: 2 });
    let changes = 0;
    let renewed = 0;
    const keeper = new LeaseKeeper(dcs, { ttlMs: 1000, marginMs: 200, clock: simClock(s, new Proc('d'), () => 0), log: () => undefined, onChange: () => changes++, onRenewed: () => renewed++ });
    expect(keeper.valid()).toBe(false);
    expect(keeper.remainingMs()).toBe(-1);
    expect(keeper.status().leaseId).toBeNull();
    keeper.start();
    await run(s, 30);
    expect(keeper.status().leaseId).toBe('1');
    // etcd granted 2 s for 1 s asked: the deadline stays on the 1 s asked (it may round up, never down).
    expect(keeper.status().deadline).toBe(0 + 1000 - 200);
    expect(keeper.valid()).toBe(true);
    expect(changes).toBeGreaterThan(0);
    expect(renewed).toBe(1);
    await keeper.stop(true);
  });

  it('asks for a new lease when etcd says the old one is gone, and counts it as a lapse', async () => {
    const s = new Scheduler();
    let alive = true;
    const { dcs, calls } = fakeEtcd(s, { alive: () => alive });
    const keeper = new LeaseKeeper(dcs, { ttlMs: 1000, marginMs: 200, clock: simClock(s, new Proc('d'), () => 0), log: () => undefined, onChange: () => undefined, onRenewed: () => undefined });
    keeper.start();
    await run(s, 450);
    expect(keeper.lapses()).toBe(0);
    alive = false;
    await run(s, 650);
    expect(keeper.lapses()).toBe(1);
    expect(keeper.valid()).toBe(false);
    alive = true;
    await run(s, 850); // the next renewal tick asks for a new lease
    expect(calls.grants).toBe(2);
    expect(keeper.status().leaseId).toBe('2');
    await keeper.stop(false);
  });

  it('counts a renewal that comes back after the deadline passed as a lapse, though the lease is valid again', async () => {
    const s = new Scheduler();
    let late = false;
    const base = fakeEtcd(s, {});
    const dcs = {
      ...base.dcs,
      grantLease: base.dcs.grantLease,
      keepAlive: (_id: string, timeoutMs: number) => new Promise((resolve) => s.after(late ? Math.min(900, timeoutMs) : 10, null, () => resolve(true))),
    } as unknown as Dcs;
    const keeper = new LeaseKeeper(dcs, { ttlMs: 1000, marginMs: 200, clock: simClock(s, new Proc('d'), () => 0), log: () => undefined, onChange: () => undefined, onRenewed: () => undefined });
    keeper.start();
    await run(s, 300);
    late = true;
    await run(s, 1400);
    expect(keeper.lapses()).toBeGreaterThan(0);
    await keeper.stop(false);
  });

  it('keeps at most four keepalives in flight when etcd does not answer', async () => {
    const s = new Scheduler();
    const { dcs, calls } = fakeEtcd(s, { hang: true });
    const keeper = new LeaseKeeper(dcs, { ttlMs: 1000, marginMs: 200, clock: simClock(s, new Proc('d'), () => 0), log: () => undefined, onChange: () => undefined, onRenewed: () => undefined });
    keeper.start();
    await run(s, 3000);
    expect(calls.keepAlives).toBe(4);
    await keeper.stop(false);
  });

  it('revokes its lease when stopped with revoke, and renews nothing after', async () => {
    const s = new Scheduler();
    const { dcs, calls } = fakeEtcd(s, {});
    const keeper = new LeaseKeeper(dcs, { ttlMs: 1000, marginMs: 200, clock: simClock(s, new Proc('d'), () => 0), log: () => undefined, onChange: () => undefined, onRenewed: () => undefined });
    keeper.start();
    await run(s, 250);
    await keeper.stop(true);
    expect(calls.revoked).toEqual(['1']);
    expect(keeper.valid()).toBe(false);
    const before = calls.keepAlives;
    await run(s, 1000);
    expect(calls.keepAlives).toBe(before);
  });
});
