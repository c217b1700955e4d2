// Pure decisions of the elected leader: failover, operator requests, and the synchronous standby set.
import type { DesiredState, HistoryEntry, MemberState } from '../common/cluster-keys.js';
import { chooseCandidate, blockers } from './candidates.js';
import type { ClusterView } from './dcs.js';

export interface LeaderMemory {
  /** Set while the desired primary looks failed: since when (monotonic ms), why, and each replica's
   *  member revision at that moment, so candidates are compared on states published after the failure. */
  failing: { since: number; reason: string; generation: number; baseline: Record<string, string> } | null;
}
export const initialLeaderMemory: LeaderMemory = { failing: null };

export interface LeaderInput {
  self: string;
  view: ClusterView;
  /** Monotonic milliseconds, for durations. */
  nowMs: number;
  /** Wall clock ISO time, only written into records for humans. */
  nowIso: string;
  /** How long a primary that is up but not serving (restarting) may take before a failover. */
  failoverTimeoutMs: number;
  memory: LeaderMemory;
}

export type LeaderAction =
  | { kind: 'write-desired'; expectRevision: string; next: DesiredState; history?: HistoryEntry; consumeRequest: boolean; memberUnchanged?: { node: string; modRevision: string | null } }
  | { kind: 'drop-request'; reason: string };

