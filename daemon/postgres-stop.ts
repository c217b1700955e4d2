// How a stop of PostgreSQL is bounded and when it turns into a kill: one policy for PgCtl and the simulator's pg_ctl.

export type StopOutcome = { how: 'not running' | 'stopped' } | { how: 'killed'; why: string };

/** What a stop needs from the server and its tools (the real ones in PgCtl, simulated ones in test/sim). */
export interface StopTools {
  /** A postmaster is alive. */
  running(): boolean;
  /** Stopped by a signal or traced: it will neither answer nor obey pg_ctl. */
  frozen(): boolean;
  /** `pg_ctl stop -m MODE -w -t SECONDS`: resolves once the server is gone, rejects when it is not gone in time. */
  pgCtlStop(mode: 'fast' | 'immediate', seconds: number): Promise<void>;
  /** SIGKILL to the postmaster and every descendant. */
  kill(): Promise<void>;
}

/** A fast stop gets 30 s (a long shutdown checkpoint), an immediate one 3 s, unless the caller bounds it. */
export function stopBoundSeconds(mode: 'fast' | 'immediate', boundSeconds?: number): number {
  return boundSeconds ?? (mode === 'fast' ? 30 : 3);
}

/**
 * Stops within a bound: a server that does not stop in time, or is frozen, is killed, so a demotion (and the
 * failover waiting on it) always completes.
 */
export async function boundedStop(t: StopTools, mode: 'fast' | 'immediate', boundSeconds?: number): Promise<StopOutcome> {
  if (!t.running()) return { how: 'not running' };
  if (t.frozen()) {
    await t.kill();
    return { how: 'killed', why: 'the postmaster was frozen' };
  }
  const seconds = stopBoundSeconds(mode, boundSeconds);
  try {
    await t.pgCtlStop(mode, seconds);
    return { how: 'stopped' };
  } catch (err) {
    if (!t.running()) return { how: 'stopped' };
    await t.kill();
    return { how: 'killed', why: `no ${mode} stop within ${seconds}s (${(err as Error).message})` };
  }
}
