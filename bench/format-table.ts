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
  const columns = ['ops/s', 'p50 ms', 'p99 ms', 'max ms', 'errors'];
  const cellsOf = (r: BenchResult, name: string): string[] => {
    const w = r.workloads.find((x) => x.name === name);
    return w ? [fmt(w.opsPerSec, 0), ms(w.latencyMs.p50), ms(w.latencyMs.p99), ms(w.latencyMs.max), fmt(w.errors)] : columns.map(() => '—');
  };
  const kindOf = (name: string): string => results.flatMap((r) => r.workloads).find((w) => w.name === name)?.kind ?? '';
  // Each row: [workload, kind] then one group of five cells per result.
  const rows: [string[], string[][]][] = [
    [['workload', 'kind'], results.map(() => columns)],
    ...names.map((name): [string[], string[][]] => [[name, kindOf(name)], results.map((r) => cellsOf(r, name))]),
  ];
  const leftWidths = [0, 1].map((i) => Math.max(...rows.map(([left]) => left[i]!.length)));
  const groupWidths = results.map((_, g) => columns.map((_, i) => Math.max(...rows.map(([, groups]) => groups[g]![i]!.length))));
  const leftWidth = leftWidths[0]! + 2 + leftWidths[1]!;
  const render = ([left, groups]: [string[], string[][]]): string =>
    [
      `${left[0]!.padEnd(leftWidths[0]!)}  ${left[1]!.padEnd(leftWidths[1]!)}`,
      ...groups.map((cells, g) => cells.map((c, i) => c.padStart(groupWidths[g]![i]!)).join('  ')),
    ].join(' │ ');
  // The label of each result spans its group of columns.
  const labels = results.map((r, g) => {
    const width = groupWidths[g]!.reduce((a, b) => a + b, 0) + 2 * (columns.length - 1);
    return `${r.label} (${r.clients} clients, ${fmt(r.durationMs / 1000, 1)} s)`.padEnd(width);
  });
  return [[''.padEnd(leftWidth), ...labels].join(' │ ').trimEnd(), ...rows.map(render)].join('\n');
}
