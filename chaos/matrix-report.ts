// The chaos matrix as one table (fault × runs × figures × promises) and as a self-contained HTML page with a
// timeline per run: acknowledged writes per 50 ms per node, the fault and its lifting marked.
import type { PromiseCheck, RunReport, Timeline, WritePromises } from './analyze-run.js';
import { postgresPromises, summarizeRuns } from './analyze-run.js';
import { formatTable } from '../common/text-table.js';
import { msCell, staleCell } from './run-check.js';

export interface MatrixRow {
  fault: string;
  runs: (RunReport & { target: string; checks: PromiseCheck[]; timeline: Timeline })[];
  /** Set when the fault could not run at all (its steps failed before any verdict). */
  error?: string;
  /** What the row's writers were promised; absent: PostgreSQL's, by the table's replication mode. */
  promises?: WritePromises;
}

const sec = (ms: number) => `${(ms / 1000).toFixed(2)}s`;
const triple = (g: ReturnType<typeof summarizeRuns>) => (g ? `${sec(g.min)} / ${sec(g.median)} / ${sec(g.max)}` : '-');

/** The figures of one fault's runs, as the matrix prints them. */
export function matrixCells(r: MatrixRow, synchronous: boolean): Record<'runs' | 'gap' | 'newPrimaryAck' | 'acked' | 'lost' | 'splitBrain' | 'stale' | 'primariesWindow' | 'promises' | 'anomalies', string> {
  const gap = summarizeRuns(r.runs);
  const ack = summarizeRuns(r.runs, (x) => x.firstAckOnNewPrimaryMs);
  const p = r.promises ?? postgresPromises(synchronous);
  const checks = r.runs.flatMap((x) => [
    ...x.checks.map((c) => c.kept),
    ...(p.noSplitBrain ? [x.splitBrainAcks === 0] : []),
    ...(p.noLoss ? [x.lostAcked === 0] : []),
    // Forbidden anomalies beyond lost writes and overlapping primaries (counted just above).
    ...(x.check ? [!x.check.violations.some((v) => v.type !== 'lost-append' && v.type !== 'two-primaries')] : []),
  ]);
  const windows = r.runs.map((x) => x.check?.primariesWindowMs).filter((v): v is number => typeof v === 'number');
  const kept = checks.filter(Boolean).length;
  return {
    runs: r.error ? `0 (${r.error.split('\n')[0]?.slice(0, 60)})` : String(r.runs.length),
    gap: triple(gap),
    newPrimaryAck: ack ? sec(ack.median) : '-',
    acked: String(r.runs.reduce((n, x) => n + x.acked, 0)),
    lost: String(r.runs.reduce((n, x) => n + x.lostAcked, 0)),
    splitBrain: String(r.runs.reduce((n, x) => n + x.splitBrainAcks, 0)),
    stale: staleCell(r.runs.map((x) => x.check)),
    primariesWindow: msCell(windows.length ? Math.min(...windows) : null),
    promises: r.error ? 'not run' : `${kept}/${checks.length}${kept < checks.length ? ' BROKEN' : ''}`,
    anomalies: anomalyTotals(r.runs),
  };
}

/** One row per fault; "PROMISES" counts kept promises over all runs, split-brain and sync losses included. */
export function formatMatrix(rows: readonly MatrixRow[], synchronous: boolean): string {
  const header = ['FAULT', 'RUNS', 'WRITE GAP min / median / max', 'NEW PRIMARY ACK median', 'ACKED', 'LOST', 'SPLIT-BRAIN', 'STALE max / p99', '2-PRIMARIES WINDOW min', 'PROMISES KEPT', 'ANOMALIES'];
  const body = rows.map((r) => {
    const c = matrixCells(r, synchronous);
    return [r.fault, c.runs, c.gap, c.newPrimaryAck, c.acked, c.lost, c.splitBrain, c.stale, c.primariesWindow, c.promises, c.anomalies];
  });
  return formatTable([header, ...body], { freeLastColumn: true });
}

/** Anomalies over a fault's runs: "none", or "G-single 14, G2-item 3*" (* = forbidden in some run); "-" without a check. */
export function anomalyTotals(runs: MatrixRow['runs']): string {
  const checked = runs.filter((x) => x.check);
  if (checked.length === 0) return '-';
  const totals = new Map<string, number>();
  const forbidden = new Set<string>();
  for (const x of checked) {
    for (const [t, n] of Object.entries(x.check?.anomalies ?? {})) totals.set(t, (totals.get(t) ?? 0) + (n ?? 0));
    for (const t of x.check?.forbidden ?? []) forbidden.add(t);
  }
  return totals.size === 0 ? 'none' : [...totals].map(([t, n]) => `${t} ${n}${forbidden.has(t) ? '*' : ''}`).join(', ');
}

