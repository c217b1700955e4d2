// The daemon process: one cycle at a time reads etcd and PostgreSQL, decides (pure), acts, and publishes.
import type { Server } from 'node:http';
import { clusterKeys, type ClusterConfig, type DesiredState, type Maintenance, type MemberState } from '../common/cluster-keys.js';
import { decideLeader, initialLeaderMemory, primaryFailure, type LeaderAction, type LeaderMemory } from './decide-leader.js';
import { afterRewindFailure, decideNode, initialNodeMemory, type LocalPg, type NodeAction, type NodeMemory } from './decide-node.js';
import type { TimerHandle } from './clock.js';
import type { DaemonDeps, Watchdog } from './daemon-deps.js';
import type { Dcs } from './dcs.js';
import type { ClusterView } from './cluster-view.js';
import { healthStatus, type HealthState } from './health-rules.js';
import { RoleCallback } from './role-callback.js';
import { LeaseKeeper } from './lease-keeper.js';
import type { PgControl, PgSession, LocalPostgres } from './local-postgres.js';
import type { DaemonOptions, Secrets } from './options.js';
import { syncStandbyNames, type PgSettings } from './postgres-conf.js';
import type { PgSnapshot } from './postgres-probe.js';
import { applyNodeAction, RewindFailed, type ActionContext } from './node-actions.js';
import { memberSignature } from './watch-filter.js';
import { ViewCache } from './view-cache.js';
import { processFootprint } from './process-footprint.js';


/** Longest time an unchanged member state goes without being rewritten to etcd. */
/**
 * An unchanged member state is written again after this long (its "last cycle" time in status ages meanwhile). The
 * lease says whether a daemon lives; freshness after a failure comes from the replicas publishing sawPrimaryFail. At
 * 1 s the three idle daemons made etcd commit (and fsync on every member) three writes a second for nothing.
 */
const UNCHANGED_REPUBLISH_MS = 10_000;
const SHUTDOWN_STOP_BOUND_S = 5;
/** A cycle on the watch-fed view reads etcd in full at least this often anyway (a safety net for a silent watch). */
const FULL_READ_EVERY_MS = 2000;
const WATCH_RETRY_MS = 1000;
export class Daemon {
  private view: ClusterView | null = null;
  private desired: DesiredState | null = null;
  private config: ClusterConfig | null = null;
  /** The maintenance key as last read (kept while etcd is unreachable: a pause is not lifted by a cut). */
  private maintenance: Maintenance | null = null;
  /** An operator's restart is running: reported so the leader and `pglab status` know it is planned. */
  private restarting = false;
  private lastRequest: MemberState['lastRequest'] = undefined;
  /** pg_settings.pending_restart, read while the cluster sets PostgreSQL parameters. */
  private pendingRestart: string[] = [];
  private etcdOk = false;
  private local: LocalPg | null = null;
  private snap: PgSnapshot | null = null;
  private member: MemberState | null = null;
  /** What was last written to etcd, to skip rewriting an unchanged member state every cycle. */
  private lastPublished: { content: string; leaseId: string; atMs: number } | null = null;
  private nodeMemory: NodeMemory = initialNodeMemory;
  private leaderMemory: LeaderMemory = initialLeaderMemory;
  private isLeader = false;
  private nodeMessage = 'starting';
  private leaderMessage = '';
  private lastLogged = new Map<string, string>();
  private cycleEndedAt: number;
  private syncApplied: MemberState['syncApplied'] = null;
  private syncSeen: { names: string[]; at: number; generation: number } | null = null;
  private timer: TimerHandle | null = null;
  private fenceTimer: TimerHandle | null = null;
  private readonly roleCallback: RoleCallback | null;
  private running = false;
  private again = false;
  private stopping = false;
  private server: Server | null = null;
  private signatures = new Map<string, string>();
  private readonly lease: LeaseKeeper;
  private readonly pg: LocalPostgres;
  private readonly ctl: PgControl;
  private readonly probe: PgSession;
  private readonly watchdog: Watchdog;
  private fencing = false;
  private lapsesSeen = 0;
  /** The cluster prefix as the watch keeps it; idle cycles decide on it, any action on a fresh read. */
  private readonly cache: ViewCache;
  private watching = false;
  /** This cycle's view came from a range read made in this cycle (not only from the watch). */
  private viewFresh = false;
  private lastFullReadAt = -Infinity;

