// The checker: a transaction table in, every anomaly out, judged against what the isolation level and replication
// mode promise. Pure: no I/O, no clock but the caller's.
import { AnomalyLog, type Anomaly } from './anomaly-log.js';
import { ANOMALY_MEANING, type AnomalyType } from './anomaly-types.js';
import { findCycleAnomalies, DEFAULT_CYCLE_OPTIONS, type CycleOptions, type CycleSummary } from './cycle-anomalies.js';
import { dependencyGraph, graphMembers } from './dependency-graph.js';
import { describeTxn, keyName, opIndex, show } from './describe-txn.js';
import { checkInternalReads } from './internal-reads.js';
import { isForbidden, ISOLATIONS, type Isolation, type Replication } from './isolation-promises.js';
import { inferKeyOrders } from './key-orders.js';
import { primariesWindow, type PrimariesWindow } from './primaries-window.js';
import { replicaStaleness, type Staleness } from './replica-staleness.js';
import { elementName, FAIL, INFO, OK, type TxnTable } from './txn-table.js';
import type { Atom } from './history-format.js';

export const REPLICA_PORT = 5433;

export interface CheckOptions {
  isolation: Isolation;
  replication: Replication;
  /** Transactions answered on this port are replica reads (haproxy's replica port in the lab). */
  replicaPort: number;
  /** Judge real-time cycles too (a history of one server: strict serializability). */
  realtime?: boolean;
  /** Examples kept per anomaly type. */
  keep?: number;
  cycles?: CycleOptions;
}

export interface AnomalyExample {
  type: AnomalyType;
  forbidden: boolean;
  /** History indices of the operations involved. */
  ops: number[];
  /** Their times (ms from the history's time origin), completions where known: for marking a timeline. */
  atMs: number[];
  explanation: string[];
}

/** A broken promise: the anomaly (or a negative two-primaries window) and what it was, in words. */
export interface Violation {
  type: AnomalyType | 'two-primaries';
  text: string;
}

export interface CheckReport {
  isolation: Isolation;
  replication: Replication;
  realtime: boolean;
  history: { entries: number; transactions: number; ok: number; info: number; fail: number; keys: number; replicaReads: number; finalReads: number };
  /** How many of each anomaly type (cycles: one per strongly connected component and kind). */
  counts: Partial<Record<AnomalyType, number>>;
  examples: AnomalyExample[];
  lostAppends: { key: Atom; value: Atom; index: number }[];
  cycles: CycleSummary;
  /** Levels the history is consistent with (cycles and read anomalies; durability aside). */
  satisfies: Record<Isolation, boolean>;
  staleness: Omit<Staleness, 'worstTxn'> & { worstIndex: number | null };
  primaries: { minWindowMs: number | null; changes: { from: string; to: string; windowMs: number; lastOldIndex: number; firstNewIndex: number }[] };
  /** Broken promises; empty when the history keeps them all. */
  violations: Violation[];
  valid: boolean;
}

function judge(report: Omit<CheckReport, 'violations' | 'valid'>, primaries: PrimariesWindow, t: TxnTable): Violation[] {
  const out: Violation[] = [];
  for (const [type, n] of Object.entries(report.counts) as [AnomalyType, number][]) {
    if (!isForbidden(type, report.isolation, report.replication, report.realtime)) continue;
    if (type === 'cycle-exists') {
      const breaks = report.examples.filter((e) => e.type === type);
      if (!breaks.length) continue;
    }
    const why = type === 'lost-append' ? 'replication is synchronous' : `forbidden under ${report.isolation}`;
    out.push({ type, text: `${n} × ${type}: ${ANOMALY_MEANING[type]} (${why})` });
  }
  for (const c of primaries.changes) {
    if (c.windowMs < 0) out.push({ type: 'two-primaries', text: `two primaries: ${c.from} acknowledged a commit ${(-c.windowMs).toFixed(1)} ms after ${c.to} had acknowledged one: ${describeTxn(t, c.lastOld, 'old')}; ${describeTxn(t, c.firstNew, 'new')}` });
  }
  return out;
}

