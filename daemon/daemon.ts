// The daemon process: one cycle at a time takes the cluster view, observes PostgreSQL, leads, decides, acts, publishes.
import type { Server } from 'node:http';
import { clusterKeys, type MemberState } from '../common/cluster-keys.js';
import { CycleRunner } from './cycle-runner.js';
import type { DaemonDeps } from './daemon-deps.js';
import { DaemonLog, type LogFn } from './daemon-log.js';
import type { Dcs } from './dcs.js';
import { Fence, FENCE_TIMER_MS } from './fence.js';
import { healthStatus, type HealthState } from './health-rules.js';
import { LeaderRole } from './leader-role.js';
import { LeaseKeeper } from './lease-keeper.js';
import type { LocalPostgres } from './local-postgres.js';
import { LocalObserver } from './local-observer.js';
import { memberState, MemberPublisher, type MemberIdentity } from './member-publisher.js';
import type { ActionContext } from './node-actions.js';
import { NodeRole } from './node-role.js';
import type { DaemonOptions, Secrets } from './options.js';
import type { PgSettings } from './postgres-conf.js';
import { processFootprint } from './process-footprint.js';
import { RoleCallback } from './role-callback.js';
import { ClusterViewSource } from './view-source.js';

/** A clean stop at shutdown gets this long, then the server is killed and the lease goes (simulation, seed 1390). */
const SHUTDOWN_STOP_BOUND_S = 5;

export class Daemon {
  readonly log: LogFn;
  private readonly cycles: CycleRunner;
  private readonly lease: LeaseKeeper;
  private readonly views: ClusterViewSource;
  private readonly observer: LocalObserver;
  private readonly fence: Fence;
  private readonly leader: LeaderRole;
  private readonly node: NodeRole;
  private readonly publisher: MemberPublisher;
  private readonly pg: LocalPostgres;
  private readonly identity: MemberIdentity;
  private readonly roleCallback: RoleCallback | null;
  private server: Server | null = null;

  constructor(
    private readonly opts: DaemonOptions,
    private readonly secrets: Secrets,
    private readonly dcs: Dcs,
    private readonly deps: DaemonDeps,
  ) {
    const clock = deps.clock;
    const self = opts.node;
    this.log = new DaemonLog(deps.write, clock, self).log;
    this.cycles = new CycleRunner(clock, opts.loop, () => this.cycle(), (err) => this.log('cycle', `cycle failed: ${err.message}`, true));
    const wake = () => this.cycles.trigger();
    this.pg = deps.localPostgres(wake);
    this.identity = {
      node: self,
      connectHost: opts.connectHost,
      pgPort: opts.pgPort,
      apiUrl: opts.apiUrl ?? `http://${opts.listen.replace(/^0\.0\.0\.0:/, `${opts.connectHost}:`)}`,
      noFailover: opts.noFailover,
    };
    this.roleCallback = opts.onRoleChange ? new RoleCallback(opts.onRoleChange, (l) => this.log('callback', l)) : null;
    this.lease = new LeaseKeeper(dcs, { clock, ttlMs: opts.ttl, marginMs: opts.fenceMargin, log: (l) => this.log('lease', l), onChange: wake, onRenewed: () => this.fence.feed() });
    this.views = new ClusterViewSource(dcs, clusterKeys(opts.cluster), { clock, log: this.log, wake, everyPublishCounts: () => this.leader.failing, stopping: () => this.cycles.isStopped });
    this.observer = new LocalObserver(this.pg.ctl, this.pg.probe, { clock, log: this.log, config: () => this.views.config, generation: () => this.views.desired?.generation ?? 0 });
    this.fence = new Fence(this.lease, deps.watchdog, this.pg.ctl, {
      self,
      clock,
      log: this.log,
      servingAsPrimary: () => this.servingAsPrimary(),
      stopped: () => {
        this.node.forgetRunning();
        this.observer.fenceStopped();
      },
      wake,
      timerMs: deps.fenceTimerMs === undefined ? FENCE_TIMER_MS : deps.fenceTimerMs,
    });
    const failoverTimeoutMs = () => this.views.config?.failoverTimeoutMs ?? opts.failoverTimeout;
    this.leader = new LeaderRole(dcs, this.lease, this.views, { self, clock, log: this.log, failoverTimeoutMs });
    this.node = new NodeRole(this.views, this.lease, this.fence, {
      self,
      clock,
      log: this.log,
      rewindAfterMs: opts.rewindAfter,
      failoverTimeoutMs,
      actionContext: (members) => this.actionContext(members),
      publish: (members) => this.publish(members),
      handOverLeadership: (why) => this.leader.handOver(why),
      afterStop: async (members) => {
        if (!this.observer.local || this.pg.ctl.postmasterPid() !== null) return;
        this.observer.markStopped();
        await this.publish(members);
        this.announceRole();
      },
    });
    this.publisher = new MemberPublisher(dcs, clock, this.log);
  }

