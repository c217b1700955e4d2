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
 * A file that names no HA manager runs the lab's own: a lab made with `pglab machines --ha patroni` stays a Patroni
 * lab for every later command that reads the same file (a file that names one is checked against the lab instead).
 */
export function withLabManager(t: Topology, lab: Topology | undefined): Topology {
  if (t.ha !== undefined || lab?.ha === undefined) return t;
  return { ...t, ha: lab.ha, ...(t.patroni === undefined && lab.patroni ? { patroni: lab.patroni } : {}) };
}
