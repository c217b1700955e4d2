// The record of the lab that exists: which topology it was made from, so
// status, exec and destroy work from any shell without the topology file.
// Written atomically (temp file + rename), checked against a schema on read.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../common/atomic-write.js';
import { UserError } from '../common/errors.js';
import { paths } from './state-dir.js';
import { HA_MANAGERS, ROLES, type Topology } from './topology.js';

const topologySchema = z.object({
  cluster: z.string().min(1),
  replication: z.enum(['async', 'sync']).optional(),
  bridge: z.string().min(1),
  subnet: z.string().min(1),
  machines: z.array(z.object({ name: z.string().min(1), role: z.enum(ROLES), ip: z.string().min(1) })).min(1),
  etcd: z.object({ heartbeatMs: z.number().positive(), electionMs: z.number().positive() }),
  postgresDataMb: z.number().int().positive().optional(),
  // Read back or the manager would be lost: z.object drops keys it does not list.
  ha: z.enum(HA_MANAGERS).optional(),
  patroni: z.object({ ttl: z.number().int(), loopWait: z.number().int(), retryTimeout: z.number().int(), maximumLagOnFailover: z.number().int() }).optional(),
});

const labRecordSchema = z.object({
  topology: topologySchema,
  topologySource: z.string(),
  image: z.string().min(1),
  updatedAt: z.string(),
});

export interface LabRecord {
  topology: Topology;
  topologySource: string;
  image: string;
  updatedAt: string;
}

function damaged(why: string): UserError {
  return new UserError(
    `the lab record ${paths.labFile()} is damaged (${why}), so pglab cannot tell which lab exists`,
    `rewrite it with \`pglab machines --topology FILE\` (the topology the lab was made from; plain \`pglab machines\` after removing the file if it was the default), or remove the lab with \`pglab destroy\``,
  );
}

export function readLabRecord(): LabRecord | undefined {
  if (!existsSync(paths.labFile())) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(paths.labFile(), 'utf8'));
  } catch (err) {
    throw damaged(err instanceof SyntaxError ? `not JSON: ${err.message}` : (err as Error).message);
  }
  const parsed = labRecordSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw damaged(`${issue?.path.join('.') || 'the file'}: ${issue?.message ?? 'unexpected shape'}`);
  }
  return parsed.data;
}

export async function writeLabRecord(record: LabRecord): Promise<void> {
  await mkdir(paths.home(), { recursive: true });
  await writeFileAtomic(paths.labFile(), JSON.stringify(record, null, 2) + '\n');
}

export async function removeLabRecord(): Promise<void> {
  await rm(paths.labFile(), { force: true });
}
