// Explicit schedules, one per known defect: each makes the defect happen by construction, not by luck.
import { FAULTS_FROM, SETTLE_MS, type Fault, type Schedule } from './faults.js';
import { RECORD_BYTES } from './sim-postgres.js';

function schedule(faults: Fault[], over: Partial<Schedule> = {}): Schedule {
  const healAt = Math.max(FAULTS_FROM, ...faults.map((f) => f.at + ('ms' in f ? f.ms : 'downMs' in f ? f.downMs : 0) + (f.kind === 'operator' ? 10_000 : 0))) + 1000;
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
  'k-old-primary-cut-from-the-new-one': {
    seed: 16,
    what: 'the primary crashes while cut from both replicas: its rewinds cannot reach the new primary, and a rewind that fails to connect proves nothing, so its data stays',
    schedule: schedule([
      { at: T, kind: 'partition', a: 'pg0', b: 'pg1', ms: 12_000 },
      { at: T, kind: 'partition', a: 'pg0', b: 'pg2', ms: 12_000 },
      { at: T + 500, kind: 'pg-crash', node: 'pg0' },
    ]),
  },
  'h-switchover-under-writes': {
    seed: 9,
    what: 'async: a switchover, then a forced failover of the healthy new primary: the old primary stops (after a CHECKPOINT) before the new one promotes, so no two primaries acknowledge',
    schedule: schedule([
      { at: T, kind: 'operator', action: { op: 'switchover', to: 'pg1' } },
      { at: T + 5_000, kind: 'operator', action: { op: 'failover', to: 'pg2', force: true } },
    ]),
  },
  'h-switchover-sync': {
    seed: 14,
    what: 'sync: a switchover under writes loses no acknowledged commit (the clean stop ships all WAL before the new primary promotes)',
    schedule: schedule([{ at: T, kind: 'operator', action: { op: 'switchover', to: null } }], { sync: true }),
  },
  'h-operator-verbs-during-a-failover': {
    seed: 10,
    what: 'the primary crashes while the cluster is paused, then a restart of a replica, a config change and a resume: no failover while paused, one after',
    schedule: schedule([
      { at: T, kind: 'operator', action: { op: 'pause', ms: 4_000 } },
      { at: T + 1_000, kind: 'pg-crash', node: 'pg0' },
      { at: T + 1_500, kind: 'operator', action: { op: 'restart', node: 'pg2' } },
      { at: T + 2_000, kind: 'operator', action: { op: 'config-set', assignment: 'failoverTimeout=3s' } },
      { at: T + 8_000, kind: 'operator', action: { op: 'reinit', node: 'pg2' } },
    ]),
  },
  'i-fence-timer-alone': {
    seed: 11,
    what: 'the watchdog turned off: the daemon\'s own fence timer stops a primary cut from etcd before its lease can expire there',
    schedule: schedule([{ at: T, kind: 'partition', a: 'pg0', b: 'etcd', ms: 6_000 }], { layers: { timer: true, watchdog: false } }),
  },
  'i-watchdog-alone-cut': {
    seed: 12,
    what: 'the fence timer turned off: the watchdog stops a primary cut from etcd before its lease can expire there',
    schedule: schedule([{ at: T, kind: 'partition', a: 'pg0', b: 'etcd', ms: 6_000 }], { layers: { timer: false, watchdog: true } }),
  },
  'i-watchdog-alone-daemon-frozen': {
    seed: 13,
    what: 'the fence timer turned off: the watchdog stops the primary of a frozen daemon before its lease can expire',
    schedule: schedule([{ at: T, kind: 'daemon-pause', node: 'pg0', ms: 6_000 }], { layers: { timer: false, watchdog: true } }),
  },
};

/** Defect c: the primary's daemon is killed with its postgres and restarts just as its old lease expires; swept over restart delays. */
export function restartRace(downMs: number, sync: boolean): Schedule {
  return schedule([{ at: T, kind: 'daemon-kill', node: 'pg0', downMs, killPostgres: true }], { sync });
}

/**
 * The primary fences during an etcd quorum loss and starts again as primary when quorum returns (at T + 8 s); its
 * daemon is frozen for 3 s at `pauseAt`, swept across that start: a server that comes up while its daemon is frozen
 * must already have a watchdog fed with the lease's budget.
 */
export function pauseAroundStart(pauseAt: number): Schedule {
  return schedule([
    { at: T, kind: 'etcd-quorum-loss', ms: 8_000 },
    { at: pauseAt, kind: 'daemon-pause', node: 'pg0', ms: 3_000 },
  ]);
}
