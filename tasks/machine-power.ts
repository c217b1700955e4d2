// `pglab kill|stop|start MACHINE`: one machine's power, without a checked workload (see `pglab chaos`).
import { roleImageDir } from '../lab/image.js';
import { killMachine, machineProcess, stopMachine } from '../lab/machine.js';
import type { Machine, Topology } from '../lab/topology.js';
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

/**
 * Boots stopped machines, all at once. A machine whose role waits for its peers (etcd for a quorum) is waited
 * for fully only when every peer is running or starting with it: otherwise this returns once only that unit is
 * left starting, so the lab lock is not held for something only a later `pglab start` can finish.
 */
export async function startCommand(t: Topology, names: readonly string[]): Promise<string> {
  const unknown = names.filter((n) => !t.machines.some((x) => x.name === n));
  if (unknown.length > 0) throw new UserError(`there is no machine named ${unknown.map((n) => `"${n}"`).join(', ')}`, `the lab's machines are: ${t.machines.map((x) => x.name).join(', ')}`);
  const wanted = [...new Set(names)].map((n) => t.machines.find((x) => x.name === n)).filter((m): m is Machine => m !== undefined);
  const up = (name: string) => machineProcess(name)?.leaderPid !== undefined;
  const lines = wanted.filter((m) => up(m.name)).map((m) => `${m.name} is already running`);
  const toBoot = wanted.filter((m) => !up(m.name));
  if (toBoot.length === 0) return lines.join('\n');
  const comingUp = new Set(toBoot.map((m) => m.name));
  const peersAllThere = (m: Machine) => t.machines.filter((x) => x.role === m.role).every((x) => comingUp.has(x.name) || up(x.name));
  const booted = await withSpinner(`booting ${toBoot.map((m) => m.name).join(', ')} and waiting for their systemd`, () =>
    Promise.all(toBoot.map(async (m) => `${m.name}: ${await ensureMachine(m, t, roleImageDir(m.role), { notForPeers: !peersAllThere(m) })}`)),
  () => `${toBoot.length === 1 ? 'it is' : 'they are'} up`);
  const waiting = toBoot.filter((m) => !peersAllThere(m)).map((m) => t.machines.filter((x) => x.role === m.role && !up(x.name) && !comingUp.has(x.name)).map((x) => x.name));
  const missing = [...new Set(waiting.flat())];
  return [...lines, ...booted, ...(missing.length ? [`start ${missing.join(', ')} too for ${toBoot[0]?.role}'s quorum: pglab start ${missing.join(' ')}`] : [])].join('\n');
}
