// The operator commands that talk to etcd directly: init-cluster, status, switchover, failover.
import type { ClusterConfig, DesiredState, HistoryEntry, MemberState } from '../common/cluster-keys.js';
import { formatLsn } from '../common/cluster-keys.js';
import { OperationFailed, UserError } from '../common/errors.js';
import type { ClusterView, Dcs } from './dcs.js';
import { formatTable } from '../common/text-table.js';

export { OperationFailed };

export interface InitArgs {
  cluster: string;
  primary: string;
  replicas: string[];
  sync: boolean;
  force: boolean;
  maxLagOnFailoverBytes: number;
}

export async function initCluster(dcs: Dcs, a: InitArgs, out: (l: string) => void): Promise<void> {
  const members = [a.primary, ...a.replicas];
  if (new Set(members).size !== members.length) throw new UserError(`node names repeat: ${members.join(',')}`);
  const now = new Date().toISOString();
  const desired: DesiredState = { generation: 1, primary: a.primary, members, syncStandbys: [], syncPending: [], previousPrimary: null, reason: 'init-cluster', changedAt: now };
  const config: ClusterConfig = { synchronous: a.sync, maxLagOnFailoverBytes: a.maxLagOnFailoverBytes };
  const history: HistoryEntry = { generation: 1, kind: 'bootstrap', from: null, to: a.primary, reason: 'init-cluster', decidedBy: 'operator', decidedAt: now, detectedToDecidedMs: null };
  if (!(await dcs.initCluster(desired, config, history, a.force)))
    throw new UserError(`cluster "${a.cluster}" already exists in etcd`, 'use --force to wipe it and start over (its data directories must be emptied too)');
  out(`cluster ${a.cluster}: primary ${a.primary}, replicas ${a.replicas.join(',') || '(none)'}, ${a.sync ? 'synchronous' : 'asynchronous'} replication`);
}

/** What `pgdaemon status --json` prints, and what pglab's cluster client reads: the cluster as etcd holds it. */
export async function clusterStatus(dcs: Dcs, opts: { history?: boolean } = {}) {
  const view = await dcs.read();
  return {
    leader: view.leader,
    desired: view.desired?.value ?? null,
    config: view.config,
    paused: view.maintenance !== null,
    maintenance: view.maintenance,
    members: Object.values(view.members).map((m) => m.value),
    lastRefusal: view.refusal,
    problems: view.problems,
    history: opts.history === false ? [] : await dcs.readHistory(),
  };
}

function row(m: MemberState | undefined, node: string, view: ClusterView): string[] {
  const desired = view.desired?.value;
  const want = desired?.primary === node ? 'primary' : 'replica';
  if (!m) return [node, want, 'gone', '-', '-', '-', '-', '-', 'no member key (daemon down or lease expired)'];
  const lsn = m.role === 'primary' ? m.walLsn : m.replayedLsn;
  const flags = [view.leader === node ? 'leader' : '', desired?.syncStandbys.includes(node) ? 'sync' : '', m.noFailover ? 'nofailover' : '', m.restarting ? 'restarting' : '', m.pendingRestart?.length ? `pending-restart(${m.pendingRestart.join(',')})` : ''].filter(Boolean).join(',');
  return [node, want, m.pgUp ? m.role : 'down', String(m.timeline ?? '-'), formatLsn(lsn), m.lagBytes === null ? '-' : String(m.lagBytes), `${m.appliedGeneration}/${desired?.generation ?? '?'}`, flags || '-', m.message];
}

export function renderStatus(view: ClusterView): string {
  const desired = view.desired?.value;
  const nodes = [...new Set([...(desired?.members ?? []), ...Object.keys(view.members)])].sort();
  const rows = [['NODE', 'WANT', 'ROLE', 'TL', 'LSN', 'LAG', 'GEN', 'FLAGS', 'LAST CYCLE'], ...nodes.map((n) => row(view.members[n]?.value, n, view))];
  const lines = formatTable(rows, { freeLastColumn: true }).split('\n');
  const head = desired
    ? `generation ${desired.generation}: primary ${desired.primary}; leader ${view.leader ?? '(none)'}; ${view.config?.synchronous ? `sync standbys ${desired.syncStandbys.join(',') || '(none)'}` : 'asynchronous'}`
    : 'cluster not initialized';
  const paused = view.maintenance ? [`PAUSED since ${view.maintenance.since} by ${view.maintenance.by}${view.maintenance.reason ? ` (${view.maintenance.reason})` : ''}: no automatic failover; pglab resume (or pgdaemon resume) ends it`] : [];
  return [head, ...paused, ...lines, ...view.problems.map((p) => `problem: ${p}`)].join('\n');
}

export async function roleChange(
  dcs: Dcs,
  kind: 'switchover' | 'failover',
  to: string | null,
  waitMs: number,
  out: (l: string) => void,
  force = false,
  pollMs = 200,
): Promise<void> {
  const before = await dcs.read();
  const desired = before.desired?.value;
  if (!desired) throw new UserError('the cluster is not initialized (or its desired state is unreadable)');
  if (to && !desired.members.includes(to)) throw new UserError(`${to} is not a member (members: ${desired.members.join(',')})`);
  if (to === desired.primary) throw new UserError(`${to} is already the primary`);
  if (kind === 'failover' && !force) {
    const p = before.members[desired.primary]?.value;
    if (p && p.pgUp && p.role === 'primary' && !p.crashed)
      throw new UserError(`${desired.primary} is a healthy primary: a failover is for a cluster without one`, 'use switchover for a planned change, or failover --force to promote anyway (the primary is demoted the usual way)');
  }
  const requestedAt = new Date().toISOString();
  if (!(await dcs.putRequest({ kind, from: null, to, requestedAt, ...(force ? { force: true } : {}) })))
    throw new UserError('another switchover/failover request is pending', 'wait for it, or check the leader with pgdaemon status');
  out(`${kind} requested${to ? ` to ${to}` : ''}; waiting for the leader`);
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, pollMs));
    const view = await dcs.read().catch(() => null);
    const d = view?.desired?.value;
    if (d && d.generation > desired.generation && d.primary !== desired.primary) {
      const m = view?.members[d.primary]?.value;
      if (m?.role === 'primary' && m.pgUp) {
        out(`${d.primary} is the primary now (generation ${d.generation})`);
        return;
      }
    }
    if (view && !view.request && d && d.generation === desired.generation) {
      const refusal = view.refusal && view.refusal.request.requestedAt === requestedAt ? view.refusal.reason : null;
      throw new OperationFailed(refusal ?? `the leader refused the ${kind}`, 'pgdaemon status shows the members and their last cycle messages');
    }
  }
  throw new OperationFailed(`${kind} not finished after ${waitMs / 1000}s`, 'is a daemon running and elected leader? check pgdaemon status');
}
