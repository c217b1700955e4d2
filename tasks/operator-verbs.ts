// `pglab failover|pause|resume|restart|reinit|config`: the operator verbs, carried out by the HA manager through
// the cluster client (the same functions its own CLI runs).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { ClusterConfig } from '../common/cluster-keys.js';
import { UserError } from '../common/errors.js';
import { withSpinner } from '../common/spinner.js';
import { renderConfig } from '../daemon/config-edit.js';
import { readClusterState, withClusterClient } from '../ha/lab-cluster-client.js';
import { requestRoleChange } from '../ha/role-change.js';
import { machinesOf, type Topology } from '../lab/topology.js';

function pgNode(t: Topology, node: string): string {
  const nodes = machinesOf(t, 'postgres').map((m) => m.name);
  if (!nodes.includes(node)) throw new UserError(`there is no PostgreSQL node named "${node}"`, `the PostgreSQL nodes are: ${nodes.join(', ')}`);
  return node;
}

export interface RoleChangeReport {
  kind: 'failover' | 'switchover';
  from: string | null;
  to: string | null;
  forced: boolean;
  seconds: number;
}

export function formatRoleChange(r: RoleChangeReport): string {
  return `${r.kind}${r.forced ? ' (forced)' : ''} done: ${r.from} → ${r.to} in ${r.seconds.toFixed(1)}s; haproxy follows`;
}

export async function failoverCommand(t: Topology, to: string | undefined, force: boolean): Promise<RoleChangeReport> {
  if (to !== undefined) pgNode(t, to);
  const before = await readClusterState(t);
  const t0 = Date.now();
  const after = await withSpinner(`failover from ${before.desired?.primary ?? '?'}${to ? ` to ${to}` : ''}${force ? ' (forced)' : ''}: the leader promotes`, (spin) =>
    requestRoleChange(t, 'failover', to, force, (m) => spin.update(m)), (s) => `new primary ${s.desired?.primary}, haproxy routes to it`);
  return { kind: 'failover', from: before.desired?.primary ?? null, to: after.desired?.primary ?? null, forced: force, seconds: (Date.now() - t0) / 1000 };
}

export async function pauseCommand(t: Topology, paused: boolean, reason: string | undefined): Promise<string> {
  return withClusterClient(t, (c) => c.setPaused(paused, reason ?? null));
}

export async function nodeVerbCommand(t: Topology, kind: 'restart' | 'reinit', node: string): Promise<string> {
  pgNode(t, node);
  const wait = kind === 'restart' ? 90_000 : 30 * 60_000;
  return withSpinner(`${kind} of ${node}: its daemon ${kind === 'restart' ? 'restarts postgres' : 'removes its data and clones from the primary'}`, (spin) =>
    withClusterClient(t, (c) => c.nodeRequest(kind, node, wait, (l) => spin.update(l))), (out) => out);
}

export async function configShowCommand(t: Topology): Promise<{ config: ClusterConfig; text: string }> {
  const config = await withClusterClient(t, (c) => c.config());
  return { config, text: renderConfig(config) };
}

export async function configSetCommand(t: Topology, assignments: string[]): Promise<string> {
  if (assignments.length === 0) throw new UserError('pglab config set needs KEY=VALUE arguments', 'e.g. pglab config set failoverTimeout=15s postgresql.work_mem=8MB; pglab config show lists the keys');
  const lines = await withClusterClient(t, (c) => c.configSet(assignments));
  return lines.join('\n');
}

/** Lines of `key = value` (config show's words) edited by the user → the assignments that changed. */
export function editedAssignments(before: string, after: string): string[] {
  const parse = (text: string) => {
    const out = new Map<string, string>();
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const eq = line.indexOf('=');
      if (eq <= 0) throw new UserError(`config edit: "${line}" is not "key = value"`);
      out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
    }
    return out;
  };
  const a = parse(before);
  const b = parse(after);
  const changes: string[] = [];
  for (const [k, v] of b) if (a.get(k) !== v && !(k === 'failoverTimeout' && v.startsWith('('))) changes.push(`${k}=${v}`);
  // A removed parameter line removes the parameter.
  for (const k of a.keys()) if (!b.has(k) && k.startsWith('postgresql.')) changes.push(`${k}=`);
  return changes;
}

export async function configEditCommand(t: Topology): Promise<string> {
  const editor = process.env.VISUAL ?? process.env.EDITOR;
  if (!editor) throw new UserError('config edit needs $EDITOR (or $VISUAL)', 'or use pglab config set KEY=VALUE');
  const before = (await configShowCommand(t)).text;
  const dir = mkdtempSync(join(tmpdir(), 'pglab-config-'));
  try {
    const file = join(dir, 'cluster-config.txt');
    writeFileSync(file, `# pglab config edit: one "key = value" per line; an emptied or removed postgresql.* line removes it.\n${before}\n`);
    const r = spawnSync(editor, [file], { stdio: 'inherit', shell: true });
    if (r.status !== 0) throw new UserError(`the editor exited with ${r.status ?? r.signal}; nothing changed`);
    const changes = editedAssignments(before, readFileSync(file, 'utf8'));
    if (changes.length === 0) return 'no changes';
    return configSetCommand(t, changes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
