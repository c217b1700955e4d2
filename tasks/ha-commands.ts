// `pglab switchover` and `pglab history`: operator commands on the HA cluster, via pgdaemon.
import type { HistoryEntry } from '../common/cluster-keys.js';
import { UserError } from '../common/errors.js';
import { withSpinner } from '../common/spinner.js';
import { machinesOf, type Topology } from '../lab/topology.js';
import { readClusterState } from '../ha/lab-cluster-client.js';
import { requestRoleChange } from '../ha/role-change.js';
import type { RoleChangeReport } from './operator-verbs.js';
import { formatTable } from '../common/text-table.js';

export async function switchoverCommand(t: Topology, to: string | undefined): Promise<RoleChangeReport | string> {
  const nodes = machinesOf(t, 'postgres').map((m) => m.name);
  if (to !== undefined && !nodes.includes(to)) {
    throw new UserError(`there is no PostgreSQL node named "${to}"`, `the PostgreSQL nodes are: ${nodes.join(', ')}`);
  }
  const before = await readClusterState(t);
  if (to && before.desired?.primary === to) return `${to} is already the primary: nothing to do`;
  const t0 = Date.now();
  const after = await withSpinner(`switchover from ${before.desired?.primary ?? '?'}${to ? ` to ${to}` : ''}: pgdaemon hands over`, (spin) =>
    requestRoleChange(t, 'switchover', to, false, (m) => spin.update(m)), (s) => `new primary ${s.desired?.primary}, haproxy routes to it`);
  return { kind: 'switchover', from: before.desired?.primary ?? null, to: after.desired?.primary ?? null, forced: false, seconds: (Date.now() - t0) / 1000 };
}

export async function historyCommand(t: Topology): Promise<{ history: HistoryEntry[]; text: string }> {
  const s = await readClusterState(t, { history: true });
  return { history: s.history, text: formatHistory(s.history) };
}

function formatHistory(history: readonly HistoryEntry[]): string {
  if (history.length === 0) return 'no failovers or switchovers yet';
  const header = ['GEN', 'WHEN', 'KIND', 'FROM', 'TO', 'DECIDED BY', 'DETECT→DECIDE', 'REASON'];
  const rows = history.map((h) => [
    String(h.generation),
    h.decidedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    h.kind,
    h.from ?? '-',
    h.to,
    h.decidedBy,
    h.detectedToDecidedMs === null ? '-' : `${Math.round(h.detectedToDecidedMs)}ms`,
    h.reason,
  ]);
  return formatTable([header, ...rows], { freeLastColumn: true });
}
