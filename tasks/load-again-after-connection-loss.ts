// An IMDb load through haproxy that lost its connection (the primary restarted, fenced itself or failed over) is
// run again once the cluster is healthy: the loads are idempotent (a staging schema, swapped in at the end), and a
// half-copied load would otherwise end with pgbouncer's "server conn crashed?" and nothing to do but retype it.
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError, describeError } from '../common/errors.js';
import { isConnectionLoss } from '../common/pg-connection-loss.js';
import type { Topology } from '../lab/topology.js';
import type { StepContext } from './graph/step.js';
import { waitForHealthyCluster } from '../ha/wait-healthy.js';

const HEALTHY_WITHIN_MS = 60_000;
/** Loads in all: a crash the daemon restarts from, then a failover decided a moment later, is two losses in a row. */
export const LOAD_ATTEMPTS = 3;
/**
 * Right after a crash the cluster can still look healthy (the daemons have not published what they saw yet, and
 * haproxy routes to the node that is restarting): give them this long before asking. Seen in CI: a load started
 * again at once lost its connection a second time.
 */
const SETTLE_MS = 1500;

async function waitForPrimary(t: Topology, ctx: StepContext): Promise<void> {
  await sleep(SETTLE_MS, undefined, { signal: ctx.signal });
  await waitForHealthyCluster(t, { timeoutMs: HEALTHY_WITHIN_MS, signal: ctx.signal, withHaproxy: true, primaryOnly: true });
}

/** What the load returned, and the connection losses it survived (for the step's summary, which is always shown). */
export interface LoadedAgain<T> {
  value: T;
  losses: string[];
}

export async function loadAgainAfterConnectionLoss<T>(
  t: Topology,
  ctx: StepContext,
  load: () => Promise<T>,
  waitHealthy: () => Promise<unknown> = () => waitForPrimary(t, ctx),
): Promise<LoadedAgain<T>> {
  const losses: string[] = [];
  for (;;) {
    try {
      return { value: await load(), losses };
    } catch (err) {
      if (ctx.signal.aborted || !isConnectionLoss(err)) throw err;
      losses.push(describeError(err));
      if (losses.length >= LOAD_ATTEMPTS) {
        throw new UserError(
          `the load lost its connection to the primary ${losses.length} times (${losses.join('; then ')})`,
          'see `pglab history` and `pglab status` for what the cluster did, then run the load again (it starts over cleanly)',
        );
      }
      ctx.output(`the connection to the primary was lost (${describeError(err)}); waiting for a healthy primary, then loading again (attempt ${losses.length + 1} of ${LOAD_ATTEMPTS})`);
      await waitHealthy();
    }
  }
}

/** The summary's note on a load that had to start over; empty when it did not. */
export function lossNote(losses: readonly string[]): string {
  return losses.length ? `; loaded again after the connection to the primary was lost (${losses.join('; then ')})` : '';
}
