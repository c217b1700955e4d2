// Patroni's REST API answers (3.0.2) in the CLI's model (ha/cluster-state.ts), and the CLI's verbs in Patroni's
// requests: pure functions, unit-tested; ha/patroni-client.ts does the HTTP.
import { z } from 'zod';
import { formatLsn, type ClusterConfig, type HistoryEntry, type MemberState } from '../common/cluster-keys.js';
import { UserError } from '../common/errors.js';
import { parseBytes } from '../daemon/options.js';
import { postgresParameterProblem } from '../daemon/config-edit.js';
import { parseAssignment } from '../common/assignments.js';
import type { RoleChangeKind } from './cluster-client.js';
import type { ClusterState } from './cluster-state.js';

/** GET /cluster: the members as the DCS holds them (roles leader, replica, sync_standby). */
export const patroniClusterSchema = z.object({
  members: z.array(
    z.object({
      name: z.string(),
      role: z.string(),
      state: z.string().default(''),
      api_url: z.string().optional(),
      host: z.string().optional(),
      port: z.number().optional(),
      timeline: z.number().optional(),
      lag: z.union([z.number(), z.string()]).optional(),
      pending_restart: z.boolean().optional(),
      tags: z.record(z.unknown()).optional(),
    }).passthrough(),
  ),
  pause: z.boolean().optional(),
}).passthrough();
export type PatroniCluster = z.infer<typeof patroniClusterSchema>;

/** GET /patroni: one node's own view (its PostgreSQL queried just now). */
export const patroniStatusSchema = z.object({
  state: z.string(),
  role: z.string(),
  postmaster_start_time: z.string().nullable().optional(),
  timeline: z.number().optional(),
  xlog: z.object({ location: z.number().optional(), received_location: z.number().nullable().optional(), replayed_location: z.number().nullable().optional() }).passthrough().optional(),
  replication: z.array(z.object({ application_name: z.string(), state: z.string(), sync_state: z.string() }).passthrough()).optional(),
  database_system_identifier: z.string().optional(),
  pending_restart: z.boolean().optional(),
  pause: z.boolean().optional(),
  tags: z.record(z.unknown()).optional(),
}).passthrough();
export type PatroniStatus = z.infer<typeof patroniStatusSchema>;

/** GET /history: one line per timeline switch, [timeline, lsn, reason, timestamp, new leader] (the last two since 2.0). */
export const patroniHistorySchema = z.array(z.tuple([z.number(), z.number(), z.string()]).rest(z.union([z.string(), z.null()])));
export type PatroniHistory = z.infer<typeof patroniHistorySchema>;

/** GET /config: Patroni's dynamic configuration, as stored in the DCS. */
export const patroniConfigSchema = z.record(z.unknown());
export type PatroniConfig = z.infer<typeof patroniConfigSchema>;

/** What pglab keeps beside Patroni's pause flag, in the same document (Patroni ignores keys it does not know). */
export const PAUSE_NOTE_KEY = 'pglab_pause';
const pauseNoteSchema = z.object({ since: z.string(), by: z.string(), reason: z.string().optional() }).strip();

export interface PatroniMember {
  node: string;
  host: string;
  apiUrl: string;
}

export interface PatroniObservation {
  /** Every PostgreSQL node of the topology, in order: a node the DCS has forgotten is still a member of the lab. */
  members: readonly PatroniMember[];
  cluster: PatroniCluster;
  /** Each node's GET /patroni, or why it did not answer. */
  statuses: Readonly<Record<string, PatroniStatus | { error: string }>>;
  config: PatroniConfig | null;
  history?: PatroniHistory;
}

const isPrimaryRole = (role: string) => role === 'master' || role === 'primary';
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The dynamic configuration in the words of pgdaemon's config, for code that reads ClusterConfig. */
export function patroniClusterConfig(doc: PatroniConfig): ClusterConfig {
  const params = (doc['postgresql'] as { parameters?: Record<string, unknown> } | undefined)?.parameters ?? {};
  const entries = Object.entries(params).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, String(v)] as const);
  return {
    synchronous: doc['synchronous_mode'] === true,
    maxLagOnFailoverBytes: num(doc['maximum_lag_on_failover']) ?? 1_048_576,
    ...(entries.length ? { postgresParameters: Object.fromEntries(entries) } : {}),
  };
}