  constructor(
    private readonly opts: DaemonOptions,
    private readonly secrets: Secrets,
    private readonly dcs: Dcs,
    private readonly deps: DaemonDeps,
  ) {
    this.pg = deps.localPostgres(() => this.trigger());
    this.ctl = this.pg.ctl;
    this.probe = this.pg.probe;
    this.watchdog = deps.watchdog;
    this.cycleEndedAt = deps.clock.now();
    this.roleCallback = opts.onRoleChange ? new RoleCallback(opts.onRoleChange, (l) => this.log('callback', l)) : null;
    this.cache = new ViewCache(clusterKeys(opts.cluster));
    this.lease = new LeaseKeeper(dcs, {
      clock: deps.clock,
      ttlMs: opts.ttl,
      marginMs: opts.fenceMargin,
      log: (l) => this.log('lease', l),
      onChange: () => this.trigger(),
      onRenewed: () => this.feedWatchdog(),
    });
  }

  log(topic: string, line: string, onlyOnChange = false): void {
    if (onlyOnChange) {
      // Numbers (waited ms, LSNs) change every cycle; only a change in wording is news.
      const shape = line.replace(/\d+(\.\d+)?/g, '#');
      if (this.lastLogged.get(topic) === shape) return;
      this.lastLogged.set(topic, shape);
    }
    this.deps.write(`${this.deps.clock.wallIso()} ${this.opts.node} ${line}\n`);
  }

  async start(): Promise<void> {
    this.pg.ensureDataDir();
    this.server = this.deps.startApi && (await this.deps.startApi(this.opts.listen, this.secrets.apiToken, {
      health: () => this.health(),
      status: () => this.status(),
      // etcdReachable false: this view is as old as the last etcd read (the daemon is cut off), so callers ask another daemon.
      cluster: async () => ({ leader: this.view?.leader ?? null, desired: this.desired, config: this.config, paused: this.maintenance !== null, maintenance: this.maintenance, members: this.view ? Object.values(this.view.members).map((m) => m.value) : [], problems: this.view?.problems ?? [], etcdReachable: this.etcdOk }),
      history: () => this.dcs.readHistory(),
      requestRoleChange: async (kind, to, from, force) => {
        const ok = await this.dcs.putRequest({ kind, to, from, requestedAt: this.deps.clock.wallIso(), ...(force ? { force: true } : {}) });
        return ok ? null : 'another switchover/failover request is pending';
      },
    }, (l) => this.log('api', l)));
    this.lease.start();
    this.startWatch();
    this.fenceTimer = this.deps.clock.setInterval(() => void this.fenceCheck(), 50);
    this.trigger();
  }

  /** The watch feeds the view cache and wakes the cycle; until it runs, every cycle reads etcd in full. */
  private startWatch(): void {
    this.dcs
      .watch(
        (e) => {
          this.cache.apply(e);
          this.onWatchEvent(e.key, e.value);
        },
        () => this.cache.invalidate(),
      )
      .then(() => {
        this.watching = true;
        this.log('watch', 'etcd watch running', true);
      })
      .catch((err) => {
        this.log('watch', `etcd watch failed (reading etcd in full every cycle; retrying): ${(err as Error).message}`, true);
        if (!this.stopping) this.deps.clock.setTimeout(() => this.startWatch(), WATCH_RETRY_MS);
      });
  }

  /** A range read of the cluster prefix, installed in the cache (and as this cycle's view). */
  private async readFull(): Promise<ClusterView> {
    const view = await this.cache.read(() => this.dcs.readRaw(), this.watching);
    this.lastFullReadAt = this.deps.clock.now();
    this.installView(view, true);
    return view;
  }

  private installView(view: ClusterView, fresh: boolean): void {
    this.view = view;
    this.viewFresh = fresh;
    this.etcdOk = true;
    if (view.desired) this.desired = view.desired.value;
    if (view.config) this.config = view.config;
    this.maintenance = view.maintenance;
  }

  /**
   * Before anything consequential (campaign, desired-state CAS, any node action) on a view only the watch fed: read
   * in full and decide again. Null when that read fails (then nothing is done this cycle).
   */
  private async freshBeforeActing(): Promise<ClusterView | null> {
    if (this.viewFresh) return this.view;
    try {
      return await this.readFull();
    } catch (err) {
      this.etcdOk = false;
      this.log('etcd', `reading etcd before acting failed (not acting): ${(err as Error).message}`);
      return null;
    }
  }

