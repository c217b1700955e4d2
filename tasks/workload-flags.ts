// The workload flags of `pglab chaos` (and its matrix): which workload, at which isolation level, how hard.
import { UserError } from '../common/errors.js';
import { WORKLOADS, type WorkloadKind } from '../chaos/run-check.js';
import type { ChaosOptions } from './chaos.js';
import { parseIsolation } from './check.js';

export interface WorkloadFlags {
  workload: string;
  isolation: string;
  keys: string;
  txnRate: string;
  replicaReaders: string;
}

export const WORKLOAD_DEFAULTS = { workload: 'insert', isolation: 'serializable', keys: '16', txnRate: '0', replicaReaders: '0' } as const;

function count(v: string, flag: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`${flag} must be a whole number from ${min} to ${max} (got "${v}")`);
  return n;
}

export function workloadOptions(f: WorkloadFlags): Pick<ChaosOptions, 'workload' | 'isolation' | 'keys' | 'txnRate' | 'replicaReaders'> {
  if (!(WORKLOADS as readonly string[]).includes(f.workload)) throw new UserError(`unknown workload "${f.workload}"`, 'use insert (unique ids) or append (list-append transactions, checked for every anomaly)');
  const workload = f.workload as WorkloadKind;
  const isolation = parseIsolation(f.isolation);
  if (workload === 'insert' && f.isolation !== WORKLOAD_DEFAULTS.isolation) throw new UserError('--isolation applies to --workload append', 'the insert workload runs single-statement inserts');
  return { workload, isolation, keys: count(f.keys, '--keys', 1, 1000), txnRate: count(f.txnRate, '--txn-rate', 0, 1_000_000), replicaReaders: count(f.replicaReaders, '--replica-readers', 0, 64) };
}