/** Patroni's history (timeline switches) as history entries: Patroni does not record whether one was planned. */
export function patroniHistoryEntries(lines: PatroniHistory): HistoryEntry[] {
  const sorted = [...lines].sort((a, b) => a[0] - b[0]);
  return sorted.map((line, i) => {
    const [timeline, lsn, reason] = line;
    const at = line[3] ?? null;
    const to = line[4] ?? '?';
    const parsed = at ? Date.parse(at) : NaN;
    return {
      generation: timeline + 1,
      kind: 'promotion' as const,
      from: i > 0 ? (sorted[i - 1]?.[4] ?? null) : null,
      to,
      reason: `timeline ${timeline + 1} from ${formatLsn(lsn)} (${reason}); Patroni does not record whether it was a switchover or a failover`,
      decidedBy: to,
      decidedAt: Number.isNaN(parsed) ? (at ?? '') : new Date(parsed).toISOString(),
      detectedToDecidedMs: null,
    };
  });
}

/** One node's member state from its own answer, with the DCS's entry for what only the DCS knows (lag, sync role). */
function memberState(m: PatroniMember, status: PatroniStatus | { error: string } | undefined, dcs: PatroniCluster['members'][number] | undefined, leader: PatroniStatus | null, leaderName: string | null): MemberState {
  const base = { node: m.node, connectHost: m.host, pgPort: dcs?.port ?? 5432, apiUrl: m.apiUrl, crashed: false, systemId: null, replication: [], syncApplied: null, noFailover: false, updatedAt: new Date().toISOString() };
  if (!status || 'error' in status) {
    return {
      ...base,
      role: 'stopped',
      pgUp: false,
      timeline: dcs?.timeline ?? null,
      walLsn: null,
      receivedLsn: null,
      replayedLsn: null,
      lagBytes: null,
      streaming: false,
      upstream: null,
      appliedGeneration: 0,
      message: `Patroni's REST API does not answer (${status && 'error' in status ? status.error : 'not asked'})${dcs ? `; the DCS still lists it as ${dcs.role}, ${dcs.state}` : ''}`,
    };
  }
  const running = status.state === 'running';
  const primary = running && isPrimaryRole(status.role);
  const replica = running && status.role === 'replica';
  const fromLeader = leader?.replication?.find((r) => r.application_name === m.node);
  const streaming = replica && fromLeader?.state === 'streaming';
  const pendingRestart = status.pending_restart ? { pendingRestart: ['(Patroni does not say which parameters)'] } : {};
  return {
    ...base,
    role: primary ? 'primary' : replica ? 'replica' : 'stopped',
    pgUp: running,
    systemId: status.database_system_identifier ?? null,
    timeline: status.timeline ?? null,
    walLsn: primary ? (status.xlog?.location ?? null) : null,
    receivedLsn: replica ? (status.xlog?.received_location ?? null) : null,
    replayedLsn: replica ? (status.xlog?.replayed_location ?? null) : null,
    lagBytes: replica ? num(dcs?.lag) : null,
    streaming,
    upstream: streaming ? leaderName : null,
    replication: primary ? (status.replication ?? []).map((r) => ({ name: r.application_name, state: r.state, syncState: r.sync_state, flushLsn: null, replayLsn: null })) : [],
    appliedGeneration: status.timeline ?? 0,
    noFailover: status.tags?.['nofailover'] === true,
    message: `Patroni: ${status.state} ${status.role}${streaming ? `, streaming from ${leaderName}` : ''}${dcs?.role === 'leader' ? ', holds the leader lock' : ''}`,
    ...pendingRestart,
  };
}

/** The cluster as the CLI sees it: the leader lock's holder is the primary every member should follow. */
export function patroniClusterState(o: PatroniObservation): ClusterState {
  const leaderEntry = o.cluster.members.find((m) => m.role === 'leader' || m.role === 'standby_leader');
  const leaderName = leaderEntry?.name ?? null;
  const leaderStatus = leaderName ? o.statuses[leaderName] : undefined;
  const leader = leaderStatus && !('error' in leaderStatus) ? leaderStatus : null;
  const byName = new Map(o.cluster.members.map((m) => [m.name, m] as const));
  const members = o.members.map((m) => memberState(m, o.statuses[m.node], byName.get(m.node), leader, leaderName));
  const note = o.config ? pauseNoteSchema.safeParse(o.config[PAUSE_NOTE_KEY]) : null;
  const paused = o.cluster.pause === true;
  const problems = o.members.flatMap((m) => {
    const s = o.statuses[m.node];
    return s && 'error' in s ? [`${m.node}: Patroni's REST API does not answer (${s.error})`] : [];
  });
  if (!leaderName) problems.push('no node holds the leader lock');
  return {
    leader: leaderName,
    desired: leaderName
      ? {
          generation: leaderEntry?.timeline ?? leader?.timeline ?? 1,
          primary: leaderName,
          members: o.members.map((m) => m.node),
          syncStandbys: o.cluster.members.filter((m) => m.role === 'sync_standby').map((m) => m.name),
          syncPending: [],
          previousPrimary: null,
          reason: `${leaderName} holds Patroni's leader lock`,
          changedAt: '',
        }
      : null,
    config: o.config ? patroniClusterConfig(o.config) : null,
    maintenance: paused ? { since: note?.success ? note.data.since : '(Patroni keeps no time)', by: note?.success ? note.data.by : 'patroni', ...(note?.success && note.data.reason ? { reason: note.data.reason } : {}) } : null,
    members,
    problems,
    history: o.history ? patroniHistoryEntries(o.history) : [],
  };
}

