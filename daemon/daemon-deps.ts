// Everything with I/O or time that the daemon's cycle uses, injected (production here, a simulator in tests).
import { systemClock, type Clock } from './clock.js';
import { FenceWatchdog } from './fence-watchdog.js';
import { startApi } from './http-api.js';
import { realLocalPostgres, type LocalPostgres } from './local-postgres.js';
import type { DaemonOptions } from './options.js';

/** Every public method of FenceWatchdog (arm, armed, feed, disarm). */
export type Watchdog = Pick<FenceWatchdog, keyof FenceWatchdog>;

export interface DaemonDeps {
  clock: Clock;
  /** The local PostgreSQL; `onLost` is called when an established session ends without us closing it. */
  localPostgres(onLost: () => void): LocalPostgres;
  watchdog: Watchdog;
  /** Serves the HTTP API; null runs without one (simulation). */
  startApi: typeof startApi | null;
  /** One finished log line (with its newline). */
  write(line: string): void;
  /** Period of the daemon's own fence timer (default 50 ms); null turns that layer off (the simulation's per-layer runs). */
  fenceTimerMs?: number | null;
}

export function productionDeps(opts: DaemonOptions): DaemonDeps {
  return {
    clock: systemClock,
    localPostgres: (onLost) => realLocalPostgres(opts, onLost),
    watchdog: new FenceWatchdog(opts.dataDir),
    startApi,
    write: (line) => process.stdout.write(line),
  };
}
