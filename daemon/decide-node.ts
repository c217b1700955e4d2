// Pure decisions of every node: what to do to the local PostgreSQL so it matches the desired role.
import type { ClusterConfig, DesiredState, MemberState, NodeRequest, NodeRequestKind } from '../common/cluster-keys.js';
import { effectiveParameters } from './postgres-conf.js';

/** What the daemon found out about its local PostgreSQL this cycle. */
export interface LocalPg {
  hasData: boolean;
  running: boolean;
  inRecovery: boolean | null;
  /** pg_controldata "Database cluster state" when not running ("in production", "shut down in recovery"…). */
  controlState: string | null;
  streaming: boolean;
  /** The upstream written into our config ("node@host:port"), null when none. */
  configuredUpstream: string | null;
  /** synchronous_standby_names members we configured. */
  configuredSync: string[];
  /** The cluster parameters last written into postgresql.conf (absent: none). */
  configuredParameters?: Record<string, string>;
  slots: string[];
  systemId: string | null;
  /** Timeline the server is on (replica: as far as it has followed), null when unknown. */
  timeline: number | null;
  /** The postmaster is stopped by a signal (SIGSTOP, a debugger): running, but it cannot answer or stop by itself. */
  frozen: boolean;
}

export interface NodeMemory {
  /** We started PostgreSQL and did not stop it: if it is down, it crashed. */
  expectRunning: boolean;
  crashedAt: number | null;
  notStreamingSince: number | null;
  /** Our data may hold WAL the new primary lacks (we were primary, or stopped streaming): rewind first. */
  needsRewind: boolean;
  /** pg_rewind proved a divergence it cannot repair: only then may the data directory go. */
  rewindUnrepairable: boolean;
  /** Failed rewinds in a row for other reasons (connection…), and when the next try may start. */
  rewindFailures: number;
  rewindRetryAt: number | null;
  /** Since when the postmaster has been seen frozen. */
  frozenSince: number | null;
  /** The primary `notStreamingSince` counts against: a new primary starts the count again. */
  notStreamingFrom: string | null;
  /** The role PostgreSQL last answered with, for when it is running but not answering. */
  lastRole: 'primary' | 'replica' | null;
}
export const initialNodeMemory: NodeMemory = {
  expectRunning: false,
  crashedAt: null,
  notStreamingSince: null,
  needsRewind: false,
  rewindUnrepairable: false,
  rewindFailures: 0,
  rewindRetryAt: null,
  frozenSince: null,
  notStreamingFrom: null,
  lastRole: null,
};

/** A frozen primary is killed after this long: it cannot serve, and it could thaw and acknowledge at any time. */
export const FROZEN_KILL_AFTER_MS = 1000;
const REWIND_RETRY_MAX_MS = 8000;

/** Memory after a failed pg_rewind: divergence it cannot repair allows a re-clone; anything else is retried later. */
export function afterRewindFailure(memory: NodeMemory, unrepairable: boolean, nowMs: number): NodeMemory {
  if (unrepairable) return { ...memory, rewindUnrepairable: true, rewindFailures: 0, rewindRetryAt: null };
  const failures = memory.rewindFailures + 1;
  return { ...memory, rewindFailures: failures, rewindRetryAt: nowMs + Math.min(REWIND_RETRY_MAX_MS, 1000 * 2 ** (failures - 1)) };
}

export interface NodeInput {
  self: string;
  desired: DesiredState | null;
  config: ClusterConfig | null;
  members: Readonly<Record<string, MemberState>>;
  initialized: string | null;
  etcdOk: boolean;
  leaseValid: boolean;
  /**
   * The view this decision reads holds our own member key, bound to our current lease. Until then a restarted
   * daemon's failover protection (the leader waits for us to acknowledge a new generation) does not exist yet.
   */
  published: boolean;
  /** Members whose key exists but does not parse: alive, state unknown. */
  unreadableMembers: readonly string[];
  /** Who holds the re-clone lock, if anyone. */
  recloneLock: string | null;
  pg: LocalPg;
  nowMs: number;
  memory: NodeMemory;
  /** How long a crashed primary waits before restarting in place (the leader fails over meanwhile). */
  failoverTimeoutMs: number;
  /** A replica that cannot stream from a running primary this long is rewound. */
  rewindAfterMs: number;
  /** The cluster is paused (maintenance): no start, stop, rewind, clone or kill on our own; fencing stays. */
  paused?: boolean;
  /** Operator requests addressed to this node (restart/<self>, reinit/<self>). */
  requests?: Partial<Record<NodeRequestKind, NodeRequest>>;
}

