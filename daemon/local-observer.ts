// What the local PostgreSQL is doing this cycle: one probe (or pg_controldata when it is down), and the sync-set watermark.
import type { ClusterConfig, MemberState } from '../common/cluster-keys.js';
import type { Clock } from './clock.js';
import type { LogFn } from './daemon-log.js';
import type { LocalPg } from './decide-node.js';
import type { PgControl, PgSession } from './local-postgres.js';
import { syncStandbyNames } from './postgres-conf.js';
import type { PgSnapshot } from './postgres-probe.js';

export interface ObserverHooks {
  clock: Clock;
  log: LogFn;
  /** The cluster config as last read (parameters decide whether pending_restart is asked for). */
  config: () => ClusterConfig | null;
  /** The desired generation as last read (the sync watermark is taken again under each). */
  generation: () => number;
}

export class LocalObserver {
  private snap: PgSnapshot | null = null;
  private observed: LocalPg | null = null;
  /** pg_settings.pending_restart, read while the cluster sets PostgreSQL parameters. */
  private pending: string[] = [];
  private applied: MemberState['syncApplied'] = null;
  private syncSeen: { names: string[]; at: number; generation: number } | null = null;

  constructor(
    private readonly ctl: PgControl,
    private readonly probe: PgSession,
    private readonly hooks: ObserverHooks,
  ) {}

  /** The last probe's answer; null while the server is down or does not answer. */
  get snapshot(): PgSnapshot | null {
    return this.snap;
  }
  /** The last observation; null before the first. */
  get local(): LocalPg | null {
    return this.observed;
  }
  get pendingRestart(): string[] {
    return this.pending;
  }
  /** The synchronous standby names in force on this primary and the WAL position from which they count. */
  get syncApplied(): MemberState['syncApplied'] {
    return this.applied;
  }

  async observe(): Promise<LocalPg> {
    const hasData = this.ctl.hasData();
    const pid = hasData ? this.ctl.postmasterPid() : null;
    let snap: PgSnapshot | null = null;
    let controlState: string | null = null;
    if (pid !== null) {
      try {
        snap = await this.probe.snapshot();
      } catch (err) {
        this.hooks.log('probe', `postgres (pid ${pid}) is not answering: ${(err as Error).message}`, true);
      }
    } else {
      this.probe.close();
      if (hasData) {
        try {
          const cd = await this.ctl.controlData();
          controlState = cd['Database cluster state'] ?? null;
        } catch (err) {
          this.hooks.log('probe', `pg_controldata failed: ${(err as Error).message}`, true);
        }
      }
    }
    const conf = this.ctl.configState();
    this.snap = snap;
    this.observed = {
      hasData,
      running: pid !== null,
      inRecovery: snap ? snap.inRecovery : null,
      controlState,
      streaming: snap?.streaming ?? false,
      configuredUpstream: conf.upstream,
      configuredSync: conf.sync,
      ...(conf.parameters ? { configuredParameters: conf.parameters } : {}),
      slots: snap?.slots ?? [],
      systemId: snap?.systemId ?? null,
      timeline: snap?.timeline ?? null,
      frozen: pid !== null && snap === null && this.ctl.frozen(),
    };
    await this.readPendingRestart(snap);
    await this.takeSyncWatermark(snap, conf.sync);
    return this.observed;
  }

  /** The fence stopped PostgreSQL: later decisions must not take it for running (or for a primary) before the next probe. */
  fenceStopped(): void {
    if (this.observed) this.observed = { ...this.observed, running: false, inRecovery: null };
  }

  /** PostgreSQL was stopped by a demotion since the last observation: say so without asking it (pg_controldata is slow). */
  markStopped(): void {
    this.snap = null;
    if (this.observed) this.observed = { ...this.observed, running: false, inRecovery: null, streaming: false, frozen: false };
  }

  /** Only while the cluster sets parameters: one cheap query, and nothing changes for a cluster that sets none. */
  private async readPendingRestart(snap: PgSnapshot | null): Promise<void> {
    const params = this.hooks.config()?.postgresParameters;
    if (snap && Object.keys(params ?? {}).length) {
      try {
        const rows = await this.probe.query<{ name: string }>('SELECT name FROM pg_settings WHERE pending_restart ORDER BY name');
        this.pending = rows.map((r) => r.name);
      } catch {
        // next cycle
      }
    } else if (!snap || !params) this.pending = [];
  }

  /**
   * synchronous_standby_names counts as applied one cycle after we wrote it (our session has reloaded by then); WAL
   * written before that position may have been acknowledged without the new standbys. The watermark is taken again
   * under every desired generation: a standby removed from the set and added back between two cycles leaves the
   * names unchanged, but commits in between were acknowledged without it.
   */
  private async takeSyncWatermark(snap: PgSnapshot | null, names: string[]): Promise<void> {
    if (!snap || snap.inRecovery) {
      this.applied = null;
      this.syncSeen = null;
      return;
    }
    const generation = this.hooks.generation();
    if (this.applied && this.applied.names.join(',') === names.join(',') && this.applied.generation === generation) return;
    try {
      const [row] = await this.probe.query<{ s: string }>("SELECT current_setting('synchronous_standby_names') AS s");
      const now = this.hooks.clock.now();
      if (row && row.s === syncStandbyNames(names)) {
        // Seen in our session; give every walsender 200 ms to reload too before taking the position.
        if (!this.syncSeen || this.syncSeen.names.join(',') !== names.join(',') || this.syncSeen.generation !== generation) this.syncSeen = { names, at: now, generation };
        else if (now - this.syncSeen.at >= 200) this.applied = { names, atLsn: snap.walLsn ?? 0, generation };
      }
    } catch {
      // next cycle
    }
  }
}
