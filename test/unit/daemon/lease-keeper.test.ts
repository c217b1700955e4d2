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

describe('LeaseKeeper edges (each pins a mutant `make mutation` left alive; docs/pgdaemon.md, "Mutation testing")', () => {
  const opts = (s: Scheduler, proc: Proc, extra: Partial<{ log: (l: string) => void; onChange: () => void; onRenewed: () => void }> = {}) => ({
    ttlMs: 1000,
    marginMs: 200,
    clock: simClock(s, proc, () => 0),
    log: extra.log ?? (() => undefined),
    onChange: extra.onChange ?? (() => undefined),
    onRenewed: extra.onRenewed ?? (() => undefined),
  });
  /** Keepalives answer as `answer(n, sentAt)` says: [delay ms, alive], or null to never answer. Grants take 10 ms. */
  function scriptedEtcd(s: Scheduler, answer: (n: number, sentAt: number) => [number, boolean] | null, grantMs = 10) {
    const calls = { grants: 0, keepAlives: 0, timeouts: [] as number[] };
    const dcs = {
      grantLease: () => {
        const id = String(++calls.grants);
        return new Promise((resolve) => s.after(grantMs, null, () => resolve({ id, ttlSeconds: 1 })));
      },
      keepAlive: (_id: string, timeoutMs: number) => {
        calls.timeouts.push(timeoutMs);
        const a = answer(calls.keepAlives++, s.now);
        if (!a) return new Promise(() => undefined);
        return new Promise((resolve) => s.after(a[0], null, () => resolve(a[1])));
      },
      revokeLease: async () => undefined,
    } as unknown as Dcs;
    return { dcs, calls };
  }
  async function run(s: Scheduler, until: number) {
    for (let t = s.now + 10; t <= until; t += 10) await s.runUntil(t, () => undefined);
  }

  it('is valid strictly before its deadline, not at it', async () => {
    const s = new Scheduler();
    const { dcs } = scriptedEtcd(s, () => null);
    const keeper = new LeaseKeeper(dcs, opts(s, new Proc('d')));
    keeper.start();
    await run(s, 20);
    const deadline = keeper.status().deadline;
    expect(deadline).toBe(800);
    expect(keeper.valid(deadline - 1)).toBe(true);
    expect(keeper.valid(deadline)).toBe(false);
    await keeper.stop(false);
  });

  it('has its deadline in the past while it holds no lease: before the first grant and after etcd dropped the lease', async () => {
    const s = new Scheduler();
    const { dcs } = scriptedEtcd(s, () => [10, false]);
    const keeper = new LeaseKeeper(dcs, opts(s, new Proc('d')));
    expect(keeper.status().deadline).toBeLessThan(0);
    keeper.start();
    await run(s, 20);
    expect(keeper.status().deadline).toBe(800);
    await run(s, 220); // the keepalive sent at 200 answers "gone" at 210
    expect(keeper.status().leaseId).toBeNull();
    expect(keeper.status().deadline).toBeLessThan(s.now);
    await keeper.stop(false);
  });

  it('asks etcd for one lease at a time, however long a grant takes', async () => {
    const s = new Scheduler();
    const { dcs, calls } = scriptedEtcd(s, () => null, 700);
    const keeper = new LeaseKeeper(dcs, opts(s, new Proc('d')));
    keeper.start();
    await run(s, 650); // ticks at 0, 200, 400, 600 while the first grant is still out
    expect(calls.grants).toBe(1);
    await run(s, 710);
    expect(keeper.status().leaseId).toBe('1');
    await keeper.stop(false);
  });

  it('waits for a keepalive as long as its answer can keep the lease valid: TTL − margin', async () => {
    const s = new Scheduler();
    const { dcs, calls } = scriptedEtcd(s, () => [10, true]);
    const keeper = new LeaseKeeper(dcs, opts(s, new Proc('d')));
    keeper.start();
    await run(s, 450);
    expect(calls.timeouts).toEqual([800, 800]);
    await keeper.stop(false);
  });

  it('ignores an answer about a lease it no longer holds: no renewal, no second lapse', async () => {
    const s = new Scheduler();
    // The keepalive sent at 200 answers "gone" at 450; the one sent at 400 answers "alive" at 460.
    const { dcs } = scriptedEtcd(s, (n) => (n === 0 ? [250, false] : n === 1 ? [60, true] : null));
    let renewed = 0;
    const keeper = new LeaseKeeper(dcs, opts(s, new Proc('d'), { onRenewed: () => renewed++ }));
    keeper.start();
    await run(s, 100);
    expect(renewed).toBe(1); // the grant
    await run(s, 470);
    expect(keeper.lapses()).toBe(1);
    expect(renewed).toBe(1);
    expect(keeper.valid()).toBe(false);
    await keeper.stop(false);
  });

  it('counts an answer that comes exactly at the deadline as a lapse (the lease was not valid at that instant)', async () => {
    const s = new Scheduler();
    // Granted at 0 (deadline 800); the keepalive sent at 200 answers at 800, the others never.
    const { dcs } = scriptedEtcd(s, (n) => (n === 0 ? [600, true] : null));
    const keeper = new LeaseKeeper(dcs, opts(s, new Proc('d')));
    keeper.start();
    await run(s, 790);
    expect(keeper.lapses()).toBe(0);
    await run(s, 800);
    expect(keeper.lapses()).toBe(1);
    expect(keeper.status().deadline).toBe(1000);
    await keeper.stop(false);
  });

  it('tells the daemon when validity changes, and only then', async () => {
    const s = new Scheduler();
    let alive = true;
    const { dcs } = scriptedEtcd(s, () => [10, alive]);
    let changes = 0;
    const keeper = new LeaseKeeper(dcs, opts(s, new Proc('d'), { onChange: () => changes++ }));
    keeper.start();
    await run(s, 20);
    expect(changes).toBe(1); // granted
    await run(s, 650); // three renewals that keep it valid
    expect(changes).toBe(1);
    alive = false;
    await run(s, 820); // the one sent at 800 says "gone"
    expect(keeper.valid()).toBe(false);
    expect(changes).toBe(2);
    await keeper.stop(false);
  });

  it('leaves no timer behind when stopped', async () => {
    const s = new Scheduler();
    const { dcs } = scriptedEtcd(s, () => [10, true]);
    const clock = simClock(s, new Proc('d'), () => 0);
    const live = new Set<unknown>();
    const counting = {
      ...clock,
      setTimeout: (fn: () => void, ms: number) => {
        const h = clock.setTimeout(() => {
          live.delete(h);
          fn();
        }, ms);
        live.add(h);
        return h;
      },
      clearTimeout: (h: Parameters<typeof clock.clearTimeout>[0]) => {
        live.delete(h);
        clock.clearTimeout(h);
      },
    };
    const keeper = new LeaseKeeper(dcs, { ...opts(s, new Proc('d')), clock: counting });
    keeper.start();
    await run(s, 300);
    expect(live.size).toBe(1);
    await keeper.stop(false);
    expect(live.size).toBe(0);
  });

  it('reports slow keepalives with their duration, at most once per 5 s with a count, and fast ones not at all', async () => {
    const s = new Scheduler();
    let latency = 10;
    const { dcs } = scriptedEtcd(s, () => [latency, true]);
    const logs: string[] = [];
    const keeper = new LeaseKeeper(dcs, opts(s, new Proc('d'), { log: (l) => logs.push(l) }));
    keeper.start();
    await run(s, 1000);
    expect(logs).toEqual(['lease 1 granted (ttl 1s)']);
    latency = 250; // exactly TTL/4: not slow yet
    await run(s, 2000);
    expect(logs).toHaveLength(1);
    latency = 300; // sent every 200 ms from 2000, each answered 300 ms later
    await run(s, 8000);
    // Logged before the answer confirms anything: the last confirmed send was 1800 (deadline 2600), 300 ms left at 2300.
    expect(logs.slice(1)).toEqual([
      'lease renewal slow: keepalive answered after 300ms (etcd slow, or this daemon starved); 300ms of lease left',
      // 5 s after the first report (2300 + 5000 = 7300) comes the next, with the 25 slow answers since (2500..7300).
      'lease renewal slow: keepalive answered after 300ms (etcd slow, or this daemon starved) (25 slow events since the last report); 300ms of lease left',
    ]);
    await keeper.stop(false);
  });

  it('reports a renewal timer that fires more than 150 ms late', async () => {
    const s = new Scheduler();
    const { dcs } = scriptedEtcd(s, () => [10, true]);
    const logs: string[] = [];
    const proc = new Proc('d');
    await s.runUntil(1000, () => undefined); // a daemon started after the host has been up a while
    const keeper = new LeaseKeeper(dcs, opts(s, proc, { log: (l) => logs.push(l) }));
    keeper.start();
    await run(s, 2000);
    expect(logs).toEqual(['lease 1 granted (ttl 1s)']);
    let late = 150; // exactly the limit: not reported
    proc.starve = () => late;
    await run(s, 2400);
    expect(logs).toHaveLength(1);
    late = 151;
    await run(s, 3000);
    expect(logs[1]).toMatch(/^lease renewal slow: renewal timer fired 151ms late \(the daemon's event loop was busy or starved\); -?\d+ms of lease left$/);
    await keeper.stop(false);
  });
});
