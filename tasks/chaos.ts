// `pglab chaos kill|stop MACHINE`: break a machine on purpose. (The checked
// workload and failover report come with the chaos issue; this is the fault.)
import { killMachine, stopMachine } from '../lab/machine.js';
import type { Topology } from '../lab/topology.js';
import { requireRunning } from './machine-access.js';

export async function chaosKill(t: Topology, name: string): Promise<string> {
  requireRunning(name, t);
  killMachine(name);
  return `${name}: SIGKILL sent to its PID 1 (power loss); \`pglab machines\` boots it again`;
}

export async function chaosStop(t: Topology, name: string): Promise<string> {
  requireRunning(name, t);
  await stopMachine(name);
  return `${name}: shut down cleanly; \`pglab machines\` boots it again`;
}
