// Formats one or more benchmark results as a plain-text table, one column group per result (target), side by side.
import type { BenchResult } from './bench-types.js';

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ms(n: number): string {
  return n >= 100 ? fmt(n, 0) : n >= 10 ? fmt(n, 1) : fmt(n, 2);
}

const COLUMNS = ['ops/s', 'p50 ms', 'p99 ms', 'max ms', 'errors'];

/** A group's cells: five numbers, or one text spanning the group (a workload this target cannot run). */
type Cells = string[] | { span: string };

export function formatBenchTable(input: BenchResult | BenchResult[]): string {
  const results = Array.isArray(input) ? input : [input];
  const names: string[] = [];
  for (const r of results) for (const w of r.workloads) if (!names.includes(w.name)) names.push(w.name);
  const cellsOf = (r: BenchResult, name: string): Cells => {
    const w = r.workloads.find((x) => x.name === name);
    if (w?.skipped) return { span: w.skipped };
    return w ? [fmt(w.opsPerSec, 0), ms(w.latencyMs.p50), ms(w.latencyMs.p99), ms(w.latencyMs.max), fmt(w.errors)] : COLUMNS.map(() => '—');
  };
  const kindOf = (name: string): string => results.flatMap((r) => r.workloads).find((w) => w.name === name)?.kind ?? '';
  // Each row: [workload, kind] then one group of cells per result.
  const rows: [string[], Cells[]][] = [
    [['workload', 'kind'], results.map(() => COLUMNS)],
    ...names.map((name): [string[], Cells[]] => [[name, kindOf(name)], results.map((r) => cellsOf(r, name))]),
  ];
  const leftWidths = [0, 1].map((i) => Math.max(...rows.map(([left]) => left[i]!.length)));
  const groupWidths = results.map((_, g) =>
    COLUMNS.map((_, i) => Math.max(...rows.map(([, groups]) => groups[g]!).filter((c): c is string[] => Array.isArray(c)).map((c) => c[i]!.length))),
  );
  const span = (g: number): number => groupWidths[g]!.reduce((a, b) => a + b, 0) + 2 * (COLUMNS.length - 1);
  // A spanning text wider than the numbers widens the group's first column.
  results.forEach((_, g) => {
    const widest = Math.max(0, ...rows.map(([, groups]) => groups[g]!).map((c) => (Array.isArray(c) ? 0 : c.span.length)));
    if (widest > span(g)) groupWidths[g]![0]! += widest - span(g);
  });
  const leftWidth = leftWidths[0]! + 2 + leftWidths[1]!;
  const render = ([left, groups]: [string[], Cells[]]): string =>
    [
      `${left[0]!.padEnd(leftWidths[0]!)}  ${left[1]!.padEnd(leftWidths[1]!)}`,
      ...groups.map((cells, g) => (Array.isArray(cells) ? cells.map((c, i) => c.padStart(groupWidths[g]![i]!)).join('  ') : cells.span.padEnd(span(g)))),
    ]
      .join(' │ ')
      .trimEnd();
  // The label of each result spans its group of columns.
  const labels = results.map((r, g) => `${r.label} (${r.clients} clients, ${fmt(r.durationMs / 1000, 1)} s)`.padEnd(span(g)));
  return [[''.padEnd(leftWidth), ...labels].join(' │ ').trimEnd(), ...rows.map(render)].join('\n');
}