  /** Called on etcd watch events; member puts only matter when their role-relevant fields change. */
  onWatchEvent(key: string, value: string | null): void {
    // The primary rewrites last-lsn with every publish; it changes no decision, and waking every daemon on it
    // tripled etcd's write rate in the simulation.
    if (key === clusterKeys(this.opts.cluster).lastLsn) return;
    const sig = value === null ? 'deleted' : memberSignature(value);
    // While a failover is pending the leader waits for fresh replica positions: every publish counts.
    if (sig !== null && this.leaderMemory.failing === null) {
      if (this.signatures.get(key) === sig) return;
      this.signatures.set(key, sig);
    }
    this.trigger();
  }

  /** Running and not known to be a replica: a server that does not answer may still be a primary, unless it was a replica. */
  private servingAsPrimary(): boolean {
    const l = this.local;
    return l?.running === true && (l.inRecovery === false || (l.inRecovery === null && this.nodeMemory.lastRole !== 'replica'));
  }

  private feedWatchdog(): void {
    if (this.servingAsPrimary()) this.watchdog.feed(this.lease.remainingMs());
    else this.watchdog.feed(86_400_000);
  }

  /** Own timer, independent of the cycle (which may be waiting on etcd): stop a primary whose lease deadline passed. */
  private async fenceCheck(): Promise<void> {
    if (this.fencing || !this.servingAsPrimary() || this.lease.valid()) return;
    this.fencing = true;
    this.log('fence', `fencing: I am ${this.opts.node}, a primary whose lease could not be confirmed in time; stopping postgres now`);
    try {
      await this.ctl.stop('immediate');
      this.watchdog.disarm();
      this.nodeMemory = { ...this.nodeMemory, expectRunning: false };
      if (this.local) this.local = { ...this.local, running: false, inRecovery: null };
    } catch (err) {
      this.log('fence', `fencing failed: ${(err as Error).message}`);
    } finally {
      this.fencing = false;
      this.trigger();
    }
  }

  trigger(): void {
    if (this.stopping) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = this.deps.clock.setTimeout(() => void this.runCycle(), 0);
  }

  private async runCycle(): Promise<void> {
    if (this.running || this.stopping) return;
    this.running = true;
    this.again = false;
    const began = this.deps.clock.now();
    try {
      await this.cycle();
    } catch (err) {
      this.log('cycle', `cycle failed: ${(err as Error).message}`, true);
    } finally {
      this.running = false;
      this.cycleEndedAt = this.deps.clock.now();
    }
    if (this.stopping) return;
    // Extra triggers during a cycle coalesce into one follow-up, never sooner than 20 ms after.
    const wait = this.again ? 20 : Math.max(20, this.opts.loop - (this.deps.clock.now() - began));
    this.timer = this.deps.clock.setTimeout(() => void this.runCycle(), wait);
  }

