// The etcd key layout and value schemas of a pgdaemon cluster, shared by the daemon and `pglab status`.
import { z } from 'zod';

/** Every key of a cluster lives under this prefix, so one range read returns the whole cluster. */
export function clusterPrefix(cluster: string): string {
  return `/pglab/${cluster}/`;
}

export function clusterKeys(cluster: string) {
  const prefix = clusterPrefix(cluster);
  return {
    prefix,
    /** Node name of the elected leader; bound to the leader's lease. */
    leader: `${prefix}leader`,
    /** DesiredState JSON; written only by compare-and-swap on its mod revision. */
    desired: `${prefix}desired`,
    /** ClusterConfig JSON, written by init-cluster and `config set` (compare-and-swap on its mod revision). */
    config: `${prefix}config`,
    /** Maintenance JSON while the cluster is paused (no automatic failover, no automatic actions); not bound to a lease. */
    maintenance: `${prefix}maintenance`,
    /** NodeRequest JSON per node: an operator's restart or re-clone request, consumed by that node's daemon. */
    nodeRequestPrefix: (kind: NodeRequestKind) => `${prefix}${kind}/`,
    nodeRequest: (kind: NodeRequestKind, node: string) => `${prefix}${kind}/${node}`,
    /** PostgreSQL system identifier of the bootstrapped cluster; present once initdb ran. */
    initialized: `${prefix}initialized`,
    /** A pending switchover/failover request (RoleChangeRequest JSON), consumed by the leader. */
    request: `${prefix}request`,
    /** The last request the leader refused: {request, reason, at}, so the CLI can say why. */
    refusal: `${prefix}refusal`,
    memberPrefix: `${prefix}members/`,
    /** MemberState JSON; bound to that member's lease, so it vanishes when the member stops renewing. */
    member: (node: string) => `${prefix}members/${node}`,
    historyPrefix: `${prefix}history/`,
    /** LastLsn JSON: the primary's WAL position, kept after its member key expires (failover lag limit). */
    lastLsn: `${prefix}last-lsn`,
    /** Node name of the one member allowed to remove its data directory and re-clone; bound to its lease. */
    recloneLock: `${prefix}reclone-lock`,
    /** HistoryEntry JSON, one per desired-state generation change; zero-padded so keys sort by generation. */
    history: (generation: number) => `${prefix}history/${String(generation).padStart(10, '0')}`,
  };
}
export type ClusterKeys = ReturnType<typeof clusterKeys>;

const nodeName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'node names are lower-case letters, digits, - and _');

export const desiredStateSchema = z
  .object({
    /** Bumped on every change; members report the generation they have applied. */
    generation: z.number().int().positive(),
    primary: nodeName,
    /** Every node of the cluster, the primary included. */
    members: z.array(nodeName).min(1),
    /** Sync mode: every acknowledged commit is on each of these, so only they may be promoted. */
    syncStandbys: z.array(nodeName),
    /** Sync mode: being added to synchronous_standby_names; not promotable until caught up. */
    syncPending: z.array(nodeName),
    /** The primary before the last change: it must acknowledge the change before the new one promotes. */
    previousPrimary: nodeName.nullable(),
    reason: z.string(),
    changedAt: z.string(),
  })
  .strict();
export type DesiredState = z.infer<typeof desiredStateSchema>;

/** A PostgreSQL parameter name as pg_settings spells it (lower case, dots for extensions' settings). */
export const pgParameterName = z.string().regex(/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/, 'a PostgreSQL parameter name (lower-case letters, digits, _)');

export const clusterConfigSchema = z
  .object({
    synchronous: z.boolean(),
    /** A replica whose last reported replay lag exceeds this is not promoted by a failover. */
    maxLagOnFailoverBytes: z.number().int().nonnegative(),
    /** Overrides each daemon's --failover-timeout at run time (absent: the daemon's own). */
    failoverTimeoutMs: z.number().int().positive().optional(),
    /** PostgreSQL parameters every daemon writes into postgresql.conf (then reloads); name → value as in the file. */
    postgresParameters: z.record(pgParameterName, z.string()).optional(),
  })
  // Not strict: a key added by a newer pglab must not make the config unreadable to a daemon being upgraded
  // (a leader without a readable config decides nothing). Daemons before this change parsed it strictly.
  .strip();
export type ClusterConfig = z.infer<typeof clusterConfigSchema>;

export const memberRoles = ['primary', 'replica', 'stopped'] as const;
export type MemberRole = (typeof memberRoles)[number];

export const replicationEntrySchema = z.object({
  name: z.string(),
  state: z.string(),
  syncState: z.string(),
  flushLsn: z.number().nullable(),
  replayLsn: z.number().nullable(),
});
export type ReplicationEntry = z.infer<typeof replicationEntrySchema>;