export type NodeAction =
  | { kind: 'bootstrap' }
  | { kind: 'basebackup'; from: string }
  | { kind: 'start'; as: 'primary' | 'replica'; upstream: string | null }
  /** checkpointFirst: a planned demotion checkpoints while still serving, so the shutdown checkpoint has little left. */
  | { kind: 'stop'; mode: 'fast' | 'immediate'; checkpointFirst?: boolean }
  | { kind: 'kill' }
  | { kind: 'promote' }
  | { kind: 'rewind'; from: string }
  | { kind: 'wipe' }
  | { kind: 'configure'; upstream: string | null; sync: string[] }
  | { kind: 'ensure-slots'; names: string[] }
  | { kind: 'mark-initialized' }
  /** An operator's restart: stop (fast) and start again in the same role. */
  | { kind: 'restart'; as: 'primary' | 'replica'; requestedAt: string }
  /** An operator's re-clone: stop, take the re-clone lock, wipe, pg_basebackup from `from`, start as a replica. */
  | { kind: 'reinit'; from: string; requestedAt: string }
  /** Consume an operator request without acting on it, saying why. */
  | { kind: 'refuse-request'; request: NodeRequestKind; requestedAt: string; reason: string };

/** What a paused node still does on its own: carry out the desired state an operator changed, never repair by itself. */
const ALLOWED_WHILE_PAUSED: ReadonlySet<NodeAction['kind']> = new Set(['stop', 'promote', 'configure', 'ensure-slots', 'mark-initialized', 'restart', 'reinit', 'refuse-request']);

export interface NodeDecision {
  actions: NodeAction[];
  message: string;
  memory: NodeMemory;
}

/** "pg0@10.42.0.10:5432" — what a replica's primary_conninfo must point at. */
export function upstreamId(m: MemberState): string {
  return `${m.node}@${m.connectHost}:${m.pgPort}`;
}

const WAS_PRIMARY = ['in production', 'shut down', 'shutting down', 'in crash recovery'];

/** Why `self` may not become primary yet: someone who was primary has not acknowledged stepping down. */
export function promotionBlocker(desired: DesiredState, members: Readonly<Record<string, MemberState>>, self: string, unreadable: readonly string[] = []): string | null {
  // Alive (the key holds its lease) but unreadable: it may still be running as primary.
  const unknown = unreadable.find((n) => n !== self);
  if (unknown) return `the member key of ${unknown} does not parse, so it may still be a primary`;
  for (const m of Object.values(members)) {
    if (m.node === self) continue;
    if (m.role !== 'primary' && m.node !== desired.previousPrimary) continue;
    // A member whose key is gone has let its lease expire, so it has fenced itself already.
    if (m.appliedGeneration < desired.generation) return `${m.node} has not yet seen generation ${desired.generation}`;
    if (m.role === 'primary') return `${m.node} is still running as primary`;
  }
  return null;
}

function runningPrimaryOf(desired: DesiredState, members: Readonly<Record<string, MemberState>>): MemberState | null {
  const m = members[desired.primary];
  return m && m.pgUp && m.role === 'primary' ? m : null;
}

export function decideNode(input: NodeInput): NodeDecision {
  const d = decideUnpaused(input);
  if (!input.paused) return d;
  const held = d.actions.filter((a) => !ALLOWED_WHILE_PAUSED.has(a.kind));
  if (held.length === 0) return d;
  return { actions: [], message: `no action (paused): would be ${d.message}`, memory: d.memory };
}

