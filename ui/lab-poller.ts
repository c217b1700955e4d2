// Reads the lab while someone watches: `pglab status`'s collectStatus with the cluster client's state (history
// included), haproxy's backends and etcd's members, every `fastMs`; each machine's services (a process per machine)
// only every `servicesMs`. Runs inside the lab's network namespace; stops reading when nobody watches.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterClient } from '../ha/cluster-client.js';
import type { ClusterState } from '../ha/cluster-state.js';
import { etcdMembers } from '../lab/etcd-members.js';
import { haproxyBackends } from '../lab/haproxy-state.js';
import { insideNetns } from '../lab/netns-path.js';
import { machinesOf, type Topology } from '../lab/topology.js';
import { collectStatus, type StatusReport } from '../tasks/status.js';
import { machineEvents, memberEvents, mergeEvents, type MemberActions, type UiEvent } from './ha-events.js';
import { buildSnapshot, recordPrimaryWal, type UiHaproxy, type UiSnapshot } from './lab-snapshot.js';
import { WalTimeline } from './replication-lag.js';

export interface PollTimes {
  fastMs: number;
  servicesMs: number;
}

/** Chosen in docs/decisions.md ("pglab ui"), with the cost of each. */
export const DEFAULT_POLL: PollTimes = { fastMs: 250, servicesMs: 3000 };

export class LabPoller {
  private watchers = 0;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly wal = new WalTimeline();
  private services = new Map<string, Record<string, string>>();
  private memberActions: MemberActions = new Map();
  private machineStates = new Map<string, string>();
  private seen: UiEvent[] = [];
  private lastServicesAt = -Infinity;
  /** Ticks done and the time they took, for the cost measurement in the docs. */
  readonly stats = { ticks: 0, busyMs: 0 };

  constructor(
    private readonly t: Topology,
    private readonly client: ClusterClient,
    private readonly lab: string,
    private readonly onSnapshot: (s: UiSnapshot) => void,
    private readonly times: PollTimes = DEFAULT_POLL,
  ) {}

  /** A page started watching; returns the function that ends its watch. */
  watch(): () => void {
    this.watchers++;
    if (!this.running) this.running = this.loop().finally(() => (this.running = null));
    let done = false;
    return () => {
      if (!done) this.watchers--;
      done = true;
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    while (this.watchers > 0 && !this.stopped) {
      const started = performance.now();
      const withServices = started - this.lastServicesAt >= this.times.servicesMs;
      if (withServices) this.lastServicesAt = started;
      try {
        const snap = await this.read(withServices);
        snap.readMs = Math.round(performance.now() - started);
        this.onSnapshot(snap);
      } catch (err) {
        // Nothing above throws for a lab that is half down; this is a bug or the namespace gone: say it, keep going.
        this.onSnapshot(this.failed(err));
      }
      this.stats.ticks++;
      this.stats.busyMs += performance.now() - started;
      await sleep(Math.max(20, this.times.fastMs - (performance.now() - started)));
    }
  }

  private failed(err: unknown): UiSnapshot {
    return { at: new Date().toISOString(), lab: this.lab, manager: this.client.manager, cluster: null, paused: null, machines: [], haproxy: [], etcd: [], events: this.seen.slice(-200), errors: [`reading the lab failed: ${(err as Error).message}`], readMs: 0 };
  }

  /** One reading of the lab, as a snapshot. */
  async read(withServices: boolean): Promise<UiSnapshot> {
    const errors: string[] = [];
    // A destroyed and rebuilt lab has a new namespace; this process stays in the old one and reaches nothing.
    if (!insideNetns()) errors.push("the lab's network namespace is gone or was made anew (pglab destroy, pglab machines): restart pglab ui");
    let cluster: ClusterState | null = null;
    const readCluster = async () => {
      try {
        return (cluster = await this.client.state({ history: true }));
      } catch (err) {
        errors.push(`HA cluster state: ${(err as Error).message}`);
        throw err;
      }
    };
    const report: StatusReport = await collectStatus(this.t, { services: withServices, readCluster });
    const running = new Set(report.machines.filter((m) => m.state === 'running').map((m) => m.machine));
    const [haproxy, etcd] = await Promise.all([
      Promise.all(machinesOf(this.t, 'haproxy').filter((m) => running.has(m.name)).map(async (m): Promise<UiHaproxy> => {
        try {
          return { machine: m.name, backends: await haproxyBackends(m) };
        } catch (err) {
          return { machine: m.name, backends: {}, error: (err as Error).message };
        }
      })),
      // Only machines that run: a stopped member is down without asking (and nothing is sent where no machine is).
      etcdMembers(machinesOf(this.t, 'etcd').filter((m) => running.has(m.name))).then((up) => machinesOf(this.t, 'etcd').map((m) => up.find((x) => x.machine === m.name) ?? { machine: m.name, up: false, leader: false, raftTerm: null, error: 'machine not running' })),
    ]);
    if (withServices) this.services = new Map(report.machines.map((m) => [m.machine, m.services] as const));
    const at = new Date();
    this.observe(report, cluster, at);
    recordPrimaryWal(this.wal, cluster);
    const c = cluster as ClusterState | null;
    return buildSnapshot({ at, lab: this.lab, manager: this.client.manager, report, cluster: c, services: this.services, haproxy, etcd, events: mergeEvents(c?.history ?? [], this.seen), wal: this.wal, errors });
  }

  /** Events the history does not hold: members starting an HA action, machines going down or up. */
  private observe(report: StatusReport, cluster: ClusterState | null, at: Date): void {
    const found = machineEvents(this.machineStates, report.machines, at.toISOString());
    this.machineStates = new Map(report.machines.map((m) => [m.machine, m.state] as const));
    if (cluster) {
      const m = memberEvents(this.memberActions, cluster.members);
      found.push(...m.events);
      this.memberActions = m.actions;
    }
    if (found.length) this.seen = [...this.seen, ...found].slice(-200);
  }
}
