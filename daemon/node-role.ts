// This node's part of a cycle: decide (pure) what the local PostgreSQL must do, on a fresh read, and carry it out.
import type { MemberState } from '../common/cluster-keys.js';
import type { Clock } from './clock.js';
import type { ClusterView } from './dcs.js';
import type { LogFn } from './daemon-log.js';
import { afterRewindFailure, decideNode, initialNodeMemory, type LocalPg, type NodeAction, type NodeDecision, type NodeMemory } from './decide-node.js';
import type { Fence } from './fence.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { applyNodeAction, RewindFailed, type ActionContext } from './node-actions.js';
import { membersOf, type ClusterViewSource } from './view-source.js';

export interface NodeHooks {
  self: string;
  clock: Clock;
  log: LogFn;
  rewindAfterMs: number;
  failoverTimeoutMs: () => number;
  /** What node actions run with, for the members of the view they were decided on. */
  actionContext: (members: Record<string, MemberState>) => ActionContext;
  /** Builds and publishes the member state (before long actions, and after a demotion's stop). */
  publish: (members: Record<string, MemberState>) => Promise<void>;
  /** Before an action that waits long on PostgreSQL: the leader key goes to another daemon. */
  handOverLeadership: (why: string) => Promise<void>;
  /** A stop was among this step's actions: publish the stopped server at once when it is gone. */
  afterStop: (members: Record<string, MemberState>) => Promise<void>;
}

/**
 * Actions that wait long on PostgreSQL (the cycle with them), so the member state goes out first: the leader must read
 * "busy on purpose" (a rewind, a restart) or "not running" (a start) and not the state the key held before. A start
 * as primary after a fence during an etcd outage found its key still saying "primary, postgres up" (etcd had
 * extended the lease), and while pg_ctl start hung the leader saw a healthy primary (seed 2277).
 */
const PUBLISH_FIRST: ReadonlySet<NodeAction['kind']> = new Set(['basebackup', 'rewind', 'bootstrap', 'restart', 'reinit', 'start']);

export class NodeRole {
  private mem: NodeMemory = initialNodeMemory;
  private message = 'starting';
  /** An operator's restart is running: reported so the leader and `pglab status` know it is planned. */
  private restartingNow = false;
  private answered: MemberState['lastRequest'] = undefined;

  constructor(
    private readonly views: ClusterViewSource,
    private readonly lease: LeaseKeeper,
    private readonly fence: Fence,
    private readonly hooks: NodeHooks,
  ) {}

  get memory(): NodeMemory {
    return this.mem;
  }
  get lastMessage(): string {
    return this.message;
  }
  get restarting(): boolean {
    return this.restartingNow;
  }
  get lastRequest(): MemberState['lastRequest'] {
    return this.answered;
  }

  /** PostgreSQL is not expected to run any more (the fence stopped it): its absence is no crash. */
  forgetRunning(): void {
    this.mem = { ...this.mem, expectRunning: false };
  }

  /**
   * Decides on `view` (a watch-fed one is read again in full before any action, and decided again with the same
   * memory) and carries the actions out. Returns the members the decision was made on, and whether it acted.
   */
  async step(view: ClusterView | null, local: LocalPg, leaseId: string | null): Promise<{ members: Record<string, MemberState>; acted: boolean }> {
    // Stopped while our lease was not confirmed: that was the fence, not a crash. Reporting a crash would make the
    // leader fail over at once although the lease may still be renewed (seen when the etcd leader was killed).
    // Asked every cycle: it consumes the watchdog's and the lease's news, which must not linger until a later crash.
    const fenced = this.fence.stoppedByFence();
    if (this.mem.expectRunning && !local.running && fenced) {
      this.hooks.log('fence', 'postgres was stopped by the fence watchdog (lease not confirmed in time)');
      this.forgetRunning();
    }
    let members = membersOf(view);
    let decision = this.decide(view, members, local, leaseId);
    if (decision.actions.length && view && !this.views.isFresh) {
      // Decided on the watch-fed view: act only on what a read of etcd says now (same memory, decided again).
      view = await this.views.freshBeforeActing();
      members = membersOf(view);
      decision = view ? this.decide(view, members, local, leaseId) : { ...decision, actions: [], message: 'not acting: etcd could not be read before acting' };
    }
    this.mem = decision.memory;
    this.message = decision.message;
    this.hooks.log('node', decision.message, true);
    if (!decision.actions.length) return { members, acted: false };
    // Published before the restart, so the leader reads "restarting on request", not a failure.
    this.restartingNow = decision.actions.some((a) => a.kind === 'restart');
    const long = decision.actions.find((a) => PUBLISH_FIRST.has(a.kind));
    if (long) {
      await this.hooks.publish(members);
      await this.hooks.handOverLeadership(`${long.kind} may take long, and the leader's decisions must not wait for it`);
    }
    try {
      for (const action of decision.actions) {
        if (!(await this.act(action, members))) break;
      }
    } finally {
      this.restartingNow = false;
    }
    if (decision.actions.some((a) => a.kind === 'stop')) await this.hooks.afterStop(members);
    return { members, acted: true };
  }

