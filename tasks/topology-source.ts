// Decides which topology a command uses: --topology, $PGLAB_TOPOLOGY, ./pglab.yaml,
// the running lab's record, or the default, in that order.
import { existsSync } from 'node:fs';
import { readLabRecord } from '../lab/lab-state.js';
import { readTopologyFile } from '../lab/topology-file.js';
import { DEFAULT_TOPOLOGY, type Topology } from '../lab/topology.js';

export function resolveTopology(flag?: string): { topology: Topology; source: string } {
  const file = flag ?? process.env.PGLAB_TOPOLOGY ?? (existsSync('pglab.yaml') ? 'pglab.yaml' : undefined);
  if (file) return { topology: readTopologyFile(file), source: file };
  const record = readLabRecord();
  if (record) return { topology: record.topology, source: record.topologySource };
  return { topology: DEFAULT_TOPOLOGY, source: 'default' };
}
