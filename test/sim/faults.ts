// The faults and operator actions a schedule injects, the daemon settings it runs with, and a seeded generator.
import { Prng, pickWeighted, weightedTable } from '../../imdb-data/prng.js';
import type { OperatorAction } from './operator.js';
import { RECORD_BYTES } from './sim-postgres.js';

/** A node, or a role resolved when the fault fires ("primary": the desired primary in etcd). */
export type Target = string;

export type Fault =
  | { at: number; kind: 'partition'; a: Target; b: Target; ms: number }
  | { at: number; kind: 'isolate'; node: Target; ms: number }
  /** Extra delay on the messages between a node (or the client) and etcd: one way (`from` → `to`) or both. */
  | { at: number; kind: 'link-delay'; from: Target; to: Target; ms: number; extraMs: number; oneWay: boolean }
  /** Segment loss on a link to or from etcd (retransmitted after 200 ms, 400 ms, …); p 1 one way is a one-way cut. */
  | { at: number; kind: 'link-loss'; from: Target; to: Target; ms: number; p: number; oneWay: boolean }
  | { at: number; kind: 'daemon-pause'; node: Target; ms: number }
  /** The daemon (or its watchdog, or both) gets the CPU late: each of its events runs up to `lateMs` late. */
  | { at: number; kind: 'starve'; node: Target; ms: number; lateMs: number; what: 'daemon' | 'watchdog' | 'both' }
  | { at: number; kind: 'daemon-kill'; node: Target; downMs: number; killPostgres: boolean }
  | { at: number; kind: 'daemon-restart'; node: Target; downMs: number }
  | { at: number; kind: 'pg-crash'; node: Target }
  | { at: number; kind: 'pg-freeze'; node: Target; ms: number }
  /** The next start of postgres on the node freezes in startup (a postmaster SIGSTOPped in crash recovery) for `ms`. */
  | { at: number; kind: 'start-freeze'; node: Target; ms: number }
  /** The next start of postgres on the node takes `ms` longer (a long crash recovery), without freezing. */
  | { at: number; kind: 'start-slow'; node: Target; ms: number }
  | { at: number; kind: 'slow-stop'; node: Target; ms: number; stopMs: number }
  /** Every fsync of the node's PostgreSQL takes `fsyncMs` (commits, checkpoints, the shutdown checkpoint). */
  | { at: number; kind: 'slow-fsync'; node: Target; ms: number; fsyncMs: number }
  /** The node's data file system is full: WAL cannot be written. */
  | { at: number; kind: 'disk-full'; node: Target; ms: number }
  | { at: number; kind: 'slow-replay'; node: Target; ms: number; perTick: number }
  /** Every replica replays slowly (the lag limit decides whether any may be promoted). */
  | { at: number; kind: 'replicas-lag'; ms: number; perTick: number }
  | { at: number; kind: 'etcd-election'; ms: number }
  | { at: number; kind: 'etcd-quorum-loss'; ms: number }
  /** One etcd member stops (its port refuses) or hangs (accepts, never answers); the raft leader's loss is an election. */
  | { at: number; kind: 'etcd-member'; member: number; how: 'down' | 'hung'; ms: number }
  /** etcd ends every watch stream (a compaction, a member restart): the daemons reconnect and read in full. */
  | { at: number; kind: 'watch-reset' }
  | { at: number; kind: 'etcd-slow'; ms: number; extraMs: number }
  | { at: number; kind: 'clock-step'; node: Target; stepMs: number }
  | { at: number; kind: 'version-skew'; node: Target; ms: number }
  | { at: number; kind: 'operator'; action: OperatorAction };

/** The daemon flags a schedule runs with (milliseconds); absent ones are the defaults. */
export interface DaemonSettings {
  ttl: number;
  loop: number;
  failoverTimeout: number;
  etcdTimeout: number;
  fenceMargin: number;
  rewindAfter: number;
}

export const DEFAULT_SETTINGS: DaemonSettings = { ttl: 1000, loop: 500, failoverTimeout: 10_000, etcdTimeout: 1000, fenceMargin: 200, rewindAfter: 5000 };

/** The fence's two layers; the per-layer runs turn one off to show the other holds on its own. */
export interface FenceLayers {
  /** The daemon's own 50 ms timer. */
  timer: boolean;
  /** The watchdog process. */
  watchdog: boolean;
}

export interface Schedule {
  nodes: number;
  sync: boolean;
  /** WAL records a node keeps (checkpoints recycle older ones); small values make divergence unrepairable. */
  keepRecords: number;
  maxLagBytes: number;
  faults: Fault[];
  /** Every fault is lifted here (partitions healed, processes resumed, daemons restarted, the cluster resumed). */
  healAt: number;
  end: number;
  settings?: Partial<DaemonSettings>;
  layers?: FenceLayers;
}