  private decide(view: ClusterView | null, members: Record<string, MemberState>, local: LocalPg, leaseId: string | null): NodeDecision {
    const self = this.hooks.self;
    return decideNode({
      self,
      desired: this.views.desired,
      config: this.views.config,
      members,
      initialized: view?.initialized ?? null,
      etcdOk: this.views.etcdOk,
      leaseValid: this.lease.valid(),
      published: !!leaseId && view?.members[self]?.lease === leaseId,
      unreadableMembers: view?.unreadableMembers ?? [],
      recloneLock: view?.recloneLock ?? null,
      pg: local,
      nowMs: this.hooks.clock.now(),
      memory: this.mem,
      failoverTimeoutMs: this.hooks.failoverTimeoutMs(),
      rewindAfterMs: this.hooks.rewindAfterMs,
      paused: this.views.maintenance !== null,
      requests: {
        ...(view?.nodeRequests.restart[self] ? { restart: view.nodeRequests.restart[self] } : {}),
        ...(view?.nodeRequests.reinit[self] ? { reinit: view.nodeRequests.reinit[self] } : {}),
      },
    });
  }

  /** One action, with the watchdog armed around it; false when it failed (the rest of the list is skipped). */
  private async act(action: NodeAction, members: Record<string, MemberState>): Promise<boolean> {
    const clock = this.hooks.clock;
    const started = clock.now();
    // Armed with the lease budget before the server can take a write: a daemon paused right after `pg_ctl start`
    // or a promotion must not leave a primary that nothing fences (seen in the simulation).
    const becomesPrimary = (action.kind === 'start' && action.as === 'primary') || (action.kind === 'restart' && action.as === 'primary') || action.kind === 'bootstrap' || action.kind === 'promote';
    if (becomesPrimary) this.fence.armForPrimary();
    try {
      const effect = await applyNodeAction(action, this.hooks.actionContext(members));
      if (effect.expectRunning !== undefined) this.mem = { ...this.mem, expectRunning: effect.expectRunning };
      if (effect.needsRewind !== undefined) this.mem = { ...this.mem, needsRewind: effect.needsRewind };
      if (effect.crashed) this.mem = { ...this.mem, crashedAt: clock.now() };
      if (action.kind === 'rewind' || action.kind === 'wipe') this.mem = { ...this.mem, rewindUnrepairable: false, rewindFailures: 0, rewindRetryAt: null };
      if (effect.answered) this.answered = effect.answered;
      if (effect.expectRunning === true) this.fence.armAfterStart(becomesPrimary && action.kind !== 'promote');
      if (effect.expectRunning === false) this.fence.disarm();
      if (action.kind === 'promote') this.fence.feedAsPrimary();
      this.hooks.log('action', `${action.kind} done in ${Math.round(clock.now() - started)}ms`);
      return true;
    } catch (err) {
      this.hooks.log('action', `${action.kind} failed: ${(err as Error).message}`);
      if (action.kind === 'restart' || action.kind === 'reinit' || action.kind === 'refuse-request') {
        const kind = action.kind === 'refuse-request' ? action.request : action.kind;
        this.answered = { kind, requestedAt: action.requestedAt, outcome: 'failed', message: (err as Error).message };
        // A restart that stopped postgres and could not start it: "not running", not a crash (the leader waits the
        // failover timeout, as for any restart), and the daemon starts it again on its own unless paused.
        if (action.kind === 'restart') this.forgetRunning();
      }
      if (action.kind === 'rewind') {
        const unrepairable = err instanceof RewindFailed && err.provesDivergence;
        this.mem = afterRewindFailure(this.mem, unrepairable, clock.now());
        this.hooks.log('action', unrepairable ? 'pg_rewind proved a divergence it cannot repair: this member may re-clone' : `data kept; rewind retried in ${Math.round((this.mem.rewindRetryAt ?? 0) - clock.now())}ms`);
      }
      return false;
    }
  }
}
