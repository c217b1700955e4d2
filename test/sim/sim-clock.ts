// The daemon's Clock on the simulator: one virtual monotonic time; timers are events of the daemon's process; the wall clock may step.
import type { Clock, TimerHandle } from '../../daemon/clock.js';
import type { Proc, Scheduler, SimEvent } from './scheduler.js';

/** 2026-01-01T00:00:00Z: the wall clock's origin at simulated time 0. */
const EPOCH = Date.UTC(2026, 0, 1);

export function simClock(s: Scheduler, proc: Proc, wallOffsetMs: () => number): Clock {
  return {
    now: () => s.now,
    wallIso: () => new Date(EPOCH + s.now + wallOffsetMs()).toISOString(),
    setTimeout: (fn, ms) => s.after(ms, proc, fn),
    clearTimeout: (h) => s.cancel(h as SimEvent),
    setInterval: (fn, ms) => {
      const handle: { ev: SimEvent | null } = { ev: null };
      const tick = () => {
        handle.ev = s.after(ms, proc, tick);
        fn();
      };
      handle.ev = s.after(ms, proc, tick);
      return handle as TimerHandle;
    },
    clearInterval: (h) => s.cancel((h as { ev: SimEvent | null }).ev),
  };
}