/** A role change as Patroni's REST API takes it, or the reason it cannot be asked (exit 2). */
export function patroniRoleChange(s: ClusterState, kind: RoleChangeKind, to: string | null, force: boolean): { path: '/switchover' | '/failover'; body: Record<string, string> } {
  const members = s.desired?.members ?? s.members.map((m) => m.node);
  if (to !== null && !members.includes(to)) throw new UserError(`${to} is not a member (members: ${members.join(',')})`);
  if (to !== null && to === s.leader) throw new UserError(`${to} is already the primary`);
  if (kind === 'switchover') {
    if (!s.leader) throw new UserError('no node holds the leader lock: a switchover moves the role away from a running primary', 'pglab failover --to NODE promotes a replica');
    return { path: '/switchover', body: { leader: s.leader, ...(to ? { candidate: to } : {}) } };
  }
  if (to === null) throw new UserError("Patroni fails over only to a named candidate (its /failover needs one)", 'pglab failover --to NODE; pglab status shows the replicas and their lag');
  const primary = s.members.find((m) => m.node === s.leader);
  if (!force && primary?.role === 'primary' && primary.pgUp)
    throw new UserError(`${primary.node} is a healthy primary: a failover is for a cluster without one`, 'use switchover for a planned change, or failover --force to promote anyway (the primary is demoted the usual way)');
  return { path: '/failover', body: { candidate: to } };
}

type KeyKind = 'seconds' | 'bytes' | 'count' | 'bool';
/** The scalar keys of Patroni 3.0.2's dynamic configuration that it reads (config.py); others it ignores. */
export const PATRONI_CONFIG_KEYS: Readonly<Record<string, { kind: KeyKind; min?: number; help: string }>> = {
  ttl: { kind: 'seconds', min: 20, help: 'seconds, at least 20: the leader lock lease' },
  loop_wait: { kind: 'seconds', min: 1, help: 'seconds, at least 1: the loop interval' },
  retry_timeout: { kind: 'seconds', min: 3, help: 'seconds, at least 3: DCS and PostgreSQL retries' },
  maximum_lag_on_failover: { kind: 'bytes', min: 0, help: 'a size (0, 1048576, 16MB): a replica lagging more is not promoted' },
  maximum_lag_on_syncnode: { kind: 'count', min: -1, help: 'bytes, -1 to disable' },
  primary_start_timeout: { kind: 'seconds', min: 0, help: 'seconds a crashed primary may take to recover before a failover' },
  primary_stop_timeout: { kind: 'seconds', min: 0, help: 'seconds, 0 for no limit' },
  synchronous_node_count: { kind: 'count', min: 1, help: 'how many synchronous standbys' },
  synchronous_mode_strict: { kind: 'bool', help: 'true or false' },
  failsafe_mode: { kind: 'bool', help: 'true or false' },
  check_timeline: { kind: 'bool', help: 'true or false' },
  synchronous_mode: { kind: 'bool', help: 'true or false; only when the cluster is created (refused on a running cluster)' },
};
const MAIN_KEYS = ['ttl', 'loop_wait', 'retry_timeout', 'maximum_lag_on_failover', 'synchronous_mode'];

const allowedKeys = () => [...Object.entries(PATRONI_CONFIG_KEYS).map(([k, v]) => `${k}: ${v.help}`), 'postgresql.NAME: a PostgreSQL parameter (empty to remove it)'].join('; ');

