// One node's simulated PostgreSQL: data directory (system id, WAL as record ids, timelines) and server process (roles, streaming, signals, freeze).
import type { Prng } from '../../imdb-data/prng.js';
import { draw, PG_DURATIONS } from './pg-durations.js';
import type { Network } from './network.js';
import type { Scheduler } from './scheduler.js';

/** Bytes per simulated WAL record: LSN = index × RECORD_BYTES. */
export const RECORD_BYTES = 128;

/** What the daemon wrote into postgresql.conf (read back with its own parser) and whether standby.signal exists. */
export interface SimConf {
  upstreamId: string | null;
  sync: string[];
  standby: boolean;
  /** The cluster's parameters as written (absent: none). */
  parameters?: Record<string, string>;
}

/** Parameters the simulated server takes only at start (a reload leaves them pending_restart). */
const RESTART_ONLY = new Set(['shared_buffers', 'max_connections', 'max_locks_per_transaction']);

export interface DataDir {
  systemId: string;
  /** Record ids; a record keeps its index forever, so equal ids at an index mean equal prefixes. */
  wal: number[];
  controlState: string;
  /** WAL before this index has been recycled: a rewind whose divergence point is older cannot work. */
  recycledUpTo: number;
  conf: SimConf;
  slots: string[];
  /** Roles and databases in the catalog (initdb makes only postgres); pg_basebackup and pg_rewind copy the source's. */
  roles: string[];
  databases: string[];
  /** pg_rewind failed because the divergence could not be repaired (or the system differs): removal is justified. */
  provenDiverged: boolean;
  /**
   * The newest timeline whose history file is in pg_wal: a promotion takes the next one (PostgreSQL's
   * findNewestTimeLine). A standby learns its upstream's timeline when its WAL receiver connects, whether or not any
   * WAL follows; without a shared archive, two nodes promoted from the same timeline without ever hearing of each
   * other pick the same new timeline number.
   */
  historyTli: number;
}

export interface Commit {
  pos: number;
  id: number;
  onAck: (c: Commit) => void;
  /** Flushed locally (its fsync done) from this instant. */
  flushedAt: number;
}

export interface Server {
  pid: number;
  state: 'starting' | 'running' | 'stopping';
  frozen: boolean;
  inRecovery: boolean;
  appliedUpstream: string | null;
  appliedSync: string[];
  /** The parameters in force (restart-only ones as they were at start). */
  appliedParameters: Record<string, string>;
  /** Node whose WAL this standby received on the last replication tick. */
  streamingFrom: string | null;
  /** Signal effects that wait for SIGCONT. */
  pending: Array<() => void>;
  /** Called once when the server is gone. */
  onGone: Array<() => void>;
  commits: Commit[];
  /** Since when it serves as a primary without interruption (null: it does not). */
  servingSince: number | null;
  /** When pg_ctl start began it. */
  startedAt: number;
  replayCredit: number;
}

/** What a simulated PostgreSQL needs from the world around it. */
export interface PgEnv {
  s: Scheduler;
  net: Network;
  rng: Prng;
  pgs: Map<string, SimPg>;
  newRecord(tli: number): number;
  tliOf(id: number): number;
  newSystemId(): string;
  keepRecords: number;
  trace(line: string): void;
  /** The data directory of `node` is being removed (wipe, or a base backup over existing data). */
  onRemoveData(node: string, data: DataDir, how: string): void;
}

export class SimPg {
  data: DataDir | null = null;
  server: Server | null = null;
  /** Fault: a fast stop takes this long (a long checkpoint, many clients). */
  slowStopMs = 0;
  /** Fault: a standby applies at most this many records per replication tick. */
  replayPerTick: number | null = null;
  /** Fault: the next server started freezes in startup for this long. */
  freezeNextStartMs = 0;
  /** Fault: the next server started takes this much longer to come up. */
  slowNextStartMs = 0;
  /** Fault: every fsync takes this long (a commit's flush, a checkpoint, the shutdown checkpoint). */
  fsyncMs = 0;
  /** Fault: the data directory's file system is full: WAL cannot be written. */
  diskFull = false;
  private nextPid = 1000;
  /** Sessions to tell when the server dies (the daemon's probe reacts at once). */
  readonly deathWatchers = new Set<() => void>();

