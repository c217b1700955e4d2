// Switchover and failover from the CLI: the request goes through the cluster client; done when the new primary
// serves behind haproxy (the old primary rejoins as a replica afterwards: pglab status shows it).
import { OperationFailed, UserError } from '../common/errors.js';
import type { Topology } from '../lab/topology.js';
import type { RoleChangeKind } from './cluster-client.js';
import type { ClusterState } from './cluster-state.js';
import { withClusterClient } from './lab-cluster-client.js';
import { waitForHealthyCluster } from './wait-healthy.js';

/** How often haproxy is polled: a switchover's whole wait is a few of these. */
const POLL_MS = 50;

export async function requestRoleChange(t: Topology, kind: RoleChangeKind, to: string | undefined, force: boolean, onProgress: (m: string) => void): Promise<ClusterState> {
  await withClusterClient(t, (c) => c.roleChange(kind, to ?? null, force, onProgress)).catch((err: unknown) => {
    const hint = err instanceof UserError ? (err.hint ?? 'see `pglab status` for the members and their state') : undefined;
    if (err instanceof OperationFailed) throw new OperationFailed(`${kind} refused or failed: ${err.message}`, hint);
    if (err instanceof UserError) throw new UserError(`${kind} refused or failed: ${err.message}`, hint);
    throw err;
  });
  onProgress('waiting for the new primary behind haproxy');
  return waitForHealthyCluster(t, { timeoutMs: 60_000, withHaproxy: true, primaryOnly: true, pollMs: POLL_MS, onProblem: (p) => onProgress(`waiting for the new primary behind haproxy: ${p}`) });
}
