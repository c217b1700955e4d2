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