export interface LeaderDecision {
  actions: LeaderAction[];
  message: string;
  memory: LeaderMemory;
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Why the desired primary cannot serve, as its member key shows (gone, crashed, down); null while it can. */
export function primaryFailure(desired: DesiredState, m: MemberState | undefined): { reason: string; immediate: boolean } | null {
  if (!m) return { reason: `member key of ${desired.primary} is gone (its lease expired)`, immediate: true };
  // An operator's restart is planned: its daemon is alive (the key holds its lease); wait as for any restart.
  if (m.restarting && (!m.pgUp || m.role !== 'primary' || m.crashed))
    return { reason: `${desired.primary} is restarting on an operator's request`, immediate: false };
  if (m.crashed) return { reason: `${desired.primary} reports its postgres crashed`, immediate: true };
  if (m.appliedGeneration === desired.generation && (!m.pgUp || m.role !== 'primary'))
    return { reason: `${desired.primary} is ${m.pgUp ? m.role : 'down'}, not a running primary`, immediate: false };
  return null;
}

export function decideLeader(input: LeaderInput): LeaderDecision {
  const { view, self, memory } = input;
  const noop = (message: string, mem: LeaderMemory = memory): LeaderDecision => ({ actions: [], message, memory: mem });
  if (view.desiredUnreadable) return noop(`no action: desired state is unreadable (${view.problems.join('; ')}); waiting for an operator to repair it`);
  if (!view.desired) return noop('no action: cluster not initialized (run pgdaemon init-cluster)');
  if (!view.config) return noop('no action: cluster config is missing or unreadable; not deciding anything');
  const desired = view.desired.value;
  const config = view.config;
  const members = Object.values(view.members).map((v) => v.value);
  const primary = view.members[desired.primary]?.value;
  const next = (primaryNode: string, reason: string): DesiredState => ({
    ...desired,
    generation: desired.generation + 1,
    primary: primaryNode,
    previousPrimary: desired.primary,
    syncStandbys: [],
    syncPending: [],
    reason,
    changedAt: input.nowIso,
  });
  const history = (kind: HistoryEntry['kind'], to: string, reason: string, ms: number | null): HistoryEntry => ({
    generation: desired.generation + 1,
    kind,
    from: desired.primary,
    to,
    reason,
    decidedBy: self,
    decidedAt: input.nowIso,
    detectedToDecidedMs: ms,
  });

  if (view.request) {
    const req = view.request;
    if (req.from && req.from !== desired.primary)
      return { actions: [{ kind: 'drop-request', reason: `${req.kind} from ${req.from} refused: the primary is ${desired.primary}` }], message: `refusing ${req.kind}: ${req.from} is not the primary`, memory };
    let target: string | null = null;
    if (req.kind === 'switchover') {
      const healthy = primary && primary.pgUp && primary.role === 'primary' && !primary.crashed;
      if (!healthy) return { actions: [{ kind: 'drop-request', reason: `switchover refused: primary ${desired.primary} is not healthy (use failover)` }], message: 'refusing switchover: the primary is not healthy', memory };
      const choice = chooseCandidate(members, desired, config);
      if (req.to) {
        const m = view.members[req.to]?.value;
        const reason = m ? blockers.map((b) => b(m, { desired, config, newestTimeline: 0, primaryLsn: lastPrimaryLsn(view) })).find((r) => r !== null) : 'has no member state (daemon down?)';
        if (reason) return { actions: [{ kind: 'drop-request', reason: `switchover to ${req.to} refused: ${req.to} ${reason}` }], message: `refusing switchover to ${req.to}: ${reason}`, memory };
        target = req.to;
      } else {
        if (!choice.best) return { actions: [{ kind: 'drop-request', reason: `switchover refused: no candidate (${choice.rejected.join('; ')})` }], message: 'refusing switchover: no candidate', memory };
        target = choice.best.node;
      }
    } else {
      // Unplanned: meant for a cluster without a healthy primary. With force it also replaces a healthy one, which
      // then steps down the usual way (it stops, acknowledges the new generation, and is rewound as a replica).
      const healthy = primary && primary.pgUp && primary.role === 'primary' && !primary.crashed;
      if (healthy && !req.force)
        return { actions: [{ kind: 'drop-request', reason: `failover refused: primary ${desired.primary} is healthy (use switchover, or failover --force)` }], message: 'refusing failover: the primary is healthy', memory };
      if (req.to) {
        const m = view.members[req.to]?.value;
        if (!m || !m.pgUp || m.role !== 'replica' || !desired.members.includes(req.to))
          return { actions: [{ kind: 'drop-request', reason: `failover to ${req.to} refused: it must be a running replica of this cluster` }], message: 'refusing failover: target is not a running replica', memory };
        target = req.to;
      } else {
        const choice = chooseCandidate(members, desired, config, lastPrimaryLsn(view));
        if (!choice.best) return { actions: [{ kind: 'drop-request', reason: `failover refused: no candidate (${choice.rejected.join('; ')})` }], message: 'refusing failover: no candidate', memory };
        target = choice.best.node;
      }
    }
    const reason = `${req.kind}${req.force ? ' (forced)' : ''} to ${target} requested by an operator`;
    return {
      actions: [{ kind: 'write-desired', expectRevision: view.desired.modRevision, next: next(target, reason), history: history(req.kind, target, reason, null), consumeRequest: true }],
      message: `${req.kind}: making ${target} the primary instead of ${desired.primary}`,
      memory: initialLeaderMemory,
    };
  }

  if (!view.initialized) return noop(`no action: waiting for ${desired.primary} to bootstrap the cluster`);
  // Its key exists, so its lease is alive: a primary we cannot read is not a primary we may replace.
  if (view.unreadableMembers.includes(desired.primary))
    return noop(`no action: the member key of ${desired.primary} does not parse (${view.problems.join('; ')}); its lease is alive, so no failover`, initialLeaderMemory);
  const failure = primaryFailure(desired, primary);
  // Paused: operator requests above still run; nothing happens on its own, not even a failover.
  if (view.maintenance) {
    const state = failure ? `${failure.reason}; not failing over` : `${desired.primary} is the primary`;
    return noop(`no action: paused by ${view.maintenance.by} since ${view.maintenance.since} (no automatic failover or sync-set change); ${state}`, initialLeaderMemory);
  }
  if (!failure) {
    const sync = syncChange(desired, config.synchronous, view.members);
    if (sync) {
      const reason = `synchronous standbys ${sync.syncStandbys.join(',') || '(none)'}${sync.syncPending.length ? `, joining ${sync.syncPending.join(',')}` : ''}`;
      return {
        actions: [{ kind: 'write-desired', expectRevision: view.desired.modRevision, next: { ...desired, ...sync, generation: desired.generation + 1, reason, changedAt: input.nowIso }, consumeRequest: false }],
        message: `updating sync set: ${reason}`,
        memory: initialLeaderMemory,
      };
    }
    return noop(`no action: I am ${self}, the leader; ${desired.primary} is the primary`, initialLeaderMemory);
  }

  let failing = memory.failing;
  if (!failing || failing.generation !== desired.generation) {
    const baseline: Record<string, string> = {};
    for (const [node, v] of Object.entries(view.members)) baseline[node] = v.modRevision;
    failing = { since: input.nowMs, reason: failure.reason, generation: desired.generation, baseline };
  }
  const waited = input.nowMs - failing.since;
  const mem: LeaderMemory = { failing };
  if (!failure.immediate && waited < input.failoverTimeoutMs)
    return noop(`waiting: ${failure.reason} for ${Math.round(waited)}ms (failover after ${input.failoverTimeoutMs}ms)`, mem);
  // Compare replicas on what they published after the failure, unless one stays silent too long.
  // Fresh: written since the leader saw the failure, or written by a replica that saw it itself (it may have seen it
  // first and published before the baseline was taken).
  const stale = members.filter(
    (m) => m.node !== desired.primary && m.pgUp && m.role === 'replica' && m.sawPrimaryFail !== desired.generation && view.members[m.node]?.modRevision === failing.baseline[m.node],
  );
  if (stale.length > 0 && waited < input.failoverTimeoutMs)
    return noop(`waiting: ${failure.reason}; waiting for fresh state from ${stale.map((m) => m.node).join(',')}`, mem);
  const choice = chooseCandidate(members, desired, config, lastPrimaryLsn(view));
  if (!choice.best) return noop(`no failover candidate: ${failure.reason}; ${choice.rejected.join('; ') || 'no replicas reporting'}`, mem);
  const reason = `failover: ${failure.reason}`;
  return {
    actions: [{
      kind: 'write-desired',
      expectRevision: view.desired.modRevision,
      next: next(choice.best.node, reason),
      history: history('failover', choice.best.node, failure.reason, waited),
      consumeRequest: false,
      // Decided on the failed primary's key as read: if it published since (a restarted daemon), decide again.
      memberUnchanged: { node: desired.primary, modRevision: view.members[desired.primary]?.modRevision ?? null },
    }],
    message: `failing over from ${desired.primary} to ${choice.best.node}: ${failure.reason}`,
    memory: initialLeaderMemory,
  };
}

/**
 * The desired primary's WAL position: from its member state while that exists, else the last one it published
 * under this generation (the member key dies with the primary; the lag limit must still hold).
 */
export function lastPrimaryLsn(view: ClusterView): number | null {
  const desired = view.desired?.value;
  if (!desired) return null;
  const live = view.members[desired.primary]?.value.walLsn ?? null;
  const kept = view.lastLsn && view.lastLsn.node === desired.primary && view.lastLsn.generation === desired.generation ? view.lastLsn.lsn : null;
  if (live === null) return kept;
  return kept === null ? live : Math.max(live, kept);
}

/**
 * The sync set changes in two steps so that "every acknowledged commit is on every synchronous
 * standby" always holds: a healthy replica first joins syncPending (the primary adds it to
 * synchronous_standby_names), and becomes promotable only once the primary reports it has flushed
 * everything written before that took effect. Unhealthy standbys leave at once (a subset stays safe).
 */
export function syncChange(
  desired: DesiredState,
  synchronous: boolean,
  members: Readonly<Record<string, { value: MemberState }>>,
): { syncStandbys: string[]; syncPending: string[] } | null {
  if (!synchronous) {
    return desired.syncStandbys.length || desired.syncPending.length ? { syncStandbys: [], syncPending: [] } : null;
  }
  const primary = members[desired.primary]?.value;
  if (!primary || primary.role !== 'primary' || !primary.pgUp) return null;
  // Judge standbys by the primary's own pg_stat_replication, not by the replicas' reports: when the
  // primary dies, replicas stop streaming before its member key expires, and emptying the sync set
  // then would leave no promotable standby. A dead primary's stale report changes nothing.
  const healthy = (node: string) => {
    const m = members[node]?.value;
    const rep = primary.replication.find((r) => r.name === node);
    return !!m && !m.noFailover && !!rep && rep.state === 'streaming';
  };
  const stays = desired.syncStandbys.filter(healthy);
  let pending = desired.syncPending.filter(healthy);
  const applied = primary.syncApplied;
  const caughtUp = pending.filter((node) => {
    const rep = primary.replication.find((r) => r.name === node);
    // The watermark must have been taken under this very generation (see the primary's observeLocal).
    return !!applied && applied.generation === desired.generation && applied.names.includes(node) && !!rep && rep.flushLsn !== null && rep.flushLsn >= applied.atLsn && primary.appliedGeneration === desired.generation;
  });
  pending = pending.filter((n) => !caughtUp.includes(n));
  const standbys = [...stays, ...caughtUp].sort();
  const joining = desired.members.filter((n) => n !== desired.primary && healthy(n) && !standbys.includes(n) && !pending.includes(n));
  pending = [...pending, ...joining].sort();
  if (sameSet(standbys, desired.syncStandbys) && sameSet(pending, desired.syncPending)) return null;
  return { syncStandbys: standbys, syncPending: pending };
}