  private async observeLocal(): Promise<void> {
    const hasData = this.ctl.hasData();
    const pid = hasData ? this.ctl.postmasterPid() : null;
    let snap: PgSnapshot | null = null;
    let controlState: string | null = null;
    if (pid !== null) {
      try {
        snap = await this.probe.snapshot();
      } catch (err) {
        this.log('probe', `postgres (pid ${pid}) is not answering: ${(err as Error).message}`, true);
      }
    } else {
      this.probe.close();
      if (hasData) {
        try {
          const cd = await this.ctl.controlData();
          controlState = cd['Database cluster state'] ?? null;
        } catch (err) {
          this.log('probe', `pg_controldata failed: ${(err as Error).message}`, true);
        }
      }
    }
    const conf = this.ctl.configState();
    this.snap = snap;
    this.local = {
      hasData,
      running: pid !== null,
      inRecovery: snap ? snap.inRecovery : null,
      controlState,
      streaming: snap?.streaming ?? false,
      configuredUpstream: conf.upstream,
      configuredSync: conf.sync,
      ...(conf.parameters ? { configuredParameters: conf.parameters } : {}),
      slots: snap?.slots ?? [],
      systemId: snap?.systemId ?? null,
      timeline: snap?.timeline ?? null,
      frozen: pid !== null && snap === null && this.ctl.frozen(),
    };
    // synchronous_standby_names counts as applied one cycle after we wrote it (our session has reloaded
    // by then); WAL written before that position may have been acknowledged without the new standbys.
    // The watermark is taken again under every desired generation: a standby removed from the set and added back
    // between two cycles leaves the names unchanged, but commits in between were acknowledged without it.
    // Only while the cluster sets parameters: one cheap query, and nothing changes for a cluster that sets none.
    if (snap && Object.keys(this.config?.postgresParameters ?? {}).length) {
      try {
        const rows = await this.probe.query<{ name: string }>('SELECT name FROM pg_settings WHERE pending_restart ORDER BY name');
        this.pendingRestart = rows.map((r) => r.name);
      } catch {
        // next cycle
      }
    } else if (!snap || !this.config?.postgresParameters) this.pendingRestart = [];
    if (snap && !snap.inRecovery) {
      const names = conf.sync;
      const generation = this.desired?.generation ?? 0;
      if (!this.syncApplied || this.syncApplied.names.join(',') !== names.join(',') || this.syncApplied.generation !== generation) {
        try {
          const [row] = await this.probe.query<{ s: string }>("SELECT current_setting('synchronous_standby_names') AS s");
          const now = this.deps.clock.now();
          if (row && row.s === syncStandbyNames(names)) {
            // Seen in our session; give every walsender 200 ms to reload too before taking the position.
            if (!this.syncSeen || this.syncSeen.names.join(',') !== names.join(',') || this.syncSeen.generation !== generation) this.syncSeen = { names, at: now, generation };
            else if (now - this.syncSeen.at >= 200) this.syncApplied = { names, atLsn: snap.walLsn ?? 0, generation };
          }
        } catch {
          // next cycle
        }
      }
    } else {
      this.syncApplied = null;
      this.syncSeen = null;
    }
  }

