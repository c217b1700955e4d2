// The leader's part of a cycle: campaign for the free leader key, then decide (pure) and write the desired state by CAS.
import type { Clock } from './clock.js';
import type { ClusterView, Dcs } from './dcs.js';
import type { LogFn } from './daemon-log.js';
import { decideLeader, initialLeaderMemory, type LeaderAction, type LeaderMemory } from './decide-leader.js';
import type { LeaseKeeper } from './lease-keeper.js';
import type { ClusterViewSource } from './view-source.js';

export interface LeaderHooks {
  self: string;
  clock: Clock;
  log: LogFn;
  /** The cluster's failover timeout (`config set failoverTimeout=…`), else this daemon's own. */
  failoverTimeoutMs: () => number;
}

export class LeaderRole {
  private leader = false;
  private memory: LeaderMemory = initialLeaderMemory;
  private message = '';

  constructor(
    private readonly dcs: Dcs,
    private readonly lease: LeaseKeeper,
    private readonly views: ClusterViewSource,
    private readonly hooks: LeaderHooks,
  ) {}

  get isLeader(): boolean {
    return this.leader;
  }
  /** The leader's last decision, in one sentence. */
  get lastMessage(): string {
    return this.message;
  }
  /** A failover is pending: the leader waits for fresh replica state, so every member publish is news. */
  get failing(): boolean {
    return this.memory.failing !== null;
  }

  /**
   * Gives the leader key up (a node step is about to wait long on PostgreSQL, and the leader's decisions, a failover
   * of this very node included, must not wait with it); another daemon takes it on its next cycle.
   */
  async handOver(why: string): Promise<void> {
    // The key may name us while this cycle did not act as the leader (the lease was confirmed again only after the
    // leader's step): it goes too, or nobody else would lead.
    if (!this.leader && this.views.view?.leader !== this.hooks.self) return;
    this.leader = false;
    this.memory = initialLeaderMemory;
    try {
      await this.dcs.resign(this.hooks.self);
      this.hooks.log('leader', `gave up the leader key: ${why}`);
    } catch (err) {
      this.hooks.log('leader', `giving up the leader key failed (it goes with my lease): ${(err as Error).message}`);
    }
  }

  /**
   * Campaigns when the leader key is free and, as the leader, decides and writes. Returns the view this node's own
   * step should decide on (a read made after the leader's write when it wrote, null when that read failed).
   */
  async step(): Promise<ClusterView | null> {
    let view = this.views.view;
    const leaseId = this.lease.status().leaseId;
    if (!this.views.etcdOk || !view || !this.lease.valid() || !leaseId) {
      this.leader = false;
      return view;
    }
    try {
      // A campaign on a view only the watch fed would be taken on hearsay: read first.
      if (view.leader === null && !this.views.isFresh) view = await this.views.freshBeforeActing();
      if (!view) throw new Error('etcd could not be read before campaigning');
      this.leader = view.leader === this.hooks.self || (view.leader === null && (await this.dcs.campaign(this.hooks.self, leaseId)));
      if (this.leader && view.leader !== this.hooks.self) this.hooks.log('leader', `became the leader`);
    } catch (err) {
      this.leader = false;
      this.hooks.log('leader', `campaign failed: ${(err as Error).message}`, true);
    }
    // We just changed the desired state: the members we read predate it. Deciding this node's part (e.g. promoting
    // ourselves) on them would miss a member that published in between (seen in the simulation).
    if (view && this.leader && (await this.decideAndWrite(view))) return this.views.rereadAfterOwnWrite();
    // The leader may have read etcd in full before acting: this node's step decides on that read too.
    return view && this.views.isFresh ? this.views.view : view;
  }

  /** Runs the leader's decision; true when it wrote a new desired state. */
  private async decideAndWrite(watchFed: ClusterView): Promise<boolean> {
    const decideOn = (view: ClusterView) =>
      decideLeader({
        self: this.hooks.self,
        view,
        nowMs: this.hooks.clock.now(),
        nowIso: this.hooks.clock.wallIso(),
        failoverTimeoutMs: this.hooks.failoverTimeoutMs(),
        memory: this.memory,
      });
    let d = decideOn(watchFed);
    if (d.actions.length && !this.views.isFresh) {
      // A desired-state CAS (or a dropped request) is decided again on a full read, with the same memory.
      const view = await this.views.freshBeforeActing();
      d = view ? decideOn(view) : { ...d, actions: [], message: 'not acting: etcd could not be read before acting' };
    }
    this.memory = d.memory;
    this.message = d.message;
    this.hooks.log('leader-decision', d.message, true);
    let wrote = false;
    for (const a of d.actions) wrote = (await this.act(a)) || wrote;
    return wrote;
  }

  private async act(a: LeaderAction): Promise<boolean> {
    try {
      if (a.kind === 'write-desired') {
        // Deciding took time: only write while our lease still certainly holds.
        if (!this.lease.valid()) return false;
        const ok = await this.dcs.casDesired(a.expectRevision, a.next, this.hooks.self, { history: a.history, consumeRequest: a.consumeRequest, ...(a.memberUnchanged ? { memberUnchanged: a.memberUnchanged } : {}) });
        this.hooks.log('leader', ok ? `desired state generation ${a.next.generation}: primary ${a.next.primary} (${a.next.reason})` : 'desired state changed under me (CAS lost); deciding again next cycle');
        if (ok) this.views.wroteDesired(a.next);
        return ok;
      }
      this.hooks.log('leader', a.reason);
      await this.dropRequest(a.reason);
      return false;
    } catch (err) {
      this.hooks.log('leader', `leader action ${a.kind} failed: ${(err as Error).message}`);
      return false;
    }
  }

  private async dropRequest(reason: string): Promise<void> {
    const d = this.views.view?.desired;
    const request = this.views.view?.request;
    if (!d || !request) return;
    // Rewriting the same desired value deletes the request atomically, under the same leader and revision checks.
    await this.dcs.casDesired(d.modRevision, d.value, this.hooks.self, { consumeRequest: true, refusal: { request, reason, at: this.hooks.clock.wallIso() } });
  }
}