  async start(): Promise<void> {
    this.pg.ensureDataDir();
    this.server = this.deps.startApi && (await this.deps.startApi(this.opts.listen, this.secrets.apiToken, {
      health: () => this.health(),
      status: () => this.status(),
      // etcdReachable false: this view is as old as the last etcd read (the daemon is cut off), so callers ask another daemon.
      cluster: async () => {
        const view = this.views.view;
        return { leader: view?.leader ?? null, desired: this.views.desired, config: this.views.config, paused: this.views.maintenance !== null, maintenance: this.views.maintenance, members: view ? Object.values(view.members).map((m) => m.value) : [], problems: view?.problems ?? [], etcdReachable: this.views.etcdOk };
      },
      history: () => this.dcs.readHistory(),
      requestRoleChange: async (kind, to, from, force) => {
        const ok = await this.dcs.putRequest({ kind, to, from, requestedAt: this.deps.clock.wallIso(), ...(force ? { force: true } : {}) });
        return ok ? null : 'another switchover/failover request is pending';
      },
    }, (l) => this.log('api', l)));
    this.lease.start();
    this.views.startWatch();
    this.fence.start();
    this.cycles.trigger();
  }

  /** Called on etcd watch events (tests call it directly). */
  onWatchEvent(key: string, value: string | null): void {
    this.views.onWatchEvent(key, value);
  }

  trigger(): void {
    this.cycles.trigger();
  }

  /** view → observe → lead → decide and act → publish. */
  private async cycle(): Promise<void> {
    await this.views.take(this.lease.valid());
    this.fence.observed(await this.observer.observe());
    const leaseId = this.lease.status().leaseId;
    const view = await this.leader.step();
    const { members, acted } = await this.node.step(view, this.observer.local!, leaseId);
    if (acted) this.fence.observed(await this.observer.observe());
    this.fence.guard(this.observer.local?.running === true);
    await this.publish(members);
    this.announceRole();
  }

  /** Running and not known to be a replica: a server that does not answer may still be a primary, unless it was a replica. */
  private servingAsPrimary(): boolean {
    const l = this.observer.local;
    return l?.running === true && (l.inRecovery === false || (l.inRecovery === null && this.node.memory.lastRole !== 'replica'));
  }

  private async publish(members: Record<string, MemberState>): Promise<void> {
    const m = memberState({
      identity: this.identity,
      snap: this.observer.snapshot,
      local: this.observer.local,
      memory: this.node.memory,
      desired: this.views.desired,
      members,
      haveView: this.views.view !== null,
      message: this.node.lastMessage,
      nowIso: this.deps.clock.wallIso(),
      restarting: this.node.restarting,
      pendingRestart: this.observer.pendingRestart,
      lastRequest: this.node.lastRequest,
      syncApplied: this.observer.syncApplied,
    });
    await this.publisher.publish(m, this.lease.status().leaseId, this.views.etcdOk, this.views.desired);
  }

  /** Tells the role-change callback (haproxy, in the lab) what /primary answers now, when that changed. */
  private announceRole(): void {
    if (!this.roleCallback) return;
    const serving = healthStatus('/primary', this.health(), null) === 200 ? 'primary' : 'not-primary';
    this.roleCallback.observe(serving, this.opts.node, this.views.desired?.members ?? []);
  }