  private async cycle(): Promise<void> {
    try {
      // The watch-fed view serves cycles while it is complete, etcd answered the last full read, the lease is
      // confirmed and the last full read is recent; otherwise (and before any action, below) a full range read.
      const cached = this.etcdOk && this.lease.valid() && this.cache.usable() && this.deps.clock.now() - this.lastFullReadAt < FULL_READ_EVERY_MS;
      const view = cached ? this.cache.view() : await this.readFull();
      if (cached) this.installView(view, false);
      this.log('problems', view.problems.length ? `ignoring unparseable keys (keeping the last good state): ${view.problems.join('; ')}` : 'etcd keys parse cleanly', true);
      this.log('etcd', 'etcd reachable', true);
    } catch (err) {
      this.etcdOk = false;
      this.log('etcd', `etcd unreachable: ${(err as Error).message}`, true);
    }
    await this.observeLocal();
    let view = this.view;
    const leaseValid = this.lease.valid();
    const leaseId = this.lease.status().leaseId;

    if (this.etcdOk && view && leaseValid && leaseId) {
      try {
        // A campaign on a view only the watch fed would be taken on hearsay: read first.
        if (view.leader === null && !this.viewFresh) view = await this.freshBeforeActing();
        if (!view) throw new Error('etcd could not be read before campaigning');
        this.isLeader = view.leader === this.opts.node || (view.leader === null && (await this.dcs.campaign(this.opts.node, leaseId)));
        if (this.isLeader && view.leader !== this.opts.node) this.log('leader', `became the leader`);
      } catch (err) {
        this.isLeader = false;
        this.log('leader', `campaign failed: ${(err as Error).message}`, true);
      }
      if (view && this.isLeader && (await this.leaderStep(view))) {
        // We just changed the desired state: the members we read predate it. Deciding this node's part (e.g.
        // promoting ourselves) on them would miss a member that published in between (seen in the simulation).
        try {
          view = await this.readFull();
        } catch (err) {
          this.log('etcd', `re-reading after a desired-state change failed: ${(err as Error).message}`);
          view = null;
          this.view = null;
        }
      }
    } else {
      this.isLeader = false;
    }
    // The leader may have read etcd in full before acting: decide this node's part on that read too.
    if (view && this.viewFresh) view = this.view;

    let members = membersOf(view);
    const local = this.local as LocalPg;
    // Stopped while our lease was not confirmed: that was the fence watchdog, not a crash. Reporting a
    // crash would make the leader fail over at once although the lease may still be renewed.
    // The lease may be valid again by now (etcd elected a new leader and answered): a lapse or a watchdog that fired
    // since the last cycle still makes it a fence. Reported as a crash it made the leader fail over at once and
    // lose the unshipped commits, where a restart in place loses none (seen when the etcd leader was killed).
    const lapses = this.lease.lapses();
    const fencedMeanwhile = this.watchdog.takeFired() || lapses !== this.lapsesSeen || !this.lease.valid();
    this.lapsesSeen = lapses;
    if (this.nodeMemory.expectRunning && !local.running && fencedMeanwhile) {
      this.log('fence', 'postgres was stopped by the fence watchdog (lease not confirmed in time)');
      this.nodeMemory = { ...this.nodeMemory, expectRunning: false };
    }
    const decideOn = (view: ClusterView | null, members: Record<string, MemberState>) => decideNode({
      self: this.opts.node,
      desired: this.desired,
      config: this.config,
      members,
      initialized: view?.initialized ?? null,
      etcdOk: this.etcdOk,
      leaseValid: this.lease.valid(),
      published: !!leaseId && view?.members[this.opts.node]?.lease === leaseId,
      unreadableMembers: view?.unreadableMembers ?? [],
      recloneLock: view?.recloneLock ?? null,
      pg: local,
      nowMs: this.deps.clock.now(),
      memory: this.nodeMemory,
      failoverTimeoutMs: this.failoverTimeout(),
      rewindAfterMs: this.opts.rewindAfter,
      paused: this.maintenance !== null,
      requests: {
        ...(view?.nodeRequests.restart[this.opts.node] ? { restart: view.nodeRequests.restart[this.opts.node] } : {}),
        ...(view?.nodeRequests.reinit[this.opts.node] ? { reinit: view.nodeRequests.reinit[this.opts.node] } : {}),
      },
    });
    let decision = decideOn(view, members);
    if (decision.actions.length && view && !this.viewFresh) {
      // Decided on the watch-fed view: act only on what a read of etcd says now (same memory, decided again).
      view = await this.freshBeforeActing();
      members = membersOf(view);
      decision = view ? decideOn(view, members) : { ...decision, actions: [], message: 'not acting: etcd could not be read before acting' };
    }
    this.nodeMemory = decision.memory;
    this.nodeMessage = decision.message;
    this.log('node', decision.message, true);
    if (decision.actions.length) {
      const long = decision.actions.some((a) => a.kind === 'basebackup' || a.kind === 'rewind' || a.kind === 'bootstrap' || a.kind === 'restart' || a.kind === 'reinit');
      // Published before the restart, so the leader reads "restarting on request", not a failure.
      this.restarting = decision.actions.some((a) => a.kind === 'restart');
      if (long) await this.publish(members);
      try {
        for (const action of decision.actions) {
          if (!(await this.act(action, members))) break;
        }
      } finally {
        this.restarting = false;
      }
      // A demoted primary's "stopped" is what the new primary waits for before it promotes; observing the stopped
      // server runs pg_controldata (50–150 ms under load), so the state goes out first.
      if (decision.actions.some((a) => a.kind === 'stop') && this.local && this.ctl.postmasterPid() === null) {
        this.snap = null;
        this.local = { ...this.local, running: false, inRecovery: null, streaming: false, frozen: false };
        await this.publish(members);
        this.announceRole();
      }
      await this.observeLocal();
    }
    // A server we did not start (the daemon restarted while it ran) gets a watchdog too.
    if (this.local?.running && !this.watchdog.armed() && !this.fencing) this.watchdog.arm(this.servingAsPrimary() ? this.lease.remainingMs() : 86_400_000);
    await this.publish(members);
    this.announceRole();
  }

  /** Tells the role-change callback (haproxy, in the lab) what /primary answers now, when that changed. */
  private announceRole(): void {
    if (!this.roleCallback) return;
    const serving = healthStatus('/primary', this.health(), null) === 200 ? 'primary' : 'not-primary';
    this.roleCallback.observe(serving, this.opts.node, this.desired?.members ?? []);
  }

  /** Runs the leader's decision; true when it wrote a new desired state. */
  private async leaderStep(watchFed: ClusterView): Promise<boolean> {
    const decideOn = (view: ClusterView) => decideLeader({
      self: this.opts.node,
      view,
      nowMs: this.deps.clock.now(),
      nowIso: this.deps.clock.wallIso(),
      failoverTimeoutMs: this.failoverTimeout(),
      memory: this.leaderMemory,
    });
    let d = decideOn(watchFed);
    if (d.actions.length && !this.viewFresh) {
      // A desired-state CAS (or a dropped request) is decided again on a full read, with the same memory.
      const view = await this.freshBeforeActing();
      d = view ? decideOn(view) : { ...d, actions: [], message: 'not acting: etcd could not be read before acting' };
    }
    this.leaderMemory = d.memory;
    this.leaderMessage = d.message;
    this.log('leader-decision', d.message, true);
    let wrote = false;
    for (const a of d.actions) wrote = (await this.leaderAct(a)) || wrote;
    return wrote;
  }

