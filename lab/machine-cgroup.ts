// Gives each machine its own cgroup subtree. Without machined, nspawn runs the
// container in its caller's cgroup; were every machine started from the same
// one, their systemds would share /payload/system.slice/<unit> directories and
// race each other (seen: "Failed to attach to cgroup" at boot, units of one
// machine stopping another's). So each nspawn starts inside pglab/<name>.
import { existsSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { labName } from './state-dir.js';

/** The cgroup hierarchies systemd uses: the named v1 one and/or the v2 one. */
function hierarchies(): string[] {
  const hybrid = ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified'].filter((d) => existsSync(join(d, 'cgroup.procs')));
  if (hybrid.length > 0) return hybrid;
  return existsSync('/sys/fs/cgroup/cgroup.procs') ? ['/sys/fs/cgroup'] : [];
}

export function machineCgroups(name: string): string[] {
  return hierarchies().map((h) => join(h, labName(), name));
}

export async function createMachineCgroups(name: string): Promise<string[]> {
  const dirs = machineCgroups(name);
  for (const d of dirs) await mkdir(d, { recursive: true });
  return dirs;
}

/** Removes a machine's (empty) cgroup dirs bottom-up; cgroup dirs are removed with rmdir, never rm. */
export function removeMachineCgroups(name: string): void {
  for (const d of machineCgroups(name)) removeCgroupTree(d);
  for (const h of hierarchies()) {
    const parent = join(h, labName());
    if (existsSync(parent) && readdirSync(parent).every((e) => !statSync(join(parent, e)).isDirectory())) {
      try {
        rmdirSync(parent);
      } catch {
        /* another machine's cgroup appeared meanwhile */
      }
    }
  }
}

function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    const child = join(dir, entry);
    if (statSync(child).isDirectory()) removeCgroupTree(child);
  }
  try {
    rmdirSync(dir);
  } catch {
    /* still has processes: left for the next destroy */
  }
}
