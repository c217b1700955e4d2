// The fence watchdog as its own simulated process: fires on the virtual clock when not fed, or when the daemon dies (pipe EOF).
import type { Watchdog } from '../../daemon/daemon-deps.js';
import { Proc, type Scheduler, type SimEvent } from './scheduler.js';
import type { SimPg } from './sim-postgres.js';

export class SimWatchdog implements Watchdog {
  private proc: Proc | null = null;
  private timer: SimEvent | null = null;

  constructor(
    private readonly s: Scheduler,
    private readonly pg: SimPg,
    private readonly trace: (line: string) => void,
  ) {}

  arm(budgetMs: number): void {
    if (this.armed()) return this.feed(budgetMs);
    this.proc = new Proc(`${this.pg.node}-watchdog`);
    this.schedule(budgetMs);
  }

  armed(): boolean {
    return this.proc !== null && this.proc.alive;
  }

  feed(budgetMs: number): void {
    if (!this.armed()) return;
    this.s.cancel(this.timer);
    this.schedule(budgetMs);
  }

  disarm(): void {
    if (this.proc) this.s.kill(this.proc);
    this.proc = null;
  }

  /** The daemon died: read(1) sees EOF and the watchdog stops postgres at once. */
  daemonDied(): void {
    if (this.armed()) this.fire('its daemon is gone (EOF)');
  }

  private schedule(budgetMs: number): void {
    // `read -t` takes seconds with a floor of 0.01 (fence-watchdog.ts).
    this.timer = this.s.after(Math.max(10, budgetMs), this.proc, () => this.fire('not fed in time'));
  }

  private fired = false;

  takeFired(): boolean {
    const f = this.fired;
    this.fired = false;
    return f;
  }

  private fire(why: string): void {
    this.trace(`watchdog ${this.pg.node}: ${why}; pg_ctl stop -m immediate`);
    this.fired = true;
    this.disarm();
    this.pg.signal('immediate');
  }
}