  private actionContext(members: Record<string, MemberState>): ActionContext {
    const desired = () => this.views.desired;
    return {
      ctl: this.pg.ctl,
      probe: this.pg.probe,
      checkpointRemote: (r) => this.pg.checkpointRemote(r, this.secrets.superuserPassword),
      clock: this.deps.clock,
      secrets: this.secrets,
      dcs: this.dcs,
      members,
      settings: (up, sync) => this.settings(up, sync, members),
      upstreamOf: () => {
        const d = desired();
        return d && d.primary !== this.opts.node ? d.primary : null;
      },
      wantSync: () => {
        const d = desired();
        return this.views.config?.synchronous && d ? [...d.syncStandbys, ...d.syncPending].sort() : [];
      },
      systemId: () => this.observer.local?.systemId ?? null,
      self: this.opts.node,
      leaseId: () => this.lease.status().leaseId,
      primaryStartUnwanted: async () => {
        try {
          const d = (await this.views.readFull()).desired?.value;
          return d && d.primary !== this.opts.node ? `${d.primary} is the desired primary now (generation ${d.generation})` : null;
        } catch {
          return null;
        }
      },
      log: (l) => this.log('action', l),
    };
  }

  private settings(upstreamNode: string | null, sync: string[], members: Record<string, MemberState>): PgSettings {
    const up = upstreamNode ? members[upstreamNode] : undefined;
    const parameters = this.views.config?.postgresParameters;
    return {
      node: this.opts.node,
      listenHost: this.opts.connectHost,
      port: this.opts.pgPort,
      socketDir: this.opts.socketDir,
      allowCidrs: this.opts.allowCidr ?? [defaultCidr(this.opts.connectHost)],
      upstream: up ? { id: `${up.node}@${up.connectHost}:${up.pgPort}`, host: up.connectHost, port: up.pgPort, password: this.secrets.replicationPassword } : null,
      sync,
      ...(parameters ? { parameters } : {}),
    };
  }

  health(): HealthState {
    return {
      self: this.opts.node,
      member: this.publisher.member,
      desiredPrimary: this.views.desired?.primary ?? null,
      leaseValid: this.lease.valid(),
      cycleAgeMs: this.deps.clock.now() - this.cycles.endedAt,
      livenessLimitMs: Math.max(this.opts.ttl * 3, 10_000),
    };
  }

  status(): unknown {
    const leader = this.leader.isLeader;
    return {
      node: this.opts.node,
      member: this.publisher.member,
      leader,
      leaseValid: this.lease.valid(),
      leaseRemainingMs: Math.round(this.lease.remainingMs()),
      desiredGeneration: this.views.desired?.generation ?? null,
      desiredPrimary: this.views.desired?.primary ?? null,
      message: this.node.lastMessage,
      leaderMessage: leader ? this.leader.lastMessage : null,
      paused: this.views.maintenance !== null,
      etcdReachable: this.views.etcdOk,
      process: processFootprint(),
    };
  }

  /** Graceful stop: a clean PostgreSQL shutdown ships all WAL to the replicas, then the lease goes so others act at once. */
  async shutdown(): Promise<void> {
    this.fence.stop();
    await this.cycles.stop();
    this.log('shutdown', 'stopping postgres (fast) and releasing the lease');
    try {
      // A clean stop ships all WAL to the replicas, but the lease is held until it ends: a slow one (a long
      // shutdown checkpoint, a sick disk) would stall the cluster for systemd's whole stop timeout. After 5 s the
      // server is killed and the lease goes, so a replica takes over (found by the simulation, seed 1390).
      await this.pg.ctl.stop('fast', SHUTDOWN_STOP_BOUND_S);
    } catch (err) {
      this.log('shutdown', `clean stop failed, stopping immediately: ${(err as Error).message}`);
      await this.pg.ctl.stop('immediate').catch(() => undefined);
    }
    this.fence.disarm();
    this.pg.probe.close();
    await this.dcs.resign(this.opts.node).catch(() => undefined);
    await this.lease.stop(true);
    this.server?.close();
    await this.dcs.close();
  }
}

/** The connect host's /24 (loopback: 127.0.0.1/32), the networks pg_hba allows when none are given. */
function defaultCidr(host: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.\d+$/.exec(host);
  if (!m) return `${host}/32`;
  if (m[1] === '127') return '127.0.0.1/32';
  return `${m[1]}.${m[2]}.${m[3]}.0/24`;
}
