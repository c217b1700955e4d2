// `pglab exec`, `shell`, `logs`, `etcdctl`: a terminal inside a machine.
import { spawn } from 'node:child_process';
import { UserError } from '../common/errors.js';
import { machineEnv, machineProcess } from '../lab/machine.js';
import { etcdEndpoints } from '../lab/roles/etcd.js';
import { machinesOf, type Topology } from '../lab/topology.js';

export function requireRunning(name: string, t: Topology): number {
  const known = t.machines.map((m) => m.name);
  if (!known.includes(name)) {
    throw new UserError(`there is no machine named "${name}"`, `the lab's machines are: ${known.join(', ')}`);
  }
  const pid = machineProcess(name)?.leaderPid;
  if (!pid) throw new UserError(`${name} is not running`, 'start the lab with `pglab machines` (it brings back stopped machines)');
  return pid;
}

/** Runs argv in the machine with the terminal attached; resolves to its exit code. */
export function attach(leaderPid: number, argv: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', ['-t', String(leaderPid), '-a', '--', 'env', '-i', ...machineEnv(), ...argv], { stdio: 'inherit' });
    // Ctrl-C belongs to the program inside, not to us.
    const ignore = () => undefined;
    process.on('SIGINT', ignore);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      resolve(code ?? (signal ? 128 + 2 : 1));
    });
  });
}

export async function execCommand(t: Topology, name: string, argv: string[]): Promise<number> {
  if (argv.length === 0) throw new UserError('nothing to run', `write the command after --, e.g. pglab exec ${name} -- cat /etc/hostname`);
  return attach(requireRunning(name, t), argv);
}

export async function shellCommand(t: Topology, name: string): Promise<number> {
  return attach(requireRunning(name, t), ['/bin/bash', '-l']);
}

export async function logsCommand(t: Topology, name: string, unit: string | undefined, follow: boolean): Promise<number> {
  const pid = requireRunning(name, t);
  const args = ['journalctl', '--no-pager', ...(unit ? ['-u', unit] : []), ...(follow ? ['-f'] : ['-n', '200'])];
  return attach(pid, args);
}

export async function etcdctlCommand(t: Topology, args: string[]): Promise<number> {
  const running = machinesOf(t, 'etcd').find((m) => machineProcess(m.name)?.leaderPid);
  if (!running) throw new UserError('no etcd machine is running', 'start the lab with `pglab machines`');
  return attach(requireRunning(running.name, t), ['env', 'ETCDCTL_API=3', 'etcdctl', `--endpoints=${etcdEndpoints(t).join(',')}`, ...args]);
}
