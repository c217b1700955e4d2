// The daemon's LocalPostgres on a simulated node: pg_ctl, pg_rewind, pg_basebackup, the probe session; answers are events of the daemon process.
import type { QueryResultRow } from 'pg';
import { formatLsn } from '../../common/cluster-keys.js';
import type { LocalPostgres, PgControl, PgSession } from '../../daemon/local-postgres.js';
import { parseConfState, renderPostgresqlConf, syncStandbyNames, type PgSettings } from '../../daemon/postgres-conf.js';
import { PgToolError, type RemotePg } from '../../daemon/postgres-ctl.js';
import { boundedStop, type StopOutcome } from '../../daemon/postgres-stop.js';
import type { PgSnapshot } from '../../daemon/postgres-probe.js';
import { draw, PG_DURATIONS } from './pg-durations.js';
import type { Proc } from './scheduler.js';
import { commonPrefix, isPrefix, RECORD_BYTES, type PgEnv, type SimPg } from './sim-postgres.js';

/** libpq's connect_timeout=5 (pg_rewind, pg_basebackup, the CHECKPOINT client). */
const CONNECT_TIMEOUT_MS = 5_000;

/** As PgCtl's runBoth fails: the last lines in the message, the whole output alongside (the daemon classifies it). */
function toolError(tool: string, lines: string[]): PgToolError {
  const Ctor = PgToolError as unknown as new (message: string, output?: string) => PgToolError;
  return new Ctor(`${tool} exited 1: ${lines.slice(-3).join(' | ')}`, lines.join('\n'));
}

function errorWithCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

export class SimLocalPostgres implements LocalPostgres {
  readonly ctl: PgControl & { kill(): Promise<void> };
  readonly probe: PgSession;
  /** Set when the daemon shuts down on SIGTERM: its stops are not rejoin decisions. */
  shuttingDown = false;
  private connected = false;

  constructor(
    private readonly pg: SimPg,
    private readonly env: PgEnv,
    private readonly proc: Proc,
    private readonly probeTimeoutMs: number,
    private readonly onLost: () => void,
    /** Invariant hook: the daemon stops a running standby (a rejoin). */
    private readonly onStandbyStop: (node: string) => void,
  ) {
    const lost = () => {
      if (!this.connected || !proc.alive) return;
      this.connected = false;
      env.s.after(1, proc, () => this.onLost());
    };
    pg.deathWatchers.add(lost);
    this.ctl = this.makeCtl();
    this.probe = this.makeProbe();
  }

  /** The process died: its session and hooks go with it. */
  detach(): void {
    this.connected = false;
  }