export const memberStateSchema = z
  .object({
    node: nodeName,
    connectHost: z.string(),
    pgPort: z.number().int(),
    apiUrl: z.string(),
    role: z.enum(memberRoles),
    pgUp: z.boolean(),
    /** True when PostgreSQL died while the daemon expected it to run. */
    crashed: z.boolean(),
    timeline: z.number().int().nullable(),
    systemId: z.string().nullable(),
    /** Primary: pg_current_wal_lsn(). */
    walLsn: z.number().nullable(),
    /** Replica: pg_last_wal_receive_lsn() / pg_last_wal_replay_lsn(). */
    receivedLsn: z.number().nullable(),
    replayedLsn: z.number().nullable(),
    /** Replica: bytes of WAL the primary has that this node has not replayed (from the primary's last report). */
    lagBytes: z.number().nullable(),
    streaming: z.boolean(),
    upstream: z.string().nullable(),
    /** Primary: its pg_stat_replication, by application_name. */
    replication: z.array(replicationEntrySchema),
    /**
     * Primary: the synchronous_standby_names members in force, the WAL position when they took effect, and the
     * desired generation it was taken under (a watermark from an older generation may predate a removal).
     */
    syncApplied: z.object({ names: z.array(z.string()), atLsn: z.number(), generation: z.number().int().optional() }).nullable(),
    appliedGeneration: z.number().int().nonnegative(),
    noFailover: z.boolean(),
    message: z.string(),
    updatedAt: z.string(),
    /** Postgres runs but is stopped by a signal (SIGSTOP) or otherwise not answering: it cannot serve. */
    hung: z.boolean().optional(),
    /** An operator's restart of this node's postgres is in progress: planned, not a failure. */
    restarting: z.boolean().optional(),
    /** Parameters changed in postgresql.conf that need a restart to apply (pg_settings.pending_restart). */
    pendingRestart: z.array(z.string()).optional(),
    /**
     * Replica: the desired generation whose primary this node sees failing, while it sees that; its LSNs in the
     * same state were read after it saw the failure, so the leader may compare them at once.
     */
    sawPrimaryFail: z.number().int().optional(),
    /** The last operator request (restart/reinit) this node carried out or refused, so the CLI can report it. */
    lastRequest: z
      .object({ kind: z.enum(['restart', 'reinit']), requestedAt: z.string(), outcome: z.enum(['done', 'failed', 'refused']), message: z.string() })
      .optional(),
  })
  // Not strict: a field added by a newer daemon during a rolling deploy must not make the member unreadable
  // (an unreadable member key once looked like an expired lease and caused a failover).
  .strip();
export type MemberState = z.infer<typeof memberStateSchema>;

export const lastLsnSchema = z.object({ node: nodeName, generation: z.number().int(), lsn: z.number() }).strip();
export type LastLsn = z.infer<typeof lastLsnSchema>;

export const roleChangeRequestSchema = z
  .object({
    kind: z.enum(['switchover', 'failover']),
    from: nodeName.nullable(),
    to: nodeName.nullable(),
    requestedAt: z.string(),
    /** Failover only: go ahead although the primary is healthy (it is demoted the usual way). Written only when true. */
    force: z.boolean().optional(),
  })
  .strict();
export type RoleChangeRequest = z.infer<typeof roleChangeRequestSchema>;

export const refusalSchema = z
  .object({ request: roleChangeRequestSchema, reason: z.string(), at: z.string() })
  .strict();
export type Refusal = z.infer<typeof refusalSchema>;

/** Present while the cluster is paused (maintenance mode). */
export const maintenanceSchema = z.object({ since: z.string(), by: z.string(), reason: z.string().optional() }).strip();
export type Maintenance = z.infer<typeof maintenanceSchema>;

export const nodeRequestKinds = ['restart', 'reinit'] as const;
export type NodeRequestKind = (typeof nodeRequestKinds)[number];
/** An operator's request to one node's daemon; the daemon deletes it when it starts on it (at most once). */
export const nodeRequestSchema = z.object({ requestedAt: z.string(), by: z.string() }).strip();
export type NodeRequest = z.infer<typeof nodeRequestSchema>;

export const historyEntrySchema = z
  .object({
    generation: z.number().int(),
    /** 'promotion': a timeline switch as Patroni records it, without saying whether it was planned (ha/patroni-model.ts). */
    kind: z.enum(['bootstrap', 'failover', 'switchover', 'sync', 'promotion']),
    from: z.string().nullable(),
    to: z.string(),
    reason: z.string(),
    decidedBy: z.string(),
    decidedAt: z.string(),
    /** Failover: milliseconds from the leader noticing the primary's failure to this decision. */
    detectedToDecidedMs: z.number().nullable(),
  })
  .strict();
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/** "0/3000060" → bytes. LSNs stay below 2^53 for any WAL volume a lab produces. */
export function parseLsn(text: string | null | undefined): number | null {
  if (!text) return null;
  const m = /^([0-9A-Fa-f]+)\/([0-9A-Fa-f]+)$/.exec(text.trim());
  if (!m) return null;
  return parseInt(m[1] as string, 16) * 2 ** 32 + parseInt(m[2] as string, 16);
}

export function formatLsn(lsn: number | null): string {
  if (lsn === null) return '-';
  const hi = Math.floor(lsn / 2 ** 32);
  const lo = lsn - hi * 2 ** 32;
  return `${hi.toString(16).toUpperCase()}/${lo.toString(16).toUpperCase()}`;
}
