// The fence's two layers on their own terms: what the watchdog is fed, when the timer stops postgres, and when a stop
// counts as a fence rather than a crash.
import { describe, expect, it } from 'vitest';
import type { Watchdog } from '../../../daemon/daemon-deps.js';
import { Fence, REPLICA_BUDGET_MS } from '../../../daemon/fence.js';
import type { LeaseKeeper } from '../../../daemon/lease-keeper.js';
import type { PgControl } from '../../../daemon/local-postgres.js';
import type { LocalPg } from '../../../daemon/decide-node.js';
import { Proc, Scheduler } from '../../sim/scheduler.js';
import { simClock } from '../../sim/sim-clock.js';

class FakeWatchdog implements Watchdog {
  budgets: number[] = [];
  arms: number[] = [];
  isArmed = false;
  fired = false;
  disarms = 0;
  arm(ms: number): void {
    this.arms.push(ms);
    this.isArmed = true;
  }
  armed(): boolean {
    return this.isArmed;
  }
  feed(ms: number): void {
    this.budgets.push(ms);
  }
  disarm(): void {
    this.disarms++;
    this.isArmed = false;
  }
  takeFired(): boolean {
    const f = this.fired;
    this.fired = false;
    return f;
  }
}

function setup(opts: { valid?: boolean; remaining?: number; serving?: boolean; timerMs?: number | null; stop?: (s: Scheduler) => Promise<void> } = {}) {
  const s = new Scheduler();
  const state = { valid: opts.valid ?? true, remaining: opts.remaining ?? 700, lapses: 0, serving: opts.serving ?? true, stops: 0, stopped: 0, woken: 0 };
  const lease = { valid: () => state.valid, remainingMs: () => state.remaining, lapses: () => state.lapses } as unknown as LeaseKeeper;
  const watchdog = new FakeWatchdog();
  const ctl = {
    stop: async () => {
      state.stops++;
      if (opts.stop) await opts.stop(s);
      state.serving = false;
      return { how: 'stopped' as const };
    },
  } as unknown as PgControl;
  const logs: string[] = [];
  const fence = new Fence(lease, watchdog, ctl, {
    self: 'pg0',
    clock: simClock(s, new Proc('daemon'), () => 0),
    log: (_t, l) => logs.push(l),
    servingAsPrimary: () => state.serving,
    stopped: () => state.stopped++,
    wake: () => state.woken++,
    timerMs: opts.timerMs === undefined ? 50 : opts.timerMs,
  });
  return { s, state, watchdog, fence, logs };
}

const local = {} as LocalPg;

