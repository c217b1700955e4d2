// The member state this daemon reports under its lease: built from what it observed, written when it carries news.
import type { DesiredState, LastLsn, MemberState } from '../common/cluster-keys.js';
import type { Clock } from './clock.js';
import type { LogFn } from './daemon-log.js';
import { primaryFailure } from './decide-leader.js';
import type { LocalPg, NodeMemory } from './decide-node.js';
import type { Dcs } from './dcs.js';
import type { PgSnapshot } from './postgres-probe.js';

/**
 * An unchanged member state is written again after this long (its "last cycle" time in status ages meanwhile). The
 * lease says whether a daemon lives; freshness after a failure comes from the replicas publishing sawPrimaryFail. At
 * 1 s the three idle daemons made etcd commit (and fsync on every member) three writes a second for nothing.
 */
const UNCHANGED_REPUBLISH_MS = 10_000;

/** Who this member is, for others to reach it: fixed for the daemon's life. */
export interface MemberIdentity {
  node: string;
  connectHost: string;
  pgPort: number;
  apiUrl: string;
  noFailover: boolean;
}

export interface MemberInput {
  identity: MemberIdentity;
  snap: PgSnapshot | null;
  local: LocalPg | null;
  memory: Pick<NodeMemory, 'crashedAt' | 'lastRole'>;
  desired: DesiredState | null;
  members: Readonly<Record<string, MemberState>>;
  /** A view of etcd exists (the replica's sawPrimaryFail is only said on one). */
  haveView: boolean;
  message: string;
  nowIso: string;
  restarting: boolean;
  pendingRestart: string[];
  lastRequest: MemberState['lastRequest'];
  syncApplied: MemberState['syncApplied'];
}

/** The member state as a pure function of what the daemon observed and remembers. */
export function memberState(i: MemberInput): MemberState {
  const s = i.snap;
  const local = i.local;
  const self = i.identity.node;
  const primary = i.desired ? i.members[i.desired.primary] : undefined;
  // Running but not answering, after being primary: still report primary so nobody promotes past us.
  const role: MemberState['role'] = s ? (s.inRecovery ? 'replica' : 'primary') : local?.running && i.memory.lastRole === 'primary' ? 'primary' : 'stopped';
  const lag = s && s.inRecovery && primary?.walLsn != null && s.replayedLsn != null ? Math.max(0, primary.walLsn - s.replayedLsn) : null;
  const upstream = role === 'replica' && local?.configuredUpstream ? (local.configuredUpstream.split('@')[0] ?? null) : null;
  const failSeen = role === 'replica' && i.haveView && i.desired && i.desired.primary !== self && primaryFailure(i.desired, primary) ? i.desired.generation : null;
  return {
    node: self,
    connectHost: i.identity.connectHost,
    pgPort: i.identity.pgPort,
    apiUrl: i.identity.apiUrl,
    role,
    pgUp: s !== null,
    crashed: i.memory.crashedAt !== null && s === null,
    timeline: s?.timeline ?? null,
    systemId: s?.systemId ?? null,
    walLsn: s?.walLsn ?? null,
    receivedLsn: s?.receivedLsn ?? null,
    replayedLsn: s?.replayedLsn ?? null,
    lagBytes: lag,
    streaming: s?.streaming ?? false,
    upstream,
    replication: s && !s.inRecovery ? s.replication : [],
    syncApplied: role === 'primary' ? i.syncApplied : null,
    appliedGeneration: i.desired?.generation ?? 0,
    noFailover: i.identity.noFailover,
    message: i.message,
    updatedAt: i.nowIso,
    // Only when true: daemons before this field parsed member keys strictly, and a rolling deploy must not
    // make every new member unreadable to them.
    ...(local?.frozen ? { hung: true } : {}),
    // The same for the operator verbs' fields: written only when they carry news.
    ...(i.restarting ? { restarting: true } : {}),
    ...(i.pendingRestart.length ? { pendingRestart: i.pendingRestart } : {}),
    ...(i.lastRequest ? { lastRequest: i.lastRequest } : {}),
    // The leader compares replicas only on states written after a failure. A replica that saw it first published
    // before the leader took its baseline, then had nothing new to say for a second (1.23 s of a 2.7 s failover).
    ...(failSeen !== null ? { sawPrimaryFail: failSeen } : {}),
  };
}

/**
 * Every write is a raft proposal fsynced on every etcd member; an idle lab wrote 12 a second and etcd plus the
 * daemons used a fifth of the host. A changed state (under writes the LSNs change every cycle), a new lease or
 * UNCHANGED_REPUBLISH_MS without a write still publishes.
 */
export class MemberPublisher {
  private last: MemberState | null = null;
  private published: { content: string; leaseId: string; atMs: number } | null = null;

  constructor(
    private readonly dcs: Dcs,
    private readonly clock: Clock,
    private readonly log: LogFn,
  ) {}

  /** The state built last (what /health and /status answer from). */
  get member(): MemberState | null {
    return this.last;
  }

  /** Records `m` as this daemon's state and writes it under `leaseId` when it carries news (not without etcd or a lease). */
  async publish(m: MemberState, leaseId: string | null, etcdOk: boolean, desired: DesiredState | null): Promise<void> {
    this.last = m;
    if (!etcdOk || !leaseId) return;
    const { updatedAt: _updatedAt, ...content } = m;
    const signature = JSON.stringify(content);
    const last = this.published;
    const now = this.clock.now();
    if (last && last.content === signature && last.leaseId === leaseId && now - last.atMs < UNCHANGED_REPUBLISH_MS) return;
    const lastLsn: LastLsn | undefined = m.role === 'primary' && m.pgUp && m.walLsn !== null && desired?.primary === m.node ? { node: m.node, generation: desired.generation, lsn: m.walLsn } : undefined;
    try {
      await this.dcs.publishMember(m, leaseId, lastLsn);
      this.published = { content: signature, leaseId, atMs: now };
    } catch (err) {
      this.published = null;
      this.log('publish', `publishing member state failed: ${(err as Error).message}`, true);
    }
  }
}
