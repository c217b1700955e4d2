// Finds the nspawn process of a machine and its container's PID 1 by reading
// /proc, so any shell can find machines without machined or pid files.
import { readdirSync, readFileSync } from 'node:fs';

export interface MachineProcess {
  name: string;
  /** The systemd-nspawn process. */
  nspawnPid: number;
  /** The container's PID 1 (its systemd), as seen from the host; undefined while starting. */
  leaderPid: number | undefined;
}

function readCmdline(pid: string): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Every systemd-nspawn process whose root directory lies under `machinesDir`, by machine name. */
export function findMachineProcesses(machinesDir: string): Map<string, MachineProcess> {
  const found = new Map<string, MachineProcess>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = readCmdline(entry);
    if (!argv || !argv[0]?.endsWith('systemd-nspawn')) continue;
    const root = argv[argv.indexOf('-D') + 1];
    const name = argv[argv.indexOf('-M') + 1];
    if (!root || !name || argv.indexOf('-D') < 0 || !root.startsWith(machinesDir + '/')) continue;
    const nspawnPid = Number(entry);
    found.set(name, { name, nspawnPid, leaderPid: childrenOf(nspawnPid)[0] });
  }
  return found;
}