export const FAULTS_FROM = 5_000;
export const FAULTS_UNTIL = 20_000;
const MAX_FAULT_MS = 6_000;
export const SETTLE_MS = 20_000;

export function settingsOf(s: Schedule): DaemonSettings {
  return { ...DEFAULT_SETTINGS, ...s.settings };
}

const kinds = weightedTable<Fault['kind']>([
  ['partition', 12],
  ['isolate', 5],
  ['link-delay', 5],
  ['link-loss', 4],
  ['daemon-pause', 7],
  ['starve', 5],
  ['daemon-kill', 7],
  ['daemon-restart', 4],
  ['pg-crash', 7],
  ['pg-freeze', 7],
  ['start-freeze', 2],
  ['start-slow', 2],
  ['slow-stop', 3],
  ['slow-fsync', 3],
  ['disk-full', 2],
  ['slow-replay', 3],
  ['replicas-lag', 2],
  ['etcd-election', 5],
  ['etcd-quorum-loss', 3],
  ['etcd-member', 4],
  ['watch-reset', 3],
  ['etcd-slow', 4],
  ['clock-step', 2],
  ['version-skew', 2],
  ['operator', 12],
]);

/** Faults after which a failover may be under way: operator actions are often aimed at these moments. */
const FAILOVER_MOMENTS: ReadonlySet<Fault['kind']> = new Set(['pg-crash', 'daemon-kill', 'pg-freeze', 'isolate', 'partition', 'daemon-pause', 'etcd-quorum-loss']);

/** Which faults a layer alone is meant to stop: the timer only runs while the daemon does. */
const NEEDS_WATCHDOG: ReadonlySet<Fault['kind']> = new Set(['daemon-pause', 'starve', 'daemon-kill', 'daemon-restart']);

function operatorAction(r: Prng, node: () => Target): OperatorAction {
  switch (r.int(9)) {
    case 0:
    case 1:
      return { op: 'switchover', to: r.chance(0.5) ? null : 'replica' };
    case 2:
      return { op: 'failover', to: r.chance(0.5) ? null : 'replica', force: r.chance(0.7) };
    case 3:
      return { op: 'pause', ms: r.between(500, MAX_FAULT_MS) };
    case 4:
    case 5:
      return { op: 'restart', node: node() };
    case 6:
      return { op: 'reinit', node: r.chance(0.8) ? 'replica' : node() };
    default:
      return {
        op: 'config-set',
        assignment: r.pick(['failoverTimeout=3s', 'failoverTimeout=default', 'maxLagOnFailover=4kB', 'maxLagOnFailover=64MB', 'postgresql.work_mem=8MB', 'postgresql.max_connections=150', 'postgresql.max_connections=']),
      };
  }
}

/**
 * A random schedule. `layers` restricts it to what that layer alone must stop: with the watchdog off, no fault that
 * stops or starves the daemon process (only the watchdog covers those).
 */
