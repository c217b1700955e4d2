// `pglab destroy`: stop every machine, unmount and delete their layers, drop the
// lab namespace (bridge and veths go with it); `--all` also the cached image.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGE_LOCK_FILES, withImageLock } from '../lab/image.js';
import { removeLabRecord } from '../lab/lab-state.js';
import { machineProcesses, stopMachine } from '../lab/machine.js';
import { removeMachineCgroups } from '../lab/machine-cgroup.js';
import { removeTree } from '../lab/mounts.js';
import { labName, paths } from '../lab/state-dir.js';
import { removeNetns } from '../lab/netns.js';
import type { Step } from './graph/step.js';

/** Machines known from running processes or leftover directories (a topology file is not needed). */
export function existingMachines(): string[] {
  const names = new Set(machineProcesses().keys());
  if (existsSync(paths.machines())) for (const d of readdirSync(paths.machines())) names.add(d);
  return [...names].sort();
}

export function destroySteps(opts: { all: boolean }): Step[] {
  const machines = existingMachines();
  const stopIds = machines.map((n) => `stop:${n}`);
  const steps: Step[] = machines.map((name) => ({
    id: `stop:${name}`,
    title: `Stop and remove ${name}`,
    async run() {
      const wasRunning = await stopMachine(name);
      await removeTree(paths.machine(name));
      removeMachineCgroups(name);
      return wasRunning ? 'stopped and removed' : 'removed';
    },
    describe: () => [`kill -SIGRTMIN+4 <PID 1 of ${name}>`, `umount ${paths.machine(name)}/root`, `rm -r ${paths.machine(name)}`],
  }));
  steps.push({
    id: 'network',
    title: `Remove network namespace ${labName()}`,
    needs: stopIds,
    async run() {
      return (await removeNetns()) ? 'removed (bridge and veths with it)' : 'already gone';
    },
    describe: () => [`ip netns del ${labName()}`],
  });
  steps.push({
    id: 'state',
    title: opts.all ? 'Remove the state dir, cached images included' : 'Remove the lab record and secrets',
    needs: ['network'],
    async run(ctx) {
      await removeLabRecord();
      await removeTree(paths.secrets());
      await removeTree(paths.machines());
      await removeTree(paths.liveRun());
      if (opts.all) {
        // The cache may be shared with another lab (PGLAB_IMAGES): not while it builds, and its lock stays.
        await withImageLock(`destroy --all (lab ${labName()})`, (m) => ctx.output(m), async () => {
          for (const entry of existsSync(paths.images()) ? readdirSync(paths.images()) : []) {
            if (!IMAGE_LOCK_FILES.includes(entry)) await removeTree(join(paths.images(), entry));
          }
        });
        // Everything but the lab lock, which this command holds (a new file there would be a second lock), and the emptied image cache.
        const keep = new Set([paths.lock(), paths.lockHolder(), paths.images()]);
        for (const entry of existsSync(paths.home()) ? readdirSync(paths.home()) : []) {
          if (!keep.has(join(paths.home(), entry))) await removeTree(join(paths.home(), entry));
        }
      }
      return opts.all ? `removed everything in ${paths.home()} but the lab lock` : 'removed (image kept; --all removes it)';
    },
    describe: () => (opts.all ? [`rm -r ${paths.home()}/* (all but the lab lock)`] : [`rm ${paths.labFile()}`, `rm -r ${paths.secrets()}`]),
  });
  return steps;
}
