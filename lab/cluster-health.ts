// Health probes run from inside the machines (the host is outside the lab namespace).
import { notYet, waitUntil } from '../common/wait-until.js';
import { execIn } from './machine.js';
import { etcdEndpoints } from './roles/etcd.js';
import { machinesOf, type Topology } from './topology.js';

/** Runs `etcdctl` in the first running etcd machine with the lab's endpoints filled in. */
export async function etcdctl(t: Topology, args: readonly string[], opts: { allowFailure?: boolean; timeoutMs?: number } = {}) {
  const member = machinesOf(t, 'etcd')[0];
  if (!member) throw new Error('the topology has no etcd machine');
  return execIn(member.name, ['env', 'ETCDCTL_API=3', 'etcdctl', `--endpoints=${etcdEndpoints(t).join(',')}`, ...args], opts);
}

/** Waits until every member answers `endpoint health`; returns the count. */
export async function waitForEtcd(t: Topology, timeoutMs: number, signal?: AbortSignal): Promise<number> {
  const total = machinesOf(t, 'etcd').length;
  return waitUntil('every etcd member to be healthy', async () => {
    const r = await etcdctl(t, ['endpoint', 'health', '--command-timeout=2s'], { allowFailure: true, timeoutMs: 5000 }).catch(
      (e: Error) => ({ exitCode: 1, stdout: '', stderr: e.message }),
    );
    const out = `${r.stdout}\n${r.stderr}`;
    const healthy = out.split('\n').filter((l) => / is healthy/.test(l)).length;
    return healthy === total ? healthy : notYet(out.trim().split('\n').filter((l) => !/ is healthy/.test(l)).slice(-2).join('; '));
  }, { timeoutMs, intervalMs: 200, ...(signal ? { signal } : {}) });
}

/** Waits until a unit is active in a machine; a failed unit ends the wait at once. */
export async function waitForUnit(machine: string, unit: string, timeoutMs: number): Promise<void> {
  const see = `see: pglab logs ${machine} ${unit.replace(/\.service$/, '')}`;
  await waitUntil(`${unit} on ${machine} to be active (${see})`, async () => {
    const state = (await execIn(machine, ['systemctl', 'is-active', unit], { allowFailure: true })).stdout.trim();
    if (state === 'failed') throw new Error(`${unit} on ${machine} failed; ${see}`);
    return state === 'active' ? true : notYet(state || 'not active');
  }, { timeoutMs });
}