/** `config show` for Patroni: `key = value` lines in the words `config set` takes. */
export function renderPatroniConfig(doc: PatroniConfig): string {
  const lines: string[] = [];
  const shown = [...MAIN_KEYS, ...Object.keys(PATRONI_CONFIG_KEYS).filter((k) => !MAIN_KEYS.includes(k) && k in doc).sort()];
  for (const k of shown) if (k in doc || MAIN_KEYS.includes(k)) lines.push(`${k} = ${doc[k] === undefined ? '(Patroni default)' : String(doc[k])}`);
  const pg = (doc['postgresql'] ?? {}) as { parameters?: Record<string, unknown>; use_pg_rewind?: unknown; use_slots?: unknown };
  for (const [name, value] of Object.entries(pg.parameters ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) if (value !== null) lines.push(`postgresql.${name} = ${String(value)}`);
  lines.push(`# set by the lab (patroni.yml), not here: use_pg_rewind = ${String(pg.use_pg_rewind ?? '-')}, use_slots = ${String(pg.use_slots ?? '-')}`);
  return lines.join('\n');
}

/**
 * `config set KEY=VALUE` for Patroni: the PATCH body for /config and one line per change. Every bad assignment is
 * named; the result must keep Patroni's rule loop_wait + 2 × retry_timeout ≤ ttl.
 */
export function patroniConfigPatch(current: PatroniConfig, assignments: readonly string[]): { patch: Record<string, unknown>; changes: string[] } {
  if (assignments.length === 0) throw new UserError('config set needs at least one KEY=VALUE', `keys: ${allowedKeys()}`);
  const patch: Record<string, unknown> = {};
  const params: Record<string, string | null> = {};
  const problems: string[] = [];
  const changes: string[] = [];
  for (const a of assignments) {
    const parsed = parseAssignment(a);
    if ('problem' in parsed) {
      problems.push(parsed.problem);
      continue;
    }
    const key = parsed.key;
    const value = parsed.value.trim();
    if (key.startsWith('postgresql.')) {
      const name = key.slice('postgresql.'.length);
      const problem = name === 'use_pg_rewind' || name === 'use_slots' ? `${key}: set by the lab in patroni.yml (rewind and slots are part of the lab)` : postgresParameterProblem(key, value, 'the HA manager itself (replication and routing depend on it)');
      if (problem) problems.push(problem);
      else {
        params[name] = value === '' ? null : value;
        changes.push(value === '' ? `postgresql.${name}: removed (back to PostgreSQL's default)` : `postgresql.${name}: ${value}`);
      }
      continue;
    }
    const spec = PATRONI_CONFIG_KEYS[key];
    if (!spec) {
      problems.push(`unknown key "${key}"`);
      continue;
    }
    if (spec.kind === 'bool') {
      if (value !== 'true' && value !== 'false') problems.push(`${key}: "${value}" is not true or false`);
      else if (key === 'synchronous_mode' && (value === 'true') !== (current['synchronous_mode'] === true))
        problems.push('synchronous_mode: the replication mode is chosen when the cluster is created and cannot change on a running cluster (set replication in the topology, then pglab destroy and pglab machines)');
      else {
        patch[key] = value === 'true';
        changes.push(`${key}: ${value}`);
      }
      continue;
    }
    const n = spec.kind === 'bytes' ? parseBytes(value) : /^-?\d+$/.test(value) ? Number(value) : null;
    if (n === null || n < (spec.min ?? 0)) problems.push(`${key}: "${value}" is not ${spec.help}`);
    else {
      patch[key] = n;
      changes.push(`${key}: ${n}${spec.kind === 'seconds' ? ' s' : spec.kind === 'bytes' ? ' bytes' : ''}`);
    }
  }
  const after = (k: string) => num(patch[k]) ?? num(current[k]) ?? ({ ttl: 30, loop_wait: 10, retry_timeout: 10 } as Record<string, number>)[k] ?? 0;
  if (['ttl', 'loop_wait', 'retry_timeout'].some((k) => k in patch) && after('loop_wait') + 2 * after('retry_timeout') > after('ttl'))
    problems.push(`loop_wait + 2 × retry_timeout (${after('loop_wait')} + 2 × ${after('retry_timeout')}) must not exceed ttl (${after('ttl')}), Patroni's documented rule`);
  if (problems.length) throw new UserError(`invalid config: ${problems.join('; ')}`, `keys: ${allowedKeys()}`);
  if (Object.keys(params).length) patch['postgresql'] = { parameters: params };
  return { patch, changes };
}
