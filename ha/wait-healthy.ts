// Waits for the HA cluster to be healthy: the HA manager's view and haproxy's agree.
import { notYet, waitUntil } from '../common/wait-until.js';
import { haproxyBackends } from '../lab/haproxy-state.js';
import { machinesOf, type Topology } from '../lab/topology.js';
import { clusterProblems, primaryProblems, type ClusterState } from './cluster-state.js';
import { withClusterClient } from './lab-cluster-client.js';

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
  // Each reason is what still keeps the cluster from being healthy; the timeout's message carries the last one.
  return withClusterClient(t, (client) => waitUntil('a healthy cluster (see: pglab status, pglab logs pg0 pgdaemon)', async () => {
    let problems: string[];
    try {
      const s = await client.state();
      problems = opts.primaryOnly ? primaryProblems(s) : clusterProblems(s);
      if (opts.expectPrimary && s.desired?.primary !== opts.expectPrimary) problems.push(`primary is ${s.desired?.primary}, waiting for ${opts.expectPrimary}`);
      if (problems.length === 0 && opts.withHaproxy) problems = await haproxyProblems(t, s);
      if (problems.length === 0) return s;
    } catch (err) {
      problems = [(err as Error).message.split('\n')[0] ?? String(err)];
    }
    opts.onProblem?.(problems.join('; '));
    return notYet(problems.join('; '));
  }, { timeoutMs: opts.timeoutMs, intervalMs: opts.pollMs ?? 250, ...(opts.signal ? { signal: opts.signal } : {}) }));
}
