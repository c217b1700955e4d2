// The HA cluster as the CLI sees it, whatever manager runs it: leader, desired primary, members, history; and
// whether it is healthy.
import { z } from 'zod';
import { clusterConfigSchema, desiredStateSchema, historyEntrySchema, maintenanceSchema, memberStateSchema, type ClusterConfig, type DesiredState, type HistoryEntry, type Maintenance, type MemberState } from '../common/cluster-keys.js';

/** The shape of `pgdaemon status --json` (daemon/cli-admin.ts clusterStatus), checked where it crosses a process. */
export const clusterStateSchema = z.object({
  leader: z.string().nullable(),
  desired: desiredStateSchema.nullable(),
  config: clusterConfigSchema.nullable().default(null),
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
