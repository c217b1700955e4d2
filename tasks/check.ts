// `pglab check HISTORY.jsonl`: re-checks a saved (or foreign) transactional history offline and prints the
// verdict; exit 1 when the history breaks a promise of the level it is judged under.
import { UserError } from '../common/errors.js';
import { checkTable, REPLICA_PORT, type CheckReport } from '../chaos/checker/check-history.js';
import { formatCheckReport } from '../chaos/checker/format-check-report.js';
import { readHistoryFile } from '../chaos/checker/history-reader.js';
import { ISOLATIONS, REPLICATIONS, type Isolation, type Replication } from '../chaos/checker/isolation-promises.js';
import { printJson } from './json-stdout.js';

export interface CheckFlags {
  isolation: string;
  replication: string;
  replicaPort: string;
  realtime?: boolean;
  json?: boolean;
}

export function parseIsolation(v: string): Isolation {
  if ((ISOLATIONS as readonly string[]).includes(v)) return v as Isolation;
  throw new UserError(`unknown isolation level "${v}"`, `use one of: ${ISOLATIONS.join(', ')}`);
}

export function parseReplication(v: string): Replication {
  if ((REPLICATIONS as readonly string[]).includes(v)) return v as Replication;
  throw new UserError(`unknown replication mode "${v}"`, `use sync (acknowledged appends must survive) or async (losing them is a finding, not a failure)`);
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UserError(`--replica-port must be a TCP port (got "${v}")`);
  return n;
}

/** Reads, checks, prints; returns the exit code. */
export async function checkCommand(path: string, flags: CheckFlags): Promise<number> {
  const opts = { isolation: parseIsolation(flags.isolation), replication: parseReplication(flags.replication), replicaPort: parsePort(flags.replicaPort), realtime: !!flags.realtime };
  const table = await readHistoryFile(path);
  const report: CheckReport = checkTable(table, opts);
  if (flags.json) printJson(report);
  else console.log(formatCheckReport(report));
  return report.valid ? 0 : 1;
}

export const CHECK_DEFAULTS = { isolation: 'serializable', replication: 'sync', replicaPort: String(REPLICA_PORT) } as const;
