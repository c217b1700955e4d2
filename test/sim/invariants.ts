// The promises checked at every step of a simulation: one acknowledging primary, no lost commit, no unproven wipe, bounded failover, no needless one.
import type { DesiredState } from '../../common/cluster-keys.js';
import { desiredStateSchema } from '../../common/cluster-keys.js';
import { settingsOf } from './faults.js';
import { RECORD_BYTES, type DataDir } from './sim-postgres.js';
import type { World } from './world.js';

export type ViolationKind =
  | 'split-brain'
  | 'lease-slack'
  | 'lost-acknowledged-commit'
  | 'lost-beyond-lag-limit'
  | 'wipe-without-proof'
  | 'failover-too-slow'
  | 'failover-while-healthy'
  | 'needless-rejoin'
  | 'two-without-data'
  | 'no-convergence';

export interface Violation {
  kind: ViolationKind;
  at: number;
  message: string;
}

/**
 * The stated failover bound: writes are acknowledged again this soon after they stopped, not counting time in which
 * no failover was possible (etcd without quorum, leader or speed; no healthy replica that may be promoted; a pause;
 * a planned restart or a start of the primary within --failover-timeout). 5 s plus the lease TTL (6 s at ttl 1 s):
 * a dead primary is only noticed once its lease expires.
 */
export const failoverBoundMs = (ttlMs: number): number => 5_000 + ttlMs;
/**
 * A primary that can acknowledge commits always has this much of its lease left at etcd (when etcd can expire leases):
 * its member key, bound to that lease, is what keeps every other node from promoting. Half of the fence margin: the
 * rest goes to the fence timer's period (50 ms) and to an immediate stop.
 */
export const minLeaseSlackMs = (fenceMarginMs: number): number => fenceMarginMs / 2;
/** After the leader fails over from a primary that is starting, the start is given up and the promotion done within this. */
const START_GIVEN_UP_MS = 2_000;
/** A failover within this long after the old primary was last unhealthy is explained by it. */
const UNHEALTHY_EXPLAINS_MS = (failoverTimeout: number) => failoverTimeout + 3_000;
/** Writes between a replica's last lag report and the failover (≈ 2.5 s of client writes). */
const LAG_SLACK_RECORDS = 64;

/** How close a run came to each edge; a run logs these so drift shows before a seed flips. */
export interface Margins {
  /** Smallest lease time left at etcd of a primary that could acknowledge (ms; Infinity when never measured). */
  worstSlackMs: number;
  /** Longest time between the last commit one primary acknowledged and the first the next one did. */
  handoverGapMs: number;
  /** Longest time without any acknowledged commit after the first one. */
  longestOutageMs: number;
}

export class Invariants {
  readonly violations: Violation[] = [];
  readonly margins: Margins = { worstSlackMs: Infinity, handoverGapMs: 0, longestOutageMs: 0 };
  private lastUnhealthy = new Map<string, number>();
  private lastWritable = new Map<string, number>();
  private prevPrimary: string | null = null;
  /** Per node: how many acknowledged commits have been verified present while it served (reset on restart). */
  private verified = new Map<string, { pid: number; upTo: number }>();
  private everAcked = false;
  private lastWriter: string | null = null;
  private noWriteSince: number | null = null;
  /** The last instant, during the current outage, at which no failover was possible. */
  private excusedAt = -Infinity;
  private outageReported = false;
  private lastAck: { node: string; at: number } | null = null;
  /** Every member has had a data directory (the first base backups are done). */
  private allHadData = false;
  /** The last primary's WAL length when writes stopped (lag of candidates is measured against it). */
  private culpritLsn = 0;

  constructor(private readonly w: World) {}

  private add(kind: ViolationKind, message: string): void {
    // One report per kind is enough to fail a schedule; later ones would only repeat it.
    if (this.violations.some((v) => v.kind === kind)) return;
    this.violations.push({ kind, at: this.w.s.now, message });
    this.w.log(`VIOLATION ${kind}: ${message}`);
  }

