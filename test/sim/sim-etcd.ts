// An in-memory etcd: revisions, leases expiring on the simulated clock, watch, leader elections and quorum loss.
import type { Scheduler } from './scheduler.js';

export interface SimKv {
  value: string;
  modRevision: number;
  createRevision: number;
  /** "0" when the key has no lease. */
  lease: string;
}

interface SimLease {
  ttlMs: number;
  expiresAt: number;
}

/** One change with its revision (a delete's is the delete's) and lease, as etcd's watch delivers it. */
export type WatchFn = (key: string, value: string | null, modRevision: number, lease: string) => void;

/** etcd's lessor checks for expired leases on this period (lease.go: expiredLeaseRetryInterval / checkpoint loop). */
const EXPIRY_CHECK_MS = 500;

export class SimEtcd {
  revision = 1;
  readonly kvs = new Map<string, SimKv>();
  private leases = new Map<string, SimLease>();
  private nextLease = 0x1000;
  private electingUntil = -1;
  private quorumLost = 0;
  /** Extra one-way latency while etcd's disk or network is slow. */
  slowMs = 0;
  private watchers = new Set<WatchFn>();
  /** The last parsed cluster view and the revision it was parsed at (see SimDcs.read). */
  viewCache: { revision: number; view: unknown } | null = null;
  /** Called on every put of a key (after it is applied), for the invariant checks. */
  onPut: (key: string, value: string) => void = () => undefined;

  constructor(private readonly s: Scheduler) {
    const check = () => {
      this.expire();
      s.after(EXPIRY_CHECK_MS, null, check);
    };
    s.after(EXPIRY_CHECK_MS, null, check);
  }

  /** A request is served only with a leader and a quorum. */
  available(): boolean {
    return this.quorumLost === 0 && this.s.now >= this.electingUntil;
  }

  /** The etcd leader is lost: no request is served for `ms`; the new leader extends every lease by its TTL (etcd does). */
  elect(ms: number): void {
    this.electingUntil = Math.max(this.electingUntil, this.s.now + ms);
    this.s.after(ms, null, () => this.refreshLeases());
  }

  loseQuorum(): void {
    this.quorumLost++;
  }

  regainQuorum(): void {
    this.quorumLost = Math.max(0, this.quorumLost - 1);
    if (this.quorumLost === 0) this.refreshLeases();
  }

  /** Quorum and leader back at once (the end of a schedule's faults). */
  restore(): void {
    const wasDown = !this.available();
    this.quorumLost = 0;
    this.electingUntil = -1;
    if (wasDown) this.refreshLeases();
  }

  private refreshLeases(): void {
    if (!this.available()) return;
    for (const l of this.leases.values()) l.expiresAt = Math.max(l.expiresAt, this.s.now + l.ttlMs);
  }

  private expire(): void {
    if (!this.available()) return;
    for (const [id, l] of [...this.leases]) if (l.expiresAt <= this.s.now) this.revoke(id);
  }

  watch(fn: WatchFn): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  private emit(key: string, value: string | null, modRevision: number, lease: string): void {
    for (const w of this.watchers) w(key, value, modRevision, lease);
  }

  grant(ttlSeconds: number): { id: string; ttlSeconds: number } {
    const id = (this.nextLease++).toString(16);
    this.leases.set(id, { ttlMs: ttlSeconds * 1000, expiresAt: this.s.now + ttlSeconds * 1000 });
    return { id, ttlSeconds };
  }

  keepAlive(id: string): boolean {
    const l = this.leases.get(id);
    if (!l) return false;
    l.expiresAt = this.s.now + l.ttlMs;
    return true;
  }

  leaseAlive(id: string): boolean {
    return id === '0' || this.leases.has(id);
  }

  revoke(id: string): void {
    if (!this.leases.delete(id)) return;
    for (const [k, kv] of [...this.kvs]) if (kv.lease === id) this.del(k);
  }

  get(key: string): SimKv | undefined {
    return this.kvs.get(key);
  }

  range(prefix: string): Array<{ key: string } & SimKv> {
    const out: Array<{ key: string } & SimKv> = [];
    for (const [key, kv] of this.kvs) if (key.startsWith(prefix)) out.push({ key, ...kv });
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Puts inside one transaction share a revision, as in etcd. */
  put(key: string, value: string, lease = '0', txnRevision?: number): void {
    if (!this.leaseAlive(lease)) throw new Error(`etcdserver: requested lease not found`);
    const rev = txnRevision ?? ++this.revision;
    const old = this.kvs.get(key);
    this.kvs.set(key, { value, modRevision: rev, createRevision: old?.createRevision ?? rev, lease });
    this.onPut(key, value);
    this.emit(key, value, rev, lease);
  }

  del(key: string, txnRevision?: number): void {
    if (!this.kvs.delete(key)) return;
    if (txnRevision === undefined) this.revision++;
    this.emit(key, null, txnRevision ?? this.revision, '0');
  }

  /** Starts a transaction revision: the writes of one txn all get it. */
  txnRevision(): number {
    return ++this.revision;
  }
}
