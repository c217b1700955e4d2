// The HA managers a lab can run, listed once: per manager its systemd unit on the pg machines, its part of the lab
// graph, the bounds its chaos promises are judged by, and one line naming its settings. The cluster client for each
// is in ha/lab-cluster-client.ts; adding a manager is one entry here, one there, and its own folder of steps.
import { UserError } from '../common/errors.js';
import { BOUNDS, type PromiseBounds } from '../chaos/fault-catalog.js';
import { readLabRecord } from '../lab/lab-state.js';
import { HA_MANAGERS, haOf, patroniSettingsOf, replicationOf, type HaManager, type Topology } from '../lab/topology.js';
import type { Step } from './graph/step.js';
import { existingMachines } from './destroy.js';
import { pgdaemonSteps } from './pgdaemon/deploy-steps.js';
import { DAEMON_UNIT } from './pgdaemon/node-files.js';
import { PATRONI_UNIT } from './patroni/node-files.js';
import { patroniSteps } from './patroni/setup-steps.js';

export interface HaManagerModule {
  readonly name: HaManager;
  /** Its unit on every PostgreSQL machine: status shows it, `kill-daemon` kills its main process, logs name it. */
  readonly unit: string;
  /** Its steps in `pglab machines`, after the machines (needsMachines) and before the healthy check (needsHaproxy). */
  steps(t: Topology, opts: { needsMachines: string[]; needsHaproxy: string[] }): Step[];
  /** The time bounds of its chaos promises, from its own settings. */
  bounds(t: Topology): PromiseBounds;
  /** The manager and the settings that shape its failover, in one line for reports. */
  describe(t: Topology): string;
}

const pgdaemon: HaManagerModule = {
  name: 'pgdaemon',
  unit: DAEMON_UNIT,
  steps: (t, opts) => pgdaemonSteps(t, opts),
  bounds: () => BOUNDS,
  describe: (t) => `pgdaemon (lease ttl 1 s, loop 500 ms, failover timeout 10 s; ${replicationOf(t)} replication)`,
};

/**
 * Patroni notices a dead primary when its leader key's lease runs out (ttl after the last renewal, which comes every
 * loop_wait), and acts on its next loop; the 5 s that pgdaemon's whole bound allows covers the promotion and haproxy.
 * A cut replica reconnects through PostgreSQL's own WAL receiver, which Patroni checks every loop_wait.
 */
export function patroniBounds(t: Topology): PromiseBounds {
  const p = patroniSettingsOf(t);
  const detect = (p.ttl + p.loopWait) * 1000;
  return { ackAgainAfterFaultMs: detect + BOUNDS.ackAgainAfterFaultMs, ackAgainAfterQuorumMs: detect + BOUNDS.ackAgainAfterQuorumMs, streamAgainAfterHealMs: p.loopWait * 1000 + BOUNDS.streamAgainAfterHealMs };
}

const patroni: HaManagerModule = {
  name: 'patroni',
  unit: PATRONI_UNIT,
  steps: (t, opts) => patroniSteps(t, opts),
  bounds: patroniBounds,
  describe: (t) => {
    const p = patroniSettingsOf(t);
    return `Patroni 3.0.2 (ttl ${p.ttl} s, loop_wait ${p.loopWait} s, retry_timeout ${p.retryTimeout} s, maximum_lag_on_failover ${p.maximumLagOnFailover}, synchronous_mode ${replicationOf(t) === 'sync' ? 'on' : 'off'})`;
  },
};

export const HA_MANAGER_MODULES: Record<HaManager, HaManagerModule> = { pgdaemon, patroni };

export function haManager(t: Topology): HaManagerModule {
  return HA_MANAGER_MODULES[haOf(t)];
}

/** `--ha NAME`: one of the managers, or exit 2 naming them. */
export function parseHaManager(value: string, flag = '--ha'): HaManager {
  if ((HA_MANAGERS as readonly string[]).includes(value)) return value as HaManager;
  throw new UserError(`${flag}: unknown HA manager "${value}"`, `the managers are: ${HA_MANAGERS.join(', ')}`);
}

/** The manager is chosen when the lab is made: a lab whose machines exist keeps the one it has. */
export function requireSameHaManager(t: Topology): void {
  const record = readLabRecord();
  if (!record || existingMachines().length === 0) return;
  const running = haOf(record.topology);
  if (running !== haOf(t))
    throw new UserError(`this lab runs ${running}, and this command asks for ${haOf(t)}`, `the HA manager is chosen when the lab is made: pglab destroy, then pglab machines${haOf(t) === 'pgdaemon' ? '' : ` --ha ${haOf(t)}`}`);
}

/** A verb that only one manager has (e.g. `deploy pgdaemon`): exit 2 on a lab with another, saying so. */
export function requireHaManager(t: Topology, wanted: HaManager, what: string, hint?: string): void {
  if (haOf(t) !== wanted) throw new UserError(`${what} needs a lab that runs ${wanted}; this one runs ${haOf(t)}`, hint);
}
