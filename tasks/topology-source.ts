// Decides which topology a command uses: --topology, $PGLAB_TOPOLOGY, ./pglab.yaml,
// the running lab's record, or the default, in that order.
import { existsSync } from 'node:fs';
import { readLabRecord } from '../lab/lab-state.js';
import { readTopologyFile } from '../lab/topology-file.js';
import { DEFAULT_TOPOLOGY, type Topology } from '../lab/topology.js';

export function resolveTopology(flag?: string): { topology: Topology; source: string } {
  const file = flag ?? process.env.PGLAB_TOPOLOGY ?? (existsSync('pglab.yaml') ? 'pglab.yaml' : undefined);
  const record = readLabRecord();
  if (file) return { topology: withLabManager(readTopologyFile(file), record?.topology), source: file };
  if (record) return { topology: record.topology, source: record.topologySource };
  return { topology: DEFAULT_TOPOLOGY, source: 'default' };
}

/**
 * The running lab's HA manager (and Patroni timing) over a topology file's. `pglab machines` takes it only when the file
 * names none (a lab made with `--ha patroni` stays one; a file that names another is refused there). Every other
 * command acts on the lab as it is (`force`): the manager that runs is a fact of the lab, like its machines.
 */
export function withLabManager(t: Topology, lab: Topology | undefined, force = false): Topology {
  if (lab?.ha === undefined || (t.ha !== undefined && !force)) return t;
  const { patroni: _, ...rest } = t;
  // Acting on the lab: the timing it was made with. Making it: the file's, if it has any (patroni:config sets it).
  const patroni = force ? lab.patroni : (t.patroni ?? lab.patroni);
  return { ...rest, ha: lab.ha, ...(patroni ? { patroni } : {}) };
}

/** The topology of the lab that exists, for commands that act on it: the file's sizes, the lab's manager. */
export function resolveLabTopology(flag?: string): { topology: Topology; source: string } {
  const r = resolveTopology(flag);
  return { topology: withLabManager(r.topology, readLabRecord()?.topology, true), source: r.source };
}
