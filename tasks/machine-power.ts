// `pglab kill|stop|start MACHINE`: one machine's power, without a checked workload (see `pglab chaos`).
import { roleImageDir } from '../lab/image.js';
import { killMachine, machineProcess, stopMachine } from '../lab/machine.js';
import type { Topology } from '../lab/topology.js';
import { UserError } from '../common/errors.js';
import { withSpinner } from '../common/spinner.js';
import { requireRunning } from './machine-access.js';
import { ensureMachine } from './machines.js';

export async function killCommand(t: Topology, name: string): Promise<string> {
  requireRunning(name, t);
  killMachine(name);
  return `${name}: SIGKILL sent to its PID 1 (power loss); \`pglab start ${name}\` or \`pglab machines\` boots it again`;
}

export async function stopCommand(t: Topology, name: string): Promise<string> {
  requireRunning(name, t);
  await stopMachine(name);
  return `${name}: shut down cleanly; \`pglab start ${name}\` boots it again`;
}

export async function startCommand(t: Topology, name: string): Promise<string> {
  const m = t.machines.find((x) => x.name === name);
  if (!m) throw new UserError(`there is no machine named "${name}"`, `the lab's machines are: ${t.machines.map((x) => x.name).join(', ')}`);
  if (machineProcess(name)?.leaderPid) return `${name} is already running`;
  const result = await withSpinner(`booting ${name} and waiting for its systemd`, () => ensureMachine(m, t, roleImageDir(m.role)), () => `${name} is up`);
  return `${name}: ${result}`;
}
