// How long the simulated PostgreSQL takes for what the daemon waits on, drawn per call from measured ranges.
// Source: measure/pg-action-durations.sh on local PostgreSQL 15 on the 2-core CI-class host
// (docs/measurements/pg-action-durations.txt).
import type { Prng } from '../../imdb-data/prng.js';

export interface Range {
  min: number;
  max: number;
}

/** Measured 2026-12-06 (10 runs each, 20000- and 200000-row write batches between steps; pg_ctl -w polls every 100 ms). */
export const PG_DURATIONS = {
  /** pg_ctl start -w of a cleanly stopped server, until it accepts connections: 118–335 ms. */
  start: { min: 110, max: 340 },
  /** The same after an immediate stop (crash recovery replays the WAL since the last checkpoint): 215–2317 ms. */
  startAfterCrash: { min: 210, max: 2320 },
  /** CHECKPOINT with the writers' dirty buffers (before a switchover's stop, and on a rewind's source): 27–375 ms. */
  checkpoint: { min: 25, max: 380 },
  /** pg_ctl stop -m fast: the shutdown checkpoint and the walsenders' last sends: 103–355 ms. */
  fastStop: { min: 100, max: 360 },
  /** pg_ctl stop -m immediate: 104–187 ms. */
  immediateStop: { min: 100, max: 190 },
  /** From pg_ctl promote until pg_is_in_recovery() is false (polled every 10 ms): 88–182 ms. */
  promote: { min: 85, max: 185 },
} satisfies Record<string, Range>;

export function draw(rng: Prng, r: Range): number {
  return r.min + rng.int(r.max - r.min + 1);
}
