// The faults a schedule injects, and a seeded generator of random schedules.
import { Prng, pickWeighted, weightedTable } from '../../imdb-data/prng.js';
import { RECORD_BYTES } from './sim-postgres.js';

/** A node, or a role resolved when the fault fires ("primary": the desired primary in etcd). */
export type Target = string;

export type Fault =
  | { at: number; kind: 'partition'; a: Target; b: Target; ms: number }
  | { at: number; kind: 'isolate'; node: Target; ms: number }
  | { at: number; kind: 'daemon-pause'; node: Target; ms: number }
  | { at: number; kind: 'daemon-kill'; node: Target; downMs: number; killPostgres: boolean }
  | { at: number; kind: 'daemon-restart'; node: Target; downMs: number }
  | { at: number; kind: 'pg-crash'; node: Target }
  | { at: number; kind: 'pg-freeze'; node: Target; ms: number }
  /** The next start of postgres on the node freezes in startup (a postmaster SIGSTOPped in crash recovery) for `ms`. */
  | { at: number; kind: 'start-freeze'; node: Target; ms: number }
  /** The next start of postgres on the node takes `ms` longer (a long crash recovery), without freezing. */
  | { at: number; kind: 'start-slow'; node: Target; ms: number }
  | { at: number; kind: 'slow-stop'; node: Target; ms: number; stopMs: number }
  | { at: number; kind: 'slow-replay'; node: Target; ms: number; perTick: number }
  | { at: number; kind: 'etcd-election'; ms: number }
  | { at: number; kind: 'etcd-quorum-loss'; ms: number }
  | { at: number; kind: 'etcd-slow'; ms: number; extraMs: number }
  | { at: number; kind: 'clock-step'; node: Target; stepMs: number }
  | { at: number; kind: 'version-skew'; node: Target; ms: number };

export interface Schedule {
  nodes: number;
  sync: boolean;
  /** WAL records a node keeps (checkpoints recycle older ones); small values make divergence unrepairable. */
  keepRecords: number;
  maxLagBytes: number;
  faults: Fault[];
  /** Every fault is lifted here (partitions healed, processes resumed, daemons restarted). */
  healAt: number;
  end: number;
}

export const FAULTS_FROM = 5_000;
export const FAULTS_UNTIL = 20_000;
const MAX_FAULT_MS = 6_000;
export const SETTLE_MS = 20_000;

const kinds = weightedTable<Fault['kind']>([
  ['partition', 14],
  ['isolate', 6],
  ['daemon-pause', 8],
  ['daemon-kill', 8],
  ['daemon-restart', 4],
  ['pg-crash', 8],
  ['pg-freeze', 8],
  ['slow-stop', 3],
  ['slow-replay', 4],
  ['etcd-election', 6],
  ['etcd-quorum-loss', 4],
  ['etcd-slow', 4],
  ['clock-step', 3],
  ['version-skew', 3],
]);

export function randomSchedule(seed: number): Schedule {
  const r = new Prng(seed, 'schedule');
  const nodes = 3;
  const node = (): Target => (r.chance(0.55) ? 'primary' : r.chance(0.6) ? 'replica' : `pg${r.int(nodes)}`);
  const peer = (): Target => (r.chance(0.3) ? 'etcd' : r.chance(0.2) ? 'client' : r.chance(0.5) ? 'replica' : `pg${r.int(nodes)}`);
  const ms = () => (r.chance(0.3) ? r.between(200, 1500) : r.between(1500, MAX_FAULT_MS));
  const faults: Fault[] = [];
  const count = r.between(1, 5);
  for (let i = 0; i < count; i++) {
    const at = r.between(FAULTS_FROM, FAULTS_UNTIL);
    const kind = pickWeighted(r, kinds);
    switch (kind) {
      case 'partition': {
        const a = node();
        let b = peer();
        if (b === a) b = 'etcd';
        faults.push({ at, kind, a, b, ms: ms() });
        break;
      }
      case 'pg-freeze':
        // Long enough, often, to outlast the failover bound: a frozen primary must not stall the cluster.
        faults.push({ at, kind, node: node(), ms: r.between(500, 12_000) });
        break;
      case 'isolate':
      case 'daemon-pause':
      case 'version-skew':
        faults.push({ at, kind, node: node(), ms: ms() });
        break;
      case 'daemon-kill':
        faults.push({ at, kind, node: node(), downMs: r.between(100, 3000), killPostgres: r.chance(0.6) });
        break;
      case 'daemon-restart':
        faults.push({ at, kind, node: node(), downMs: r.between(100, 2000) });
        break;
      case 'pg-crash':
        faults.push({ at, kind, node: node() });
        break;
      case 'slow-stop':
        faults.push({ at, kind, node: node(), ms: ms(), stopMs: r.between(2000, 8000) });
        break;
      case 'slow-replay':
        faults.push({ at, kind, node: r.chance(0.8) ? 'replica' : node(), ms: ms(), perTick: r.pick([0, 0.1, 0.3]) });
        break;
      case 'etcd-election':
        faults.push({ at, kind, ms: r.between(200, 1500) });
        break;
      case 'etcd-quorum-loss':
        faults.push({ at, kind, ms: ms() });
        break;
      case 'etcd-slow':
        faults.push({ at, kind, ms: ms(), extraMs: r.pick([100, 300, 700, 1200]) });
        break;
      case 'clock-step':
        faults.push({ at, kind, node: node(), stepMs: r.pick([-3_600_000, -5_000, 5_000, 86_400_000]) });
        break;
    }
  }
  faults.sort((a, b) => a.at - b.at);
  const healAt = FAULTS_UNTIL + MAX_FAULT_MS + 2_000;
  return {
    nodes,
    sync: r.chance(0.5),
    keepRecords: r.chance(0.3) ? r.between(10, 60) : 1_000_000,
    maxLagBytes: r.chance(0.3) ? 64 * RECORD_BYTES : 64 * 1024 * 1024,
    faults,
    healAt,
    end: healAt + SETTLE_MS,
  };
}

export function describeFault(f: Fault): string {
  const { at, kind, ...rest } = f;
  return `${kind} ${Object.entries(rest).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`;
}
