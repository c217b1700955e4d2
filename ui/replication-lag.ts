// Replication lag in seconds, which the members do not publish (they publish bytes): how long ago the primary first
// had WAL that a replica has not replayed yet. The UI remembers when the primary published each WAL position it saw
// and answers from that, to the resolution of the primary's publications. Pure (times are passed in).

interface Sample {
  atMs: number;
  lsn: number;
}

export interface LagTime {
  ms: number;
  /** The replica is behind every position remembered: the lag is at least `ms`. */
  atLeast: boolean;
}

export class WalTimeline {
  private samples: Sample[] = [];

  constructor(private readonly keepMs = 10 * 60_000) {}

  /** The primary's WAL position at the time it published it. A position below the last starts over (another history). */
  record(atMs: number, lsn: number): void {
    const last = this.samples.at(-1);
    if (last && lsn < last.lsn) this.samples = [];
    else if (last && lsn === last.lsn) return;
    this.samples.push({ atMs, lsn });
    const oldest = atMs - this.keepMs;
    while (this.samples.length > 2 && (this.samples[1] as Sample).atMs < oldest) this.samples.shift();
  }

  /**
   * The lag at `atMs` of a replica that has replayed up to `replayedLsn`: 0 when it has everything the primary
   * published; otherwise from the first publication past its position (WAL the replica lacks existed then).
   */
  lag(replayedLsn: number, atMs: number): LagTime | null {
    const last = this.samples.at(-1);
    if (!last) return null;
    if (replayedLsn >= last.lsn) return { ms: 0, atLeast: false };
    const i = this.samples.findIndex((s) => s.lsn > replayedLsn);
    const first = this.samples[i] as Sample;
    return { ms: Math.max(0, atMs - first.atMs), atLeast: i === 0 };
  }
}
