// `pglab switchover` and `pglab history`: operator commands on the HA cluster, via pgdaemon.
import { UserError } from '../common/errors.js';
import { withSpinner } from '../common/spinner.js';
import { machinesOf, type Topology } from '../lab/topology.js';
import { readClusterState } from './pgdaemon/cluster-state.js';
import { requestRoleChange } from './pgdaemon/role-change.js';
import type { RoleChangeReport } from './operator-verbs.js';

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

export async function historyCommand(t: Topology, json: boolean): Promise<string> {
  const s = await readClusterState(t, { history: true });
  if (json) return JSON.stringify(s.history, null, 2);
  if (s.history.length === 0) return 'no failovers or switchovers yet';
  const header = ['GEN', 'WHEN', 'KIND', 'FROM', 'TO', 'DECIDED BY', 'DETECT→DECIDE', 'REASON'];
  const rows = s.history.map((h) => [
    String(h.generation),
    h.decidedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    h.kind,
    h.from ?? '-',
    h.to,
    h.decidedBy,
    h.detectedToDecidedMs === null ? '-' : `${Math.round(h.detectedToDecidedMs)}ms`,
    h.reason,
  ]);
  const widths = header.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}