  private async leaderAct(a: LeaderAction): Promise<boolean> {
    try {
      if (a.kind === 'write-desired') {
        // Deciding took time: only write while our lease still certainly holds.
        if (!this.lease.valid()) return false;
        const ok = await this.dcs.casDesired(a.expectRevision, a.next, this.opts.node, { history: a.history, consumeRequest: a.consumeRequest, ...(a.memberUnchanged ? { memberUnchanged: a.memberUnchanged } : {}) });
        this.log('leader', ok ? `desired state generation ${a.next.generation}: primary ${a.next.primary} (${a.next.reason})` : 'desired state changed under me (CAS lost); deciding again next cycle');
        if (ok) this.desired = a.next;
        return ok;
      } else {
        this.log('leader', a.reason);
        await this.dropRequest(a.reason);
        return false;
      }
    } catch (err) {
      this.log('leader', `leader action ${a.kind} failed: ${(err as Error).message}`);
      return false;
    }
  }

  private async dropRequest(reason: string): Promise<void> {
    const d = this.view?.desired;
    const request = this.view?.request;
    if (!d || !request) return;
    // Rewriting the same desired value deletes the request atomically, under the same leader and revision checks.
    await this.dcs.casDesired(d.modRevision, d.value, this.opts.node, { consumeRequest: true, refusal: { request, reason, at: this.deps.clock.wallIso() } });
  }

  /** The cluster's failover timeout (`pglab config set failoverTimeout=…`), else this daemon's own. */
  private failoverTimeout(): number {
    return this.config?.failoverTimeoutMs ?? this.opts.failoverTimeout;
  }

  private settings(upstreamNode: string | null, sync: string[], members: Record<string, MemberState>): PgSettings {
    const up = upstreamNode ? members[upstreamNode] : undefined;
    return {
      node: this.opts.node,
      listenHost: this.opts.connectHost,
      port: this.opts.pgPort,
      socketDir: this.opts.socketDir,
      allowCidrs: this.opts.allowCidr ?? [defaultCidr(this.opts.connectHost)],
      upstream: up ? { id: `${up.node}@${up.connectHost}:${up.pgPort}`, host: up.connectHost, port: up.pgPort, password: this.secrets.replicationPassword } : null,
      sync,
      ...(this.config?.postgresParameters ? { parameters: this.config.postgresParameters } : {}),
    };
  }

