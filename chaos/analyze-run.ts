// Judges one chaos run from the writers' log: how long writes were impossible,
// which acknowledged writes were lost, and whether two nodes took writes at once.
import type { HistoryEntry } from '../common/cluster-keys.js';
import type { Ack, WriteLog } from './checked-writer.js';
import type { RunCheck } from './run-check.js';

export interface RunReport {
  faultAtMs: number;
  /** Longest time with no acknowledged write, from the last ack before the fault to the first after. */
  writeGapMs: number | null;
  firstAckAfterFaultMs: number | null;
  /** From the fault to the first write acknowledged by a node other than the primary before it. */
  firstAckOnNewPrimaryMs: number | null;
  acked: number;
  failedAttempts: number;
  lostAcked: number;
  /** Acks from a node after another node had already acked later writes: two primaries at once. */
  splitBrainAcks: number;
  primaryBefore: string | null;
  primaryAfter: string | null;
  /** The history checker's verdict on the run (anomalies, replica staleness, two-primaries window). */
  check?: RunCheck;
}

export function analyzeRun(log: WriteLog, faultAtMs: number, lost: readonly number[]): RunReport {
  const acks = [...log.acks].sort((a, b) => a.ackAt - b.ackAt);
  const before = acks.filter((a) => a.ackAt < faultAtMs);
  const after = acks.filter((a) => a.ackAt >= faultAtMs);
  const lastBefore = before.at(-1);
  const firstAfter = after[0];
  const primaryBefore = lastBefore?.node ?? null;
  const primaryAfter = after.at(-1)?.node ?? null;
  const firstOnNew = after.find((a) => a.node !== primaryBefore);
  let gap: number | null = null;
  if (firstAfter) {
    // The largest hole between consecutive acks from just before the fault on.
    const from = lastBefore ? [lastBefore, ...after] : after;
    gap = 0;
    for (let i = 1; i < from.length; i++) gap = Math.max(gap, (from[i] as Ack).ackAt - (from[i - 1] as Ack).ackAt);
    if (lastBefore) gap = Math.max(gap, firstAfter.ackAt - lastBefore.ackAt);
  }
  return {
    faultAtMs,
    writeGapMs: gap,
    firstAckAfterFaultMs: firstAfter ? firstAfter.ackAt - faultAtMs : null,
    firstAckOnNewPrimaryMs: firstOnNew ? firstOnNew.ackAt - faultAtMs : null,
    acked: acks.length,
    failedAttempts: log.failures.length,
    lostAcked: lost.length,
    splitBrainAcks: countSplitBrain(acks),
    primaryBefore,
    primaryAfter,
  };
}

/**
 * Once a node has acknowledged a write that was *sent* after another node's
 * ack, the older node must never acknowledge again: if it does, both accepted
 * writes in overlapping windows.
 */
export function countSplitBrain(acks: readonly Ack[]): number {
  const sorted = [...acks].sort((a, b) => a.ackAt - b.ackAt);
  const retired = new Set<string>();
  let current: string | null = null;
  let count = 0;
  for (const a of sorted) {
    if (a.node === current) continue;
    if (retired.has(a.node)) {
      count++;
      continue;
    }
    if (current !== null) retired.add(current);
    current = a.node;
  }
  return count;
}

export function summarizeRuns(
  reports: readonly RunReport[],
  pick: (r: RunReport) => number | null = (r) => r.writeGapMs,
): { min: number; median: number; max: number } | null {
  const gaps = reports.map(pick).filter((g): g is number => g !== null).sort((a, b) => a - b);
  if (gaps.length === 0) return null;
  const mid = Math.floor(gaps.length / 2);
  const median = gaps.length % 2 ? (gaps[mid] as number) : ((gaps[mid - 1] as number) + (gaps[mid] as number)) / 2;
  return { min: gaps[0] as number, median, max: gaps.at(-1) as number };
}

/** A promise one fault makes beyond the writers' (e.g. "pg2 keeps its data directory"), checked in a run. */
export interface PromiseCheck {
  promise: string;
  kept: boolean;
  evidence: string;
}

/**
 * What the writers of a run were promised. PostgreSQL never lets two primaries acknowledge, and loses no acknowledged
 * write when replication is synchronous; MongoDB promises both for w: majority writes and neither for w: 1.
 */
