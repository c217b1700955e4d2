// The one polling loop: waits until a check passes, and when it gives up says what it waited for and the last
// thing it saw (Patroni's polling_loop, with the reason kept).
import { setTimeout as sleep } from 'node:timers/promises';

const NOT_YET: unique symbol = Symbol('not yet');

/** What a check returns while the condition does not hold yet: why not, in a few words. */
export interface NotYet {
  readonly [NOT_YET]: true;
  readonly reason: string;
}

export function notYet(reason: string): NotYet {
  return { [NOT_YET]: true, reason };
}

function isNotYet(v: unknown): v is NotYet {
  return typeof v === 'object' && v !== null && NOT_YET in v;
}

export interface WaitOptions {
  /** Give up after this long; Infinity waits for ever (only with a signal that can end it). */
  timeoutMs: number;
  /** Pause between checks (default 100 ms). */
  intervalMs?: number;
  signal?: AbortSignal;
  /** A check that throws is one more "not yet" (its message becomes the reason) instead of ending the wait. */
  retryErrors?: boolean;
  /** Called when the reason changes, e.g. to show progress. */
  onReason?: (reason: string) => void;
  /** The clock (default performance.now: monotonic, a wall-clock step does not end a wait). */
  now?: () => number;
}

export class WaitTimeout extends Error {
  override readonly name = 'WaitTimeout';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly lastReason: string | null,
  ) {
    super(`timed out after ${formatMs(timeoutMs)} waiting for ${what}${lastReason ? ` (last seen: ${lastReason})` : ''}`);
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * Calls `check` until it returns something other than `notYet(…)` (or a falsy value, read as "not yet"), and
 * returns that. Throws WaitTimeout naming `what` and the last reason, or the signal's reason when aborted.
 */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | NotYet | null | undefined | false> | T | NotYet | null | undefined | false,
  opts: WaitOptions,
): Promise<T> {
  const now = opts.now ?? (() => performance.now());
  const interval = opts.intervalMs ?? 100;
  const deadline = now() + opts.timeoutMs;
  let last: string | null = null;
  const note = (reason: string) => {
    if (reason !== last) opts.onReason?.(reason);
    last = reason;
  };
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const v = await check();
      if (isNotYet(v)) note(v.reason);
      else if (v !== null && v !== undefined && v !== false) return v;
    } catch (err) {
      if (!opts.retryErrors) throw err;
      note(err instanceof Error ? err.message : String(err));
    }
    const left = deadline - now();
    if (left <= 0) throw new WaitTimeout(what, opts.timeoutMs, last);
    await sleep(Math.min(interval, left), undefined, opts.signal ? { signal: opts.signal } : undefined);
  }
}