/** An operator's restart or reinit of this node, when one is pending and the node is in a state to take it. */
function operatorRequest(input: NodeInput, desired: DesiredState, actsAsPrimary: boolean): { message: string; action: NodeAction | null } | null {
  const { self, pg, members } = input;
  const reinit = input.requests?.reinit;
  if (reinit) {
    const refuse = (reason: string) => ({ message: `refusing reinit: ${reason}`, action: { kind: 'refuse-request', request: 'reinit', requestedAt: reinit.requestedAt, reason } as NodeAction });
    if (desired.primary === self || actsAsPrimary) return refuse(`${self} is the primary; switch over first`);
    const source = runningPrimaryOf(desired, members);
    if (!source) return refuse(`${desired.primary} is not a running primary to clone from`);
    if (input.recloneLock !== null && input.recloneLock !== self) return { message: `waiting to reinit: ${input.recloneLock} is re-cloning (one member at a time)`, action: null };
    return { message: `reinit requested by an operator: removing my data directory and cloning from ${desired.primary}`, action: { kind: 'reinit', from: desired.primary, requestedAt: reinit.requestedAt } };
  }
  const restart = input.requests?.restart;
  if (restart) {
    const refuse = (reason: string) => ({ message: `refusing restart: ${reason}`, action: { kind: 'refuse-request', request: 'restart', requestedAt: restart.requestedAt, reason } as NodeAction });
    if (!pg.running) return refuse(`postgres is not running on ${self}${input.paused ? ' (the cluster is paused; pglab resume lets the daemon start it)' : ' (the daemon starts it by itself)'}`);
    if (pg.inRecovery === null) return refuse(`postgres on ${self} is not answering`);
    const iAmPrimary = desired.primary === self;
    if (iAmPrimary !== !pg.inRecovery) return refuse(`${self} is changing role (${pg.inRecovery ? 'replica' : 'primary'}, desired ${iAmPrimary ? 'primary' : 'replica'}); try again`);
    const as = pg.inRecovery ? 'replica' : 'primary';
    return { message: `restarting postgres on an operator's request (as ${as})`, action: { kind: 'restart', as, requestedAt: restart.requestedAt } };
  }
  return null;
}