/** One manager's matrix in a side-by-side run: which manager, with which settings, and its rows. */
export interface ManagerColumn {
  manager: string;
  settings: string;
  rows: MatrixRow[];
}

/** The faults of every column, in the order they first appear. */
function faultsOf(columns: readonly ManagerColumn[]): string[] {
  return [...new Set(columns.flatMap((c) => c.rows.map((r) => r.fault)))];
}

/** One row per fault, each figure once per manager side by side (two header rows); the managers' settings above. */
export function formatSideBySide(columns: readonly ManagerColumn[], synchronous: boolean): string {
  const bare = (text: string) => text.replace(/s\b/g, '').replace(/ \/ /g, '/'); // "1.47s / 1.56s / 1.65s" → "1.47/1.56/1.65"
  const metrics: [string, (c: ReturnType<typeof matrixCells>) => string][] = [
    ['WRITE GAP (s) min/med/max', (c) => bare(c.gap)],
    ['NEW PRIMARY ACK (s)', (c) => bare(c.newPrimaryAck)],
    ['LOST/ACKED', (c) => `${c.lost}/${c.acked}`],
    ['SPLIT-BRAIN', (c) => c.splitBrain],
    ['PROMISES KEPT', (c) => c.promises],
    ['ANOMALIES', (c) => c.anomalies],
  ];
  const groups = ['', ...metrics.flatMap(([name]) => columns.map((_, i) => (i === 0 ? name : '')))];
  const names = ['FAULT', ...metrics.flatMap(() => columns.map((c) => c.manager))];
  const body = faultsOf(columns).map((fault) => [
    fault,
    ...metrics.flatMap(([, pick]) => columns.map((c) => {
      const row = c.rows.find((r) => r.fault === fault);
      return row ? pick(matrixCells(row, synchronous)) : 'not run';
    })),
  ]);
  const legend = columns.map((c) => `${c.manager}: ${c.settings}`);
  return [...legend, formatTable([groups, names, ...body])].join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

/** An inline SVG: one line per node (acks per bin), a red mark at the fault, a green one where it was lifted. */
export function timelineSvg(t: Timeline, width = 720, height = 140, scaleBins = 0): string {
  const series = Object.entries(t.nodes).sort(([a], [b]) => a.localeCompare(b));
  // scaleBins: charts shown one above the other share one time axis (the longest run's).
  const bins = Math.max(1, scaleBins, ...series.map(([, v]) => v.length));
  const max = Math.max(1, ...series.flatMap(([, v]) => v));
  const x = (bin: number) => 40 + (bin / bins) * (width - 60);
  const y = (v: number) => height - 20 - (v / max) * (height - 40);
  const mark = (ms: number, color: string, label: string) => {
    const px = x(ms / t.binMs).toFixed(1);
    return `<line x1="${px}" x2="${px}" y1="10" y2="${height - 20}" stroke="${color}" stroke-dasharray="4 3"/><text x="${px}" y="10" fill="${color}" font-size="10">${label}</text>`;
  };
  const lines = series.map(([node, v], i) => {
    const pts = v.map((c, b) => `${x(b).toFixed(1)},${y(c).toFixed(1)}`).join(' ');
    const color = COLORS[i % COLORS.length];
    return `<polyline fill="none" stroke="${color}" stroke-width="1.2" points="${pts}"/><text x="${width - 15}" y="${20 + i * 12}" fill="${color}" font-size="10" text-anchor="end">${esc(node)}</text>`;
  });
  const seconds = Math.floor((bins * t.binMs) / 1000);
  const ticks = Array.from({ length: seconds + 1 }, (_, s) => `<text x="${x((s * 1000) / t.binMs).toFixed(1)}" y="${height - 5}" font-size="9" text-anchor="middle">${s}s</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<text x="2" y="${y(max) + 4}" font-size="9">${max}</text><text x="2" y="${height - 20}" font-size="9">0</text>`,
    ...lines,
    mark(t.faultAtMs, '#d62728', 'fault'),
    ...(t.liftedAtMs !== null ? [mark(t.liftedAtMs, '#2ca02c', 'healed')] : []),
    ...(t.roleChanges ?? []).map((c) => mark(c.atMs, '#555555', esc(c.label))),
    // Operations of anomalies: orange ticks under the axis, the anomaly in the tooltip.
    ...(t.marks ?? []).map((m) => {
      const px = x(m.atMs / t.binMs).toFixed(1);
      return `<line x1="${px}" x2="${px}" y1="${height - 20}" y2="${height - 12}" stroke="#ff7f0e" stroke-width="2"><title>${esc(m.label)} at ${(m.atMs / 1000).toFixed(3)} s</title></line>`;
    }),
    ...ticks,
    '</svg>',
  ].join('');
}

export function matrixHtml(rows: readonly MatrixRow[], synchronous: boolean, title: string): string {
  const parts = [
    '<!doctype html><meta charset="utf-8"><title>' + esc(title) + '</title>',
    '<style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em}.broken{color:#b00;font-weight:bold}</style>',
    `<h1>${esc(title)}</h1>`,
    `<pre>${esc(formatMatrix(rows, synchronous))}</pre>`,
    '<p>Each chart: acknowledged writes per 50 ms, one line per node that acknowledged them (by address); red: the fault; green: where a timed fault was lifted; orange ticks: operations of anomalies the history checker found (hover for the kind). ANOMALIES: * = forbidden at the run\'s isolation level.</p>',
  ];
  for (const r of rows) {
    parts.push(`<h2>${esc(r.fault)}</h2>`);
    if (r.error) parts.push(`<p class="broken">not run: ${esc(r.error)}</p>`);
    r.runs.forEach((run, i) => {
      parts.push(`<h3>run ${i + 1}: ${esc(run.target)} — write gap ${run.writeGapMs === null ? '-' : sec(run.writeGapMs)}, lost ${run.lostAcked}, split-brain ${run.splitBrainAcks}</h3>`);
      parts.push(timelineSvg(run.timeline));
      for (const c of run.checks) parts.push(`<div class="${c.kept ? '' : 'broken'}">${c.kept ? 'kept' : 'BROKEN'}: ${esc(c.promise)} (${esc(c.evidence)})</div>`);
      if (run.check) parts.push(`<div>history: ${esc(run.check.historyFile)} — anomalies: ${esc(anomalyTotals([run]))}</div>`);
      for (const v of run.check?.violations ?? []) parts.push(`<div class="broken">BROKEN: ${esc(v.text)}</div>`);
    });
  }
  return parts.join('\n');
}

/** The side-by-side report: the table, then per fault each manager's timelines one above the other. */
export function sideBySideHtml(columns: readonly ManagerColumn[], synchronous: boolean, title: string): string {
  const parts = [
    '<!doctype html><meta charset="utf-8"><title>' + esc(title) + '</title>',
    '<style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em}.broken{color:#b00;font-weight:bold}h3{margin-bottom:0.2em}</style>',
    `<h1>${esc(title)}</h1>`,
    `<pre>${esc(formatSideBySide(columns, synchronous))}</pre>`,
    '<p>Each chart: acknowledged writes per 50 ms, one line per node that acknowledged them; red: the fault; green: where a timed fault was lifted; grey: role changes from the manager\'s history. For each fault the managers\' runs are one above the other, on the same time scale from the writers\' start.</p>',
  ];
  const binsOf = (t: Timeline) => Math.max(0, ...Object.values(t.nodes).map((v) => v.length));
  for (const fault of faultsOf(columns)) {
    parts.push(`<h2>${esc(fault)}</h2>`);
    const scale = Math.max(0, ...columns.flatMap((c) => c.rows.filter((r) => r.fault === fault).flatMap((r) => r.runs.map((run) => binsOf(run.timeline)))));
    for (const c of columns) {
      const r = c.rows.find((x) => x.fault === fault);
      if (!r) continue;
      if (r.error) parts.push(`<p class="broken">${esc(c.manager)}: not run: ${esc(r.error)}</p>`);
      r.runs.forEach((run, i) => {
        parts.push(`<h3>${esc(c.manager)}, run ${i + 1}: ${esc(run.target)} — write gap ${run.writeGapMs === null ? '-' : sec(run.writeGapMs)}, lost ${run.lostAcked}, split-brain ${run.splitBrainAcks}</h3>`);
        parts.push(timelineSvg(run.timeline, 960, 140, scale));
        for (const ch of run.checks) parts.push(`<div class="${ch.kept ? '' : 'broken'}">${ch.kept ? 'kept' : 'BROKEN'}: ${esc(ch.promise)} (${esc(ch.evidence)})</div>`);
      });
    }
  }
  return parts.join('\n');
}