  private reply<T>(ms: number, fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.env.s.after(ms, this.proc, () => {
        try {
          resolve(fn());
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  private fail(ms: number, err: Error): Promise<never> {
    return this.reply(ms, () => {
      throw err;
    });
  }

  /** Where a remote server is, and whether this node can talk to it: 'ok', 'refused' (fast) or 'timeout'. */
  private reach(remote: RemotePg): { src: SimPg | undefined; how: 'ok' | 'refused' | 'timeout' } {
    const src = this.env.pgs.get(remote.host);
    if (!src || !this.env.net.reachable(this.pg.node, src.node)) return { src, how: 'timeout' };
    const sv = src.server;
    if (!sv || sv.state !== 'running') return { src, how: 'refused' };
    return { src, how: sv.frozen ? 'timeout' : 'ok' };
  }

  private connectError(tool: string, remote: RemotePg, how: 'refused' | 'timeout'): Error {
    const why = how === 'refused' ? 'Connection refused' : 'timeout expired';
    return toolError(tool, [`${tool}: error: could not connect to server: connection to server at "${remote.host}", port ${remote.port} failed: ${why}`]);
  }

  private makeCtl(): PgControl & { kill(): Promise<void> } {
    const pg = this.pg;
    const env = this.env;
    const self = this;
    return {
      hasData: () => pg.data !== null,
      postmasterPid: () => pg.server?.pid ?? null,
      clearStalePid: () => undefined,
      configState: () => {
        const c = pg.data?.conf;
        return c ? { upstream: c.upstreamId, sync: [...c.sync], ...(c.parameters ? { parameters: { ...c.parameters } } : {}) } : { upstream: null, sync: [] };
      },
      /** The daemon's own renderer and parser: what the simulated server reads is what the real one would. */
      writeConfig(settings: PgSettings, standby: boolean) {
        if (!pg.data) return;
        const state = parseConfState(renderPostgresqlConf(settings));
        pg.data.conf = { upstreamId: state.upstream, sync: [...state.sync], standby, ...(state.parameters ? { parameters: state.parameters } : {}) };
      },
      controlData() {
        if (!pg.data) return self.fail(5, new PgToolError('pg_controldata exited 1: pg_controldata: error: could not open file "global/pg_control"'));
        return self.reply(5 + env.rng.int(10), () => {
          if (!pg.data) throw new PgToolError('pg_controldata exited 1: no data directory');
          return { 'Database cluster state': pg.data.controlState, "Latest checkpoint's TimeLineID": String(pg.tli()) };
        });
      },
      initdb() {
        if (pg.data) return self.fail(20, new PgToolError('initdb exited 1: initdb: error: directory exists but is not empty'));
        return self.reply(300, () => {
          pg.data = { systemId: env.newSystemId(), wal: [env.newRecord(1)], controlState: 'shut down', recycledUpTo: 0, conf: { upstreamId: null, sync: [], standby: false }, slots: [], roles: ['postgres'], databases: ['postgres'], provenDiverged: false, historyTli: 1 };
          env.trace(`pg ${pg.node}: initdb (system ${pg.data.systemId})`);
        });
      },
      start() {
        if (pg.server) return self.fail(20, new PgToolError('pg_ctl exited 1: pg_ctl: another server might be running; trying to start server anyway | pg_ctl: could not start server'));
        if (!pg.data) return self.fail(5, new PgToolError(`pg_ctl exited 1: pg_ctl: directory "/sim/${pg.node}" is not a database cluster directory`));
        return new Promise<void>((resolve, reject) => {
          pg.startServer((ok) => {
            env.s.after(2, self.proc, () => (ok ? resolve() : reject(new PgToolError('pg_ctl exited 1: pg_ctl: could not start server | Examine the log output.'))));
          });
        });
      },
      /** PgCtl.stop's own policy (postgres-stop.ts) over a simulated pg_ctl stop. */
      stop(mode: 'fast' | 'immediate', boundSeconds?: number): Promise<StopOutcome> {
        const sv = pg.server;
        if (sv && mode === 'fast' && sv.inRecovery && sv.state === 'running' && !self.shuttingDown) self.onStandbyStop(pg.node);
        return boundedStop(
          {
            running: () => pg.server !== null,
            frozen: () => pg.server?.frozen === true,
            pgCtlStop: (m, seconds) =>
              new Promise<void>((resolve, reject) => {
                const server = pg.server;
                if (!server) return resolve();
                let done = false;
                const timer = env.s.after(seconds * 1000, self.proc, () => {
                  if (done) return;
                  done = true;
                  reject(new PgToolError('pg_ctl exited 1: pg_ctl: server does not shut down'));
                });
                server.onGone.push(() => {
                  env.s.after(2, self.proc, () => {
                    if (done) return;
                    done = true;
                    env.s.cancel(timer);
                    resolve();
                  });
                });
                pg.signal(m);
              }),
            kill: () => self.reply(2, () => pg.signal('kill')),
          },
          mode,
          boundSeconds,
        );
      },
      frozen: () => pg.server?.frozen === true,
      /** SIGKILL to the postmaster's process group: acts even on a stopped (frozen) process. */
      kill() {
        return self.reply(2, () => pg.signal('kill'));
      },
      reload() {
        if (!pg.server) return self.fail(5, new PgToolError('pg_ctl exited 1: pg_ctl: PID file does not exist | Is server running?'));
        return self.reply(5, () => pg.signal('hup'));
      },
      promote() {
        const sv = pg.server;
        if (!sv) return self.fail(5, new PgToolError('pg_ctl exited 1: pg_ctl: PID file does not exist | Is server running?'));
        if (!sv.inRecovery) return self.fail(5, new PgToolError('pg_ctl exited 1: pg_ctl: cannot promote server; server is not in standby mode'));
        return self.reply(5, () => pg.signal('promote'));
      },
      wipe() {
        if (pg.data) env.onRemoveData(pg.node, pg.data, 'wipe');
        pg.data = null;
      },
      basebackup(from: RemotePg) {
        if (pg.data) env.onRemoveData(pg.node, pg.data, 'basebackup over existing data');
        pg.data = null;
        const r = self.reach(from);
        if (r.how !== 'ok') return self.fail(r.how === 'refused' ? 3 : CONNECT_TIMEOUT_MS, self.connectError('pg_basebackup', from, r.how));
        return self.reply(300 + env.rng.int(700), () => {
          const again = self.reach(from);
          const src = again.src?.data;
          if (again.how !== 'ok' || !src) throw new PgToolError(`pg_basebackup exited 1: pg_basebackup: error: could not read COPY data: server closed the connection unexpectedly`);
          if (pg.diskFull) throw new PgToolError('pg_basebackup exited 1: pg_basebackup: error: could not write to file "base/1/1259": No space left on device');
          if (pg.data) throw new PgToolError('pg_basebackup exited 1: pg_basebackup: error: directory exists but is not empty');
          // PostgreSQL answers a role that does not exist as a wrong password.
          if (!src.roles.includes('replicator')) throw new PgToolError(`pg_basebackup exited 1: pg_basebackup: error: connection to server at "${from.host}", port ${from.port} failed: FATAL:  password authentication failed for user "replicator"`);
          pg.data = { systemId: src.systemId, wal: [...src.wal], controlState: src.controlState, recycledUpTo: src.recycledUpTo, conf: { ...src.conf, standby: false }, slots: [], roles: [...src.roles], databases: [...src.databases], provenDiverged: false, historyTli: Math.max(src.historyTli, again.src!.tli()) };
          env.trace(`pg ${pg.node}: base backup from ${from.host} (lsn ${pg.data.wal.length})`);
        });
      },
      rewind(from: RemotePg) {
        if (pg.server) return self.fail(10, new PgToolError('pg_rewind exited 1: pg_rewind: error: target server must be shut down cleanly'));
        if (!pg.data) return self.fail(5, new PgToolError('pg_rewind exited 1: pg_rewind: error: could not open file "global/pg_control"'));
        const r = self.reach(from);
        if (r.how !== 'ok') return self.fail(r.how === 'refused' ? 3 : CONNECT_TIMEOUT_MS, self.connectError('pg_rewind', from, r.how));
        return self.reply(100 + env.rng.int(400), () => {
          const again = self.reach(from);
          const d = pg.data;
          const src = again.src?.data;
          if (again.how !== 'ok' || !src) throw toolError('pg_rewind', ['pg_rewind: error: could not fetch remote file: server closed the connection unexpectedly']);
          if (!d) throw new PgToolError('pg_rewind exited 1: pg_rewind: error: could not open file "global/pg_control"');
          if (pg.diskFull) throw toolError('pg_rewind', ['pg_rewind: error: could not write file "pg_wal/000000020000000000000003": No space left on device']);
          if (d.systemId !== src.systemId) {
            d.provenDiverged = true;
            throw toolError('pg_rewind', ['pg_rewind: error: source and target clusters are from different systems']);
          }
          if (isPrefix(d.wal, src.wal)) return 'pg_rewind: source and target cluster are on the same timeline\npg_rewind: no rewind required';
          const fork = commonPrefix(d.wal, src.wal);
          if (fork < d.recycledUpTo) {
            d.provenDiverged = true;
            throw toolError('pg_rewind', [`pg_rewind: servers diverged at WAL location ${formatLsn(fork * RECORD_BYTES)} on timeline ${pg.tli()}`, `pg_rewind: error: could not find previous WAL record at ${formatLsn(fork * RECORD_BYTES)}`]);
          }
          pg.data = { ...d, wal: [...src.wal], controlState: 'in archive recovery', recycledUpTo: Math.min(src.recycledUpTo, fork), conf: { ...src.conf, standby: false }, roles: [...src.roles], databases: [...src.databases], provenDiverged: false, historyTli: Math.max(d.historyTli, src.historyTli, again.src!.tli()) };
          env.trace(`pg ${pg.node}: rewound from ${from.host} (diverged at ${fork}, now lsn ${src.wal.length})`);
          return `pg_rewind: servers diverged at WAL location ${formatLsn(fork * RECORD_BYTES)} on timeline ${pg.tli()}\npg_rewind: Done!`;
        });
      },
    };
  }

  checkpointRemote(remote: RemotePg): Promise<void> {
    const r = this.reach(remote);
    if (r.how === 'refused') return this.fail(3, errorWithCode(`connect ECONNREFUSED ${remote.host}:${remote.port}`, 'ECONNREFUSED'));
    if (r.how === 'timeout') return this.fail(CONNECT_TIMEOUT_MS, new Error('Connection terminated due to connection timeout'));
    const src = r.src!;
    return this.reply(draw(this.env.rng, PG_DURATIONS.checkpoint) + src.fsyncMs, () => {
      if (src.diskFull) throw new Error('could not write to file "base/5/16384": No space left on device');
    });
  }

  ensureDataDir(): void {}

  /** One round trip on the local socket (plus `workMs` of the server's own work): refused without a server, a read timeout when it is frozen. */
  private ask<T>(compute: () => T, workMs = 0): Promise<T> {
    const sv = this.pg.server;
    if (!sv) {
      this.connected = false;
      return this.fail(1, errorWithCode(`connect ENOENT /sim/run/.s.PGSQL.5432`, 'ENOENT'));
    }
    if (sv.state !== 'running') return this.fail(1, errorWithCode(`the database system is ${sv.state === 'starting' ? 'starting up' : 'shutting down'}`, '57P03'));
    const began = this.env.s.now;
    return new Promise<T>((resolve, reject) => {
      this.env.s.after(1 + this.env.rng.int(2) + workMs, this.proc, () => {
        const now = this.pg.server;
        if (now !== sv) return reject(new Error('Connection terminated unexpectedly'));
        if (now.frozen) {
          this.env.s.after(Math.max(0, began + this.probeTimeoutMs - this.env.s.now), this.proc, () => {
            this.connected = false;
            reject(new Error('Query read timeout'));
          });
          return;
        }
        try {
          const v = compute();
          this.connected = true;
          resolve(v);
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  private makeProbe(): PgSession {
    const pg = this.pg;
    const self = this;
    return {
      query<T extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
        return self.ask(() => self.sql(sql, params) as T[], /^\s*CHECKPOINT/.test(sql) ? draw(self.env.rng, PG_DURATIONS.checkpoint) + pg.fsyncMs : 0);
      },
      snapshot(): Promise<PgSnapshot> {
        return self.ask(() => {
          const sv = pg.server!;
          const d = pg.data!;
          const lsn = d.wal.length * RECORD_BYTES;
          return {
            inRecovery: sv.inRecovery,
            walLsn: sv.inRecovery ? null : lsn,
            receivedLsn: sv.inRecovery ? lsn : null,
            replayedLsn: sv.inRecovery ? lsn : null,
            timeline: pg.tli(),
            systemId: d.systemId,
            streaming: sv.streamingFrom !== null,
            replication: pg.replicationEntries(),
            slots: [...d.slots],
          };
        });
      },
      close() {
        self.connected = false;
      },
    };
  }

  /** The few statements the daemon sends; anything else fails loudly so a new query gets modelled. */
  private sql(sql: string, params: unknown[]): QueryResultRow[] {
    const sv = this.pg.server!;
    const d = this.pg.data!;
    if (/^\s*CHECKPOINT/.test(sql) && this.pg.diskFull) throw new Error('could not write to file "base/5/16384": No space left on device');
    // pgdaemon's create-or-alter of a role (daemon/node-actions.ts createOrAlterRole).
    const doRole = /^DO \$pgdaemon_roles\$ BEGIN IF EXISTS \(SELECT FROM pg_roles WHERE rolname = '(\w+)'\)/.exec(sql);
    if (doRole) {
      if (!d.roles.includes(doRole[1]!)) d.roles.push(doRole[1]!);
      return [];
    }
    const role = /^\s*(CREATE|ALTER) ROLE (\w+)/.exec(sql);
    if (role) {
      const [, verb, name] = role as unknown as [string, string, string];
      const exists = d.roles.includes(name);
      if (verb === 'CREATE' && exists) throw new Error(`role "${name}" already exists`);
      if (verb === 'ALTER' && !exists) throw new Error(`role "${name}" does not exist`);
      if (!exists) d.roles.push(name);
      return [];
    }
    const database = /^\s*CREATE DATABASE (\w+)/.exec(sql);
    if (database) {
      if (d.databases.includes(database[1]!)) throw new Error(`database "${database[1]}" already exists`);
      d.databases.push(database[1]!);
      return [];
    }
    if (sql.includes("FROM pg_database WHERE datname = 'pglab'")) return d.databases.includes('pglab') ? [{ '?column?': 1 }] : [];
    if (/^\s*CHECKPOINT/.test(sql)) return [];
    if (/pg_is_in_recovery\(\) AS rec$/.test(sql.trim())) return [{ rec: sv.inRecovery }];
    if (sql.includes("current_setting('synchronous_standby_names')")) return [{ s: syncStandbyNames(sv.appliedSync) }];
    if (sql.includes('system_identifier::text AS id')) return [{ id: d.systemId }];
    if (sql.includes('FROM pg_settings WHERE pending_restart')) return this.pg.pendingRestart().map((name) => ({ name }));
    if (sql.includes('pg_create_physical_replication_slot')) {
      if (sv.inRecovery) throw new Error('recovery is in progress');
      for (const n of (params[0] as string[]) ?? []) if (!d.slots.includes(n)) d.slots.push(n);
      return [];
    }
    throw new Error(`sim: the simulated PostgreSQL does not know this statement: ${sql.trim().slice(0, 80)}`);
  }
}
