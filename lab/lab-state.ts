// The record of the lab that exists: which topology it was made from, so
// status, exec and destroy work from any shell without the topology file.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { UserError } from '../common/errors.js';
import { paths } from './state-dir.js';
import type { Topology } from './topology.js';

export interface LabRecord {
  topology: Topology;
  topologySource: string;
  image: string;
  updatedAt: string;
}

export function readLabRecord(): LabRecord | undefined {
  if (!existsSync(paths.labFile())) return undefined;
  try {
    return JSON.parse(readFileSync(paths.labFile(), 'utf8')) as LabRecord;
  } catch (err) {
    throw new UserError(
      `the lab record ${paths.labFile()} is unreadable (${(err as Error).message})`,
      'run `pglab destroy` to remove the lab, then `pglab machines`',
    );
  }
}

export async function writeLabRecord(record: LabRecord): Promise<void> {
  await mkdir(paths.home(), { recursive: true });
  await writeFile(paths.labFile(), JSON.stringify(record, null, 2) + '\n');
}

export async function removeLabRecord(): Promise<void> {
  await rm(paths.labFile(), { force: true });
}
