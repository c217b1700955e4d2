// Reads the HA cluster as pgdaemon sees it (its `status --json`, run inside a
// PostgreSQL node) and judges whether it is healthy.
import { z } from 'zod';
import { clusterConfigSchema, desiredStateSchema, historyEntrySchema, maintenanceSchema, memberStateSchema, type ClusterConfig, type DesiredState, type HistoryEntry, type Maintenance, type MemberState } from '../../common/cluster-keys.js';
import { execIn, machineProcess } from '../../lab/machine.js';
import { machinesOf, type Topology } from '../../lab/topology.js';
import { DAEMON_CONFIG } from './node-files.js';
import { INSTALL_DIR } from './bundle.js';
import { DAEMON_HTTP_PORT } from '../../lab/roles/haproxy.js';
import { insideNetns } from '../../network/netns.js';

const statusSchema = z.object({
  leader: z.string().nullable(),
  desired: desiredStateSchema.nullable(),
  config: clusterConfigSchema.nullable().default(null),
  /** Present while the cluster is paused (daemons before the operator verbs do not send it). */
  maintenance: maintenanceSchema.nullable().default(null),
  members: z.array(memberStateSchema),
  problems: z.array(z.string()).default([]),
  history: z.array(historyEntrySchema).default([]),
});

export interface ClusterState {
  leader: string | null;
  desired: DesiredState | null;
  config: ClusterConfig | null;
  maintenance: Maintenance | null;
  members: MemberState[];
  problems: string[];
  history: HistoryEntry[];
}

/** Runs a pgdaemon command in the first running PostgreSQL node that has it installed. */
export async function pgdaemonCli(t: Topology, args: string[], opts: { allowFailure?: boolean; timeoutMs?: number } = {}) {
  const node = machinesOf(t, 'postgres').find((m) => machineProcess(m.name)?.leaderPid);
  if (!node) throw new Error('no PostgreSQL machine is running');
  return execIn(node.name, ['node', `${INSTALL_DIR}/daemon/pgdaemon.cjs`, ...args, '--config', DAEMON_CONFIG], {
    timeoutMs: opts.timeoutMs ?? 15_000,
    allowFailure: opts.allowFailure,
  });
}

function parseState(json: unknown, source: string): ClusterState {
  const parsed = statusSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${source} returned an unexpected shape: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/**
 * The cluster as the daemons see it. Inside the lab namespace this asks the
 * daemons' HTTP API (/cluster, the state of their last cycle): fast and cheap.
 * Outside it, or when no daemon answers, it runs `pgdaemon status --json` in a
 * node, which reads etcd directly.
 */
export async function readClusterState(t: Topology, opts: { history?: boolean } = {}): Promise<ClusterState> {
  if (insideNetns()) {
    for (const m of machinesOf(t, 'postgres')) {
      if (!machineProcess(m.name)?.leaderPid) continue;
      try {
        const base = `http://${m.ip}:${DAEMON_HTTP_PORT}`;
        const cluster = (await (await fetch(`${base}/cluster`, { signal: AbortSignal.timeout(1500) })).json()) as Record<string, unknown>;
        if (cluster.etcdReachable === false) continue; // a daemon cut off from etcd knows only its last read
        const history = opts.history ? ((await (await fetch(`${base}/history`, { signal: AbortSignal.timeout(1500) })).json()) as unknown) : [];
        return parseState({ ...cluster, history }, `${m.name}'s /cluster`);
      } catch {
        /* that daemon is down or restarting: ask the next one */
      }
    }
  }
  const r = await pgdaemonCli(t, ['status', '--json']);
  return parseState(JSON.parse(r.stdout), 'pgdaemon status --json');
}

/** What keeps the desired primary from serving: its member state, as in clusterProblems but for it alone. */
export function primaryProblems(s: ClusterState): string[] {
  if (!s.desired) return ['the cluster is not initialized (no desired state)'];
  return clusterProblems({ ...s, desired: { ...s.desired, members: [s.desired.primary] } });
}

/** Why the cluster is not healthy yet, or [] when it is: the desired primary up, every other member streaming. */
export function clusterProblems(s: ClusterState): string[] {
  if (!s.desired) return ['the cluster is not initialized (no desired state)'];
  const problems: string[] = [];
  const byName = new Map(s.members.map((m) => [m.node, m] as const));
  for (const name of s.desired.members) {
    const m = byName.get(name);
    if (!m) problems.push(`${name}: no member state (daemon not running?)`);
    else if (name === s.desired.primary) {
      if (m.role !== 'primary' || !m.pgUp) problems.push(`${name}: should be primary, is ${m.role}${m.pgUp ? '' : ' (postgres down)'}`);
    } else if (m.role !== 'replica' || !m.streaming) {
      problems.push(`${name}: should be a streaming replica, is ${m.role}${m.streaming ? '' : ' (not streaming)'}`);
    }
  }
  if (!s.leader) problems.push('no daemon holds the leader key');
  return problems;
}
