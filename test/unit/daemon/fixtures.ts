// Builders for unit tests of the pure daemon decisions: members, desired state, views, frozen inputs.
import type { ClusterConfig, DesiredState, MemberState } from '../../../common/cluster-keys.js';
import type { ClusterView } from '../../../daemon/dcs.js';

export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

export function member(node: string, over: Partial<MemberState> = {}): MemberState {
  return {
    node,
    connectHost: '10.42.0.1' + node.slice(-1),
    pgPort: 5432,
    apiUrl: `http://10.42.0.1${node.slice(-1)}:8008`,
    role: 'replica',
    pgUp: true,
    crashed: false,
    timeline: 1,
    systemId: '7300000000000000001',
    walLsn: null,
    receivedLsn: 1000,
    replayedLsn: 1000,
    lagBytes: 0,
    streaming: true,
    upstream: 'pg0',
    replication: [],
    syncApplied: null,
    appliedGeneration: 1,
    noFailover: false,
    message: '',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

export function primaryMember(node = 'pg0', over: Partial<MemberState> = {}): MemberState {
  return member(node, { role: 'primary', walLsn: 1000, receivedLsn: null, replayedLsn: null, lagBytes: null, streaming: false, upstream: null, ...over });
}

export function desired(over: Partial<DesiredState> = {}): DesiredState {
  return {
    generation: 1,
    primary: 'pg0',
    members: ['pg0', 'pg1', 'pg2'],
    syncStandbys: [],
    syncPending: [],
    previousPrimary: null,
    reason: 'init-cluster',
    changedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

export const asyncConfig: ClusterConfig = { synchronous: false, maxLagOnFailoverBytes: 64 * 1024 * 1024 };
export const syncConfig: ClusterConfig = { synchronous: true, maxLagOnFailoverBytes: 64 * 1024 * 1024 };

/** A view; member revisions are "10" unless given, so tests can make states fresh or stale. */
export function view(d: DesiredState | null, members: MemberState[], over: Partial<ClusterView> & { revisions?: Record<string, string> } = {}): ClusterView {
  const { revisions = {}, ...rest } = over;
  const ms: ClusterView['members'] = {};
  for (const m of members) ms[m.node] = { value: m, modRevision: revisions[m.node] ?? '10' };
  return {
    leader: 'pg1',
    desired: d ? { value: d, modRevision: '5' } : null,
    config: asyncConfig,
    configRevision: '3',
    maintenance: null,
    nodeRequests: { restart: {}, reinit: {} },
    initialized: '7300000000000000001',
    request: null,
    refusal: null,
    members: ms,
    unreadableMembers: [],
    lastLsn: null,
    recloneLock: null,
    problems: [],
    desiredUnreadable: false,
    ...rest,
  };
}