export function randomSchedule(seed: number, layers?: FenceLayers): Schedule {
  const r = new Prng(seed, 'schedule');
  const nodes = r.pick([2, 3, 3, 3, 3, 4, 5]);
  const node = (): Target => (r.chance(0.55) ? 'primary' : r.chance(0.6) ? 'replica' : `pg${r.int(nodes)}`);
  const peer = (): Target => (r.chance(0.3) ? 'etcd' : r.chance(0.2) ? 'client' : r.chance(0.5) ? 'replica' : `pg${r.int(nodes)}`);
  const ms = () => (r.chance(0.3) ? r.between(200, 1500) : r.between(1500, MAX_FAULT_MS));
  const faults: Fault[] = [];
  const count = r.between(1, 5);
  for (let i = 0; i < count; i++) {
    const at = r.between(FAULTS_FROM, FAULTS_UNTIL);
    let kind = pickWeighted(r, kinds);
    if (layers && !layers.watchdog && NEEDS_WATCHDOG.has(kind)) kind = 'partition';
    switch (kind) {
      case 'partition': {
        const a = node();
        let b = peer();
        if (b === a) b = 'etcd';
        faults.push({ at, kind, a, b, ms: ms() });
        break;
      }
      case 'link-delay': {
        const toEtcd = r.chance(0.5);
        const n = r.chance(0.85) ? node() : 'client';
        faults.push({ at, kind, from: toEtcd ? n : 'etcd', to: toEtcd ? 'etcd' : n, ms: ms(), extraMs: r.pick([50, 150, 300, 700, 1500]), oneWay: r.chance(0.6) });
        break;
      }
      case 'link-loss': {
        const toEtcd = r.chance(0.5);
        const n = node();
        faults.push({ at, kind, from: toEtcd ? n : 'etcd', to: toEtcd ? 'etcd' : n, ms: ms(), p: r.pick([0.1, 0.3, 0.6, 1]), oneWay: r.chance(0.6) });
        break;
      }
      case 'pg-freeze':
        // Long enough, often, to outlast the failover bound: a frozen primary must not stall the cluster.
        faults.push({ at, kind, node: node(), ms: r.between(500, 12_000) });
        break;
      case 'start-freeze':
      case 'start-slow':
        faults.push({ at, kind, node: node(), ms: r.between(2000, 15_000) });
        break;
      case 'isolate':
      case 'daemon-pause':
      case 'version-skew':
      case 'disk-full':
        faults.push({ at, kind, node: node(), ms: ms() });
        break;
      case 'starve': {
        // A starved daemon is what the watchdog is for, and it is starved up to 1.2 s. The watchdog itself only under
        // half the smallest fence margin: a watchdog that fires late while the daemon is frozen, dead or starved too is
        // a paused machine, which nothing but a kernel watchdog fences (docs/pgdaemon.md, Known limits), and another
        // fault of the schedule may do that to the daemon at the same time.
        const what = r.pick(['daemon', 'daemon', 'watchdog', 'both'] as const);
        faults.push({ at, kind, node: node(), ms: ms(), lateMs: what === 'daemon' ? r.pick([50, 150, 400, 1200]) : r.pick([20, 50]), what });
        break;
      }
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
      case 'slow-fsync':
        faults.push({ at, kind, node: node(), ms: ms(), fsyncMs: r.pick([20, 100, 400, 1500]) });
        break;
      case 'slow-replay':
        faults.push({ at, kind, node: r.chance(0.8) ? 'replica' : node(), ms: ms(), perTick: r.pick([0, 0.1, 0.3]) });
        break;
      case 'replicas-lag':
        faults.push({ at, kind, ms: ms() + 4000, perTick: r.pick([0, 0.1, 0.3]) });
        break;
      case 'etcd-election':
        faults.push({ at, kind, ms: r.between(200, 1500) });
        break;
      case 'etcd-quorum-loss':
        faults.push({ at, kind, ms: ms() });
        break;
      case 'etcd-member':
        faults.push({ at, kind, member: r.int(3), how: r.chance(0.5) ? 'down' : 'hung', ms: ms() });
        break;
      case 'watch-reset':
        faults.push({ at, kind });
        break;
      case 'etcd-slow':
        faults.push({ at, kind, ms: ms(), extraMs: r.pick([100, 300, 700, 1200]) });
        break;
      case 'clock-step':
        faults.push({ at, kind, node: node(), stepMs: r.pick([-3_600_000, -5_000, 5_000, 86_400_000]) });
        break;
      case 'operator': {
        // Half of them aimed at a moment a failover may be under way (just after such a fault), the rest at random.
        const moments = faults.filter((f) => FAILOVER_MOMENTS.has(f.kind));
        const when = moments.length && r.chance(0.5) ? r.pick(moments).at + r.between(0, 1500) : at;
        faults.push({ at: when, kind, action: operatorAction(r, node) });
        break;
      }
    }
  }
  faults.sort((a, b) => a.at - b.at);
  const healAt = FAULTS_UNTIL + MAX_FAULT_MS + 4_000;
  const settings: Partial<DaemonSettings> = r.chance(0.6)
    ? {}
    : {
        ttl: r.pick([1000, 1000, 2000, 3000]),
        loop: r.pick([200, 500, 1000]),
        failoverTimeout: r.pick([3000, 5000, 10_000]),
        etcdTimeout: r.pick([500, 1000, 2000]),
        fenceMargin: r.pick([150, 200, 300]),
        rewindAfter: r.pick([3000, 5000, 8000]),
      };
  return {
    nodes,
    sync: r.chance(0.5),
    keepRecords: r.chance(0.3) ? r.between(10, 60) : 1_000_000,
    maxLagBytes: r.chance(0.3) ? 64 * RECORD_BYTES : 64 * 1024 * 1024,
    faults,
    healAt,
    end: healAt + SETTLE_MS,
    settings,
    ...(layers ? { layers } : {}),
  };
}

export function describeFault(f: Fault): string {
  const { at, kind, ...rest } = f;
  if (f.kind === 'operator') return `operator ${JSON.stringify(f.action)}`;
  return `${kind} ${Object.entries(rest).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`;
}

export function describeSchedule(s: Schedule): string {
  const set = s.settings && Object.keys(s.settings).length ? `; ${Object.entries(s.settings).map(([k, v]) => `${k} ${v}ms`).join(', ')}` : '';
  const layers = s.layers ? `; fence layers: ${s.layers.timer ? 'timer' : ''}${s.layers.timer && s.layers.watchdog ? '+' : ''}${s.layers.watchdog ? 'watchdog' : ''}` : '';
  return `${s.nodes} nodes, ${s.sync ? 'sync' : 'async'}, keep ${s.keepRecords} records, max lag ${s.maxLagBytes} B${set}${layers}`;
}
