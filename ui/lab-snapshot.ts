// What the page shows, in one document the server pushes: every machine with its state and services, the HA view of
// each PostgreSQL node (from `pglab status`'s collectStatus and the cluster client's state), haproxy's backends, etcd's
// members and leader, mongo members, and the HA manager's events. Built here from what the poller read; pure.
import type { MemberState } from '../common/cluster-keys.js';
import type { ClusterState } from '../ha/cluster-state.js';
import type { EtcdMemberStatus } from '../lab/etcd-members.js';
import type { StatusReport } from '../tasks/status.js';
import type { WalTimeline } from './replication-lag.js';
import type { UiEvent, UiHaproxy, UiMachine, UiSnapshot } from './wire.js';

export type { UiHaproxy, UiMachine, UiSnapshot };

export interface SnapshotInput {
  at: Date;
  lab: string;
  manager: string;
  report: StatusReport;
  cluster: ClusterState | null;
  /** Services from the last poll that asked for them, for machines this poll did not ask. */
  services: ReadonlyMap<string, Record<string, string>>;
  haproxy: UiHaproxy[];
  etcd: EtcdMemberStatus[];
  events: UiEvent[];
  wal: WalTimeline;
  errors: string[];
}

function syncStateOf(primary: MemberState | undefined, node: string): string | null {
  return primary?.replication.find((r) => r.name === node)?.syncState ?? null;
}

export function buildSnapshot(i: SnapshotInput): UiSnapshot {
  const members = new Map((i.cluster?.members ?? []).map((m) => [m.node, m] as const));
  const primaryName = i.cluster?.desired?.primary ?? null;
  const primaryMember = [...members.values()].find((m) => m.role === 'primary' && m.pgUp) ?? (primaryName ? members.get(primaryName) : undefined);
  const machines = i.report.machines.map((r): UiMachine => {
    const services = Object.keys(r.services).length > 0 ? r.services : r.state === 'running' ? (i.services.get(r.machine) ?? {}) : {};
    const out: UiMachine = { name: r.machine, ip: r.ip, role: r.role, state: r.state, services };
    if (r.postgres) {
      const m = members.get(r.machine);
      const replayed = m?.role === 'replica' ? m.replayedLsn : null;
      const lag = replayed !== null ? i.wal.lag(replayed, Date.parse(m?.updatedAt ?? '') || i.at.getTime()) : m?.role === 'primary' ? { ms: 0, atLeast: false } : null;
      out.postgres = {
        haRole: r.postgres.role,
        want: r.postgres.want,
        leader: r.postgres.leader,
        timeline: r.postgres.timeline,
        lsn: r.postgres.lsn,
        lagBytes: r.postgres.lagBytes,
        lagMs: lag?.ms ?? null,
        lagAtLeast: lag?.atLeast ?? false,
        sync: m?.role === 'replica' ? syncStateOf(primaryMember, r.machine) : null,
        streaming: m?.streaming ?? false,
        upstream: m?.upstream ?? null,
        pendingRestart: r.postgres.pendingRestart ?? [],
        restarting: r.postgres.restarting ?? false,
        message: r.postgres.message,
      };
    }
    if (r.mongo) out.mongo = r.mongo;
    return out;
  });
  const c = i.cluster;
  return {
    at: i.at.toISOString(),
    lab: i.lab,
    manager: i.manager,
    cluster: c ? { leader: c.leader, primary: c.desired?.primary ?? null, generation: c.desired?.generation ?? null, synchronous: c.config?.synchronous ?? null, problems: c.problems } : null,
    paused: i.report.maintenance,
    machines,
    haproxy: i.haproxy,
    etcd: i.etcd,
    events: i.events,
    errors: i.errors,
    readMs: 0,
  };
}

/** The primary's WAL position, recorded at its publication time for the lag estimate. */
export function recordPrimaryWal(wal: WalTimeline, cluster: ClusterState | null): void {
  const p = cluster?.members.find((m) => m.role === 'primary' && m.pgUp && m.walLsn !== null);
  if (p?.walLsn != null) wal.record(Date.parse(p.updatedAt) || Date.now(), p.walLsn);
}
