// Failover candidate selection: ordered blockers say why a member may not be promoted; the best of the rest wins.
import type { ClusterConfig, DesiredState, MemberState } from '../common/cluster-keys.js';

export type Blocker = (member: MemberState, ctx: CandidateContext) => string | null;

export interface CandidateContext {
  desired: DesiredState;
  config: ClusterConfig;
  /** Highest timeline any candidate reports: a member on an older one missed a promotion. */
  newestTimeline: number;
  /** The failed primary's last known WAL position (kept in etcd after its member key expired), if known. */
  primaryLsn: number | null;
}

/** Checked in order; the first that answers names the reason the member is not promotable. */
export const blockers: readonly Blocker[] = [
  (m, c) => (c.desired.members.includes(m.node) ? null : 'not a member of the cluster'),
  (m, c) => (m.node === c.desired.primary ? 'is the failed primary' : null),
  (m) => (m.noFailover ? 'tagged nofailover' : null),
  (m) => (m.pgUp ? null : 'postgres is not running'),
  (m) => (m.role === 'replica' ? null : `is ${m.role}, not a replica`),
  (m, c) => (m.timeline !== null && m.timeline < c.newestTimeline ? `on old timeline ${m.timeline}` : null),
  (m, c) =>
    c.config.synchronous && !c.desired.syncStandbys.includes(m.node) ? 'not a synchronous standby (sync mode)' : null,
  (m, c) => {
    if (c.config.synchronous) return null;
    // Measured against the primary's last known position, not the lag the replica computed: that one is null
    // once the primary's state is gone, and null must not pass.
    const lag = c.primaryLsn !== null ? Math.max(0, c.primaryLsn - progressOf(m)) : m.lagBytes;
    return lag !== null && lag > c.config.maxLagOnFailoverBytes ? `lag ${lag} bytes exceeds ${c.config.maxLagOnFailoverBytes}` : null;
  },
];

/** How far a replica got: the WAL it has received, or replayed if that is further (after a restart). */
export function progressOf(m: MemberState): number {
  return Math.max(m.receivedLsn ?? 0, m.replayedLsn ?? 0);
}

export interface CandidateChoice {
  best: MemberState | null;
  /** "pg2: tagged nofailover" for every member that was ruled out. */
  rejected: string[];
}

export function chooseCandidate(
  members: readonly MemberState[],
  desired: DesiredState,
  config: ClusterConfig,
  primaryLsn: number | null = null,
): CandidateChoice {
  const others = members.filter((m) => m.node !== desired.primary);
  const newestTimeline = Math.max(0, ...others.filter((m) => m.pgUp && m.role === 'replica').map((m) => m.timeline ?? 0));
  const ctx: CandidateContext = { desired, config, newestTimeline, primaryLsn };
  const rejected: string[] = [];
  const eligible: MemberState[] = [];
  for (const m of others) {
    const reason = blockers.map((b) => b(m, ctx)).find((r) => r !== null);
    if (reason) rejected.push(`${m.node}: ${reason}`);
    else eligible.push(m);
  }
  // Highest progress wins; ties go to the name that sorts first, so every leader picks the same node.
  eligible.sort((a, b) => progressOf(b) - progressOf(a) || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  return { best: eligible[0] ?? null, rejected };
}