  private async act(action: NodeAction, members: Record<string, MemberState>): Promise<boolean> {
    const ctx: ActionContext = {
      ctl: this.ctl,
      probe: this.probe,
      checkpointRemote: (r) => this.pg.checkpointRemote(r, this.secrets.superuserPassword),
      clock: this.deps.clock,
      secrets: this.secrets,
      dcs: this.dcs,
      members,
      settings: (up, sync) => this.settings(up, sync, members),
      upstreamOf: () => (this.desired && this.desired.primary !== this.opts.node ? this.desired.primary : null),
      wantSync: () => (this.config?.synchronous && this.desired ? [...this.desired.syncStandbys, ...this.desired.syncPending].sort() : []),
      systemId: () => this.local?.systemId ?? null,
      self: this.opts.node,
      leaseId: () => this.lease.status().leaseId,
      log: (l) => this.log('action', l),
    };
    const started = this.deps.clock.now();
    // Armed with the lease budget before the server can take a write: a daemon paused right after `pg_ctl start`
    // or a promotion must not leave a primary that nothing fences (seen in the simulation).
    const becomesPrimary = (action.kind === 'start' && action.as === 'primary') || (action.kind === 'restart' && action.as === 'primary') || action.kind === 'bootstrap' || action.kind === 'promote';
    if (becomesPrimary) this.watchdog.arm(this.lease.remainingMs());
    try {
      const effect = await applyNodeAction(action, ctx);
      if (effect.expectRunning !== undefined) this.nodeMemory = { ...this.nodeMemory, expectRunning: effect.expectRunning };
      if (effect.needsRewind !== undefined) this.nodeMemory = { ...this.nodeMemory, needsRewind: effect.needsRewind };
      if (effect.crashed) this.nodeMemory = { ...this.nodeMemory, crashedAt: this.deps.clock.now() };
      if (action.kind === 'rewind' || action.kind === 'wipe') this.nodeMemory = { ...this.nodeMemory, rewindUnrepairable: false, rewindFailures: 0, rewindRetryAt: null };
      if (effect.answered) this.lastRequest = effect.answered;
      if (effect.expectRunning === true) this.watchdog.arm(becomesPrimary && action.kind !== 'promote' ? this.lease.remainingMs() : 86_400_000);
      if (effect.expectRunning === false) this.watchdog.disarm();
      if (action.kind === 'promote') this.watchdog.feed(this.lease.remainingMs());
      this.log('action', `${action.kind} done in ${Math.round(this.deps.clock.now() - started)}ms`);
      return true;
    } catch (err) {
      this.log('action', `${action.kind} failed: ${(err as Error).message}`);
      if (action.kind === 'restart' || action.kind === 'reinit' || action.kind === 'refuse-request') {
        const kind = action.kind === 'refuse-request' ? action.request : action.kind;
        this.lastRequest = { kind, requestedAt: action.requestedAt, outcome: 'failed', message: (err as Error).message };
        // A restart that stopped postgres and could not start it: "not running", not a crash (the leader waits the
        // failover timeout, as for any restart), and the daemon starts it again on its own unless paused.
        if (action.kind === 'restart') this.nodeMemory = { ...this.nodeMemory, expectRunning: false };
      }
      if (action.kind === 'rewind') {
        const unrepairable = err instanceof RewindFailed && err.provesDivergence;
        this.nodeMemory = afterRewindFailure(this.nodeMemory, unrepairable, this.deps.clock.now());
        this.log('action', unrepairable ? 'pg_rewind proved a divergence it cannot repair: this member may re-clone' : `data kept; rewind retried in ${Math.round((this.nodeMemory.rewindRetryAt ?? 0) - this.deps.clock.now())}ms`);
      }
      return false;
    }
  }

  private buildMember(members: Record<string, MemberState>): MemberState {
    const s = this.snap;
    const local = this.local;
    const primary = this.desired ? members[this.desired.primary] : undefined;
    // Running but not answering, after being primary: still report primary so nobody promotes past us.
    const role: MemberState['role'] = s ? (s.inRecovery ? 'replica' : 'primary') : local?.running && this.nodeMemory.lastRole === 'primary' ? 'primary' : 'stopped';
    const lag = s && s.inRecovery && primary?.walLsn != null && s.replayedLsn != null ? Math.max(0, primary.walLsn - s.replayedLsn) : null;
    const upstream = role === 'replica' && local?.configuredUpstream ? (local.configuredUpstream.split('@')[0] ?? null) : null;
    const failSeen = role === 'replica' && this.view && this.desired && this.desired.primary !== this.opts.node && primaryFailure(this.desired, primary) ? this.desired.generation : null;
    return {
      node: this.opts.node,
      connectHost: this.opts.connectHost,
      pgPort: this.opts.pgPort,
      apiUrl: this.opts.apiUrl ?? `http://${this.opts.listen.replace(/^0\.0\.0\.0:/, `${this.opts.connectHost}:`)}`,
      role,
      pgUp: s !== null,
      crashed: this.nodeMemory.crashedAt !== null && s === null,
      timeline: s?.timeline ?? null,
      systemId: s?.systemId ?? null,
      walLsn: s?.walLsn ?? null,
      receivedLsn: s?.receivedLsn ?? null,
      replayedLsn: s?.replayedLsn ?? null,
      lagBytes: lag,
      streaming: s?.streaming ?? false,
      upstream,
      replication: s && !s.inRecovery ? s.replication : [],
      syncApplied: role === 'primary' ? this.syncApplied : null,
      appliedGeneration: this.desired?.generation ?? 0,
      noFailover: this.opts.noFailover,
      message: this.nodeMessage,
      updatedAt: this.deps.clock.wallIso(),
      // Only when true: daemons before this field parsed member keys strictly, and a rolling deploy must not
      // make every new member unreadable to them.
      ...(local?.frozen ? { hung: true } : {}),
      // The same for the operator verbs' fields: written only when they carry news.
      ...(this.restarting ? { restarting: true } : {}),
      ...(this.pendingRestart.length ? { pendingRestart: this.pendingRestart } : {}),
      ...(this.lastRequest ? { lastRequest: this.lastRequest } : {}),
      // The leader compares replicas only on states written after a failure. A replica that saw it first published
      // before the leader took its baseline, then had nothing new to say for a second (1.23 s of a 2.7 s failover).
      ...(failSeen !== null ? { sawPrimaryFail: failSeen } : {}),
    };
  }

