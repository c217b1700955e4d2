// One cycle at a time: every loop interval, and at once when triggered; triggers during a cycle coalesce into one follow-up.
import { sleep, type Clock, type TimerHandle } from './clock.js';

/** Pattern of pepr's queue and Patroni's async executor: never two reconciles at once. */
export class CycleRunner {
  private timer: TimerHandle | null = null;
  private running = false;
  private again = false;
  private stopped = false;
  /** Monotonic time the last cycle ended (the liveness check's age). */
  endedAt: number;

  constructor(
    private readonly clock: Clock,
    private readonly loopMs: number,
    private readonly cycle: () => Promise<void>,
    private readonly onError: (err: Error) => void,
  ) {
    this.endedAt = clock.now();
  }

  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => void this.run(), 0);
  }

  private async run(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    this.again = false;
    const began = this.clock.now();
    try {
      await this.cycle();
    } catch (err) {
      this.onError(err as Error);
    } finally {
      this.running = false;
      this.endedAt = this.clock.now();
    }
    if (this.stopped) return;
    // Extra triggers during a cycle coalesce into one follow-up, never sooner than 20 ms after.
    const wait = this.again ? 20 : Math.max(20, this.loopMs - (this.clock.now() - began));
    this.timer = this.clock.setTimeout(() => void this.run(), wait);
  }

  /** No more cycles; resolves once the one under way, if any, has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    while (this.running) await sleep(this.clock, 20);
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}
