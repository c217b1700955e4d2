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
