// Time as the daemon sees it (monotonic clock, wall clock, timers), behind an interface so a simulation can run the real cycle.
import { performance } from 'node:perf_hooks';

/** Opaque timer handle: NodeJS.Timeout in production, the simulator's own object in tests. */
export type TimerHandle = object;

export interface Clock {
  /** Monotonic milliseconds: every duration and deadline is measured on this. */
  now(): number;
  /** Wall clock, ISO 8601; only written into records humans read (it may step). */
  wallIso(): string;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  wallIso: () => new Date().toISOString(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
