// Explicit schedules, one per known defect: each makes the defect happen by construction, not by luck.
import { FAULTS_FROM, SETTLE_MS, type Fault, type Schedule } from './faults.js';
import { RECORD_BYTES } from './sim-postgres.js';

function schedule(faults: Fault[], over: Partial<Schedule> = {}): Schedule {
  const healAt = Math.max(FAULTS_FROM, ...faults.map((f) => f.at + ('ms' in f ? f.ms : 'downMs' in f ? f.downMs : 0))) + 1000;
  return { nodes: 3, sync: false, keepRecords: 1_000_000, maxLagBytes: 64 * 1024 * 1024, faults, healAt, end: healAt + SETTLE_MS, ...over };
}

export interface Scenario {
  seed: number;
  what: string;
  schedule: Schedule;
}

const T = 20_000;

export const scenarios: Record<string, Scenario> = {
  'a-replica-cut-from-primary': {
    seed: 1,
    what: 'a replica cut off from the primary for 12 s must not remove its data directory',
    schedule: schedule([{ at: T, kind: 'partition', a: 'pg1', b: 'pg0', ms: 12_000 }]),
  },
  'b-frozen-primary': {
    seed: 2,
    what: 'a frozen (SIGSTOPped) primary postgres: writes are acknowledged again within the bound',
    schedule: schedule([{ at: T, kind: 'pg-freeze', node: 'pg0', ms: 30_000 }]),
  },
  'd-member-key-of-a-newer-version': {
    seed: 4,
    what: 'the primary publishes a member state with a field this version does not know: no failover',
    schedule: schedule([{ at: T, kind: 'version-skew', node: 'pg0', ms: 10_000 }]),
  },
  'e-replicas-while-etcd-is-down': {
    seed: 5,
    what: 'etcd loses its quorum for 8 s (the primary fences): replicas do not rejoin the moment it is back',
    schedule: schedule([{ at: T, kind: 'etcd-quorum-loss', ms: 8_000 }]),
  },
  'f-failover-to-a-lagging-replica': {
    seed: 6,
    what: 'async: both replicas replay slowly, then the primary dies with its key: no failover beyond the lag limit',
    schedule: schedule(
      [
        { at: T, kind: 'slow-replay', node: 'pg1', ms: 14_000, perTick: 0.1 },
        { at: T, kind: 'slow-replay', node: 'pg2', ms: 14_000, perTick: 0.1 },
        { at: T + 10_000, kind: 'daemon-kill', node: 'pg0', downMs: 6_000, killPostgres: true },
      ],
      { maxLagBytes: 32 * RECORD_BYTES },
    ),
  },
  'g-primary-start-frozen-after-quorum-loss': {
    seed: 7,
    what: 'seed 2277: the primary fenced during an etcd quorum loss, and its start as primary afterwards froze in startup; its stale member key said "primary, postgres up", so no failover came',
    schedule: schedule([
      { at: T, kind: 'etcd-quorum-loss', ms: 4_000 },
      { at: T, kind: 'start-freeze', node: 'pg0', ms: 20_000 },
    ]),
  },
  'g-primary-start-slow-after-quorum-loss': {
    seed: 8,
    what: 'the same fence, then a start as primary that takes 30 s (a long crash recovery): the leader fails over after --failover-timeout and the start is given up',
    schedule: schedule([
      { at: T, kind: 'etcd-quorum-loss', ms: 4_000 },
      { at: T, kind: 'start-slow', node: 'pg0', ms: 30_000 },
    ]),
  },
};

/** Defect c: the primary's daemon is killed with its postgres and restarts just as its old lease expires; swept over restart delays. */
export function restartRace(downMs: number, sync: boolean): Schedule {
  return schedule([{ at: T, kind: 'daemon-kill', node: 'pg0', downMs, killPostgres: true }], { sync });
}
