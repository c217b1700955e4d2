// The fence watchdog as its own simulated process, on the product's rules (WATCHDOG_RULES): fires when not fed in time or
// when the daemon dies (pipe EOF), stops postgres immediately, and kills what is left after killAfterMs.
import type { Watchdog } from '../../daemon/daemon-deps.js';
import { budgetSeconds, WATCHDOG_RULES } from '../../daemon/fence-watchdog.js';
import { Proc, type Scheduler, type SimEvent } from './scheduler.js';
import type { SimPg } from './sim-postgres.js';

export class SimWatchdog implements Watchdog {
  private proc: Proc | null = null;
  private timer: SimEvent | null = null;
  private fired = false;
  /** Fault: CPU starvation of the watchdog process (each of its events that late); see Proc.starve. */
  starve: (() => number) | null = null;
  /** Per-layer runs: a watchdog that is fed but never fires (the layer turned off). */
  disabled = false;

  constructor(
    private readonly s: Scheduler,
    private readonly pg: SimPg,
    private readonly trace: (line: string) => void,
  ) {}

  arm(budgetMs: number): void {
    if (this.armed()) return this.feed(budgetMs);
    this.proc = new Proc(`${this.pg.node}-watchdog`);
    this.proc.starve = () => this.starve?.() ?? 0;
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

  /** The daemon died: the watchdog reads EOF on its pipe and stops postgres at once. */
  daemonDied(): void {
    if (this.armed()) this.fire('its daemon is gone (EOF)');
  }

  /** The process whose events are the watchdog's (a pause of the machine pauses it too). */
  get process(): Proc | null {
    return this.proc;
  }

  takeFired(): boolean {
    const f = this.fired;
    this.fired = false;
    return f;
  }

  private schedule(budgetMs: number): void {
    // The budget as the product writes it: seconds with 3 decimals, with its floor.
    const ms = Number(budgetSeconds(budgetMs)) * 1000;
    this.timer = this.s.after(ms, this.proc, () => this.fire('not fed in time'));
  }

  private fire(why: string): void {
    if (this.disabled) return;
    this.trace(`watchdog ${this.pg.node}: ${why}; immediate shutdown, SIGKILL after ${WATCHDOG_RULES.killAfterMs}ms`);
    this.fired = true;
    const proc = this.proc;
    this.proc = null;
    const server = this.pg.server;
    if (!server) return void (proc && this.s.kill(proc));
    this.pg.signal('immediate');
    // A server still there (frozen, or stuck) gets SIGKILL, as the product's watchdog does.
    this.s.after(WATCHDOG_RULES.killAfterMs, proc, () => {
      if (this.pg.server === server) {
        this.trace(`watchdog ${this.pg.node}: postgres still there after ${WATCHDOG_RULES.killAfterMs}ms; SIGKILL`);
        this.pg.signal('kill');
      }
      if (proc) this.s.kill(proc);
    });
  }
}