export function checkTable(t: TxnTable, opts: CheckOptions): CheckReport {
  const log = new AnomalyLog(opts.keep ?? 20);
  const isReplicaRead = (txn: number) => t.port[txn] === opts.replicaPort;
  const orders = inferKeyOrders(t, log);
  checkInternalReads(t, log);
  const member = graphMembers(t, isReplicaRead);
  const graph = dependencyGraph(t, orders, member);
  const cycles = findCycleAnomalies(t, orders, graph, log, opts.cycles ?? DEFAULT_CYCLE_OPTIONS);
  const staleness = replicaStaleness(t, orders, isReplicaRead);
  const primaries = primariesWindow(t, isReplicaRead);

  const toMs = (txn: number) => {
    const c = t.completeTime[txn] as number;
    return (Number.isFinite(c) ? c : (t.invokeTime[txn] as number)) / 1e6;
  };
  const examples: AnomalyExample[] = [...log.examples.values()].flat().map((a: Anomaly) => ({
    type: a.type,
    forbidden: a.type === 'cycle-exists' ? (a.breaks ?? []).includes(opts.isolation) : isForbidden(a.type, opts.isolation, opts.replication, opts.realtime),
    ops: a.txns.map((x) => opIndex(t, x)),
    atMs: a.txns.map(toMs),
    explanation: a.explanation,
  }));
  const counts = Object.fromEntries(log.counts) as CheckReport['counts'];
  // A cycle-exists that does not break the judged level is not counted against it.
  if (counts['cycle-exists'] && !examples.some((e) => e.type === 'cycle-exists' && e.forbidden)) delete counts['cycle-exists'];
  const readBroken = (['G1a', 'G1b', 'internal', 'incompatible-order', 'duplicate-elements', 'garbage-read'] as const).some((a) => (counts[a] ?? 0) > 0);
  const satisfies = Object.fromEntries(ISOLATIONS.map((iso) => [iso, !readBroken && !cycles.broken[iso]])) as Record<Isolation, boolean>;
  let ok = 0;
  let info = 0;
  let fail = 0;
  let replicaReads = 0;
  let finalReads = 0;
  for (let x = 0; x < t.n; x++) {
    if (t.type[x] === OK) ok++;
    else if (t.type[x] === INFO) info++;
    else if (t.type[x] === FAIL) fail++;
    if (isReplicaRead(x)) replicaReads++;
    if (t.final[x]) finalReads++;
  }
  const partial = {
    isolation: opts.isolation,
    replication: opts.replication,
    realtime: opts.realtime ?? false,
    history: { entries: t.entries, transactions: t.n, ok, info, fail, keys: t.keyNames.length, replicaReads, finalReads },
    counts,
    examples: examples.filter((e) => e.type !== 'cycle-exists' || e.forbidden),
    lostAppends: orders.lost.map((l) => ({ key: keyName(t, l.key), value: elementName(t, l.code), index: opIndex(t, l.txn) })),
    cycles,
    satisfies,
    staleness: { reads: staleness.reads, stale: staleness.stale, maxMs: staleness.maxMs, p99Ms: staleness.p99Ms, maxLsnBytes: staleness.maxLsnBytes, worstIndex: staleness.worstTxn === null ? null : opIndex(t, staleness.worstTxn) },
    primaries: { minWindowMs: primaries.minWindowMs, changes: primaries.changes.map((c) => ({ from: c.from, to: c.to, windowMs: c.windowMs, lastOldIndex: opIndex(t, c.lastOld), firstNewIndex: opIndex(t, c.firstNew) })) },
  };
  const violations = judge(partial, primaries, t);
  return { ...partial, violations, valid: violations.length === 0 };
}

/** "key 3: 41, 42" lines for lost appends, grouped by key. */
export function lostAppendsByKey(r: Pick<CheckReport, 'lostAppends'>): string[] {
  const byKey = new Map<string, string[]>();
  for (const l of r.lostAppends) {
    const k = show(l.key);
    byKey.set(k, [...(byKey.get(k) ?? []), show(l.value)]);
  }
  return [...byKey].map(([k, vs]) => `key ${k}: ${vs.join(', ')}`);
}
