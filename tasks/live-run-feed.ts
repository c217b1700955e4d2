// The writing end of the live channel to `pglab ui` (common/live-run.ts): a chaos run or a benchmark empties the file
// in the state dir, then appends its acknowledged writes per 100 ms and its marks while it runs. Writing is best
// effort: a file that cannot be written turns the feed off, never the run.
import { appendFileSync, writeFileSync } from 'node:fs';
import { closeBins, encodeLiveEvent, LIVE_BIN_MS, type AckSample, type BinCursor, type LiveEvent } from '../common/live-run.js';
import { paths } from '../lab/state-dir.js';
import type { Topology } from '../lab/topology.js';

export class LiveRunFeed {
  private on = true;

  private constructor(private readonly file: string) {}

  /** A new run: the file starts over with its `run` event. */
  static start(kind: 'chaos' | 'bench', title: string, file = paths.liveRun()): LiveRunFeed {
    const feed = new LiveRunFeed(file);
    feed.write({ type: 'run', at: Date.now(), kind, title, pid: process.pid }, true);
    return feed;
  }

  mark(kind: 'fault' | 'heal' | 'note', label: string, at = Date.now()): void {
    this.write({ type: 'mark', at, kind, label });
  }

  end(ok: boolean): void {
    this.write({ type: 'end', at: Date.now(), ok });
  }

  /**
   * Follows writers' logs (appended in time order on the run's monotonic clock, which read `t0` at wall time
   * `wallT0`): every 100 ms the bins that ended. The returned function writes the last bins and stops.
   */
  followWrites(log: { readonly acks: readonly AckSample[]; readonly failures: readonly { at: number }[] }, t0: number, wallT0: number, nodeName: (node: string) => string): () => void {
    let cursor: BinCursor = { nextBinAt: 0, ackIndex: 0, failureIndex: 0 };
    const flush = (nowMs: number) => {
      const r = closeBins(log.acks, log.failures, cursor, nowMs);
      cursor = r.cursor;
      for (const b of r.bins) {
        const acks: Record<string, number> = {};
        for (const [node, n] of Object.entries(b.acks)) acks[nodeName(node)] = (acks[nodeName(node)] ?? 0) + n;
        this.write({ type: 'bin', at: Math.round(wallT0 + b.startMs), binMs: LIVE_BIN_MS, acks, latencyMs: b.latencyMs, failures: b.failures });
      }
    };
    const timer = setInterval(() => flush(performance.now() - t0), LIVE_BIN_MS);
    timer.unref();
    return () => {
      clearInterval(timer);
      flush(performance.now() - t0 + LIVE_BIN_MS);
    };
  }

  private readonly benchTotals = new Map<string, { ops: number; ms: number; errors: number }>();

  /**
   * A benchmark's progress report (running totals of one workload, measured time so far): what it did since its
   * last report, as one bin as wide as the time between the two. Latency is not in the reports: none is shown.
   */
  benchProgress(series: string, ops: number, elapsedMs: number, errors: number): void {
    const last = this.benchTotals.get(series) ?? { ops: 0, ms: 0, errors: 0 };
    this.benchTotals.set(series, { ops, ms: elapsedMs, errors });
    const since = Math.round(elapsedMs - last.ms);
    if (since <= 0) return;
    this.write({ type: 'bin', at: Date.now() - since, binMs: since, acks: { [series]: ops - last.ops }, latencyMs: null, failures: errors - last.errors });
  }

  private write(e: LiveEvent, truncate = false): void {
    if (!this.on) return;
    try {
      if (truncate) writeFileSync(this.file, encodeLiveEvent(e));
      else appendFileSync(this.file, encodeLiveEvent(e));
    } catch {
      this.on = false;
    }
  }
}

/** The machine name behind an address the writers saw (inet_server_addr), for the chart's legend. */
export function machineByAddress(t: Topology): (ip: string) => string {
  const names = new Map(t.machines.map((m) => [m.ip, m.name] as const));
  return (ip) => names.get(ip) ?? ip;
}
