// What the history checker said about one chaos run, in the terms of the run's table, JSON and timeline.
import type { AnomalyType } from './checker/anomaly-types.js';
import type { CheckReport, Violation } from './checker/check-history.js';
import type { Atom } from './checker/history-format.js';
import type { Isolation } from './checker/isolation-promises.js';

export type WorkloadKind = 'insert' | 'append';
export const WORKLOADS: readonly WorkloadKind[] = ['insert', 'append'];

export interface RunCheck {
  workload: WorkloadKind;
  isolation: Isolation;
  /** The run's history (JSON lines); `pglab check` it again with `recheck`. */
  historyFile: string;
  recheck: string;
  anomalies: Partial<Record<AnomalyType, number>>;
  /** Anomaly types present that the isolation level (or sync replication) forbids. */
  forbidden: AnomalyType[];
  violations: Violation[];
  lostAppends: { key: Atom; value: Atom }[];
  /** Replica reads: null when the run had none. */
  stale: { reads: number; stale: number; maxMs: number | null; p99Ms: number | null; maxLsnBytes: number | null } | null;
  /** The smallest two-primaries window of the run (negative: overlap); null when one server acknowledged everything. */
  primariesWindowMs: number | null;
  /** Anomalous operations on the run's clock, for the timeline (the first few of each type). */
  marks: { atMs: number; label: string }[];
}

export function runCheckOf(r: CheckReport, workload: WorkloadKind, historyFile: string, recheck: string): RunCheck {
  const forbidden = [...new Set(r.examples.filter((e) => e.forbidden).map((e) => e.type))];
  for (const v of r.violations) if (v.type !== 'two-primaries' && !forbidden.includes(v.type)) forbidden.push(v.type);
  const marks = r.examples.flatMap((e) => e.atMs.map((atMs) => ({ atMs, label: e.type }))).slice(0, 200);
  const s = r.staleness;
  return {
    workload,
    isolation: r.isolation,
    historyFile,
    recheck,
    anomalies: r.counts,
    forbidden,
    violations: r.violations,
    lostAppends: r.lostAppends.slice(0, 1000).map((l) => ({ key: l.key, value: l.value })),
    stale: s.reads > 0 ? { reads: s.reads, stale: s.stale, maxMs: s.maxMs, p99Ms: s.p99Ms, maxLsnBytes: s.maxLsnBytes } : null,
    primariesWindowMs: r.primaries.minWindowMs,
    marks,
  };
}

/** "none", or "G-single 12, lost-append 3 (forbidden: lost-append)". */
export function anomaliesCell(c: RunCheck | undefined): string {
  if (!c) return '-';
  const entries = Object.entries(c.anomalies);
  if (entries.length === 0) return 'none';
  const list = entries.map(([t, n]) => `${t} ${n}`).join(', ');
  return c.forbidden.length ? `${list} (forbidden: ${c.forbidden.join(', ')})` : list;
}

export const msCell = (ms: number | null | undefined) => (ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(3)}s`);

/** Replica staleness "max / p99" of one run, or of several (the largest max, the largest p99). */
export function staleCell(checks: readonly (RunCheck | undefined)[]): string {
  const stale = checks.map((c) => c?.stale).filter((s): s is NonNullable<RunCheck['stale']> => !!s && s.maxMs !== null);
  if (stale.length === 0) return '-';
  return `${msCell(Math.max(...stale.map((s) => s.maxMs as number)))} / ${msCell(Math.max(...stale.map((s) => s.p99Ms ?? 0)))}`;
}

/** The lines under a run's row: where its history is, what was lost (values), what broke, how stale replicas were. */
export function checkLines(c: RunCheck | undefined, run: number): string[] {
  if (!c) return [];
  const out = [`run ${run}: history ${c.historyFile} (${c.workload}, ${c.isolation}; re-check: ${c.recheck})`];
  if (c.lostAppends.length > 0) {
    const byKey = new Map<string, string[]>();
    for (const l of c.lostAppends) byKey.set(String(l.key), [...(byKey.get(String(l.key)) ?? []), String(l.value)]);
    const keys = [...byKey].map(([k, vs]) => (c.workload === 'insert' ? vs.join(', ') : `key ${k}: ${vs.join(', ')}`));
    out.push(`run ${run}: lost acknowledged ${c.workload === 'insert' ? 'inserts (ids)' : 'appends'}: ${keys.slice(0, 10).join('; ')}${keys.length > 10 ? '; …' : ''}`);
  }
  for (const v of c.violations) out.push(`run ${run}: BROKEN: ${v.text}`);
  if (c.stale) out.push(`run ${run}: replica reads ${c.stale.reads}, ${c.stale.stale} stale; max ${msCell(c.stale.maxMs)}, p99 ${msCell(c.stale.p99Ms)}${c.stale.maxLsnBytes !== null ? `, at most ${c.stale.maxLsnBytes} WAL bytes behind` : ''}`);
  return out;
}
