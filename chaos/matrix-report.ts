// The chaos matrix as one table (fault × runs × figures × promises) and as a self-contained HTML page with a
// timeline per run: acknowledged writes per 50 ms per node, the fault and its lifting marked.
import type { PromiseCheck, RunReport, Timeline, WritePromises } from './analyze-run.js';
import { postgresPromises, summarizeRuns } from './analyze-run.js';
import { formatTable } from '../common/text-table.js';

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

/** One row per fault; "PROMISES" counts kept promises over all runs, split-brain and sync losses included. */
export function formatMatrix(rows: readonly MatrixRow[], synchronous: boolean): string {
  const header = ['FAULT', 'RUNS', 'WRITE GAP min / median / max', 'NEW PRIMARY ACK median', 'ACKED', 'LOST', 'SPLIT-BRAIN', 'PROMISES KEPT'];
  const body = rows.map((r) => {
    const gap = summarizeRuns(r.runs);
    const ack = summarizeRuns(r.runs, (x) => x.firstAckOnNewPrimaryMs);
    const p = r.promises ?? postgresPromises(synchronous);
    const checks = r.runs.flatMap((x) => [
      ...x.checks.map((c) => c.kept),
      ...(p.noSplitBrain ? [x.splitBrainAcks === 0] : []),
      ...(p.noLoss ? [x.lostAcked === 0] : []),
    ]);
    const kept = checks.filter(Boolean).length;
    return [
      r.fault,
      r.error ? `0 (${r.error.split('\n')[0]?.slice(0, 60)})` : String(r.runs.length),
      triple(gap),
      ack ? sec(ack.median) : '-',
      String(r.runs.reduce((n, x) => n + x.acked, 0)),
      String(r.runs.reduce((n, x) => n + x.lostAcked, 0)),
      String(r.runs.reduce((n, x) => n + x.splitBrainAcks, 0)),
      r.error ? 'not run' : `${kept}/${checks.length}${kept < checks.length ? ' BROKEN' : ''}`,
    ];
  });
  return formatTable([header, ...body]);
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

/** An inline SVG: one line per node (acks per bin), a red mark at the fault, a green one where it was lifted. */
export function timelineSvg(t: Timeline, width = 720, height = 140): string {
  const series = Object.entries(t.nodes).sort(([a], [b]) => a.localeCompare(b));
  const bins = Math.max(1, ...series.map(([, v]) => v.length));
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
    '<p>Each chart: acknowledged writes per 50 ms, one line per node that acknowledged them (by address); red: the fault; green: where a timed fault was lifted.</p>',
  ];
  for (const r of rows) {
    parts.push(`<h2>${esc(r.fault)}</h2>`);
    if (r.error) parts.push(`<p class="broken">not run: ${esc(r.error)}</p>`);
    r.runs.forEach((run, i) => {
      parts.push(`<h3>run ${i + 1}: ${esc(run.target)} — write gap ${run.writeGapMs === null ? '-' : sec(run.writeGapMs)}, lost ${run.lostAcked}, split-brain ${run.splitBrainAcks}</h3>`);
      parts.push(timelineSvg(run.timeline));
      for (const c of run.checks) parts.push(`<div class="${c.kept ? '' : 'broken'}">${c.kept ? 'kept' : 'BROKEN'}: ${esc(c.promise)} (${esc(c.evidence)})</div>`);
    });
  }
  return parts.join('\n');
}
