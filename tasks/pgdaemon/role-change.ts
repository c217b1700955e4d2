// Switchover and failover from the host: the request goes to etcd from this process (inside the lab's network),
// the same roleChange the pgdaemon CLI runs; then the new primary is awaited behind haproxy.
import { UserError } from '../../common/errors.js';
import { roleChange } from '../../daemon/cli-admin.js';
import { EtcdDcs } from '../../daemon/etcd/dcs-etcd.js';
import { etcdEndpoints } from '../../lab/roles/etcd.js';
import type { Topology } from '../../lab/topology.js';
import { waitForHealthyCluster } from './wait-healthy.js';
import type { ClusterState } from './cluster-state.js';

/** How often the request's outcome and haproxy are polled: a switchover's whole wait is a few of these. */
const POLL_MS = 50;

/**
 * Starting the daemon's bundle inside a machine to ask etcd cost 0.5–1 s before anything happened (more under
 * load); this process is in the lab's network already. Done when the new primary serves behind haproxy: the old
 * primary rejoins as a replica afterwards (pglab status shows it).
 */
export async function requestRoleChange(
  t: Topology,
  kind: 'switchover' | 'failover',
  to: string | undefined,
  force: boolean,
  onProgress: (m: string) => void,
): Promise<ClusterState> {
  const dcs = new EtcdDcs({ endpoints: etcdEndpoints(t), cluster: t.cluster, callTimeoutMs: 2000 });
  try {
    await roleChange(dcs, kind, to ?? null, 60_000, onProgress, force, POLL_MS);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${kind} refused or failed: ${err.message}`, err.hint ?? 'see `pglab status` for the members and their state');
    throw err;
  } finally {
    await dcs.close();
  }
  onProgress('waiting for the new primary behind haproxy');
  return waitForHealthyCluster(t, { timeoutMs: 60_000, withHaproxy: true, primaryOnly: true, pollMs: POLL_MS, onProblem: (p) => onProgress(`waiting for the new primary behind haproxy: ${p}`) });
}
