// How fast the history checker is: generates a valid list-append history (simulated strictly serializable database,
// 16 clients, 2 % failed and 0.5 % indeterminate transactions, final reads), then checks it in a fresh process per
// run (read + validate every line, infer orders, build the graph, search cycles) and prints time and peak RSS.
//   node dist/measure/checker-speed.js [--transactions 1000000] [--runs 3] [--seed 1]
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { PerformanceObserver } from 'node:perf_hooks';
import { checkTable, REPLICA_PORT } from '../chaos/checker/check-history.js';
import { readHistoryFile } from '../chaos/checker/history-reader.js';
import { DEFAULT_SIM, simulateAppendHistory } from '../test/support/append-history-sim.js';
import { conditionsLine, loadAverage, measureArgs, median, runMeasurement, wholeArg } from './harness.js';

const USAGE = 'node dist/measure/checker-speed.js [--transactions 1000000] [--runs 3] [--seed 1]';

async function generate(path: string, transactions: number, seed: number): Promise<void> {
  const tmp = `${path}.part`;
  const out = createWriteStream(tmp);
  let buf = '';
  for (const op of simulateAppendHistory({ ...DEFAULT_SIM, transactions, seed })) {
    buf += JSON.stringify(op) + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  renameSync(tmp, path);
}

/** One run in this (fresh) process: prints one JSON line. */
async function checkOnly(path: string): Promise<void> {
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => list.getEntries().forEach((e) => (gcMs += e.duration)));
  gc.observe({ entryTypes: ['gc'] });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const table = await readHistoryFile(path);
  const t1 = performance.now();
  const r = checkTable(table, { isolation: 'serializable', replication: 'sync', replicaPort: REPLICA_PORT });
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  gc.disconnect();
  console.log(JSON.stringify({ readMs: t1 - t0, checkMs: t2 - t1, totalMs: t2 - t0, cpuMs: (cpu.user + cpu.system) / 1000, gcMs, maxRssMB: process.resourceUsage().maxRSS / 1024, entries: r.history.entries, transactions: r.history.transactions, valid: r.valid, anomalies: r.counts }));
}

async function main(): Promise<void> {
  const { values } = measureArgs(USAGE, { transactions: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' }, seed: { type: 'string', default: '1' }, 'check-only': { type: 'string' } });
  if (values['check-only']) return checkOnly(values['check-only']);
  const transactions = wholeArg(values.transactions, '--transactions', 1);
  const runs = wholeArg(values.runs, '--runs', 1);
  const seed = wholeArg(values.seed, '--seed');
  const path = join(tmpdir(), `pglab-checker-speed-${transactions}-${seed}.jsonl`);
  if (!existsSync(path)) {
    const g0 = performance.now();
    await generate(path, transactions, seed);
    console.log(`generated ${path} in ${((performance.now() - g0) / 1000).toFixed(1)} s`);
  }
  console.log(conditionsLine(`checker speed, ${transactions} transactions, ${runs} runs`));
  const results: { readMs: number; checkMs: number; totalMs: number; cpuMs: number; gcMs: number; maxRssMB: number; entries: number; transactions: number; valid: boolean }[] = [];
  for (let i = 1; i <= runs; i++) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--check-only', path], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (child.status !== 0) throw new Error(`run ${i} failed: ${child.stderr}`);
    const r = JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as (typeof results)[number];
    results.push(r);
    console.log(`run ${i}: ${r.entries.toLocaleString('en-US')} entries, ${r.transactions.toLocaleString('en-US')} transactions: read+validate ${(r.readMs / 1000).toFixed(2)} s, check ${(r.checkMs / 1000).toFixed(2)} s, total ${(r.totalMs / 1000).toFixed(2)} s (CPU ${(r.cpuMs / 1000).toFixed(2)} s, of it GC ${(r.gcMs / 1000).toFixed(2)} s), peak RSS ${r.maxRssMB.toFixed(0)} MB, ${r.valid ? 'valid' : 'NOT valid'}`);
  }
  console.log(`median of ${runs}: total ${(median(results.map((r) => r.totalMs)) / 1000).toFixed(2)} s (read ${(median(results.map((r) => r.readMs)) / 1000).toFixed(2)}, check ${(median(results.map((r) => r.checkMs)) / 1000).toFixed(2)}; CPU ${(median(results.map((r) => r.cpuMs)) / 1000).toFixed(2)}), peak RSS ${median(results.map((r) => r.maxRssMB)).toFixed(0)} MB; load average after: ${loadAverage()}`);
}

runMeasurement(main);
