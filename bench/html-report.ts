// A self-contained HTML page for benchmark results: the table and inline SVG bar charts, no scripts or external assets.
import { TARGET_MODELS, type BenchTarget } from './bench-targets.js';
import type { BenchResult } from './bench-types.js';
import { formatBenchTable } from './format-table.js';

const COLORS = ['#336791', '#4faa41', '#d9822b', '#8e44ad', '#c0392b'];

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface Series {
  label: string;
  values: (number | null)[];
}

/** Horizontal grouped bars: one group per workload, one bar per result. */
export function barChartSvg(title: string, categories: string[], series: Series[], unit: string): string {
  const barH = 14;
  const gap = 10;
  const labelW = 190;
  const chartW = 460;
  const groupH = series.length * barH + gap;
  const height = 40 + categories.length * groupH + 20 * Math.ceil(series.length / 3);
  const max = Math.max(1e-9, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + chartW + 120}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<text x="0" y="16" font-weight="bold" font-size="14">${esc(title)}</text>`,
  ];
  categories.forEach((cat, ci) => {
    const y0 = 30 + ci * groupH;
    parts.push(`<text x="${labelW - 8}" y="${y0 + (series.length * barH) / 2 + 4}" text-anchor="end">${esc(cat)}</text>`);
    series.forEach((s, si) => {
      const v = s.values[ci];
      if (v === null || v === undefined) return;
      const w = Math.max(1, (v / max) * chartW);
      const y = y0 + si * barH;
      parts.push(`<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${COLORS[si % COLORS.length]}"><title>${esc(`${s.label}: ${v} ${unit}`)}</title></rect>`);
      parts.push(`<text x="${labelW + w + 4}" y="${y + barH - 4}">${esc(`${v.toLocaleString('en-US')} ${unit}`)}</text>`);
    });
  });
  series.forEach((s, si) => {
    const x = (si % 3) * 200;
    const y = height - 14 - 20 * (Math.ceil(series.length / 3) - 1 - Math.floor(si / 3));
    parts.push(`<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${COLORS[si % COLORS.length]}"/><text x="${x + 16}" y="${y}">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Targets asked for (with `all`) that could not run here, and why. */
export type SkippedTargets = { target: string; reason: string }[];

export function benchHtml(results: BenchResult[], skipped: SkippedTargets = []): string {
  const names: string[] = [];
  for (const r of results) for (const w of r.workloads) if (!names.includes(w.name)) names.push(w.name);
  const series = (pick: (w: BenchResult['workloads'][number]) => number): Series[] =>
    results.map((r) => ({ label: r.label, values: names.map((n) => {
      const w = r.workloads.find((x) => x.name === n);
      return w && !w.skipped ? pick(w) : null;
    }) }));
  const descriptions = names.map((n) => {
    const w = results.flatMap((r) => r.workloads).find((x) => x.name === n);
    const hows = results
      .map((r) => ({ label: r.label, w: r.workloads.find((x) => x.name === n) }))
      .filter(({ w: x }) => x?.how || x?.skipped)
      .map(({ label, w: x }) => `<li>${esc(label)}: ${esc(x?.skipped ?? x?.how ?? '')}</li>`);
    return `<li><b>${esc(n)}</b> (${esc(w?.kind ?? '')}): ${esc(w?.description ?? '')}${hows.length ? `<ul>${hows.join('')}</ul>` : ''}</li>`;
  });
  const targets = results
    .filter((r) => r.target && r.target in TARGET_MODELS)
    .map((r) => `<li><b>${esc(r.label)}</b>: ${esc(TARGET_MODELS[r.target as BenchTarget])}${r.server ? ` (${esc(r.server)})` : ""}</li>`)
    .concat(skipped.map((s) => `<li><b>${esc(s.target)}</b>: not run — ${esc(s.reason)}</li>`));
  const errors = results.flatMap((r) => r.workloads.filter((w) => w.firstError).map((w) => `<li>${esc(r.label)} / ${esc(w.name)}: ${w.errors} errors, first: ${esc(w.firstError ?? '')}</li>`));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pglab bench ${esc(results[0]?.startedAt ?? '')}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1100px} pre{background:#f6f6f6;padding:1em;overflow-x:auto} svg{display:block;margin:1.5em 0}</style>
</head><body>
<h1>pglab bench</h1>
<p>Started ${esc(results[0]?.startedAt ?? '')}. Each workload ran for the stated time with the stated number of concurrent clients; latencies are per operation, from HDR histograms.</p>
${targets.length ? `<h2>Targets</h2><ul>${targets.join('\n')}</ul>` : ''}
<pre>${esc(formatBenchTable(results))}</pre>
${barChartSvg('Throughput', names, series((w) => w.opsPerSec), 'ops/s')}
${barChartSvg('Median latency', names, series((w) => w.latencyMs.p50), 'ms')}
${barChartSvg('99th percentile latency', names, series((w) => w.latencyMs.p99), 'ms')}
<h2>Workloads</h2><ul>${descriptions.join('\n')}</ul>
${errors.length ? `<h2>Errors</h2><ul>${errors.join('\n')}</ul>` : ''}
</body></html>
`;
}
