// An IMDb load through haproxy that lost its connection (the primary restarted, fenced itself or failed over) is
// run again once the cluster is healthy: the loads are idempotent (a staging schema, swapped in at the end), and a
// half-copied load would otherwise end with pgbouncer's "server conn crashed?" and nothing to do but retype it.
import { UserError, describeError } from '../common/errors.js';
import { isConnectionLoss } from '../common/pg-connection-loss.js';
import type { Topology } from '../lab/topology.js';
import type { StepContext } from './graph/step.js';
import { waitForHealthyCluster } from './pgdaemon/wait-healthy.js';

const HEALTHY_WITHIN_MS = 60_000;

export async function loadAgainAfterConnectionLoss<T>(
  t: Topology,
  ctx: StepContext,
  load: () => Promise<T>,
  waitHealthy: () => Promise<unknown> = () => waitForHealthyCluster(t, { timeoutMs: HEALTHY_WITHIN_MS, signal: ctx.signal, withHaproxy: true, primaryOnly: true }),
): Promise<T> {
  try {
    return await load();
  } catch (first) {
    if (ctx.signal.aborted || !isConnectionLoss(first)) throw first;
    ctx.output(`the connection to the primary was lost (${describeError(first)}); waiting for a healthy primary, then loading again`);
    await waitHealthy();
    try {
      return await load();
    } catch (second) {
      if (ctx.signal.aborted || !isConnectionLoss(second)) throw second;
      throw new UserError(
        `the load lost its connection to the primary twice (${describeError(first)}; then ${describeError(second)})`,
        'see `pglab history` and `pglab status` for what the cluster did, then run the load again (it starts over cleanly)',
      );
    }
  }
}
