// Discrete-event scheduler on a virtual clock: events belong to a simulated process (paused ones wait, dead ones vanish).

/** A simulated OS process: its timers and the answers to its calls are events tagged with it. */
export class Proc {
  alive = true;
  paused = false;
  /** Events that came due while paused; they run, in order, on resume. */
  deferred: SimEvent[] = [];
  /** CPU starvation: each of its events runs this many ms late (drawn per event; null: on time). */
  starve: (() => number) | null = null;
  constructor(readonly name: string) {}
}

export interface SimEvent {
  at: number;
  seq: number;
  proc: Proc | null;
  fn: () => void;
  cancelled: boolean;
  /** Already made late by its process's starvation once. */
  late?: boolean;
}

export class Scheduler {
  now = 0;
  steps = 0;
  private heap: SimEvent[] = [];
  private seq = 0;

  /** Runs `fn` `ms` from now on behalf of `proc` (null: the world itself, never paused). */
  after(ms: number, proc: Proc | null, fn: () => void): SimEvent {
    const ev: SimEvent = { at: this.now + Math.max(0, ms), seq: this.seq++, proc, fn, cancelled: false };
    this.push(ev);
    return ev;
  }

  cancel(ev: SimEvent | null | undefined): void {
    if (ev) ev.cancelled = true;
  }

  pause(p: Proc): void {
    p.paused = true;
  }

  resume(p: Proc): void {
    if (!p.paused) return;
    p.paused = false;
    for (const ev of p.deferred) {
      ev.at = this.now;
      ev.seq = this.seq++;
      this.push(ev);
    }
    p.deferred = [];
  }

  kill(p: Proc): void {
    p.alive = false;
    p.paused = false;
    p.deferred = [];
  }

  /**
   * Runs every event due up to `until`. After each one the real microtask queue is drained (one
   * macrotask turn), so the daemon's async code runs to its next await on a simulated call or timer.
   */
  async runUntil(until: number, afterEach: () => void): Promise<void> {
    for (;;) {
      const top = this.heap[0];
      if (!top || top.at > until) break;
      this.pop();
      if (top.cancelled || (top.proc && !top.proc.alive)) continue;
      if (top.proc?.paused) {
        top.proc.deferred.push(top);
        continue;
      }
      if (top.proc?.starve && !top.late) {
        top.late = true;
        const late = top.proc.starve();
        if (late > 0) {
          top.at += late;
          top.seq = this.seq++;
          this.push(top);
          continue;
        }
      }
      this.now = top.at;
      this.steps++;
      top.fn();
      // Only a process's events resolve the daemon's promises (world events schedule process events instead),
      // so only they need the microtask queue drained; a macrotask turn costs a trip through the event loop.
      if (top.proc) await new Promise<void>((r) => setImmediate(r));
      afterEach();
    }
    this.now = until;
  }

  private push(ev: SimEvent): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
