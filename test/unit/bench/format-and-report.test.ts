// The bench table, HTML report and histogram summary, from fixed results.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BenchResult, WorkloadResult } from '../../../bench/bench-types.js';
import { formatBenchTable } from '../../../bench/format-table.js';
import { benchHtml } from '../../../bench/html-report.js';
import { decodeHistogram, encodeHistogram, newLatencyHistogram, summarize } from '../../../bench/latency-histogram.js';
import { writeBenchReport } from '../../../bench/write-report.js';

function workload(name: string, kind: 'read' | 'write', opsPerSec: number, p50: number): WorkloadResult {
  return {
    name, kind, description: `${name} <desc>`, ops: opsPerSec * 10, rows: opsPerSec * 10, errors: 0, opsPerSec,
    latencyMs: { mean: p50, p50, p90: p50 * 2, p99: p50 * 5, p999: p50 * 8, max: p50 * 20 }, histogram: '', durationMs: 10_000,
  };
}

const pgResult: BenchResult = {
  label: 'postgres', startedAt: '2026-11-27T01:02:03.456Z', clients: 8, durationMs: 10_000,
  workloads: [workload('title-by-id', 'read', 12345, 0.412), workload('insert-rating', 'write', 2345, 3.2)],
};
const mongoResult: BenchResult = { ...pgResult, label: 'mongo', workloads: [{ ...workload('title-by-id', 'read', 9999, 0.5), errors: 3, firstError: 'boom & <bang>' }] };

describe('formatBenchTable', () => {
  it('puts results side by side, each group aligned on its own, with a dash where a result lacks a workload', () => {
    expect(formatBenchTable([pgResult, mongoResult])).toBe(
      [
        '                     │ postgres (8 clients, 10.0 s)           │ mongo (8 clients, 10.0 s)',
        'workload       kind  │  ops/s  p50 ms  p99 ms  max ms  errors │ ops/s  p50 ms  p99 ms  max ms  errors',
        'title-by-id    read  │ 12,345    0.41    2.06    8.24       0 │ 9,999    0.50    2.50    10.0       3',
        'insert-rating  write │  2,345    3.20    16.0    64.0       0 │     —       —       —       —       —',
      ].join('\n'),
    );
  });

  it('formats a single result', () => {
    expect(formatBenchTable(pgResult).split('\n')).toHaveLength(4);
  });
});

describe('HTML and JSON report', () => {
  it('has the table, three charts with a bar per result and workload, and escapes text', () => {
    const html = benchHtml([pgResult, mongoResult]);
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html.match(/<rect x="190" [^>]*>/g)).toHaveLength(3 * 3); // 3 bars per chart (mongo lacks one)
    expect(html.match(/<rect x="0" [^>]*>/g)).toHaveLength(3); // legend: first result in each chart
    expect(html).toContain('boom &#38; &#60;bang&#62;');
    expect(html).not.toContain('<desc>');
    expect(html).toContain('title-by-id    read');
  });

  it('writes both files named after the start time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pglab-report-'));
    try {
      const { json, html } = await writeBenchReport([pgResult, mongoResult], dir);
      expect(json).toBe(join(dir, 'bench-2026-11-27T01-02-03-456Z.json'));
      expect(JSON.parse(await readFile(json, 'utf8'))).toEqual({ results: [pgResult, mongoResult] });
      expect(await readFile(html, 'utf8')).toMatch(/^<!doctype html>/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('latency histogram', () => {
  it('summarizes microseconds as milliseconds and survives encoding', () => {
    const h = newLatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.recordValue(i * 100); // 0.1 ms … 100 ms
    const s = summarize(h);
    expect(s.p50).toBeCloseTo(50, 0);
    expect(s.p99).toBeCloseTo(99, 0);
    expect(s.max).toBeCloseTo(100, 0);
    expect(s.mean).toBeCloseTo(50.05, 0);
    const back = decodeHistogram(encodeHistogram(h));
    expect(back.totalCount).toBe(1000);
    expect(summarize(newLatencyHistogram())).toEqual({ mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
  });
});