function decideUnpaused(input: NodeInput): NodeDecision {
  const { self, desired, pg, members, nowMs } = input;
  let memory: NodeMemory = { ...input.memory };
  const out = (message: string, ...actions: NodeAction[]): NodeDecision => ({ actions, message, memory });

  if (!pg.running && memory.expectRunning) memory = { ...memory, expectRunning: false, crashedAt: nowMs };
  memory = { ...memory, frozenSince: pg.running && pg.frozen ? (memory.frozenSince ?? nowMs) : null };
  // Time without a running server is not time spent failing to stream.
  if (!pg.running) memory = { ...memory, notStreamingSince: null };
  if (pg.running) memory = { ...memory, crashedAt: null };
  if (pg.inRecovery !== null) memory = { ...memory, lastRole: pg.inRecovery ? 'replica' : 'primary' };
  if (!pg.running) memory = { ...memory, lastRole: null };
  const actsAsPrimary = pg.running && (pg.inRecovery === false || (pg.inRecovery === null && memory.lastRole === 'primary'));

  // Fencing comes first and needs nothing from etcd: a primary without a valid lease stops now.
  if (actsAsPrimary && !input.leaseValid)
    return out(`fencing: I am ${self}, a primary without a valid lease; stopping postgres`, { kind: 'stop', mode: 'immediate' });

  if (!desired) {
    const why = input.etcdOk ? 'the desired state has never been readable' : 'etcd is unreachable and no desired state was ever read';
    return out(`no action: ${why}; leaving postgres ${pg.running ? 'running' : 'stopped'}`);
  }
  if (!desired.members.includes(self)) return out(`no action: ${self} is not a member of the cluster (members: ${desired.members.join(',')})`);
  const iAmPrimary = desired.primary === self;
  const upstreamMember = members[desired.primary];
  const wantUpstream = !iAmPrimary && upstreamMember ? upstreamId(upstreamMember) : null;
  const wantSync = input.config?.synchronous ? [...desired.syncStandbys, ...desired.syncPending].sort() : [];

  const paramsChanged = JSON.stringify(effectiveParameters(input.config?.postgresParameters)) !== JSON.stringify(pg.configuredParameters ?? {});
  const req = operatorRequest(input, desired, actsAsPrimary);
  if (req) return req.action ? out(req.message, req.action) : out(req.message);

  if (pg.running && pg.inRecovery === null) {
    if (actsAsPrimary && memory.frozenSince !== null && nowMs - memory.frozenSince >= FROZEN_KILL_AFTER_MS)
      return out(`killing: my postgres (a primary) has been frozen for ${Math.round(nowMs - memory.frozenSince)}ms; it cannot serve and could thaw at any time`, { kind: 'kill' });
    if (actsAsPrimary && !iAmPrimary) {
      memory = { ...memory, needsRewind: true };
      return out(`demoting: ${desired.primary} is the desired primary and my postgres does not answer; stopping it`, { kind: 'stop', mode: 'immediate' });
    }
    return out(`waiting: postgres is running but not answering queries`);
  }

  if (pg.running && pg.inRecovery === false) {
    if (!iAmPrimary) {
      memory = { ...memory, needsRewind: true };
      return out(`demoting: ${desired.primary} is the desired primary (generation ${desired.generation}); stopping postgres cleanly`, { kind: 'stop', mode: 'fast', checkpointFirst: true });
    }
    const actions: NodeAction[] = [];
    if (pg.configuredSync.join(',') !== wantSync.join(',') || paramsChanged) actions.push({ kind: 'configure', upstream: null, sync: wantSync });
    const wantSlots = desired.members.filter((n) => n !== self);
    if (wantSlots.some((n) => !pg.slots.includes(n))) actions.push({ kind: 'ensure-slots', names: wantSlots });
    if (!input.initialized && pg.systemId) actions.push({ kind: 'mark-initialized' });
    return out(actions.length ? `reconfiguring: I am ${self}, the primary with the lease` : `no action: I am ${self}, the primary with the lease`, ...actions);
  }

  if (pg.running) {
    if (iAmPrimary) {
      if (!input.leaseValid) return out(`waiting to promote: I am ${self} and my lease is not confirmed`);
      if (!input.published) return out(`waiting to promote: my member state is not yet published under my current lease`);
      const blocker = promotionBlocker(desired, members, self, input.unreadableMembers);
      if (blocker) return out(`waiting to promote: ${blocker}`);
      return out(`promoting: I am ${self}, the desired primary (generation ${desired.generation})`, { kind: 'promote' });
    }
    if (!wantUpstream) return out(`no action: I am ${self}, a replica; primary ${desired.primary} has no member state`);
    if (pg.configuredUpstream !== wantUpstream || pg.configuredSync.length)
      return out(`following ${desired.primary}: pointing primary_conninfo at ${wantUpstream}`, { kind: 'configure', upstream: wantUpstream, sync: [] });
    if (paramsChanged) return out(`applying the cluster's PostgreSQL parameters (reload)`, { kind: 'configure', upstream: wantUpstream, sync: [] });
    if (pg.streaming) {
      memory = { ...memory, notStreamingSince: null, rewindFailures: 0, rewindRetryAt: null };
      return out(`no action: I am ${self}, a streaming replica of ${desired.primary}`);
    }
    // Only time spent while a primary runs counts: nobody can stream from a primary that is down.
    const upstreamPrimary = runningPrimaryOf(desired, members);
    if (!upstreamPrimary) {
      memory = { ...memory, notStreamingSince: null };
      return out(`no action: I am ${self}, a replica; ${desired.primary} is not a running primary yet`);
    }
    // Not streaming from an earlier primary says nothing about this one (found by the simulation, seeds 1145, 1843).
    const since = memory.notStreamingFrom === desired.primary ? (memory.notStreamingSince ?? nowMs) : nowMs;
    memory = { ...memory, notStreamingSince: since, notStreamingFrom: desired.primary };
    const waited = Math.round(nowMs - since);
    if (nowMs - since < input.rewindAfterMs) return out(`no action: I am ${self}, a replica of ${desired.primary}, not streaming for ${waited}ms`);
    // Divergence needs a promotion, and a promotion starts a new timeline: on the primary's timeline (or a newer
    // one) we cannot have diverged, so not streaming is a connection problem and the data stays as it is.
    if (pg.timeline === null || upstreamPrimary.timeline === null || pg.timeline >= upstreamPrimary.timeline)
      return out(`no action: not streaming from ${desired.primary} for ${waited}ms on timeline ${pg.timeline ?? '?'} (the primary's is ${upstreamPrimary.timeline ?? '?'}): a connection problem, not divergence; waiting`);
    if (memory.rewindRetryAt !== null && nowMs < memory.rewindRetryAt)
      return out(`waiting: rewind failed ${memory.rewindFailures} time(s); next try in ${Math.round(memory.rewindRetryAt - nowMs)}ms`);
    memory = { ...memory, needsRewind: true, notStreamingSince: null };
    return out(`rejoining: not streaming from ${desired.primary} for ${waited}ms and on old timeline ${pg.timeline} (the primary's is ${upstreamPrimary.timeline}); rewinding`, { kind: 'rewind', from: desired.primary });
  }

  // PostgreSQL is not running.
  const source = runningPrimaryOf(desired, members);
  if (!pg.hasData) {
    if (iAmPrimary) {
      if (input.initialized) return out(`cannot bootstrap: ${self} has an empty data directory but the cluster was already initialized; waiting for a failover`);
      if (!input.leaseValid) return out('waiting: not bootstrapping without a valid lease');
      if (!input.published) return out('waiting: not bootstrapping before my member state is published under my current lease');
      return out(`bootstrapping: I am ${self}, the first primary; running initdb`, { kind: 'bootstrap' });
    }
    if (!source || !input.initialized) return out(`waiting: no running primary to clone from (desired primary ${desired.primary})`);
    memory = { ...memory, needsRewind: false, rewindUnrepairable: false, rewindFailures: 0, rewindRetryAt: null };
    return out(`cloning: taking a base backup from ${desired.primary}`, { kind: 'basebackup', from: desired.primary });
  }
  const wasPrimary = pg.controlState !== null && WAS_PRIMARY.includes(pg.controlState);
  if (iAmPrimary) {
    if (!input.leaseValid) return out(`waiting: not starting as primary without a valid lease`);
    if (!input.published) return out(`waiting: not starting as primary before my member state is published under my current lease`);
    if (memory.crashedAt !== null && nowMs - memory.crashedAt < input.failoverTimeoutMs)
      return out(`waiting: postgres crashed ${Math.round(nowMs - memory.crashedAt)}ms ago; leaving the leader time to fail over`);
    if (wasPrimary) return out(`starting: I am ${self}, the primary`, { kind: 'start', as: 'primary', upstream: null });
    // We were a replica: start as one, then the running-replica path promotes once it is safe.
    return out(`starting: I am ${self}, the desired primary, starting as a replica first`, { kind: 'start', as: 'replica', upstream: null });
  }
  if (wasPrimary || memory.needsRewind) {
    if (memory.rewindUnrepairable) {
      // Data goes only when pg_rewind proved it diverged beyond repair, and on one member at a time.
      if (input.recloneLock !== null && input.recloneLock !== self) return out(`waiting to re-clone: ${input.recloneLock} is re-cloning (one member at a time)`);
      if (!source) return out(`waiting to re-clone: ${desired.primary} is not a running primary yet`);
      return out(`re-cloning: pg_rewind proved a divergence it cannot repair; removing the data directory`, { kind: 'wipe' });
    }
    if (!source) return out(`waiting: need to rewind but ${desired.primary} is not a running primary yet`);
    if (memory.rewindRetryAt !== null && nowMs < memory.rewindRetryAt)
      return out(`waiting: rewind failed ${memory.rewindFailures} time(s) (not a divergence; data kept); next try in ${Math.round(memory.rewindRetryAt - nowMs)}ms`);
    return out(`rejoining: rewinding from ${desired.primary}`, { kind: 'rewind', from: desired.primary });
  }
  return out(`starting: I am ${self}, a replica of ${desired.primary}`, { kind: 'start', as: 'replica', upstream: wantUpstream });
}
