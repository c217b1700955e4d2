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
  private inFlight = 0;
  private granting = false;
  private expectedAt: number | null = null;
  private slowCount = 0;
  private slowLoggedAt = -Infinity;
  private stopped = false;
  private lapseCount = 0;
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
    this.tick();
  }

  private schedule(): void {
    if (this.stopped) return;
    // Five chances to renew before the deadline with a 1 s TTL: a couple of slow answers do not fence.
    const interval = Math.max(50, this.ttlMs / 5);
    this.expectedAt = this.clock.now() + interval;
    this.timer = this.clock.setTimeout(() => this.tick(), interval);
  }

  /**
   * A keepalive goes out every TTL/5 whether or not the previous one answered: an etcd that takes 300 ms per
   * answer (fsync stalls under a bulk load) still confirms the lease every 200 ms, 300 ms late, instead of every
   * answer timing out in turn and the lease lapsing. Each answer confirms the time it was sent; an answer can
   * only move the confirmation forward.
   */
  private tick(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const late = this.expectedAt === null ? 0 : now - this.expectedAt;
    if (late > 150) this.slow(`renewal timer fired ${Math.round(late)}ms late (the daemon's event loop was busy or starved)`);
    this.schedule();
    if (this.leaseId === null) {
      if (!this.granting) void this.grant(now);
    } else if (this.inFlight < 4) {
      void this.renew(this.leaseId, now);
    }
  }

  private async grant(sentAt: number): Promise<void> {
    this.granting = true;
    try {
      const granted = await this.dcs.grantLease(this.ttlMs / 1000);
      // Trust the smaller of asked and granted TTL: etcd may round a short TTL up, never down.
      this.ttlMs = Math.min(this.ttlMs, granted.ttlSeconds * 1000);
      this.leaseId = granted.id;
      this.confirmedAt = sentAt;
      this.opts.log(`lease ${granted.id} granted (ttl ${granted.ttlSeconds}s)`);
      this.opts.onRenewed();
      this.opts.onChange();
    } catch {
      // no lease yet; the next tick asks again
    } finally {
      this.granting = false;
    }
  }

  private async renew(id: string, sentAt: number): Promise<void> {
    this.inFlight++;
    const wasValid = this.valid(sentAt);
    try {
      // Its answer confirms `sentAt`, which keeps the lease valid until sentAt + TTL − margin: worth waiting for that long.
      const alive = await this.dcs.keepAlive(id, this.ttlMs - this.opts.marginMs);
      const took = this.clock.now() - sentAt;
      if (took > this.ttlMs / 4) this.slow(`keepalive answered after ${Math.round(took)}ms (etcd slow, or this daemon starved)`);
      if (id !== this.leaseId) return; // a newer lease replaced it meanwhile
      if (alive) {
        // An answer that comes after the deadline passed closes a lapse: count it, even though the lease is
        // valid again now (the fence acted meanwhile, and its stop must not be taken for a crash).
        if (this.clock.now() >= this.status().deadline) this.lapseCount++;
        if (sentAt > this.confirmedAt) this.confirmedAt = sentAt;
        this.opts.onRenewed();
      } else {
        this.opts.log(`lease ${id} expired in etcd; asking for a new one`);
        this.lapseCount++;
        this.leaseId = null;
        this.confirmedAt = -Infinity;
      }
    } catch {
      // Unknown outcome: keep the old confirmation; the deadline decides.
    } finally {
      this.inFlight--;
    }
    if (wasValid !== this.valid()) this.opts.onChange();
  }

  /** Slow renewals are where a lease is lost under load: say so, at most once per 5 s with a count. */
  private slow(what: string): void {
    const now = this.clock.now();
    this.slowCount++;
    if (now - this.slowLoggedAt < 5000) return;
    this.opts.log(`lease renewal slow: ${what}${this.slowCount > 1 ? ` (${this.slowCount} slow events since the last report)` : ''}; ${Math.round(this.remainingMs(now))}ms of lease left`);
    this.slowLoggedAt = now;
    this.slowCount = 0;
  }

  /** How many times the lease lapsed (deadline passed before a renewal confirmed it again) since the start. */
  lapses(): number {
    return this.lapseCount;
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