  private async publish(members: Record<string, MemberState>): Promise<void> {
    this.member = this.buildMember(members);
    const leaseId = this.lease.status().leaseId;
    if (!this.etcdOk || !leaseId) return;
    // Every write is a raft proposal fsynced on every etcd member; an idle lab wrote 12 a second and etcd plus the
    // daemons used a fifth of the host. A changed state (under writes the LSNs change every cycle), a new lease or
    // UNCHANGED_REPUBLISH_MS without a write still publishes.
    const { updatedAt: _updatedAt, ...content } = this.member;
    const signature = JSON.stringify(content);
    const last = this.lastPublished;
    const now = this.deps.clock.now();
    if (last && last.content === signature && last.leaseId === leaseId && now - last.atMs < UNCHANGED_REPUBLISH_MS) return;
    const m = this.member;
    const lastLsn = m.role === 'primary' && m.pgUp && m.walLsn !== null && this.desired?.primary === this.opts.node ? { node: this.opts.node, generation: this.desired.generation, lsn: m.walLsn } : undefined;
    try {
      await this.dcs.publishMember(m, leaseId, lastLsn);
      this.lastPublished = { content: signature, leaseId, atMs: now };
    } catch (err) {
      this.lastPublished = null;
      this.log('publish', `publishing member state failed: ${(err as Error).message}`, true);
    }
  }

  health(): HealthState {
    return {
      self: this.opts.node,
      member: this.member,
      desiredPrimary: this.desired?.primary ?? null,
      leaseValid: this.lease.valid(),
      cycleAgeMs: this.deps.clock.now() - this.cycleEndedAt,
      livenessLimitMs: Math.max(this.opts.ttl * 3, 10_000),
    };
  }

  status(): unknown {
    return {
      node: this.opts.node,
      member: this.member,
      leader: this.isLeader,
      leaseValid: this.lease.valid(),
      leaseRemainingMs: Math.round(this.lease.remainingMs()),
      desiredGeneration: this.desired?.generation ?? null,
      desiredPrimary: this.desired?.primary ?? null,
      message: this.nodeMessage,
      leaderMessage: this.isLeader ? this.leaderMessage : null,
      paused: this.maintenance !== null,
      etcdReachable: this.etcdOk,
      process: processFootprint(),
    };
  }

  /** Graceful stop: a clean PostgreSQL shutdown ships all WAL to the replicas, then the lease goes so others act at once. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    if (this.fenceTimer) this.deps.clock.clearInterval(this.fenceTimer);
    while (this.running) await new Promise((r) => this.deps.clock.setTimeout(() => r(undefined), 20));
    this.log('shutdown', 'stopping postgres (fast) and releasing the lease');
    try {
      // A clean stop ships all WAL to the replicas, but the lease is held until it ends: a slow one (a long
      // shutdown checkpoint, a sick disk) would stall the cluster for systemd's whole stop timeout. After 5 s the
      // server is killed and the lease goes, so a replica takes over (found by the simulation, seed 1390).
      await this.ctl.stop('fast', SHUTDOWN_STOP_BOUND_S);
    } catch (err) {
      this.log('shutdown', `clean stop failed, stopping immediately: ${(err as Error).message}`);
      await this.ctl.stop('immediate').catch(() => undefined);
    }
    this.watchdog.disarm();
    this.probe.close();
    await this.dcs.resign(this.opts.node).catch(() => undefined);
    await this.lease.stop(true);
    this.server?.close();
    await this.dcs.close();
  }
}

function membersOf(view: ClusterView | null): Record<string, MemberState> {
  const members: Record<string, MemberState> = {};
  for (const [n, v] of Object.entries(view?.members ?? {})) members[n] = v.value;
  return members;
}

function defaultCidr(host: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.\d+$/.exec(host);
  if (!m) return `${host}/32`;
  if (m[1] === '127') return '127.0.0.1/32';
  return `${m[1]}.${m[2]}.${m[3]}.0/24`;
}