describe('Fence', () => {
  it('feeds a primary\'s watchdog what is left of the lease, a replica\'s a day', () => {
    const { state, watchdog, fence } = setup({ remaining: 640 });
    fence.feed();
    state.serving = false;
    fence.feed();
    expect(watchdog.budgets).toEqual([640, REPLICA_BUDGET_MS]);
  });

  it('treats a server being made primary as a primary until the next observation', () => {
    const { state, watchdog, fence } = setup({ serving: false, remaining: 500 });
    fence.armForPrimary();
    expect(watchdog.arms).toEqual([500]);
    fence.feed();
    expect(watchdog.budgets).toEqual([500]); // not a replica's day while it starts
    fence.observed(local);
    fence.feed();
    expect(watchdog.budgets).toEqual([500, REPLICA_BUDGET_MS]);
    expect(state.stops).toBe(0);
  });

  it('arms after a start with the lease budget for a primary and a day for a replica, and disarms', () => {
    const { watchdog, fence } = setup({ remaining: 420 });
    fence.armAfterStart(true);
    fence.armAfterStart(false);
    expect(watchdog.arms).toEqual([420, REPLICA_BUDGET_MS]);
    fence.feedAsPrimary();
    expect(watchdog.budgets).toEqual([420]);
    fence.disarm();
    expect(watchdog.disarms).toBe(1);
  });

  it('gives a running server without a watchdog one, and leaves an armed one alone', () => {
    const { watchdog, fence, state } = setup({ remaining: 300 });
    fence.guard(false);
    expect(watchdog.arms).toEqual([]);
    fence.guard(true);
    expect(watchdog.arms).toEqual([300]);
    fence.guard(true);
    expect(watchdog.arms).toEqual([300]);
    watchdog.isArmed = false;
    state.serving = false;
    fence.guard(true);
    expect(watchdog.arms).toEqual([300, REPLICA_BUDGET_MS]);
  });

  it('stops a primary with the timer once the lease is no longer valid, once, and says so', async () => {
    const { s, state, watchdog, fence, logs } = setup();
    fence.start();
    await s.runUntil(120, () => undefined);
    expect(state.stops).toBe(0);
    state.valid = false;
    await s.runUntil(180, () => undefined);
    expect(state.stops).toBe(1);
    expect(state.stopped).toBe(1);
    expect(state.woken).toBe(1);
    expect(watchdog.disarms).toBe(1);
    expect(logs).toEqual(['fencing: I am pg0, a primary whose lease could not be confirmed in time; stopping postgres now']);
    await s.runUntil(400, () => undefined);
    expect(state.stops).toBe(1); // no longer a primary
    fence.stop();
  });

  it('leaves a replica alone with the timer, and has no timer when that layer is off', async () => {
    const replica = setup({ valid: false, serving: false });
    replica.fence.start();
    await replica.s.runUntil(300, () => undefined);
    expect(replica.state.stops).toBe(0);
    const off = setup({ valid: false, timerMs: null });
    off.fence.start();
    await off.s.runUntil(300, () => undefined);
    expect(off.state.stops).toBe(0);
  });

  it('stops a server being made primary when the lease lapses during its start', async () => {
    const { s, state, fence } = setup({ serving: false });
    fence.start();
    fence.armForPrimary();
    state.valid = false;
    await s.runUntil(60, () => undefined);
    expect(state.stops).toBe(1);
  });

  it('counts a stop as a fence when the watchdog fired, the lease lapsed since the last cycle, or it is not confirmed', () => {
    const { state, watchdog, fence } = setup();
    expect(fence.stoppedByFence()).toBe(false);
    watchdog.fired = true;
    expect(fence.stoppedByFence()).toBe(true);
    expect(fence.stoppedByFence()).toBe(false); // the watchdog's news is taken once
    state.lapses = 1;
    expect(fence.stoppedByFence()).toBe(true); // lapsed and valid again
    expect(fence.stoppedByFence()).toBe(false);
    state.valid = false;
    expect(fence.stoppedByFence()).toBe(true);
  });

  it('fences again after a fence, once the server is a primary again and its lease lapses again', async () => {
    const { s, state, fence, watchdog } = setup();
    fence.start();
    state.valid = false;
    await s.runUntil(60, () => undefined);
    expect(state.stops).toBe(1);
    state.serving = true; // started as primary again, lease renewed
    state.valid = true;
    await s.runUntil(200, () => undefined);
    expect(state.stops).toBe(1);
    watchdog.isArmed = false;
    fence.guard(true); // the fence is over: a running server gets a watchdog
    expect(watchdog.arms).toEqual([700]);
    state.valid = false;
    await s.runUntil(260, () => undefined);
    expect(state.stops).toBe(2);
    fence.stop();
  });

  it('stops once while a slow stop is under way, and arms no watchdog meanwhile', async () => {
    const sleep = (s: Scheduler, ms: number) => new Promise<void>((r) => s.after(ms, null, r));
    const { s, state, fence, watchdog } = setup({ stop: (sch) => sleep(sch, 300) });
    fence.start();
    state.valid = false;
    await s.runUntil(200, () => undefined); // the stop began at 50 and is still running: timer ticks at 100, 150, 200
    expect(state.stops).toBe(1);
    fence.guard(true);
    expect(watchdog.arms).toEqual([]); // the server is going down: a watchdog armed now would only race the stop
    await s.runUntil(400, () => undefined);
    expect(state.stops).toBe(1);
    expect(state.stopped).toBe(1);
    fence.stop();
  });

  it('logs a stop that failed, and tries again at the next tick', async () => {
    let fail = true;
    const { s, state, fence, logs } = setup({
      stop: async () => {
        if (fail) {
          fail = false;
          throw new Error('pg_ctl: no');
        }
      },
    });
    fence.start();
    state.valid = false;
    await s.runUntil(60, () => undefined);
    expect(state.stops).toBe(1);
    expect(state.stopped).toBe(0);
    expect(state.woken).toBe(1);
    expect(logs[1]).toBe('fencing failed: pg_ctl: no');
    await s.runUntil(110, () => undefined);
    expect(state.stops).toBe(2);
    expect(state.stopped).toBe(1);
    fence.stop();
  });

  it('has no timer after stop()', async () => {
    const { s, state, fence } = setup();
    fence.start();
    await s.runUntil(120, () => undefined);
    fence.stop();
    state.valid = false;
    await s.runUntil(400, () => undefined);
    expect(state.stops).toBe(0);
  });

  it('after a deliberate stop, treats the server as what it is observed to be, not as one being made primary', () => {
    const { state, watchdog, fence } = setup({ serving: false, remaining: 500 });
    fence.armForPrimary();
    fence.disarm();
    fence.feed();
    expect(watchdog.budgets).toEqual([REPLICA_BUDGET_MS]);
    expect(state.stops).toBe(0);
  });
});
