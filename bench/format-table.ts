// Formats one or more benchmark results as a plain-text table, one column group per result, side by side.
import type { BenchResult } from './bench-types.js';

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ms(n: number): string {
  return n >= 100 ? fmt(n, 0) : n >= 10 ? fmt(n, 1) : fmt(n, 2);
}

export function formatBenchTable(input: BenchResult | BenchResult[]): string {
  const results = Array.isArray(input) ? input : [input];
  const names: string[] = [];
  for (const r of results) for (const w of r.workloads) if (!names.includes(w.name)) names.push(w.name);
  const perResult = ['ops/s', 'p50 ms', 'p99 ms', 'max ms', 'errors'];
  const header1 = ['', '', ...results.flatMap((r) => [`${r.label} (${r.clients} clients, ${fmt(r.durationMs / 1000, 1)} s)`, '', '', '', ''])];
  const header2 = ['workload', 'kind', ...results.flatMap(() => perResult)];
  const rows = names.map((name) => {
    const kind = results.flatMap((r) => r.workloads).find((w) => w.name === name)?.kind ?? '';
    return [
      name,
      kind,
      ...results.flatMap((r) => {
        const w = r.workloads.find((x) => x.name === name);
        return w ? [fmt(w.opsPerSec, 0), ms(w.latencyMs.p50), ms(w.latencyMs.p99), ms(w.latencyMs.max), fmt(w.errors)] : ['—', '—', '—', '—', '—'];
      }),
    ];
  });
  const table = [header2, ...rows];
  const widths = header2.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  // The group label spans its five columns.
  const groupWidth = (g: number): number => widths.slice(2 + g * 5, 7 + g * 5).reduce((a, b) => a + b, 0) + 4 * 2;
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const top = [
    ''.padEnd(widths[0]! + 2 + widths[1]!),
    ...results.map((_, g) => header1[2 + g * 5]!.padEnd(groupWidth(g)).slice(0, Math.max(groupWidth(g), header1[2 + g * 5]!.length))),
  ].join(' │ ');
  const sep = (cells: string[]): string => {
    const fixed = line(cells.slice(0, 2)).padEnd(widths[0]! + 2 + widths[1]!);
    const groups = results.map((_, g) => line(['', '', ...cells.slice(2 + g * 5, 7 + g * 5)]).slice(widths[0]! + widths[1]! + 4).padStart(groupWidth(g)));
    return [fixed, ...groups].join(' │ ');
  };
  return [top.trimEnd(), sep(header2), ...rows.map(sep)].join('\n');
}
