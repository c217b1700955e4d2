// `pglab deploy pgdaemon`: the pgdaemon part of the lab graph, on a running lab.
import { UserError } from '../common/errors.js';
import { machineProcess } from '../lab/machine.js';
import type { Topology } from '../lab/topology.js';
import type { Step } from './graph/step.js';
import { requireHaManager } from './ha-manager.js';
import { pgdaemonSteps } from './pgdaemon/deploy-steps.js';

export function requireLabRunning(t: Topology): void {
  const down = t.machines.filter((m) => !machineProcess(m.name)?.leaderPid).map((m) => m.name);
  if (down.length > 0) throw new UserError(`not running: ${down.join(', ')}`, 'bring the lab up with `pglab machines` first');
}

export function deploySteps(t: Topology, restartAll: boolean): Step[] {
  requireHaManager(t, 'pgdaemon', 'pglab deploy pgdaemon', "Patroni comes from Debian's package in the image; restart it with pglab restart NODE (PostgreSQL) or systemctl in the machine");
  // On a running lab the machines, etcd and haproxy are there already: mark them done.
  const done: Step = { id: 'etcd', title: 'etcd cluster (running)', check: true, run: async () => 'running' };
  return [done, ...pgdaemonSteps(t, { needsMachines: [], needsHaproxy: [], restartAll })];
}
