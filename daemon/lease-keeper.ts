// Keeps this daemon's etcd lease alive and knows, on a monotonic clock, until when it may act as primary.
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import type { Dcs } from './dcs.js';

export interface LeaseStatus {
  leaseId: string | null;
  /** Monotonic ms until which writes are safe: last confirmed renewal (send time) + TTL − margin. */
  deadline: number;
}

/**
 * etcd starts a lease's TTL when it receives our keepalive, which is after we sent it, so
 * "send time of the last answered keepalive + TTL" is a lower bound of the expiry. Stopping writes
 * `marginMs` before that bound means no other node can be promoted while we still accept writes:
 * promotion waits for our member key to disappear, which needs the lease to expire. etcd may extend
 * leases (e.g. on its own leader change); that only delays a failover, it never shortens our bound.
 */
export class LeaseKeeper {
  private leaseId: string | null = null;
  private confirmedAt = -Infinity;
  private ttlMs: number;
  private timer: TimerHandle | null = null;
  private inFlight = false;
  private stopped = false;
  private readonly clock: Clock;

  constructor(
    private readonly dcs: Dcs,
    private readonly opts: { ttlMs: number; marginMs: number; log: (line: string) => void; onChange: () => void; onRenewed: () => void; clock?: Clock },
  ) {
    this.clock = opts.clock ?? systemClock;
    this.ttlMs = Math.ceil(opts.ttlMs / 1000) * 1000;
  }

  status(): LeaseStatus {
    return { leaseId: this.leaseId, deadline: this.confirmedAt + this.ttlMs - this.opts.marginMs };
  }

  valid(now = this.clock.now()): boolean {
    return this.leaseId !== null && now < this.status().deadline;
  }

  start(): void {
    void this.tick();
  }

  private schedule(): void {
    if (this.stopped) return;
    // Five chances to renew before the deadline with a 1 s TTL: a couple of slow answers do not fence.
    this.timer = this.clock.setTimeout(() => void this.tick(), Math.max(50, this.ttlMs / 5));
  }

  /**
   * Keepalives get a deadline of TTL/4: one stuck on a dead etcd member must not eat the fencing
   * budget; the next one, TTL/5 later, goes to another member (the client shuffles hosts and skips
   * failing ones for a second).
   */
  private async tick(): Promise<void> {
    if (this.inFlight || this.stopped) return this.schedule();
    this.inFlight = true;
    const sentAt = this.clock.now();
    const wasValid = this.valid(sentAt);
    try {
      if (this.leaseId === null) {
        const granted = await this.dcs.grantLease(this.ttlMs / 1000);
        // Trust the smaller of asked and granted TTL: etcd may round a short TTL up, never down.
        this.ttlMs = Math.min(this.ttlMs, granted.ttlSeconds * 1000);
        this.leaseId = granted.id;
        this.confirmedAt = sentAt;
        this.opts.log(`lease ${granted.id} granted (ttl ${granted.ttlSeconds}s)`);
        this.opts.onRenewed();
        this.opts.onChange();
      } else if (await this.dcs.keepAlive(this.leaseId, Math.max(100, this.ttlMs / 4))) {
        this.confirmedAt = sentAt;
        this.opts.onRenewed();
        if (!wasValid) this.opts.onChange();
      } else {
        this.opts.log(`lease ${this.leaseId} expired in etcd; asking for a new one`);
        this.leaseId = null;
        this.confirmedAt = -Infinity;
        this.opts.onChange();
      }
    } catch {
      // Unknown outcome: keep the old confirmation; the deadline decides.
    } finally {
      this.inFlight = false;
    }
    if (wasValid !== this.valid()) this.opts.onChange();
    this.schedule();
  }

  /** Milliseconds from now until the deadline (negative when passed). */
  remainingMs(now = this.clock.now()): number {
    return this.leaseId === null ? -1 : this.status().deadline - now;
  }

  async stop(revoke: boolean): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    const id = this.leaseId;
    this.leaseId = null;
    if (revoke && id) await this.dcs.revokeLease(id).catch(() => undefined);
  }
}
