// Health probes run from inside the machines (the host is outside the lab namespace).
import { setTimeout as sleep } from 'node:timers/promises';
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
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    const r = await etcdctl(t, ['endpoint', 'health', '--command-timeout=2s'], { allowFailure: true, timeoutMs: 5000 }).catch(
      (e: Error) => ({ exitCode: 1, stdout: '', stderr: e.message }),
    );
    const out = `${r.stdout}\n${r.stderr}`;
    const healthy = out.split('\n').filter((l) => / is healthy/.test(l)).length;
    if (healthy === total) return healthy;
    last = out.trim().split('\n').filter((l) => !/ is healthy/.test(l)).slice(-2).join('; ');
    await sleep(200);
  }
  throw new Error(`the etcd cluster is not healthy after ${timeoutMs / 1000}s: ${last}`);
}

/** Waits until a unit is active in a machine. */
export async function waitForUnit(machine: string, unit: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let state = '';
  while (Date.now() < deadline) {
    const r = await execIn(machine, ['systemctl', 'is-active', unit], { allowFailure: true });
    state = r.stdout.trim();
    if (state === 'active') return;
    if (state === 'failed') break;
    await sleep(100);
  }
  throw new Error(`${unit} on ${machine} is ${state || 'not active'}; see: pglab logs ${machine} ${unit.replace(/\.service$/, '')}`);
}