  /** Healthy as a primary: its daemon runs, postgres serves writes, and it reaches a healthy etcd. */
  private healthyPrimary(n: string): boolean {
    const pg = this.w.pgs.get(n)!;
    return this.w.daemonUp(n) && pg.writable() && this.w.net.reachable(n, 'etcd') && this.w.etcdHealthy();
  }

  step(): void {
    const w = this.w;
    const now = w.s.now;
    for (const n of w.nodes) {
      if (!this.healthyPrimary(n)) this.lastUnhealthy.set(n, now);
      if (w.pgs.get(n)!.writable()) this.lastWritable.set(n, now);
    }

    const acking = w.nodes.filter((n) => w.pgs.get(n)!.canAck());
    if (acking.length > 1) this.add('split-brain', `${acking.join(' and ')} are both writable primaries that can acknowledge commits`);
    for (const n of acking) this.checkSlack(n);
    const without = w.nodes.filter((n) => w.pgs.get(n)!.data === null);
    if (without.length === 0) this.allHadData = true;
    // The re-clone lock: no two members are ever without data at once (the cluster could lose its last copy).
    if (this.allHadData && without.length > 1) this.add('two-without-data', `${without.join(' and ')} have no data directory at the same time`);

    if (w.schedule.sync) this.checkAckedPresent();

    if (acking.length > 0) {
      this.lastWriter = acking[0]!;
      if (this.noWriteSince !== null) this.margins.longestOutageMs = Math.max(this.margins.longestOutageMs, now - this.noWriteSince);
      this.noWriteSince = null;
      this.excusedAt = -Infinity;
      this.outageReported = false;
      return;
    }
    if (!this.everAcked || this.lastWriter === null) return;
    if (this.noWriteSince === null) {
      this.noWriteSince = now;
      this.culpritLsn = w.pgs.get(this.lastWriter)!.data?.wal.length ?? 0;
    }
    if (!this.failoverPossible(this.lastWriter)) this.excusedAt = now;
    const counted = now - Math.max(this.noWriteSince, this.excusedAt);
    const bound = failoverBoundMs(settingsOf(w.schedule).ttl);
    if (!this.outageReported && counted > bound) {
      this.outageReported = true;
      const excused = this.excusedAt > this.noWriteSince ? `, ${Math.round(this.excusedAt - this.noWriteSince)}ms of it while no failover was possible` : '';
      this.add('failover-too-slow', `no commit acknowledged for ${Math.round(now - this.noWriteSince)}ms since ${this.lastWriter}'s last${excused} (bound ${bound}ms from when writes stopped or a failover became possible)`);
    }
  }

  /** The lease that keeps others from promoting past `n` (its member key's) has at least MIN_LEASE_SLACK_MS left at etcd. */
  private checkSlack(n: string): void {
    const w = this.w;
    // Without quorum or a leader etcd expires nothing, and a new leader extends every lease by its TTL.
    if (!w.etcd.available()) return;
    const kv = w.etcd.get(w.keys.member(n));
    const expiry = kv && kv.lease !== '0' ? w.etcd.leaseExpiry(kv.lease) : null;
    const slack = expiry === null ? -Infinity : expiry - w.s.now;
    if (slack < this.margins.worstSlackMs) this.margins.worstSlackMs = slack;
    const min = minLeaseSlackMs(settingsOf(w.schedule).fenceMargin);
    if (slack < min)
      this.add('lease-slack', kv ? `${n} can acknowledge commits with ${slack === -Infinity ? 'no lease' : `${Math.round(slack)}ms of its lease`} left at etcd (at least ${min}ms required)` : `${n} can acknowledge commits without a member key in etcd`);
  }

