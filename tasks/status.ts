// `pglab status`: one row per machine: address, role, running or not, and its services.
import { execIn, machineProcesses } from '../lab/machine.js';
import { ROLE_MODULES } from '../lab/roles/registry.js';
import type { Topology } from '../lab/topology.js';
import { existingMachines } from './destroy.js';
import { addMongoStates, mongoServerOf } from '../lab/roles/mongo/index.js';
import { formatLsn } from '../common/cluster-keys.js';
import { readClusterState } from '../ha/lab-cluster-client.js';
import type { ClusterState } from '../ha/cluster-state.js';
import { haManager } from './ha-manager.js';
import { formatTable } from '../common/text-table.js';

function formatBytes(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(0)}kB`;
  return `${(n / 1024 ** 2).toFixed(1)}MB`;
}

export interface MachineStatus {
  machine: string;
  ip: string;
  role: string;
  state: 'running' | 'stopped' | 'absent';
  services: Record<string, string>;
  /** PostgreSQL nodes, from the HA manager's view (pgdaemon's published state, Patroni's REST API). */
  postgres?: { want: string | null; role: string; timeline: number | null; lsn: string; lagBytes: number | null; leader: boolean; message: string; restarting?: boolean; pendingRestart?: string[] };
  /** MongoDB members: the replica set state the member reports (hello). */
  mongo?: { state: string };
}

export interface StatusReport {
  machines: MachineStatus[];
  /** The HA cluster is in maintenance mode (pglab pause): no automatic failover. */
  paused: boolean;
  maintenance: { since: string; by: string; reason?: string | undefined } | null;
  /** The mongod the mongo machines run (version, source, end of life); absent without mongo machines. */
  mongoServer?: string;
}

/** For a caller that polls (`pglab ui`): skip the services (a process per machine), and read the cluster with its own client. */
export interface CollectOptions {
  /** Ask each machine's systemd for its units (default true). */
  services?: boolean;
  /** The cluster state, read by the caller's client; default: a one-off read when a daemon runs. */
  readCluster?: () => Promise<ClusterState>;
}

export async function collectStatus(t: Topology, opts: CollectOptions = {}): Promise<StatusReport> {
  const procs = machineProcesses();
  const existing = new Set(existingMachines());
  const haUnit = haManager(t).unit;
  const rows = await Promise.all(
    t.machines.map(async (m): Promise<MachineStatus> => {
      const running = procs.get(m.name)?.leaderPid !== undefined;
      const state = running ? 'running' : existing.has(m.name) ? 'stopped' : 'absent';
      const services: Record<string, string> = {};
      const units = [...ROLE_MODULES[m.role].units, ...(m.role === 'postgres' ? [haUnit] : [])];
      if (running && units.length > 0 && opts.services !== false) {
        const r = await execIn(m.name, ['systemctl', 'is-active', ...units], { allowFailure: true, timeoutMs: 5000 }).catch(() => undefined);
        const states = r?.stdout.split('\n') ?? [];
        units.forEach((u, i) => (services[u.replace(/\.service$/, '')] = states[i] ?? 'unknown'));
      }
      return { machine: m.name, ip: m.ip, role: m.role, state, services };
    }),
  );
  // The HA manager's unit (pgdaemon or patroni) is what makes a cluster state worth asking for.
  const daemonMayRun = (r: MachineStatus) => r.role === 'postgres' && (opts.services === false ? r.state === 'running' : r.services[haUnit.replace(/\.service$/, '')] === 'active');
  const cluster = rows.some(daemonMayRun) ? await (opts.readCluster ?? (() => readClusterState(t)))().catch(() => undefined) : undefined;
  if (cluster) {
    for (const r of rows) {
      const m = cluster.members.find((x) => x.node === r.machine);
      if (r.role !== 'postgres') continue;
      const want = cluster.desired ? (cluster.desired.primary === r.machine ? 'primary' : 'replica') : null;
      r.postgres = m
        ? { want, role: m.role, timeline: m.timeline, lsn: formatLsn(m.walLsn ?? m.replayedLsn), lagBytes: m.lagBytes, leader: cluster.leader === r.machine, message: m.message, ...(m.restarting ? { restarting: true } : {}), ...(m.pendingRestart?.length ? { pendingRestart: m.pendingRestart } : {}) }
        : { want, role: 'unknown', timeline: null, lsn: '-', lagBytes: null, leader: false, message: 'no member state in etcd (daemon down?)' };
    }
  }
  await addMongoStates(t, rows);
  const mongoServer = mongoServerOf(t);
  return { machines: rows, paused: !!cluster?.maintenance, maintenance: cluster?.maintenance ?? null, ...(mongoServer ? { mongoServer } : {}) };
}

export function formatStatusTable(report: StatusReport): string {
  const rows = report.machines;
  const header = ['MACHINE', 'IP', 'ROLE', 'STATE', 'HA ROLE', 'TL', 'LSN', 'LAG', 'SERVICES'];
  const cells = rows.map((r) => [
    r.machine,
    r.ip,
    r.role,
    r.state,
    r.mongo ? r.mongo.state : r.postgres ? `${r.postgres.role}${r.postgres.want && r.postgres.want !== r.postgres.role ? ` (want ${r.postgres.want})` : ''}${r.postgres.leader ? ' *leader' : ''}${r.postgres.restarting ? ' restarting' : ''}${r.postgres.pendingRestart ? ` pending restart (${r.postgres.pendingRestart.join(',')})` : ''}` : '-',
    r.postgres?.timeline?.toString() ?? '-',
    r.postgres?.lsn ?? '-',
    r.postgres?.lagBytes === null || r.postgres?.lagBytes === undefined ? '-' : formatBytes(r.postgres.lagBytes),
    Object.entries(r.services).map(([k, v]) => `${k}:${v}`).join(' ') || '-',
  ]);
  const m = report.maintenance;
  return [
    formatTable([header, ...cells]),
    ...(report.mongoServer ? [`mongo: ${report.mongoServer}`] : []),
    ...(m ? [`HA cluster paused since ${m.since} by ${m.by}${m.reason ? ` (${m.reason})` : ''}: no automatic failover; pglab resume ends it`] : []),
  ].join('\n');
}
