// A check report for the terminal: what was checked, what was found, what it means under the promised level.
import { ANOMALY_MEANING, type AnomalyType } from './anomaly-types.js';
import { lostAppendsByKey, type CheckReport } from './check-history.js';
import { ISOLATIONS, isForbidden } from './isolation-promises.js';

const n = (x: number) => x.toLocaleString('en-US');
const ms = (x: number | null) => (x === null ? '-' : `${x.toFixed(1)} ms`);
const plural = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;

/** "G-single 3 (allowed), lost-append 2 (BROKEN)" or "none". */
export function anomalySummary(r: Pick<CheckReport, 'counts' | 'isolation' | 'replication' | 'realtime'>): string {
  const entries = Object.entries(r.counts) as [AnomalyType, number][];
  if (entries.length === 0) return 'none';
  return entries.map(([type, count]) => `${type} ${n(count)}${isForbidden(type, r.isolation, r.replication, r.realtime) ? ' (forbidden)' : ''}`).join(', ');
}

export function formatCheckReport(r: CheckReport, examplesPerType = 2): string {
  const h = r.history;
  const lines = [
    `history: ${plural(h.entries, 'entry', 'entries')}, ${plural(h.transactions, 'transaction')} (${n(h.ok)} ok, ${n(h.info)} indeterminate, ${n(h.fail)} failed), ${plural(h.keys, 'key')}, ${plural(h.replicaReads, 'replica read')}, ${plural(h.finalReads, 'final read')}`,
    `judged as: ${r.isolation}${r.realtime ? ' with real-time order (strict)' : ''}, ${r.replication} replication`,
    `anomalies: ${anomalySummary(r)}`,
    `consistent with: ${ISOLATIONS.map((iso) => `${iso} ${r.satisfies[iso] ? 'yes' : 'no'}`).join(', ')} (cycles and reads; durability aside)`,
  ];
  if (r.cycles.components > 0) lines.push(`dependency cycles: ${plural(r.cycles.components, 'strongly connected component')}, the largest of ${plural(r.cycles.largestComponent, 'transaction')}`);
  if (r.lostAppends.length > 0) lines.push(`lost acknowledged appends (${n(r.lostAppends.length)}): ${lostAppendsByKey(r).slice(0, 10).join('; ')}${r.lostAppends.length > 10 ? '; …' : ''}`);
  if (h.finalReads === 0) lines.push('no final read in the history: lost appends cannot be told apart from appends nobody read');
  const s = r.staleness;
  if (s.reads > 0) lines.push(`replica reads: ${n(s.reads)}, ${n(s.stale)} stale; staleness max ${ms(s.maxMs)}, p99 ${ms(s.p99Ms)}${s.maxLsnBytes !== null ? `, at most ${n(s.maxLsnBytes)} WAL bytes behind` : ''}${s.worstIndex !== null ? ` (stalest: index ${s.worstIndex})` : ''}`);
  for (const c of r.primaries.changes) lines.push(`primary ${c.from} → ${c.to}: ${c.windowMs < 0 ? 'OVERLAP, ' : ''}${ms(c.windowMs)} from the old one's last acknowledged commit (index ${c.lastOldIndex}) to the new one's first (index ${c.firstNewIndex})`);
  const byType = new Map<AnomalyType, CheckReport['examples']>();
  for (const e of r.examples) byType.set(e.type, [...(byType.get(e.type) ?? []), e]);
  for (const [type, list] of byType) {
    lines.push('', `${type}${list[0]?.forbidden ? ' (forbidden)' : ' (allowed here)'}: ${ANOMALY_MEANING[type] ?? ''}`);
    for (const e of list.slice(0, examplesPerType)) lines.push(...e.explanation.map((l, i) => `${i === 0 ? '  - ' : '    '}${l}`));
    if (list.length > examplesPerType) lines.push(`  … ${(r.counts[type] ?? list.length) - examplesPerType} more (--json lists up to ${list.length})`);
  }
  lines.push('', r.valid ? `verdict: every promise of ${r.isolation} with ${r.replication} replication kept` : `verdict: BROKEN\n${r.violations.map((v) => `  ${v.text}`).join('\n')}`);
  return lines.join('\n');
}