export interface WritePromises {
  /** Why no acknowledged write may be lost ("replication is synchronous"), or null when losing some is allowed. */
  noLoss: string | null;
  noSplitBrain: boolean;
}

export function postgresPromises(synchronous: boolean): WritePromises {
  return { noLoss: synchronous ? 'replication is synchronous' : null, noSplitBrain: true };
}

/**
 * Which promises a chaos run saw broken: its checks, two primaries acknowledging, and lost acknowledged writes where
 * they were promised (elsewhere they are a finding shown in the table, not a failure). `promised`: the writers'
 * promises, or for PostgreSQL runs whether replication is synchronous.
 */
export function brokenPromises(reports: readonly (RunReport & { checks?: readonly PromiseCheck[] })[], promised: boolean | WritePromises): string[] {
  const p = typeof promised === 'boolean' ? postgresPromises(promised) : promised;
  const broken: string[] = [];
  for (const [i, r] of reports.entries()) for (const c of r.checks ?? []) if (!c.kept) broken.push(`run ${i + 1}: ${c.promise}: broken (${c.evidence})`);
  const splitBrain = reports.reduce((n, r) => n + r.splitBrainAcks, 0);
  const lost = reports.reduce((n, r) => n + r.lostAcked, 0);
  if (p.noSplitBrain && splitBrain > 0) broken.push(`${splitBrain} write(s) acknowledged by an old primary after a new one had taken over (split brain)`);
  if (p.noLoss && lost > 0) broken.push(`${lost} acknowledged write(s) lost although ${p.noLoss}`);
  // The checker's other findings: anomalies the isolation level forbids (lost writes and overlapping primaries are
  // counted just above, from the same history).
  for (const [i, r] of reports.entries()) {
    for (const v of r.check?.violations ?? []) if (v.type !== 'lost-append' && v.type !== 'two-primaries') broken.push(`run ${i + 1}: ${v.text}`);
  }
  return broken;
}

/** Acknowledged writes per node in 50 ms bins, with the fault (and its lifting) marked: the run as a picture. */
export interface Timeline {
  binMs: number;
  /** Run time (ms since the writers started) of bin 0. */
  startMs: number;
  nodes: Record<string, number[]>;
  faultAtMs: number;
  liftedAtMs: number | null;
  /** Decisions from `pglab history` (failover, switchover) on the run's clock. */
  roleChanges?: { atMs: number; label: string }[];
  /** Operations of anomalies the history checker found, on the run's clock. */
  marks?: { atMs: number; label: string }[];
}

export function ackTimeline(log: WriteLog, faultAtMs: number, liftedAtMs: number | null, binMs = 50): Timeline {
  const end = log.acks.reduce((m, a) => Math.max(m, a.ackAt), faultAtMs);
  const bins = Math.ceil(end / binMs) + 1;
  const nodes: Record<string, number[]> = {};
  for (const a of log.acks) {
    const row = (nodes[a.node] ??= new Array<number>(bins).fill(0));
    row[Math.floor(a.ackAt / binMs)] = (row[Math.floor(a.ackAt / binMs)] ?? 0) + 1;
  }
  return { binMs, startMs: 0, nodes, faultAtMs, liftedAtMs };
}

/** Where a failover's time went, from the cluster's history, on the run's clock (ms after the fault). */
export interface FailoverPhases {
  /** The leader first saw the failure (decided − its detect→decide time). */
  detectedMs: number | null;
  /** The leader wrote the new desired state. */
  decidedMs: number;
}

/** The first role change decided after the fault (wall clock `faultWallMs`), split into detect and decide. */
export function failoverPhases(history: readonly HistoryEntry[], faultWallMs: number): FailoverPhases | null {
  const h = history.map((e) => ({ e, at: Date.parse(e.decidedAt) })).filter((x) => (x.e.kind === 'failover' || x.e.kind === 'switchover' || x.e.kind === 'promotion') && x.at >= faultWallMs).sort((a, b) => a.at - b.at)[0];
  if (!h) return null;
  const decidedMs = h.at - faultWallMs;
  return { detectedMs: h.e.detectedToDecidedMs === null ? null : decidedMs - h.e.detectedToDecidedMs, decidedMs };
}
