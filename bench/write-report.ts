// Writes benchmark results to a directory as JSON (the full data, histograms included) and as an HTML page with charts.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchResult } from './bench-types.js';
import { benchHtml, type SkippedTargets } from './html-report.js';

/** `skipped`: targets asked for that could not run (kept in both files, so a report never hides one). */
export async function writeBenchReport(input: BenchResult | BenchResult[], dir: string, skipped: SkippedTargets = []): Promise<{ json: string; html: string }> {
  const results = Array.isArray(input) ? input : [input];
  await mkdir(dir, { recursive: true });
  const stamp = (results[0]?.startedAt ?? new Date().toISOString()).replace(/[:.]/g, '-');
  const json = join(dir, `bench-${stamp}.json`);
  const html = join(dir, `bench-${stamp}.html`);
  await writeFile(json, `${JSON.stringify(skipped.length ? { results, skipped } : { results }, null, 2)}\n`);
  await writeFile(html, benchHtml(results, skipped));
  return { json, html };
}