  /**
   * A failover is possible when etcd is healthy, the cluster is not paused, every replica that is up (daemon running,
   * postgres a running standby, reaching etcd) reaches the client (the leader may choose any of them), and one of
   * them may be promoted without loss: in sync mode a synchronous standby holding every acknowledged commit, in async
   * mode one lagging well under the limit.
   */
  private failoverPossible(culprit: string): boolean {
    const w = this.w;
    if (!w.etcdHealthy() || w.etcd.get(w.keys.maintenance)) return false;
    // A primary whose start is making progress (not frozen) is given --failover-timeout by the leader, as any restart
    // is; the start is then given up within a second and a half (docs/pgdaemon.md, "A start as primary").
    const starting = w.pgs.get(culprit)!.server;
    if (starting && starting.state === 'starting' && !starting.frozen && w.s.now - starting.startedAt < w.failoverTimeoutMs() + START_GIVEN_UP_MS) return false;
    // An operator's restart of the primary is planned: the leader waits --failover-timeout for it, as for a start.
    const restarting = w.restartingSince(culprit);
    if (restarting !== null && w.s.now - restarting < w.failoverTimeoutMs() + START_GIVEN_UP_MS) return false;
    const desired = w.desired();
    if (!desired) return false;
    const up = w.nodes.filter((n) => {
      if (n === culprit) return false;
      const sv = w.pgs.get(n)!.server;
      return w.daemonUp(n) && !!sv && sv.state === 'running' && !sv.frozen && sv.inRecovery && w.net.reachable(n, 'etcd');
    });
    if (up.some((n) => !w.net.reachable(n, 'client'))) return false;
    return up.some((n) => {
      const d = w.pgs.get(n)!.data!;
      if (w.schedule.sync) return desired.syncStandbys.includes(n) && w.acked.every((a) => d.wal[a.pos] === a.id);
      return (this.culpritLsn - d.wal.length) * RECORD_BYTES <= w.maxLagBytes() / 2;
    });
  }

  private checkAckedPresent(): void {
    const w = this.w;
    for (const n of w.nodes) {
      const pg = w.pgs.get(n)!;
      // Only a node that can acknowledge loses anything for a client; a writable one that cannot is checked once it can.
      if (!pg.canAck()) continue;
      const pid = pg.server!.pid;
      let v = this.verified.get(n);
      if (!v || v.pid !== pid) v = { pid, upTo: 0 };
      const wal = pg.data!.wal;
      for (; v.upTo < w.acked.length; v.upTo++) {
        const a = w.acked[v.upTo]!;
        // An operator may force a failover to any running replica, even in sync mode (docs/pgdaemon.md): what the old
        // primary acknowledged before that request may be lost on purpose.
        if (wal[a.pos] !== a.id && a.at < w.forcedFailoverAskedAt()) continue;
        if (wal[a.pos] !== a.id) {
          this.add('lost-acknowledged-commit', `commit #${a.id} acknowledged by ${a.node} at ${(a.at / 1000).toFixed(3)}s is missing on ${n}, which now serves as primary (sync mode)`);
          break;
        }
      }
      this.verified.set(n, v);
    }
  }

  onAck(node: string): void {
    const now = this.w.s.now;
    if (this.lastAck && this.lastAck.node !== node) this.margins.handoverGapMs = Math.max(this.margins.handoverGapMs, now - this.lastAck.at);
    this.lastAck = { node, at: now };
    this.everAcked = true;
  }

  /** A desired state was written: a change of primary must be explained by the old primary's recent ill health. */
  onDesired(json: string): void {
    const r = desiredStateSchema.safeParse(JSON.parse(json));
    if (!r.success) return;
    const d: DesiredState = r.data;
    const prev = this.prevPrimary;
    this.prevPrimary = d.primary;
    if (prev === null || prev === d.primary) return;
    this.w.failovers++;
    const w = this.w;
    const last = this.lastUnhealthy.get(prev) ?? w.s.now;
    const window = UNHEALTHY_EXPLAINS_MS(w.failoverTimeoutMs());
    // A switchover, or a failover an operator forced, moves a healthy primary on purpose.
    const requested = /requested by an operator/.test(d.reason) && w.takeRoleChangeRequest();
    if (!requested && w.s.now - last > window)
      this.add('failover-while-healthy', `primary moved from ${prev} to ${d.primary} (${d.reason}) although ${prev} was healthy and etcd had quorum for the last ${Math.round(w.s.now - last)}ms`);
    // Async: what the new primary lacks of the acknowledged commits must stay within the configured lag limit.
    if (!w.schedule.sync) {
      const target = w.pgs.get(d.primary)!.data;
      const missing = target ? w.acked.filter((a) => target.wal[a.pos] !== a.id && a.node === prev).length : 0;
      const limit = w.maxLagBytes();
      if (missing > limit / RECORD_BYTES + LAG_SLACK_RECORDS)
        this.add('lost-beyond-lag-limit', `failover to ${d.primary} (${d.reason}) loses ${missing} acknowledged commits (${missing * RECORD_BYTES} B), more than the limit of ${limit} B`);
    }
  }

