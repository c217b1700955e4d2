// `pglab chaos heal`: undoes whatever an interrupted chaos run may have left (nft tables, frozen processes, a
// stopped etcd, machines that are down), then waits for a healthy cluster.
import { CUT_TABLE, DISK_FILLER, ISOLATE_TABLE, signalPostgresCommand } from '../chaos/node-faults.js';
import { PARTITION_TABLE } from '../chaos/partition.js';
import { processTree } from '../common/process-tree.js';
import { roleImageDir } from '../lab/image.js';
import { execIn, machineProcess } from '../lab/machine.js';
import type { Topology } from '../lab/topology.js';
import type { Step } from './graph/step.js';
import { ensureMachine } from './machines.js';
import { waitForHealthyCluster } from '../ha/wait-healthy.js';

const TABLES = [PARTITION_TABLE, CUT_TABLE, ISOLATE_TABLE];

/** Repairs one machine; returns what it found and undid. */
async function healMachine(t: Topology, name: string, signal: AbortSignal): Promise<string[]> {
  const m = t.machines.find((x) => x.name === name);
  if (!m) return [];
  const leader = machineProcess(name)?.leaderPid;
  if (!leader) {
    // Not waiting for etcd's quorum here: the other members it needs may be the next machines this loop boots.
    const booted = await ensureMachine(m, t, roleImageDir(m.role), { signal, notForPeers: true });
    return [`${name} was down: ${booted}`];
  }
  const did: string[] = [];
  let thawed = 0;
  for (const pid of processTree(leader)) {
    try {
      // A stopped process shows state T; SIGCONT to every process is harmless for the others.
      process.kill(pid, 'SIGCONT');
      thawed++;
    } catch {
      // gone
    }
  }
  if (thawed === 0) did.push(`${name}: no process to thaw`);
  const listed = await execIn(name, ['nft', 'list', 'tables'], { allowFailure: true });
  const present = new Set(listed.stdout.split('\n').map((l) => l.trim()));
  for (const table of TABLES) {
    if (!present.has(`table inet ${table}`)) continue;
    await execIn(name, ['nft', 'delete', 'table', 'inet', table]);
    did.push(`${name}: removed nft table ${table}`);
  }
  if (m.role === 'postgres') {
    await execIn(name, signalPostgresCommand('CONT'));
    const filler = await execIn(name, ['sh', '-c', `test -e ${DISK_FILLER} && rm -f ${DISK_FILLER} && echo removed`], { allowFailure: true });
    if (filler.stdout.includes('removed')) did.push(`${name}: removed the disk filler`);
  }
  if (m.role === 'etcd') {
    const active = await execIn(name, ['systemctl', 'is-active', 'etcd'], { allowFailure: true });
    if (active.stdout.trim() !== 'active') {
      await execIn(name, ['systemctl', 'start', '--no-block', 'etcd']);
      did.push(`${name}: started etcd`);
    }
  }
  return did;
}

export function healSteps(t: Topology): Step[] {
  return [
    {
      id: 'heal',
      title: 'Undo what chaos runs left: nft tables, frozen processes, stopped etcd, machines down',
      needs: [],
      check: true,
      async run(ctx) {
        const did: string[] = [];
        for (const m of t.machines) did.push(...(await healMachine(t, m.name, ctx.signal)));
        for (const d of did) ctx.output(d);
        return did.length ? did.join('; ') : 'nothing left behind';
      },
    },
    {
      id: 'healthy',
      title: 'Cluster healthy behind haproxy',
      needs: ['heal'],
      check: true,
      async run(ctx) {
        const s = await waitForHealthyCluster(t, { timeoutMs: 120_000, signal: ctx.signal, withHaproxy: true, onProblem: (x) => ctx.output(x) });
        return `primary ${s.desired?.primary}; every member streaming`;
      },
    },
  ];
}
