// Stops a primary whose lease could not be confirmed in time: the daemon's own timer, and the watchdog process it feeds.
import type { Clock, TimerHandle } from './clock.js';
import type { Watchdog } from './daemon-deps.js';
import type { LogFn } from './daemon-log.js';
import type { LeaseKeeper } from './lease-keeper.js';
import type { LocalPg } from './decide-node.js';
import type { PgControl } from './local-postgres.js';

/** What a replica's watchdog is fed: only the daemon's death stops a replica. */
export const REPLICA_BUDGET_MS = 86_400_000;
/** How often the daemon's own fence timer looks at the lease deadline. */
export const FENCE_TIMER_MS = 50;

export interface FenceHooks {
  self: string;
  clock: Clock;
  log: LogFn;
  /** PostgreSQL runs and is not known to be a replica (a server that does not answer may still be a primary). */
  servingAsPrimary: () => boolean;
  /** The fence stopped PostgreSQL (the daemon's memory and observation must say so). */
  stopped: () => void;
  /** Run a cycle now. */
  wake: () => void;
  /** Period of the daemon's fence timer; null runs without it (the simulation's per-layer runs). */
  timerMs: number | null;
}

/**
 * Two layers, each enough on its own for its faults: the timer stops PostgreSQL while the daemon runs (a cycle may be
 * waiting on etcd meanwhile), the watchdog process when the daemon is frozen, starved or dead. A stop by either is a
 * fence, not a crash: the cycle asks `stoppedByFence` before it reports one.
 */
export class Fence {
  private timer: TimerHandle | null = null;
  private fencing = false;
  private lapsesSeen = 0;
  /**
   * Armed for a server about to become primary (start, promotion, bootstrap) and not yet observed since: it may take
   * writes any moment, so it is fenced like a primary (a start as primary can take long, and the daemon may freeze
   * meanwhile; a replica's one-day budget would then leave a primary nothing fences).
   */
  private becomingPrimary = false;

  constructor(
    private readonly lease: LeaseKeeper,
    private readonly watchdog: Watchdog,
    private readonly ctl: PgControl,
    private readonly hooks: FenceHooks,
  ) {}

  start(): void {
    if (this.hooks.timerMs !== null) this.timer = this.hooks.clock.setInterval(() => void this.check(), this.hooks.timerMs);
  }

  stop(): void {
    if (this.timer) this.hooks.clock.clearInterval(this.timer);
  }

  private mayBePrimary(): boolean {
    return this.becomingPrimary || this.hooks.servingAsPrimary();
  }

  /** The budget a watchdog gets now: a primary's until its lease deadline, a replica's a day. */
  private budget(): number {
    return this.mayBePrimary() ? this.lease.remainingMs() : REPLICA_BUDGET_MS;
  }

  /** The cycle observed PostgreSQL: from now on the observation says whether it may be a primary. */
  observed(_local: LocalPg): void {
    this.becomingPrimary = false;
  }

  /** After every confirmed renewal. */
  feed(): void {
    this.watchdog.feed(this.budget());
  }

  /** Before a server can take a write (start as primary, promotion, bootstrap): armed with the lease's budget. */
  armForPrimary(): void {
    this.becomingPrimary = true;
    this.watchdog.arm(this.lease.remainingMs());
  }

  /** A promotion finished: from now on the server is a primary. */
  feedAsPrimary(): void {
    this.watchdog.feed(this.lease.remainingMs());
  }

  /** A server was started: a primary's watchdog gets the lease budget, a replica's a day. */
  armAfterStart(asPrimary: boolean): void {
    this.watchdog.arm(asPrimary ? this.lease.remainingMs() : REPLICA_BUDGET_MS);
  }

  /** PostgreSQL was stopped on purpose: a clean stop must not be turned into an immediate one. */
  disarm(): void {
    this.becomingPrimary = false;
    this.watchdog.disarm();
  }

  /** A server the daemon did not start (it restarted while the server ran) gets a watchdog too. */
  guard(running: boolean): void {
    if (running && !this.watchdog.armed() && !this.fencing) this.watchdog.arm(this.budget());
  }

  /**
   * Whether a stop of PostgreSQL since the last cycle may have been a fence: the watchdog fired, the lease lapsed (it
   * may be valid again by now, etcd having answered late) or is not confirmed. Reported as a crash it would make the
   * leader fail over at once and lose the unshipped commits, where a restart in place loses none.
   */
  stoppedByFence(): boolean {
    const lapses = this.lease.lapses();
    const fenced = this.watchdog.takeFired() || lapses !== this.lapsesSeen || !this.lease.valid();
    this.lapsesSeen = lapses;
    return fenced;
  }

  /** The timer: stop a primary whose lease deadline passed. */
  private async check(): Promise<void> {
    if (this.fencing || !this.mayBePrimary() || this.lease.valid()) return;
    this.fencing = true;
    this.hooks.log('fence', `fencing: I am ${this.hooks.self}, a primary whose lease could not be confirmed in time; stopping postgres now`);
    try {
      await this.ctl.stop('immediate');
      this.watchdog.disarm();
      this.hooks.stopped();
    } catch (err) {
      this.hooks.log('fence', `fencing failed: ${(err as Error).message}`);
    } finally {
      this.fencing = false;
      this.hooks.wake();
    }
  }
}
