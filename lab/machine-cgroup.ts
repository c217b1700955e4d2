// Gives each machine its own cgroup subtree. Without machined, nspawn runs the
// container in its caller's cgroup; were every machine started from the same
// one, their systemds would share /payload/system.slice/<unit> directories and
// race each other (seen: "Failed to attach to cgroup" at boot, units of one
// machine stopping another's). So each nspawn starts inside pglab/<name>.
import { existsSync, readFileSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { notYet, waitUntil, WaitTimeout } from '../common/wait-until.js';
import { labName } from './state-dir.js';

/** The cgroup hierarchies systemd uses: the named v1 one and/or the v2 one. */
function hierarchies(): string[] {
  const hybrid = ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified'].filter((d) => existsSync(join(d, 'cgroup.procs')));
  if (hybrid.length > 0) return hybrid;
  return existsSync('/sys/fs/cgroup/cgroup.procs') ? ['/sys/fs/cgroup'] : [];
}

function labCgroups(): string[] {
  return hierarchies().map((h) => join(h, labName()));
}

export function machineCgroups(name: string): string[] {
  return labCgroups().map((d) => join(d, name));
}

export async function createMachineCgroups(name: string): Promise<string[]> {
  const dirs = machineCgroups(name);
  for (const d of dirs) await mkdir(d, { recursive: true });
  return dirs;
}

/**
 * Removes a machine's cgroup dirs bottom-up, once its nspawn is gone. The processes the kernel killed with the
 * container's PID 1 can take a moment to leave the cgroup (a mongod freeing its cache: seen as a cgroup left
 * behind by destroy); any still there after 5 s are the dead machine's and are killed.
 */
export async function removeMachineCgroups(name: string): Promise<void> {
  const dirs = machineCgroups(name).filter((d) => existsSync(d));
  if (dirs.length === 0) return;
  if (!(await emptied(dirs, 5_000))) {
    for (const pid of dirs.flatMap(processesIn)) killQuietly(pid);
    await emptied(dirs, 5_000);
  }
  for (const d of dirs) removeCgroupTree(d);
  removeEmptyLabCgroups();
}

/** Every machine cgroup of this lab, also of machines no record names any more (destroy after a lost record). */
export async function removeLabCgroups(): Promise<void> {
  const names = new Set(labCgroups().filter((d) => existsSync(d)).flatMap((d) => subdirs(d)));
  for (const name of names) await removeMachineCgroups(name);
  removeEmptyLabCgroups();
}

function removeEmptyLabCgroups(): void {
  for (const parent of labCgroups()) {
    if (existsSync(parent) && subdirs(parent).length === 0) {
      try {
        rmdirSync(parent);
      } catch {
        /* another machine's cgroup appeared meanwhile */
      }
    }
  }
}

async function emptied(dirs: string[], timeoutMs: number): Promise<boolean> {
  const check = () => {
    const left = dirs.flatMap(processesIn);
    return left.length === 0 ? true : notYet(`${left.length} processes still in ${dirs[0]}`);
  };
  return waitUntil('a stopped machine’s cgroup to empty', check, { timeoutMs, intervalMs: 50 }).catch((e: unknown) => {
    if (e instanceof WaitTimeout) return false;
    throw e;
  });
}

function subdirs(dir: string): string[] {
  return readdirSync(dir).filter((e) => statSync(join(dir, e)).isDirectory());
}

function processesIn(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const own = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  return [...own, ...subdirs(dir).flatMap((d) => processesIn(join(dir, d)))];
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of subdirs(dir)) removeCgroupTree(join(dir, entry));
  try {
    rmdirSync(dir);
  } catch {
    /* still has processes: left for the next destroy */
  }
}
