// Waits for the HA cluster to be healthy: pgdaemon's view and haproxy's agree.
import { setTimeout as sleep } from 'node:timers/promises';
import { haproxyBackends } from '../../lab/haproxy-state.js';
import { machinesOf, type Topology } from '../../lab/topology.js';
import { clusterProblems, primaryProblems, readClusterState, type ClusterState } from './cluster-state.js';

/** Problems seen by haproxy: the primary backend must route to the desired primary only. */
async function haproxyProblems(t: Topology, s: ClusterState): Promise<string[]> {
  const problems: string[] = [];
  const primary = s.desired?.primary;
  for (const h of machinesOf(t, 'haproxy')) {
    const b = await haproxyBackends(h);
    const up = Object.entries(b['primary'] ?? {}).filter(([, st]) => st.startsWith('UP')).map(([n]) => n);
    if (up.length !== 1 || up[0] !== primary) problems.push(`${h.name}: primary backend routes to [${up.join(', ')}], expected ${primary}`);
  }
  return problems;
}

export async function waitForHealthyCluster(
  t: Topology,
  opts: {
    timeoutMs: number;
    signal?: AbortSignal;
    withHaproxy?: boolean;
    expectPrimary?: string;
    /** Only the primary counts (a role change is done when it serves; the old primary rejoins meanwhile). */
    primaryOnly?: boolean;
    pollMs?: number;
    onProblem?: (p: string) => void;
  },
): Promise<ClusterState> {
  const deadline = Date.now() + opts.timeoutMs;
  let problems: string[] = ['not checked yet'];
  while (Date.now() < deadline) {
    opts.signal?.throwIfAborted();
    try {
      const s = await readClusterState(t);
      problems = opts.primaryOnly ? primaryProblems(s) : clusterProblems(s);
      if (opts.expectPrimary && s.desired?.primary !== opts.expectPrimary) problems.push(`primary is ${s.desired?.primary}, waiting for ${opts.expectPrimary}`);
      if (problems.length === 0 && opts.withHaproxy) problems = await haproxyProblems(t, s);
      if (problems.length === 0) return s;
    } catch (err) {
      problems = [(err as Error).message.split('\n')[0] ?? String(err)];
    }
    opts.onProblem?.(problems.join('; '));
    await sleep(opts.pollMs ?? 250);
  }
  throw new Error(`the cluster is not healthy after ${opts.timeoutMs / 1000}s:\n  ${problems.join('\n  ')}\n  (see: pglab status, pglab logs pg0 pgdaemon)`);
}