  constructor(readonly node: string, private readonly env: PgEnv) {}

  running(): boolean {
    return this.server?.state === 'running';
  }

  /** Accepts writes right now. */
  writable(): boolean {
    const sv = this.server;
    return !!sv && sv.state === 'running' && !sv.frozen && !sv.inRecovery;
  }

  /** Could acknowledge a commit now: writable, and every named synchronous standby connected and streaming from it. */
  canAck(): boolean {
    if (!this.writable()) return false;
    return this.server!.appliedSync.every((n) => this.syncStandbyConnected(n));
  }

  private syncStandbyConnected(n: string): boolean {
    const st = this.env.pgs.get(n);
    return !!st?.server && st.server.streamingFrom === this.node && !st.server.frozen && this.env.net.reachable(this.node, n);
  }

  tli(): number {
    const d = this.data;
    const last = d?.wal[d.wal.length - 1];
    return last === undefined ? 1 : this.env.tliOf(last);
  }

  lsn(): number {
    return (this.data?.wal.length ?? 0) * RECORD_BYTES;
  }

  // --- process lifecycle -------------------------------------------------------------------------

  startServer(onReady: (ok: boolean) => void): void {
    const d = this.data!;
    const crashRecovery = d.controlState === 'in production' || d.controlState === 'in archive recovery';
    const sv: Server = {
      pid: this.nextPid++,
      state: 'starting',
      frozen: false,
      inRecovery: d.conf.standby,
      appliedUpstream: null,
      appliedSync: [],
      appliedParameters: { ...(d.conf.parameters ?? {}) },
      streamingFrom: null,
      pending: [],
      onGone: [],
      commits: [],
      servingSince: null,
      startedAt: this.env.s.now,
      replayCredit: 0,
    };
    this.server = sv;
    if (this.freezeNextStartMs > 0) {
      const ms = this.freezeNextStartMs;
      this.freezeNextStartMs = 0;
      sv.frozen = true;
      this.env.trace(`pg ${this.node}: postmaster frozen in startup for ${ms}ms`);
      this.env.s.after(ms, null, () => this.server === sv && this.thaw());
    }
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      onReady(ok);
    };
    sv.onGone.push(() => done(false));
    const ms = draw(this.env.rng, crashRecovery ? PG_DURATIONS.startAfterCrash : PG_DURATIONS.start) + this.slowNextStartMs;
    this.slowNextStartMs = 0;
    this.env.s.after(ms, null, () => this.finishStart(sv, done));
  }

  private finishStart(sv: Server, onReady: (ok: boolean) => void): void {
    // A stop (SIGQUIT, SIGINT) during startup ends the startup process: the server never comes up.
    if (this.server !== sv || sv.state !== 'starting') return;
    if (sv.frozen) {
      sv.pending.push(() => this.finishStart(sv, onReady));
      return;
    }
    if (this.diskFull) return this.die('FATAL: could not write lock file "postmaster.pid": No space left on device');
    const d = this.data!;
    sv.state = 'running';
    this.applyConf(sv);
    if (sv.inRecovery) d.controlState = 'in archive recovery';
    else {
      // Leaving (crash or archive) recovery without promotion writes an end-of-recovery checkpoint on the same timeline.
      d.wal.push(this.env.newRecord(this.tli()));
      d.controlState = 'in production';
      sv.servingSince = this.env.s.now;
    }
    d.provenDiverged = false;
    this.env.trace(`pg ${this.node}: started as ${sv.inRecovery ? 'standby' : 'PRIMARY'} (tli ${this.tli()}, lsn ${d.wal.length})`);
    onReady(true);
  }

  private applyConf(sv: Server): void {
    const c = this.data!.conf;
    sv.appliedSync = sv.inRecovery ? [] : [...c.sync];
    sv.appliedUpstream = sv.inRecovery && c.upstreamId ? (c.upstreamId.split('@')[0] ?? null) : null;
    const wanted = c.parameters ?? {};
    const kept = Object.fromEntries(Object.entries(sv.appliedParameters).filter(([k]) => RESTART_ONLY.has(k)));
    const reloadable = Object.fromEntries(Object.entries(wanted).filter(([k]) => !RESTART_ONLY.has(k)));
    sv.appliedParameters = { ...reloadable, ...kept };
  }

  /** pg_settings.pending_restart: restart-only parameters whose written value is not the one in force. */
  pendingRestart(): string[] {
    const sv = this.server;
    const wanted = this.data?.conf.parameters ?? {};
    if (!sv) return [];
    return [...RESTART_ONLY].filter((k) => (wanted[k] ?? null) !== (sv.appliedParameters[k] ?? null)).sort();
  }

  /** Delivers a signal; a frozen process acts on it only after SIGCONT (SIGKILL excepted). */
  signal(sig: 'fast' | 'immediate' | 'kill' | 'hup' | 'promote'): void {
    const sv = this.server;
    if (!sv) return;
    if (sig === 'kill') return this.die('killed (SIGKILL)');
    const act = () => {
      if (this.server !== sv) return;
      if (sig === 'hup') this.applyConf(sv);
      else if (sig === 'promote') this.env.s.after(draw(this.env.rng, PG_DURATIONS.promote), null, () => this.finishPromote(sv));
      else this.beginStop(sv, sig);
    };
    if (sv.frozen) sv.pending.push(act);
    else act();
  }

  private finishPromote(sv: Server): void {
    if (this.server !== sv || !sv.inRecovery) return;
    if (sv.frozen) return void sv.pending.push(() => this.finishPromote(sv));
    const d = this.data!;
    const tli = Math.max(this.tli(), d.historyTli) + 1;
    d.historyTli = tli;
    d.wal.push(this.env.newRecord(tli));
    sv.inRecovery = false;
    sv.streamingFrom = null;
    sv.appliedUpstream = null;
    sv.appliedSync = [...d.conf.sync];
    d.controlState = 'in production';
    sv.servingSince = this.env.s.now;
    this.env.trace(`pg ${this.node}: PROMOTED to timeline ${tli} at lsn ${d.wal.length}`);
  }

  private beginStop(sv: Server, mode: 'fast' | 'immediate'): void {
    if (sv.state === 'stopping' && mode === 'fast') return;
    sv.state = 'stopping';
    sv.servingSince = null;
    const ms = mode === 'immediate' ? draw(this.env.rng, PG_DURATIONS.immediateStop) : (this.slowStopMs || draw(this.env.rng, PG_DURATIONS.fastStop)) + this.fsyncMs;
    this.env.s.after(ms, null, () => this.finishStop(sv, mode));
  }

  private finishStop(sv: Server, mode: 'fast' | 'immediate'): void {
    if (this.server !== sv) return;
    if (sv.frozen) return void sv.pending.push(() => this.finishStop(sv, mode));
    const d = this.data!;
    if (mode === 'fast') {
      // A clean shutdown sends all WAL to the connected standbys first.
      if (!sv.inRecovery) for (const st of this.env.pgs.values()) if (st.server?.streamingFrom === this.node) st.receiveFrom(this, Infinity);
      d.controlState = sv.inRecovery ? 'shut down in recovery' : 'shut down';
    }
    this.die(`stopped (${mode})`);
  }

  /** The process is gone: nothing it did not acknowledge is acknowledged now. */
  die(why: string): void {
    const sv = this.server;
    if (!sv) return;
    this.server = null;
    this.env.trace(`pg ${this.node}: ${why}`);
    for (const f of sv.onGone) f();
    for (const f of this.deathWatchers) f();
  }

  freeze(): void {
    if (this.server) this.server.frozen = true;
  }

  thaw(): void {
    const sv = this.server;
    if (!sv || !sv.frozen) return;
    sv.frozen = false;
    sv.servingSince = sv.servingSince === null ? null : this.env.s.now;
    const pending = sv.pending;
    sv.pending = [];
    for (const f of pending) f();
  }

  // --- replication and commits -------------------------------------------------------------------

  /** Copies WAL from `up` if this data is a prefix of it; false when it cannot (diverged, other system, ahead). */
  receiveFrom(up: SimPg, limit: number): boolean {
    const mine = this.data!;
    const theirs = up.data!;
    if (mine.systemId !== theirs.systemId || !isPrefix(mine.wal, theirs.wal)) return false;
    const n = Math.min(limit, theirs.wal.length - mine.wal.length);
    for (let i = 0; i < n; i++) mine.wal.push(theirs.wal[mine.wal.length]!);
    return true;
  }

  /** One replication tick of a standby: stream from the upstream when it runs and is reachable. */
  replicate(): void {
    const sv = this.server;
    if (!sv || sv.state !== 'running' || sv.frozen || !sv.inRecovery) {
      if (sv) sv.streamingFrom = null;
      return;
    }
    const up = sv.appliedUpstream ? this.env.pgs.get(sv.appliedUpstream) : undefined;
    const usv = up?.server;
    let ok = false;
    if (up && usv && usv.state === 'running' && !usv.frozen && this.env.net.reachable(this.node, up.node)) {
      let limit = Infinity;
      if (this.replayPerTick !== null) {
        sv.replayCredit += this.replayPerTick;
        limit = Math.floor(sv.replayCredit);
        sv.replayCredit -= limit;
      }
      // A full disk: the WAL receiver cannot write what it receives and keeps failing.
      // Connected: the receiver fetches the upstream's timeline history first, whatever WAL follows.
      if (!this.diskFull) this.data!.historyTli = Math.max(this.data!.historyTli, up.tli(), up.data!.historyTli);
      ok = !this.diskFull && this.receiveFrom(up, limit);
    }
    sv.streamingFrom = ok ? up!.node : null;
  }

  /** Acknowledges waiting commits whose synchronous standbys all have them. */
  settleCommits(): void {
    const sv = this.server;
    if (!sv || sv.frozen || sv.commits.length === 0) return;
    const now = this.env.s.now;
    sv.commits = sv.commits.filter((c) => {
      if (c.flushedAt > now) return true;
      const ok = sv.appliedSync.every((n) => {
        const st = this.env.pgs.get(n);
        return !!st?.data && this.syncStandbyConnected(n) && st.data.wal[c.pos] === c.id;
      });
      if (ok) c.onAck(c);
      return !ok;
    });
  }

  /** Recycles old WAL, as checkpoints do, keeping `keepRecords`. */
  recycle(): void {
    const d = this.data;
    if (!d || !this.server) return;
    if (d.wal.length - d.recycledUpTo > this.env.keepRecords) d.recycledUpTo = d.wal.length - this.env.keepRecords;
  }

  /** A client commit: appended now, acknowledged when the synchronous standbys have it (at once without any). */
  write(onAck: (c: Commit) => void): Commit | null {
    if (!this.writable()) return null;
    // PostgreSQL cannot write WAL on a full disk: a PANIC, and the postmaster restarts in crash recovery (which fails too).
    if (this.diskFull) {
      this.die('PANIC: could not write to file "pg_wal/xlogtemp": No space left on device');
      return null;
    }
    const d = this.data!;
    const c: Commit = { pos: d.wal.length, id: this.env.newRecord(this.tli()), onAck, flushedAt: this.env.s.now + this.fsyncMs };
    d.wal.push(c.id);
    if (this.server!.appliedSync.length === 0 && this.fsyncMs === 0) onAck(c);
    else this.server!.commits.push(c);
    return c;
  }

  replicationEntries(): Array<{ name: string; state: string; syncState: string; flushLsn: number | null; replayLsn: number | null }> {
    const sv = this.server;
    if (!sv || sv.inRecovery) return [];
    const out = [];
    for (const st of this.env.pgs.values()) {
      if (st.server?.streamingFrom !== this.node || !this.env.net.reachable(this.node, st.node)) continue;
      const lsn = st.lsn();
      out.push({ name: st.node, state: 'streaming', syncState: sv.appliedSync.includes(st.node) ? 'sync' : 'async', flushLsn: lsn, replayLsn: lsn });
    }
    return out;
  }
}

export function isPrefix(a: readonly number[], b: readonly number[]): boolean {
  return a.length <= b.length && (a.length === 0 || a[a.length - 1] === b[a.length - 1]);
}

/** Length of the common prefix (records keep their index, so equality at i implies equality below i). */
export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let lo = 0;
  let hi = Math.min(a.length, b.length);
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (a[mid - 1] === b[mid - 1]) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
