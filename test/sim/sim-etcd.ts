// An in-memory etcd: revisions, leases expiring on the simulated clock, watch, leader elections and quorum loss.
import type { Scheduler } from './scheduler.js';

export interface SimKv {
  value: string;
  modRevision: number;
  createRevision: number;
  /** Puts since the key was created (etcd's version). */
  version: number;
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

/** A member: serving, down (its port refuses), or hung (it accepts and never answers, as under SIGSTOP). */
export type MemberState = 'up' | 'down' | 'hung';

interface StreamEnd {
  member: number;
  end: (why: string | null) => void;
}

export class SimEtcd {
  revision = 1;
  readonly kvs = new Map<string, SimKv>();
  private leases = new Map<string, SimLease>();
  private nextLease = 7_587_000_000_000_000_000n;
  /** Three members behind one logical store: quorum needs two of them up. */
  readonly members: MemberState[] = ['up', 'up', 'up'];
  private leader = 0;
  private streamEnds = new Set<StreamEnd>();
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
    return this.quorumLost === 0 && this.s.now >= this.electingUntil && this.members.filter((m) => m === 'up').length * 2 > this.members.length;
  }

  memberId(i: number): string {
    return String(10_276_657_743_932_975_437n + BigInt(i));
  }

  memberState(i: number): MemberState {
    return this.members[i] ?? 'down';
  }

  leaderMember(): number {
    return this.leader;
  }

  /** A member stops (down) or freezes (hung); losing the raft leader costs an election of `electionMs`. */
  loseMember(i: number, how: 'down' | 'hung', electionMs: number): void {
    this.members[i] = how;
    if (how === 'down') this.endStreams(i, 'read ECONNRESET');
    if (i === this.leader) {
      const next = this.members.findIndex((m) => m === 'up');
      if (next >= 0) this.leader = next;
      this.elect(electionMs);
    }
  }

  restoreMember(i: number): void {
    const wasDown = !this.available();
    this.members[i] = 'up';
    if (wasDown && this.available()) this.refreshLeases();
  }

  /** Ends every watch stream on `member` (null: all members), as a compaction or a restarting member does. */
  endStreams(member: number | null, why: string | null): void {
    for (const e of [...this.streamEnds]) if (member === null || e.member === member) {
      this.streamEnds.delete(e);
      e.end(why);
    }
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
    for (let i = 0; i < this.members.length; i++) this.members[i] = 'up';
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

  /** `end`, with the member the stream is on, is called when etcd ends the stream (see endStreams). */
  watch(fn: WatchFn, end?: StreamEnd): () => void {
    this.watchers.add(fn);
    if (end) this.streamEnds.add(end);
    return () => {
      this.watchers.delete(fn);
      if (end) this.streamEnds.delete(end);
    };
  }

  private emit(key: string, value: string | null, modRevision: number, lease: string): void {
    for (const w of this.watchers) w(key, value, modRevision, lease);
  }

  grant(ttlSeconds: number): { id: string; ttlSeconds: number } {
    const id = String(this.nextLease++);
    this.leases.set(id, { ttlMs: ttlSeconds * 1000, expiresAt: this.s.now + ttlSeconds * 1000 });
    return { id, ttlSeconds };
  }

  /** Renews a lease; its TTL in seconds, 0 when etcd no longer has it. */
  keepAlive(id: string): number {
    const l = this.leases.get(id);
    if (!l) return 0;
    l.expiresAt = this.s.now + l.ttlMs;
    return l.ttlMs / 1000;
  }

  /** When etcd will revoke this lease at the earliest (its expiry), null when it has no such lease. */
  leaseExpiry(id: string): number | null {
    return this.leases.get(id)?.expiresAt ?? null;
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

  /** Keys in [start, end) in key order (end null: to the end of the key space). */
  between(start: string, end: Buffer | null): Array<[string, SimKv]> {
    const out: Array<[string, SimKv]> = [];
    for (const [key, kv] of this.kvs) if (key >= start && (end === null || Buffer.compare(Buffer.from(key, 'utf8'), end) < 0)) out.push([key, kv]);
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
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
    this.kvs.set(key, { value, modRevision: rev, createRevision: old?.createRevision ?? rev, version: (old?.version ?? 0) + 1, lease });
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
