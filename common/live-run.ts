// The live channel from a running `pglab chaos` or `pglab bench` to `pglab ui`: one JSON event per line in a file of
// the state dir, appended by the run and tailed by the UI server. Here: the events, their encoding, and the 100 ms
// bins of acknowledged writes per server (pure; the file itself is tasks/live-run-feed.ts and ui/live-tail.ts).

/** Width of one bin of the write-rate chart. */
export const LIVE_BIN_MS = 100;

export type LiveEvent =
  /** A run starts (the file was emptied first): what it is, and the process that writes the file. */
  | { type: 'run'; at: number; kind: 'chaos' | 'bench'; title: string; pid: number }
  /**
   * Writes acknowledged in [at, at + binMs), per server (machine name), with their latency (ms from sending to the
   * acknowledgement; null when nothing was acknowledged) and the attempts that failed in the bin.
   */
  | { type: 'bin'; at: number; binMs: number; acks: Record<string, number>; latencyMs: { p50: number; max: number } | null; failures: number }
  /** The fault was injected, lifted (heal), or anything else worth a mark on the time axis. */
  | { type: 'mark'; at: number; kind: 'fault' | 'heal' | 'note'; label: string }
  | { type: 'end'; at: number; ok: boolean };

export function encodeLiveEvent(e: LiveEvent): string {
  return JSON.stringify(e) + '\n';
}

function isLiveEvent(v: unknown): v is LiveEvent {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  if (typeof e.at !== 'number' || !Number.isFinite(e.at)) return false;
  switch (e.type) {
    case 'run':
      return (e.kind === 'chaos' || e.kind === 'bench') && typeof e.title === 'string' && typeof e.pid === 'number';
    case 'bin':
      return typeof e.binMs === 'number' && e.binMs > 0 && typeof e.acks === 'object' && e.acks !== null && Object.values(e.acks).every((n) => typeof n === 'number') && typeof e.failures === 'number' && (e.latencyMs === null || typeof e.latencyMs === 'object');
    case 'mark':
      return (e.kind === 'fault' || e.kind === 'heal' || e.kind === 'note') && typeof e.label === 'string';
    case 'end':
      return typeof e.ok === 'boolean';
    default:
      return false;
  }
}

/**
 * Parses what was appended to the file since the last call: `rest` is the unfinished line of the previous chunk.
 * A line that is not a known event is counted and skipped (a newer pglab's event, or a torn write after a crash).
 */
export function parseLiveChunk(rest: string, chunk: string): { events: LiveEvent[]; rest: string; skipped: number } {
  const text = rest + chunk;
  const lines = text.split('\n');
  const unfinished = lines.pop() ?? '';
  const events: LiveEvent[] = [];
  let skipped = 0;
  for (const line of lines) {
    if (!line.trim()) continue;
    try {
      const v: unknown = JSON.parse(line);
      if (isLiveEvent(v)) events.push(v);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  return { events, rest: unfinished, skipped };
}

/** One acknowledged write as the bins need it: when it was sent and acknowledged (ms on the run's clock), and by whom. */
export interface AckSample {
  sentAt: number;
  ackAt: number;
  node: string;
}

export interface BinCursor {
  /** Start of the next bin to close, on the run's clock. */
  nextBinAt: number;
  /** Index of the first ack (and failure) not yet put into a bin. */
  ackIndex: number;
  failureIndex: number;
}

export interface ClosedBin {
  /** Start of the bin on the run's clock. */
  startMs: number;
  acks: Record<string, number>;
  latencyMs: { p50: number; max: number } | null;
  failures: number;
}

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The bins that ended by `nowMs`, empty ones included (an empty bin is the drop the chart is for), from acks and
 * failures appended in time order since the cursor; and the cursor after them. Acks before the cursor's bin (late
 * arrivals of an earlier bin) count in the first bin closed now.
 */
export function closeBins(
  acks: readonly AckSample[],
  failures: readonly { at: number }[],
  cursor: BinCursor,
  nowMs: number,
  binMs = LIVE_BIN_MS,
): { bins: ClosedBin[]; cursor: BinCursor } {
  const bins: ClosedBin[] = [];
  let { nextBinAt, ackIndex, failureIndex } = cursor;
  while (nextBinAt + binMs <= nowMs) {
    const end = nextBinAt + binMs;
    const counts: Record<string, number> = {};
    const latencies: number[] = [];
    while (ackIndex < acks.length && (acks[ackIndex] as AckSample).ackAt < end) {
      const a = acks[ackIndex] as AckSample;
      counts[a.node] = (counts[a.node] ?? 0) + 1;
      latencies.push(a.ackAt - a.sentAt);
      ackIndex++;
    }
    let failed = 0;
    while (failureIndex < failures.length && (failures[failureIndex] as { at: number }).at < end) {
      failed++;
      failureIndex++;
    }
    latencies.sort((x, y) => x - y);
    bins.push({ startMs: nextBinAt, acks: counts, latencyMs: latencies.length ? { p50: round1(median(latencies)), max: round1(latencies.at(-1) as number) } : null, failures: failed });
    nextBinAt = end;
  }
  return { bins, cursor: { nextBinAt, ackIndex, failureIndex } };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The state of the run a UI shows: its events since its `run` event, and whether its writer is still alive. */
export interface LiveRunView {
  run: Extract<LiveEvent, { type: 'run' }> | null;
  events: LiveEvent[];
  ended: boolean;
}

/** Adds events to a view: a `run` event starts a new one; `keepMs` bounds how much history a long run keeps. */
export function foldLiveEvents(view: LiveRunView, events: readonly LiveEvent[], keepMs = 10 * 60_000): LiveRunView {
  let run = view.run;
  let kept = [...view.events];
  let ended = view.ended;
  for (const e of events) {
    if (e.type === 'run') {
      run = e;
      kept = [e];
      ended = false;
    } else {
      kept.push(e);
      if (e.type === 'end') ended = true;
    }
  }
  const last = kept.at(-1)?.at;
  if (last !== undefined && kept.some((e) => e.type !== 'run' && e.at < last - keepMs)) kept = kept.filter((e) => e.type === 'run' || e.at >= last - keepMs);
  return { run, events: kept, ended };
}