  /** Data is removed only when pg_rewind proved the divergence unrepairable (or the system identifier differs). */
  onRemoveData(node: string, data: DataDir, how: string): void {
    if (this.w.reinitRequested(node)) {
      this.w.log(`  sim: ${node} removes its data directory (${how}) on an operator's reinit`);
      return;
    }
    const cluster = this.w.etcd.get(this.w.keys.initialized)?.value ?? null;
    if (data.provenDiverged || (cluster !== null && data.systemId !== cluster)) {
      this.w.log(`  sim: ${node} removes its data directory (${how}); divergence was proven`);
      return;
    }
    const primary = this.w.desired()?.primary;
    const src = primary ? this.w.pgs.get(primary)?.data : undefined;
    const diverged = src ? !(data.wal.length <= src.wal.length && data.wal[data.wal.length - 1] === src.wal[data.wal.length - 1]) : null;
    this.add('wipe-without-proof', `${node} removed its data directory (${how}) without proof of divergence (its WAL ${diverged === null ? 'cannot be compared' : diverged ? 'has diverged from' : 'is a prefix of'} the primary's)`);
  }

  /** A running standby is stopped by its daemon to rejoin: only after the primary has served for --rewind-after. */
  onStandbyStop(node: string): void {
    const w = this.w;
    if (w.stopOrdered(node)) return;
    const primary = w.desired()?.primary;
    if (!primary || primary === node) return;
    const since = w.pgs.get(primary)!.server?.servingSince ?? null;
    const rewindAfter = w.opts(node).rewindAfter;
    // 1.5 s of slack: the daemon sees the primary through its member key, published up to a second late.
    if (since !== null && w.s.now - since < rewindAfter - 1500)
      this.add('needless-rejoin', `${node} stopped its standby to rejoin although primary ${primary} has been serving for only ${Math.round(w.s.now - since)}ms (rewind-after ${rewindAfter}ms)`);
    const served = this.lastWritable.get(primary) ?? -Infinity;
    if (since === null && w.s.now - served > 1500)
      this.add('needless-rejoin', `${node} stopped its standby to rejoin although primary ${primary} has not been serving for ${served === -Infinity ? 'ever' : `${Math.round(w.s.now - served)}ms`} (nothing to rejoin)`);
  }

  /** After every fault was lifted for the settle period: one primary, every other node streaming from it. */
  final(): void {
    const w = this.w;
    const writers = w.nodes.filter((n) => w.pgs.get(n)!.writable());
    const problems: string[] = [];
    if (writers.length !== 1) problems.push(`${writers.length} writable primaries`);
    for (const n of w.nodes) {
      const sv = w.pgs.get(n)!.server;
      if (writers.includes(n)) continue;
      if (!sv) problems.push(`${n}: postgres not running`);
      else if (!sv.inRecovery) problems.push(`${n}: not a standby`);
      else if (sv.streamingFrom !== writers[0]) problems.push(`${n}: not streaming from ${writers[0] ?? 'a primary'}`);
    }
    if (problems.length) this.add('no-convergence', `${Math.round((w.s.now - w.schedule.healAt) / 1000)}s after every fault was lifted: ${problems.join('; ')}`);
  }
}
